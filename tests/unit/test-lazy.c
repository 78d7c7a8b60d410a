/*
 * test-lazy: the libraries dockrev opens on first use (src/curl-lazy.c,
 * src/crypto-lazy.c) are not mapped until the first call of one of their
 * functions, then they are, and every forwarded function gives the known
 * answer.
 *   libcrypto: SHA-256 and SHA-512 (FIPS 180 "abc"), HMAC-SHA256 (RFC 4231
 *   case 2), base64 both ways, AES-256-GCM (a round trip, and a flipped tag
 *   refused), CRYPTO_memcmp, RAND_bytes.
 *   libcurl (which loads libcrypto too, so it comes second): long, pointer
 *   and curl_off_t options, getinfo pointers, the multi interface, a real
 *   file:// transfer each.
 *   A process that exits while libcurl is being loaded in the background
 *   (curl_lazy_preload) exits cleanly, whenever in the load it exits.
 * (libmicrohttpd: test-http checks it is opened by the server's start.)
 */
#include <curl/curl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "crypto-lazy.h"
#include "curl-lazy.h"

/* Whether a library whose path contains name is in this process. */
static bool
mapped(const char *name)
{
	FILE	*f = fopen("/proc/self/maps", "r");
	char	 line[512];
	bool	 found = false;

	if (f == NULL)
		return true;	/* cannot tell: fail the check below */
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, name) != NULL)
			found = true;
	fclose(f);
	return found;
}

static const char *
hex(const unsigned char *p, size_t n)
{
	static char	s[2 * EVP_MAX_MD_SIZE + 1];
	size_t		i;

	for (i = 0; i < n && i < EVP_MAX_MD_SIZE; i++)
		snprintf(s + 2 * i, 3, "%02x", p[i]);
	s[2 * i] = '\0';
	return s;
}

static size_t
collect(char *data, size_t size, size_t n, void *arg)
{
	buf_add(arg, data, size * n);
	return size * n;
}

/* One easy transfer of url; the body into b, the result code returned. */
static CURLcode
fetch(CURL *c, const char *url, struct buf *b)
{
	buf_reset(b);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	return curl_easy_perform(c);
}

