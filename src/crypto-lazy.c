/*
 * crypto-lazy: OpenSSL's libcrypto, loaded on first use.
 *
 * Mapping and relocating libcrypto costs a process ~1.5 MiB of resident
 * pages, and most dockrev processes never hash or encrypt: the daemon
 * needs it for a webhook's signature or a sealed secret, the update for a
 * registry credential.  So dockrev does not link it (like systemd's dlopen
 * of its optional libraries): this file defines the libcrypto functions
 * dockrev calls, and the first call opens libcrypto.so.3 and resolves them
 * all.  A process that loaded libcurl (which links libssl and so
 * libcrypto) gets that same copy back from dlopen.
 *
 * Secrets are wiped with explicit_bzero (libc), not OPENSSL_cleanse, so
 * wiping never loads the library.
 */
#include "crypto-lazy.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "lazylib.h"

#define CRYPTO_LAZY_SONAME	"libcrypto.so.3"

static struct {
	int		(*CRYPTO_memcmp)(const void *, const void *, size_t);
	int		(*RAND_bytes)(unsigned char *, int);
	unsigned char	*(*SHA256)(const unsigned char *, size_t,
			    unsigned char *);
	int		(*EVP_EncodeBlock)(unsigned char *,
			    const unsigned char *, int);
	int		(*EVP_DecodeBlock)(unsigned char *,
			    const unsigned char *, int);
	int		(*EVP_Digest)(const void *, size_t, unsigned char *,
			    unsigned int *, const EVP_MD *, ENGINE *);
	const EVP_MD	*(*EVP_sha256)(void);
	const EVP_MD	*(*EVP_sha512)(void);
	const EVP_CIPHER *(*EVP_aes_256_gcm)(void);
	EVP_CIPHER_CTX	*(*EVP_CIPHER_CTX_new)(void);
	void		(*EVP_CIPHER_CTX_free)(EVP_CIPHER_CTX *);
	int		(*EVP_CIPHER_CTX_ctrl)(EVP_CIPHER_CTX *, int, int,
			    void *);
	int		(*EVP_EncryptInit_ex)(EVP_CIPHER_CTX *,
			    const EVP_CIPHER *, ENGINE *,
			    const unsigned char *, const unsigned char *);
	int		(*EVP_EncryptUpdate)(EVP_CIPHER_CTX *, unsigned char *,
			    int *, const unsigned char *, int);
	int		(*EVP_EncryptFinal_ex)(EVP_CIPHER_CTX *,
			    unsigned char *, int *);
	int		(*EVP_DecryptInit_ex)(EVP_CIPHER_CTX *,
			    const EVP_CIPHER *, ENGINE *,
			    const unsigned char *, const unsigned char *);
	int		(*EVP_DecryptUpdate)(EVP_CIPHER_CTX *, unsigned char *,
			    int *, const unsigned char *, int);
	int		(*EVP_DecryptFinal_ex)(EVP_CIPHER_CTX *,
			    unsigned char *, int *);
	EVP_MAC		*(*EVP_MAC_fetch)(OSSL_LIB_CTX *, const char *,
			    const char *);
	void		(*EVP_MAC_free)(EVP_MAC *);
	EVP_MAC_CTX	*(*EVP_MAC_CTX_new)(EVP_MAC *);
	void		(*EVP_MAC_CTX_free)(EVP_MAC_CTX *);
	int		(*EVP_MAC_init)(EVP_MAC_CTX *, const unsigned char *,
			    size_t, const OSSL_PARAM []);
	int		(*EVP_MAC_update)(EVP_MAC_CTX *, const unsigned char *,
			    size_t);
	int		(*EVP_MAC_final)(EVP_MAC_CTX *, unsigned char *,
			    size_t *, size_t);
	OSSL_PARAM	(*OSSL_PARAM_construct_utf8_string)(const char *,
			    char *, size_t);
	OSSL_PARAM	(*OSSL_PARAM_construct_end)(void);
} fn;

#define SYM(s)	{ #s, (void **)&fn.s }
static const struct lazylib_sym syms[] = {
	SYM(CRYPTO_memcmp), SYM(RAND_bytes), SYM(SHA256), SYM(EVP_EncodeBlock),
	SYM(EVP_DecodeBlock), SYM(EVP_Digest), SYM(EVP_sha256),
	SYM(EVP_sha512), SYM(EVP_aes_256_gcm), SYM(EVP_CIPHER_CTX_new),
	SYM(EVP_CIPHER_CTX_free), SYM(EVP_CIPHER_CTX_ctrl),
	SYM(EVP_EncryptInit_ex), SYM(EVP_EncryptUpdate),
	SYM(EVP_EncryptFinal_ex), SYM(EVP_DecryptInit_ex),
	SYM(EVP_DecryptUpdate), SYM(EVP_DecryptFinal_ex), SYM(EVP_MAC_fetch),
	SYM(EVP_MAC_free), SYM(EVP_MAC_CTX_new), SYM(EVP_MAC_CTX_free),
	SYM(EVP_MAC_init), SYM(EVP_MAC_update), SYM(EVP_MAC_final),
	SYM(OSSL_PARAM_construct_utf8_string), SYM(OSSL_PARAM_construct_end),
};
#undef SYM

static struct lazylib	 lib = LAZYLIB_INIT(CRYPTO_LAZY_SONAME, syms, NULL);

