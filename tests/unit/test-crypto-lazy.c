/*
 * test-crypto-lazy: libcrypto is not mapped until the first libcrypto
 * call, then it is, and every forwarded function gives the known answer:
 * SHA-256 and SHA-512 (FIPS 180 "abc"), HMAC-SHA256 (RFC 4231 case 2),
 * base64 both ways, AES-256-GCM (a round trip, and a flipped tag refused),
 * CRYPTO_memcmp, RAND_bytes.
 */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "crypto-lazy.h"

static bool
crypto_mapped(void)
{
	FILE	*f = fopen("/proc/self/maps", "r");
	char	 line[512];
	bool	 found = false;

	if (f == NULL)
		return true;	/* cannot tell: fail the check below */
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "/libcrypto.so") != NULL)
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

int
main(void)
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

	CHECK(!crypto_mapped());
	CHECK(!crypto_lazy_loaded());

	SHA256((const unsigned char *)"abc", 3, md);
	CHECK(crypto_mapped());
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
	return check_summary("crypto-lazy");
}