static void
test_crypto(void)
{
	unsigned char		 md[EVP_MAX_MD_SIZE], key[32], iv[12], tag[16];
	unsigned char		 ct[64], pt[64], b64[64], raw[64], r1[32], r2[32];
	unsigned int		 mdlen = 0;
	size_t			 maclen = 0;
	int			 n, m;
	char			 digest[] = "SHA256";
	OSSL_PARAM		 params[2];
	EVP_MAC			*mac;
	EVP_MAC_CTX		*mctx;
	EVP_CIPHER_CTX		*c;

	CHECK(!mapped("/libcrypto.so"));
	CHECK(!crypto_lazy_loaded());

	SHA256((const unsigned char *)"abc", 3, md);
	CHECK(mapped("/libcrypto.so"));
	CHECK(crypto_lazy_loaded());
	CHECK_STREQ(hex(md, 32), "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	CHECK(EVP_Digest("abc", 3, md, &mdlen, EVP_sha512(), NULL) == 1);
	CHECK_INTEQ(mdlen, 64);
	CHECK_STREQ(hex(md, 8), "ddaf35a193617aba");
	CHECK(EVP_Digest("abc", 3, md, &mdlen, EVP_sha256(), NULL) == 1);
	CHECK_STREQ(hex(md, 4), "ba7816bf");

	/* RFC 4231 test case 2. */
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	CHECK(mac != NULL);
	mctx = EVP_MAC_CTX_new(mac);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	CHECK(EVP_MAC_init(mctx, (const unsigned char *)"Jefe", 4,
	    params) == 1);
	CHECK(EVP_MAC_update(mctx, (const unsigned char *)
	    "what do ya want for nothing?", 28) == 1);
	CHECK(EVP_MAC_final(mctx, md, &maclen, sizeof(md)) == 1);
	CHECK_INTEQ(maclen, 32);
	CHECK_STREQ(hex(md, 32), "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
	EVP_MAC_CTX_free(mctx);
	EVP_MAC_free(mac);

	n = EVP_EncodeBlock(b64, (const unsigned char *)"dockrev", 7);
	CHECK_INTEQ(n, 12);
	CHECK_STREQ((char *)b64, "ZG9ja3Jldg==");
	n = EVP_DecodeBlock(raw, b64, 12);
	CHECK_INTEQ(n, 9);	/* padding decodes to zero bytes */
	CHECK(memcmp(raw, "dockrev", 7) == 0);

	CHECK(RAND_bytes(key, sizeof(key)) == 1);
	CHECK(RAND_bytes(iv, sizeof(iv)) == 1);
	CHECK(RAND_bytes(r1, sizeof(r1)) == 1 && RAND_bytes(r2,
	    sizeof(r2)) == 1);
	CHECK(CRYPTO_memcmp(r1, r2, sizeof(r1)) != 0);
	CHECK(CRYPTO_memcmp(r1, r1, sizeof(r1)) == 0);

	/* AES-256-GCM: encrypt, decrypt, then a flipped tag refused. */
	c = EVP_CIPHER_CTX_new();
	CHECK(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv) == 1);
	CHECK(EVP_EncryptUpdate(c, ct, &n, (const unsigned char *)"secret",
	    6) == 1);
	CHECK(EVP_EncryptFinal_ex(c, ct + n, &m) == 1);
	CHECK_INTEQ(n + m, 6);
	CHECK(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1);
	EVP_CIPHER_CTX_free(c);
	c = EVP_CIPHER_CTX_new();
	CHECK(EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv) == 1);
	CHECK(EVP_DecryptUpdate(c, pt, &n, ct, 6) == 1);
	CHECK(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1);
	CHECK(EVP_DecryptFinal_ex(c, pt + n, &m) == 1);
	CHECK(n + m == 6 && memcmp(pt, "secret", 6) == 0);
	EVP_CIPHER_CTX_free(c);
	tag[0] ^= 1;
	c = EVP_CIPHER_CTX_new();
	CHECK(EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv) == 1);
	CHECK(EVP_DecryptUpdate(c, pt, &n, ct, 6) == 1);
	CHECK(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1);
	CHECK(EVP_DecryptFinal_ex(c, pt + n, &m) != 1);
	EVP_CIPHER_CTX_free(c);
}

