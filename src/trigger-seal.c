/*
 * trigger-seal: AES-256-GCM sealing of webhook secrets under a key file.
 */
#include "trigger-seal.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store-hook.h"
#include "xmalloc.h"

#define SEAL_KEY_LEN	32
#define SEAL_NONCE_LEN	12
#define SEAL_TAG_LEN	16

/* The key (SEAL_KEY_LEN bytes) at path, created when absent. */
static enum dr_err
seal_key(const char *path, unsigned char key[SEAL_KEY_LEN],
    struct dr_error *reterr)
{
	ssize_t	r;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		r = read(fd, key, SEAL_KEY_LEN);
		close(fd);
		if (r == SEAL_KEY_LEN)
			return DR_OK;
		return dr_fail(reterr, DR_EIO, "%s: not a webhook key", path);
	}
	if (errno != ENOENT)
		return dr_fail(reterr, DR_EIO, "%s: %s", path, strerror(errno));
	if (RAND_bytes(key, SEAL_KEY_LEN) != 1)
		return dr_fail(reterr, DR_EINTERNAL, "no random bytes");
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0) {
		if (errno == EEXIST)	/* another thread made it first */
			return seal_key(path, key, reterr);
		return dr_fail(reterr, DR_EIO, "%s: %s", path, strerror(errno));
	}
	r = write(fd, key, SEAL_KEY_LEN);
	if (fsync(fd) != 0 || close(fd) != 0 || r != SEAL_KEY_LEN) {
		unlink(path);
		return dr_fail(reterr, DR_EIO, "%s: cannot write", path);
	}
	return DR_OK;
}

enum dr_err
trigger_seal_secret(const char *key_path, struct span secret,
    unsigned char **ret, size_t *ret_len, struct dr_error *reterr)
{
	unsigned char	 key[SEAL_KEY_LEN], *out;
	EVP_CIPHER_CTX	*c = NULL;
	enum dr_err	 err;
	int		 len = 0, fin = 0;

	*ret = NULL;
	*ret_len = 0;
	if (secret.len == 0 || secret.len > WEBHOOK_SECRET_MAX)
		return dr_fail(reterr, DR_EINVAL, "bad secret length");
	if ((err = seal_key(key_path, key, reterr)) != DR_OK)
		return err;
	out = xmalloc(SEAL_NONCE_LEN + secret.len + SEAL_TAG_LEN);
	if (RAND_bytes(out, SEAL_NONCE_LEN) != 1 ||
	    (c = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, out) != 1 ||
	    EVP_EncryptUpdate(c, out + SEAL_NONCE_LEN, &len,
	    (const unsigned char *)secret.p, (int)secret.len) != 1 ||
	    EVP_EncryptFinal_ex(c, out + SEAL_NONCE_LEN + len, &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_LEN,
	    out + SEAL_NONCE_LEN + len + fin) != 1) {
		err = dr_fail(reterr, DR_EINTERNAL, "cannot seal the secret");
		free(out);
		out = NULL;
	}
	EVP_CIPHER_CTX_free(c);
	explicit_bzero(key, sizeof(key));
	if (out != NULL) {
		*ret = out;
		*ret_len = SEAL_NONCE_LEN + (size_t)(len + fin) + SEAL_TAG_LEN;
	}
	return err;
}

enum dr_err
trigger_seal_open(const char *key_path, const unsigned char *sealed,
    size_t slen, struct webhook_secret **ret, struct dr_error *reterr)
{
	unsigned char	 key[SEAL_KEY_LEN], *plain = NULL;
	EVP_CIPHER_CTX	*c = NULL;
	enum dr_err	 err;
	size_t		 n;
	int		 len = 0, fin = 0;

	*ret = NULL;
	if (sealed == NULL || slen <= SEAL_NONCE_LEN + SEAL_TAG_LEN ||
	    slen > STORE_HOOK_SEAL_MAX)
		return dr_fail(reterr, DR_EINVAL, "no sealed secret");
	if ((err = seal_key(key_path, key, reterr)) != DR_OK)
		return err;
	n = slen - SEAL_NONCE_LEN - SEAL_TAG_LEN;
	plain = xmalloc(n + 1);
	if ((c = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, sealed) != 1 ||
	    EVP_DecryptUpdate(c, plain, &len, sealed + SEAL_NONCE_LEN,
	    (int)n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN,
	    (void *)(sealed + slen - SEAL_TAG_LEN)) != 1 ||
	    EVP_DecryptFinal_ex(c, plain + len, &fin) != 1)
		err = dr_fail(reterr, DR_EIO, "the webhook secret does not "
		    "unseal (was the key file %s replaced?)", key_path);
	else
		err = webhook_secret_from(span_make(plain, (size_t)(len + fin)),
		    ret, reterr);
	EVP_CIPHER_CTX_free(c);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(plain, n + 1);
	free(plain);
	return err;
}