#define NEED()	lazylib_need(&lib)

bool
crypto_lazy_loaded(void)
{
	return lazylib_loaded(&lib);
}

int
CRYPTO_memcmp(const void *a, const void *b, size_t n)
{
	NEED();
	return fn.CRYPTO_memcmp(a, b, n);
}

int
RAND_bytes(unsigned char *buf, int n)
{
	NEED();
	return fn.RAND_bytes(buf, n);
}

unsigned char *
SHA256(const unsigned char *d, size_t n, unsigned char *md)
{
	NEED();
	return fn.SHA256(d, n, md);
}

int
EVP_EncodeBlock(unsigned char *t, const unsigned char *f, int n)
{
	NEED();
	return fn.EVP_EncodeBlock(t, f, n);
}

int
EVP_DecodeBlock(unsigned char *t, const unsigned char *f, int n)
{
	NEED();
	return fn.EVP_DecodeBlock(t, f, n);
}

int
EVP_Digest(const void *data, size_t n, unsigned char *md, unsigned int *size,
    const EVP_MD *type, ENGINE *impl)
{
	NEED();
	return fn.EVP_Digest(data, n, md, size, type, impl);
}

const EVP_MD *
EVP_sha256(void)
{
	NEED();
	return fn.EVP_sha256();
}

const EVP_MD *
EVP_sha512(void)
{
	NEED();
	return fn.EVP_sha512();
}

const EVP_CIPHER *
EVP_aes_256_gcm(void)
{
	NEED();
	return fn.EVP_aes_256_gcm();
}

EVP_CIPHER_CTX *
EVP_CIPHER_CTX_new(void)
{
	NEED();
	return fn.EVP_CIPHER_CTX_new();
}

void
EVP_CIPHER_CTX_free(EVP_CIPHER_CTX *c)
{
	NEED();
	fn.EVP_CIPHER_CTX_free(c);
}

int
EVP_CIPHER_CTX_ctrl(EVP_CIPHER_CTX *c, int type, int arg, void *ptr)
{
	NEED();
	return fn.EVP_CIPHER_CTX_ctrl(c, type, arg, ptr);
}

int
EVP_EncryptInit_ex(EVP_CIPHER_CTX *c, const EVP_CIPHER *cipher, ENGINE *impl,
    const unsigned char *key, const unsigned char *iv)
{
	NEED();
	return fn.EVP_EncryptInit_ex(c, cipher, impl, key, iv);
}

int
EVP_EncryptUpdate(EVP_CIPHER_CTX *c, unsigned char *out, int *outl,
    const unsigned char *in, int inl)
{
	NEED();
	return fn.EVP_EncryptUpdate(c, out, outl, in, inl);
}

int
EVP_EncryptFinal_ex(EVP_CIPHER_CTX *c, unsigned char *out, int *outl)
{
	NEED();
	return fn.EVP_EncryptFinal_ex(c, out, outl);
}

int
EVP_DecryptInit_ex(EVP_CIPHER_CTX *c, const EVP_CIPHER *cipher, ENGINE *impl,
    const unsigned char *key, const unsigned char *iv)
{
	NEED();
	return fn.EVP_DecryptInit_ex(c, cipher, impl, key, iv);
}

int
EVP_DecryptUpdate(EVP_CIPHER_CTX *c, unsigned char *out, int *outl,
    const unsigned char *in, int inl)
{
	NEED();
	return fn.EVP_DecryptUpdate(c, out, outl, in, inl);
}

int
EVP_DecryptFinal_ex(EVP_CIPHER_CTX *c, unsigned char *out, int *outl)
{
	NEED();
	return fn.EVP_DecryptFinal_ex(c, out, outl);
}

EVP_MAC *
EVP_MAC_fetch(OSSL_LIB_CTX *ctx, const char *algo, const char *props)
{
	NEED();
	return fn.EVP_MAC_fetch(ctx, algo, props);
}

void
EVP_MAC_free(EVP_MAC *m)
{
	NEED();
	fn.EVP_MAC_free(m);
}

EVP_MAC_CTX *
EVP_MAC_CTX_new(EVP_MAC *m)
{
	NEED();
	return fn.EVP_MAC_CTX_new(m);
}

void
EVP_MAC_CTX_free(EVP_MAC_CTX *c)
{
	NEED();
	fn.EVP_MAC_CTX_free(c);
}

int
EVP_MAC_init(EVP_MAC_CTX *c, const unsigned char *key, size_t keylen,
    const OSSL_PARAM params[])
{
	NEED();
	return fn.EVP_MAC_init(c, key, keylen, params);
}

int
EVP_MAC_update(EVP_MAC_CTX *c, const unsigned char *data, size_t n)
{
	NEED();
	return fn.EVP_MAC_update(c, data, n);
}

int
EVP_MAC_final(EVP_MAC_CTX *c, unsigned char *out, size_t *outl, size_t size)
{
	NEED();
	return fn.EVP_MAC_final(c, out, outl, size);
}

OSSL_PARAM
OSSL_PARAM_construct_utf8_string(const char *key, char *buf, size_t bsize)
{
	NEED();
	return fn.OSSL_PARAM_construct_utf8_string(key, buf, bsize);
}

OSSL_PARAM
OSSL_PARAM_construct_end(void)
{
	NEED();
	return fn.OSSL_PARAM_construct_end();
}