static void
test_curl(void)
{
	char			 path[] = "/tmp/dockrev-curl-lazy.XXXXXX";
	char			 url[64], *esc;
	const char		 data[] = "0123456789abcdef";
	struct buf		 b;
	struct curl_slist	*l;
	curl_off_t		 got_size = -1;
	char			*priv = NULL;
	long			 code = -1;
	CURL			*c;
	CURLM			*m;
	CURLMsg			*msg;
	int			 fd, running, left;

	/* Nothing of libcurl before its first use. */
	CHECK(!mapped("/libcurl.so"));
	CHECK(!curl_lazy_loaded());

	fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(write(fd, data, strlen(data)) == (ssize_t)strlen(data));
	close(fd);
	snprintf(url, sizeof(url), "file://%s", path);
	buf_init(&b, 1024);

	c = curl_easy_init();
	CHECK(c != NULL);
	CHECK(mapped("/libcurl.so"));
	CHECK(curl_lazy_loaded());

	/* Pointer options and getinfo pointers (curl_off_t through one). */
	CHECK_INTEQ(curl_easy_setopt(c, CURLOPT_PRIVATE, path), CURLE_OK);
	CHECK_INTEQ(fetch(c, url, &b), CURLE_OK);
	CHECK_STREQ(buf_str(&b), data);
	CHECK_INTEQ(curl_easy_getinfo(c, CURLINFO_PRIVATE, &priv), CURLE_OK);
	CHECK(priv == path);
	CHECK_INTEQ(curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &got_size),
	    CURLE_OK);
	CHECK_INTEQ(got_size, strlen(data));

	/* A long option: resume from byte 10. */
	curl_easy_reset(c);
	CHECK_INTEQ(curl_easy_setopt(c, CURLOPT_RESUME_FROM, 10L), CURLE_OK);
	CHECK_INTEQ(fetch(c, url, &b), CURLE_OK);
	CHECK_STREQ(buf_str(&b), "abcdef");

	/* A curl_off_t option: resume from byte 12. */
	curl_easy_reset(c);
	CHECK_INTEQ(curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE,
	    (curl_off_t)12), CURLE_OK);
	CHECK_INTEQ(fetch(c, url, &b), CURLE_OK);
	CHECK_STREQ(buf_str(&b), "cdef");
	CHECK_INTEQ(curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code),
	    CURLE_OK);
	CHECK_INTEQ(code, 0);	/* file:// has none */

	/* The rest of what dockrev calls. */
	CHECK(curl_easy_strerror(CURLE_FILESIZE_EXCEEDED) != NULL &&
	    strstr(curl_easy_strerror(CURLE_FILESIZE_EXCEEDED), "size") !=
	    NULL);
	esc = curl_easy_escape(c, "a b/c", 0);
	CHECK_STREQ(esc, "a%20b%2Fc");
	curl_free(esc);
	CHECK_INTEQ(curl_getdate("Sun, 06 Nov 1994 08:49:37 GMT", NULL),
	    784111777);
	l = curl_slist_append(NULL, "A: 1");
	l = curl_slist_append(l, "B: 2");
	CHECK(l != NULL && l->next != NULL);
	CHECK_STREQ(l->next->data, "B: 2");
	curl_slist_free_all(l);

	/* The multi interface, with a long option. */
	curl_easy_reset(c);
	m = curl_multi_init();
	CHECK(m != NULL);
	CHECK_INTEQ(curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, 2L), CURLM_OK);
	buf_reset(&b);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	CHECK_INTEQ(curl_multi_add_handle(m, c), CURLM_OK);
	do {
		CHECK_INTEQ(curl_multi_perform(m, &running), CURLM_OK);
		if (running > 0)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	} while (running > 0);
	msg = curl_multi_info_read(m, &left);
	CHECK(msg != NULL && msg->msg == CURLMSG_DONE &&
	    msg->data.result == CURLE_OK);
	CHECK_STREQ(buf_str(&b), data);
	CHECK_INTEQ(curl_multi_remove_handle(m, c), CURLM_OK);
	CHECK_INTEQ(curl_multi_cleanup(m), CURLM_OK);

	curl_easy_cleanup(c);
	buf_done(&b);
	unlink(path);
	curl_lazy_cleanup();
}

/*
 * A command that fails at once (the engine refuses the first request)
 * returns while the preload thread is still in curl_global_init: exit's
 * destructors must not run under it.  Children exit at points swept over
 * the load (a few milliseconds); every one must exit with its own status.
 */
static void
test_preload_exit(void)
{
	struct timespec	 ts;
	pid_t		 pid;
	int		 i, st, bad = 0;

	for (i = 0; i < 80; i++) {
		if ((pid = fork()) == 0) {
			curl_lazy_preload();
			ts.tv_sec = 0;
			ts.tv_nsec = (long)i * 250000;
			nanosleep(&ts, NULL);
			curl_lazy_cleanup();
			exit(3);
		}
		CHECK(pid > 0);
		if (pid < 0 || waitpid(pid, &st, 0) != pid ||
		    !WIFEXITED(st) || WEXITSTATUS(st) != 3) {
			fprintf(stderr, "preload child %d: status %#x\n", i, st);
			bad++;
		}
	}
	CHECK_INTEQ(bad, 0);
	/* The children's loads are theirs. */
	CHECK(!mapped("/libcurl.so"));
}

int
main(void)
{
	CHECK(!mapped("/libcurl.so"));
	test_preload_exit();
	test_crypto();
	test_curl();
	return check_summary("lazy");
}
