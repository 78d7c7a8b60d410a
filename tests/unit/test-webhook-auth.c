/*
 * test-webhook-auth: webhook signatures (Dockrev, GitHub, Gitea), the
 * replay cache, secrets and URL tokens.  Time is passed in, so every case
 * is deterministic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "check.h"
#include "webhook-auth.h"
#include "xmalloc.h"

#define NOW	1700000000LL

/* RFC 4231 test case 2. */
#define TC2_KEY		"Jefe"
#define TC2_DATA	"what do ya want for nothing?"
#define TC2_MAC		"5bdcc146bf60754e6a042426089575c7" \
			"5a003f089d2739839dec58b964ec3843"

struct req {
	struct webhook_header	h[8];
	char			 sig[80];
	char			 ts[32];
	struct webhook_request	 r;
};

static void
hexmac(const char *key, const char *data, size_t len, char out[65])
{
	unsigned char	m[32];
	size_t		i, n = 0;

	EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, strlen(key),
	    (const unsigned char *)data, len, m, sizeof(m), &n);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", m[i]);
}

static void
hdr(struct req *q, const char *name, const char *value)
{
	q->h[q->r.nheaders].name = span_str(name);
	q->h[q->r.nheaders].value = span_str(value);
	q->r.nheaders++;
}

/* A correctly signed Dockrev request from the sender's clock ts. */
static void
dockrev_req(struct req *q, const char *key, long long ts,
    const char *delivery, const char *body, long long now)
{
	char	*msg;
	char	 hex[65];

	memset(q, 0, sizeof(*q));
	q->r.headers = q->h;
	q->r.body = span_str(body);
	q->r.now = now;
	snprintf(q->ts, sizeof(q->ts), "%lld", ts);
	msg = xasprintf("%s.%s.%s", q->ts, delivery, body);
	hexmac(key, msg, strlen(msg), hex);
	free(msg);
	snprintf(q->sig, sizeof(q->sig), "sha256=%s", hex);
	hdr(q, "X-Dockrev-Timestamp", q->ts);
	hdr(q, "X-Dockrev-Delivery", delivery);
	hdr(q, "X-Dockrev-Signature", q->sig);
}

static struct webhook_secret *
secret(const char *text, unsigned schemes)
{
	struct webhook_secret	*s = NULL;

	CHECK_INTEQ(webhook_secret_from(span_str(text), &s, NULL), DR_OK);
	webhook_secret_allow(s, schemes);
	return s;
}

static enum webhook_why
verify(struct webhook_secret *s, struct req *q, struct webhook_replay *c)
{
	enum webhook_why	why = (enum webhook_why)-1;
	struct dr_error		err;
	enum dr_err		rc;

	dr_error_clear(&err);
	rc = webhook_verify(s, &q->r, c, &why, &err);
	CHECK((rc == DR_OK) == (why == WEBHOOK_OK));
	/* The secret never leaks into the message. */
	if (webhook_secret_text(s).len >= 4)
		CHECK(memmem(err.msg, strlen(err.msg), webhook_secret_text(s).p,
		    webhook_secret_text(s).len) == NULL);
	return why;
}

static void
test_kat(void)
{
	struct webhook_secret	*s = secret(TC2_KEY, WEBHOOK_SCHEME_ALL);
	struct req		 q;
	char			 hex[65];

	/* The test helper agrees with RFC 4231 too. */
	hexmac(TC2_KEY, TC2_DATA, strlen(TC2_DATA), hex);
	CHECK_STREQ(hex, TC2_MAC);

	memset(&q, 0, sizeof(q));
	q.r.headers = q.h;
	q.r.body = SPAN_LIT(TC2_DATA);
	q.r.now = NOW;
	hdr(&q, "X-Hub-Signature-256", "sha256=" TC2_MAC);
	hdr(&q, "X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958");
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_OK);

	/* Gitea: bare hex. */
	memset(&q, 0, sizeof(q));
	q.r.headers = q.h;
	q.r.body = SPAN_LIT(TC2_DATA);
	q.r.now = NOW;
	hdr(&q, "X-Gitea-Signature", TC2_MAC);
	hdr(&q, "X-Gitea-Delivery", "a1b2c3");
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_OK);

	/* Uppercase hex is accepted (defined: hex digits of either case). */
	memset(&q, 0, sizeof(q));
	q.r.headers = q.h;
	q.r.body = SPAN_LIT(TC2_DATA);
	q.r.now = NOW;
	hdr(&q, "X-Hub-Signature-256", "sha256=5BDCC146BF60754E6A042426089575C7"
	    "5A003F089D2739839DEC58B964EC3843");
	hdr(&q, "x-github-delivery", "d1");
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_OK);
	/* ...but the prefix is exactly "sha256=". */
	q.h[0].value = SPAN_LIT("SHA256=" TC2_MAC);
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_MALFORMED);
	webhook_secret_free(s);
}

static void
test_dockrev(void)
{
	struct webhook_secret	*s = secret("s3cr3t-s3cr3t-s3cr3t",
	    WEBHOOK_SCHEME_DOCKREV);
	struct webhook_replay	*c = webhook_replay_new(0);
	struct dr_error		 err;
	struct req		 q;

	dockrev_req(&q, "s3cr3t-s3cr3t-s3cr3t", NOW, "d-1", "{\"a\":1}", NOW);
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_OK);
	/* Replay within the window, even with a later clock. */
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_REPLAY);
	dr_error_clear(&err);
	CHECK_INTEQ(webhook_verify(s, &q.r, c, NULL, &err), DR_ECONFLICT);
	CHECK(strstr(err.msg, "s3cr3t") == NULL);
	q.r.now = NOW + 300;
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_REPLAY);
	/* After the window the old request is stale... */
	q.r.now = NOW + 301;
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_STALE);
	/* ...and the same id with a fresh timestamp is accepted again. */
	dockrev_req(&q, "s3cr3t-s3cr3t-s3cr3t", NOW + 301, "d-1", "{}",
	    NOW + 301);
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_OK);
	/* Same id, new timestamp, inside the window: replay. */
	dockrev_req(&q, "s3cr3t-s3cr3t-s3cr3t", NOW + 302, "d-1", "{}",
	    NOW + 302);
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_REPLAY);

	/* Boundaries: exactly 300 s old or ahead is ok, 301 is not. */
	dockrev_req(&q, "s3cr3t-s3cr3t-s3cr3t", NOW - 300, "b1", "x", NOW);
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_OK);
	dockrev_req(&q, "s3cr3t-s3cr3t-s3cr3t", NOW - 301, "b2", "x", NOW);
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_STALE);
	dr_error_clear(&err);
	CHECK_INTEQ(webhook_verify(s, &q.r, NULL, NULL, &err), DR_EDENIED);
	dockrev_req(&q, "s3cr3t-s3cr3t-s3cr3t", NOW + 300, "b3", "x", NOW);
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_OK);
	dockrev_req(&q, "s3cr3t-s3cr3t-s3cr3t", NOW + 301, "b4", "x", NOW);
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_STALE);

	/* Bad signatures: other secret, body, delivery or timestamp. */
	dockrev_req(&q, "other", NOW, "e1", "x", NOW);
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_BAD_SIGNATURE);
	dockrev_req(&q, "s3cr3t-s3cr3t-s3cr3t", NOW, "e1", "x", NOW);
	q.r.body = SPAN_LIT("y");
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_BAD_SIGNATURE);
	dockrev_req(&q, "s3cr3t-s3cr3t-s3cr3t", NOW, "e1", "x", NOW);
	q.h[1].value = SPAN_LIT("e2");
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_BAD_SIGNATURE);
	dockrev_req(&q, "s3cr3t-s3cr3t-s3cr3t", NOW, "e1", "x", NOW);
	q.h[0].value = SPAN_LIT("1700000001");
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_BAD_SIGNATURE);
	/* The failed attempts did not burn e1. */
	dockrev_req(&q, "s3cr3t-s3cr3t-s3cr3t", NOW, "e1", "x", NOW);
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_OK);

	webhook_replay_free(c);
	webhook_secret_free(s);
}

static const struct {
	const char		*name, *value;
	enum webhook_why	 why;
} malformed[] = {
	{ "X-Dockrev-Timestamp", "", WEBHOOK_MALFORMED },
	{ "X-Dockrev-Timestamp", "-1700000000", WEBHOOK_MALFORMED },
	{ "X-Dockrev-Timestamp", "+1700000000", WEBHOOK_MALFORMED },
	{ "X-Dockrev-Timestamp", " 1700000000", WEBHOOK_MALFORMED },
	{ "X-Dockrev-Timestamp", "1700000000.5", WEBHOOK_MALFORMED },
	{ "X-Dockrev-Timestamp", "1234567890123456", WEBHOOK_MALFORMED },
	{ "X-Dockrev-Timestamp", "999999999999999", WEBHOOK_STALE },
	{ "X-Dockrev-Delivery", "", WEBHOOK_MALFORMED },
	{ "X-Dockrev-Delivery", "a b", WEBHOOK_MALFORMED },
	{ "X-Dockrev-Delivery", "a/b", WEBHOOK_MALFORMED },
	{ "X-Dockrev-Delivery", "caf\xc3\xa9", WEBHOOK_MALFORMED },
	{ "X-Dockrev-Signature", "", WEBHOOK_MALFORMED },
	{ "X-Dockrev-Signature", "sha256=", WEBHOOK_MALFORMED },
	{ "X-Dockrev-Signature", "sha1=0123", WEBHOOK_MALFORMED },
	{ "X-Dockrev-Signature", "sha256=zz", WEBHOOK_MALFORMED },
	{ "X-Dockrev-Signature", "sha256=00000000000000000000000000000000"
	  "00000000000000000000000000000000", WEBHOOK_BAD_SIGNATURE },
	{ "X-Dockrev-Signature", "sha256=00000000000000000000000000000000"
	  "0000000000000000000000000000000g", WEBHOOK_MALFORMED },
	{ "X-Dockrev-Signature", "sha256=00000000000000000000000000000000"
	  "000000000000000000000000000000000", WEBHOOK_MALFORMED },
};

static void
test_malformed(void)
{
	struct webhook_secret	*s = secret("k", WEBHOOK_SCHEME_DOCKREV);
	struct req		 q;
	char			 longid[WEBHOOK_DELIVERY_MAX + 2];
	size_t			 i, j;

	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		dockrev_req(&q, "k", NOW, "m1", "x", NOW);
		for (j = 0; j < q.r.nheaders; j++)
			if (span_eq_str(q.h[j].name, malformed[i].name))
				q.h[j].value = span_str(malformed[i].value);
		if (verify(s, &q, NULL) != malformed[i].why)
			fprintf(stderr, "malformed case %zu\n", i);
		CHECK_INTEQ(verify(s, &q, NULL), malformed[i].why);
	}
	/* Delivery id lengths: 128 ok, 129 not. */
	memset(longid, 'a', sizeof(longid));
	longid[WEBHOOK_DELIVERY_MAX] = '\0';
	dockrev_req(&q, "k", NOW, longid, "x", NOW);
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_OK);
	longid[WEBHOOK_DELIVERY_MAX] = 'a';
	longid[WEBHOOK_DELIVERY_MAX + 1] = '\0';
	dockrev_req(&q, "k", NOW, longid, "x", NOW);
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_MALFORMED);
	dockrev_req(&q, "k", NOW, "A.Z_0-9", "x", NOW);
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_OK);

	/* Missing timestamp or delivery next to a signature. */
	dockrev_req(&q, "k", NOW, "m1", "x", NOW);
	q.h[0].name = SPAN_LIT("X-Other");
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_MALFORMED);
	dockrev_req(&q, "k", NOW, "m1", "x", NOW);
	q.h[1].name = SPAN_LIT("X-Other");
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_MALFORMED);

	/* Unsigned: no signature at all, or only one this secret refuses. */
	dockrev_req(&q, "k", NOW, "m1", "x", NOW);
	q.r.nheaders = 2;
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_UNSIGNED);
	memset(&q, 0, sizeof(q));
	q.r.headers = q.h;
	q.r.body = SPAN_LIT(TC2_DATA);
	hdr(&q, "X-Hub-Signature-256", "sha256=" TC2_MAC);
	hdr(&q, "X-GitHub-Delivery", "g1");
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_UNSIGNED);
	webhook_secret_free(s);
	/* Missing GitHub delivery id. */
	s = secret(TC2_KEY, WEBHOOK_SCHEME_GITHUB);
	q.r.nheaders = 1;
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_MALFORMED);
	webhook_secret_free(s);
}

static void
test_duplicates(void)
{
	struct webhook_secret	*s = secret("k", WEBHOOK_SCHEME_ALL);
	struct dr_error		 err;
	struct req		 q;

	dockrev_req(&q, "k", NOW, "u1", "x", NOW);
	hdr(&q, "x-dockrev-signature", q.sig);
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_DUPLICATE);
	dr_error_clear(&err);
	CHECK_INTEQ(webhook_verify(s, &q.r, NULL, NULL, &err), DR_EINVAL);
	dockrev_req(&q, "k", NOW, "u1", "x", NOW);
	hdr(&q, "X-DOCKREV-TIMESTAMP", q.ts);
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_DUPLICATE);
	dockrev_req(&q, "k", NOW, "u1", "x", NOW);
	hdr(&q, "X-Dockrev-Delivery", "u2");
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_DUPLICATE);
	/* A header of another format counts too, and unknown ones do not. */
	dockrev_req(&q, "k", NOW, "u1", "x", NOW);
	hdr(&q, "X-Hub-Signature-256", "a");
	hdr(&q, "X-Hub-Signature-256", "b");
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_DUPLICATE);
	dockrev_req(&q, "k", NOW, "u1", "x", NOW);
	hdr(&q, "Accept", "a");
	hdr(&q, "Accept", "b");
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_OK);
	webhook_secret_free(s);
}

static void
test_body_cap(void)
{
	struct webhook_secret	*s = secret("k", WEBHOOK_SCHEME_DOCKREV);
	struct dr_error		 err;
	struct req		 q;
	char			*big = xmalloc(WEBHOOK_BODY_MAX + 2);

	memset(big, 'b', WEBHOOK_BODY_MAX + 1);
	big[WEBHOOK_BODY_MAX] = '\0';
	dockrev_req(&q, "k", NOW, "c1", big, NOW);
	CHECK_INTEQ(q.r.body.len, WEBHOOK_BODY_MAX);
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_OK);
	big[WEBHOOK_BODY_MAX] = 'b';
	big[WEBHOOK_BODY_MAX + 1] = '\0';
	dockrev_req(&q, "k", NOW, "c1", big, NOW);
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_TOO_BIG);
	dr_error_clear(&err);
	CHECK_INTEQ(webhook_verify(s, &q.r, NULL, NULL, &err), DR_ETOOBIG);
	free(big);
	/* A caller-set cap. */
	dockrev_req(&q, "k", NOW, "c2", "0123456789", NOW);
	q.r.body_max = 10;
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_OK);
	q.r.body_max = 9;
	CHECK_INTEQ(verify(s, &q, NULL), WEBHOOK_TOO_BIG);
	webhook_secret_free(s);
}

static void
test_untimed_replay(void)
{
	struct webhook_secret	*s = secret(TC2_KEY, WEBHOOK_SCHEME_GITHUB |
	    WEBHOOK_SCHEME_GITEA);
	struct webhook_replay	*c = webhook_replay_new(0);
	struct req		 q;

	memset(&q, 0, sizeof(q));
	q.r.headers = q.h;
	q.r.body = SPAN_LIT(TC2_DATA);
	q.r.now = NOW;
	hdr(&q, "X-Hub-Signature-256", "sha256=" TC2_MAC);
	hdr(&q, "X-GitHub-Delivery", "g1");
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_OK);
	CHECK_INTEQ(webhook_replay_count(c, NOW), 2);
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_REPLAY);
	/* The delivery id is unsigned: a new one does not launder a body. */
	q.h[1].value = SPAN_LIT("g2");
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_REPLAY);
	/* Gitea format of the same body: same MAC, refused too. */
	q.h[0].name = SPAN_LIT("X-Gitea-Signature");
	q.h[0].value = SPAN_LIT(TC2_MAC);
	q.h[1].name = SPAN_LIT("X-Gitea-Delivery");
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_REPLAY);
	/* After WEBHOOK_UNTIMED_TTL the entries are gone. */
	q.r.now = NOW + WEBHOOK_UNTIMED_TTL;
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_REPLAY);
	q.r.now = NOW + WEBHOOK_UNTIMED_TTL + 1;
	CHECK_INTEQ(webhook_replay_count(c, q.r.now), 0);
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_OK);
	webhook_replay_free(c);
	webhook_secret_free(s);
}

static void
test_eviction(void)
{
	struct webhook_secret	*s = secret("k", WEBHOOK_SCHEME_ALL);
	struct webhook_replay	*c = webhook_replay_new(4);
	struct req		 q;
	char			 id[16];
	int			 i;

	/* Four live timed entries fill the cache; a fifth is refused
	 * rather than evicting a live one. */
	for (i = 0; i < 4; i++) {
		snprintf(id, sizeof(id), "t%d", i);
		dockrev_req(&q, "k", NOW + i, id, "x", NOW + i);
		CHECK_INTEQ(verify(s, &q, c), WEBHOOK_OK);
	}
	CHECK_INTEQ(webhook_replay_count(c, NOW + 3), 4);
	dockrev_req(&q, "k", NOW + 4, "t4", "x", NOW + 4);
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_CACHE_FULL);
	/* Once t0 expires (NOW + 300 < now), it is evicted and t4 fits. */
	dockrev_req(&q, "k", NOW + 301, "t4", "x", NOW + 301);
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_OK);
	CHECK_INTEQ(webhook_replay_count(c, NOW + 301), 4);
	/* t1..t3 are still refused, t0 may come again (fresh timestamp). */
	dockrev_req(&q, "k", NOW + 301, "t1", "x", NOW + 301);
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_REPLAY);
	dockrev_req(&q, "k", NOW + 301, "t3", "x", NOW + 301);
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_REPLAY);
	dockrev_req(&q, "k", NOW + 304, "t0", "x", NOW + 304);
	CHECK_INTEQ(verify(s, &q, c), WEBHOOK_OK);
	webhook_replay_free(c);

	/* Untimed entries are evicted oldest first when full. */
	c = webhook_replay_new(4);
	for (i = 0; i < 3; i++) {
		char	body[8], hex[65], sig[80];

		snprintf(id, sizeof(id), "g%d", i);
		snprintf(body, sizeof(body), "b%d", i);
		hexmac("k", body, strlen(body), hex);
		snprintf(sig, sizeof(sig), "sha256=%s", hex);
		memset(&q, 0, sizeof(q));
		q.r.headers = q.h;
		q.r.body = span_str(body);
		q.r.now = NOW;
		hdr(&q, "X-Hub-Signature-256", sig);
		hdr(&q, "X-GitHub-Delivery", id);
		CHECK_INTEQ(verify(s, &q, c), WEBHOOK_OK);
		CHECK_INTEQ(webhook_replay_count(c, NOW), i < 2 ? 2 * i + 2 : 4);
	}
	/* g0 was evicted (documented: untimed ids have no window bound). */
	{
		char	hex[65], sig[80];

		hexmac("k", "b0", 2, hex);
		snprintf(sig, sizeof(sig), "sha256=%s", hex);
		memset(&q, 0, sizeof(q));
		q.r.headers = q.h;
		q.r.body = SPAN_LIT("b0");
		q.r.now = NOW;
		hdr(&q, "X-Hub-Signature-256", sig);
		hdr(&q, "X-GitHub-Delivery", "g0");
		CHECK_INTEQ(verify(s, &q, c), WEBHOOK_OK);
	}
	webhook_replay_free(c);

	/* Many ids through a small cache: the index stays consistent. */
	c = webhook_replay_new(64);
	for (i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "n%d", i);
		dockrev_req(&q, "k", NOW + i * 10, id, "x", NOW + i * 10);
		CHECK_INTEQ(verify(s, &q, c), WEBHOOK_OK);
		if (i >= 20) {
			snprintf(id, sizeof(id), "n%d", i - 20);
			dockrev_req(&q, "k", NOW + i * 10, id, "x",
			    NOW + i * 10);
			CHECK_INTEQ(verify(s, &q, c), WEBHOOK_REPLAY);
		}
		if (i >= 31) {
			snprintf(id, sizeof(id), "n%d", i - 31);
			dockrev_req(&q, "k", NOW + i * 10, id, "x",
			    NOW + i * 10);
			CHECK_INTEQ(verify(s, &q, c), WEBHOOK_OK);
		}
	}
	webhook_replay_free(c);
	webhook_secret_free(s);
}

static void
test_secrets_tokens(void)
{
	struct webhook_secret	*a = NULL, *b = NULL;
	char			 t1[WEBHOOK_TOKEN_SIZE], t2[WEBHOOK_TOKEN_SIZE];
	char			 long_tok[WEBHOOK_TOKEN_MAX + 2];
	struct span		 text;
	struct dr_error		 err;
	size_t			 i;

	CHECK_INTEQ(webhook_secret_new(&a, NULL), DR_OK);
	CHECK_INTEQ(webhook_secret_new(&b, NULL), DR_OK);
	text = webhook_secret_text(a);
	CHECK_INTEQ(text.len, 43);
	CHECK(!span_eq(text, webhook_secret_text(b)));
	for (i = 0; i < text.len; i++)
		CHECK(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
		    "wxyz0123456789-_", text.p[i]) != NULL);
	webhook_secret_free(a);
	webhook_secret_free(b);
	webhook_secret_free(NULL);
	dr_error_clear(&err);
	CHECK_INTEQ(webhook_secret_from(SPAN_LIT(""), &a, &err), DR_EINVAL);
	CHECK(a == NULL);

	CHECK_INTEQ(webhook_token_new(t1, NULL), DR_OK);
	CHECK_INTEQ(webhook_token_new(t2, NULL), DR_OK);
	CHECK_INTEQ(strlen(t1), 43);
	CHECK(strcmp(t1, t2) != 0);
	CHECK(webhook_token_ok(span_str(t1), span_str(t1)));
	CHECK(!webhook_token_ok(span_str(t1), span_str(t2)));
	CHECK(!webhook_token_ok(span_str(t1), span_make(t1, 42)));
	CHECK(!webhook_token_ok(span_str(t1), SPAN_LIT("")));
	/* 32 chars is the minimum, 31 too short, on either side. */
	CHECK(webhook_token_ok(SPAN_LIT("abcdefghijklmnopqrstuvwxyz012345"),
	    SPAN_LIT("abcdefghijklmnopqrstuvwxyz012345")));
	CHECK(!webhook_token_ok(SPAN_LIT("abcdefghijklmnopqrstuvwxyz01234"),
	    SPAN_LIT("abcdefghijklmnopqrstuvwxyz01234")));
	/* Characters outside [A-Za-z0-9_-]. */
	CHECK(!webhook_token_ok(SPAN_LIT("abcdefghijklmnopqrstuvwxyz01234+"),
	    SPAN_LIT("abcdefghijklmnopqrstuvwxyz01234+")));
	CHECK(!webhook_token_ok(SPAN_LIT("abcdefghijklmnopqrstuvwxyz01234="),
	    SPAN_LIT("abcdefghijklmnopqrstuvwxyz01234=")));
	CHECK(!webhook_token_ok(SPAN_LIT("abcdefghijklmnopqrstuvwxyz01234\0"),
	    SPAN_LIT("abcdefghijklmnopqrstuvwxyz01234\0")));
	CHECK(webhook_token_ok(SPAN_LIT("ABC_-abcdefghijklmnopqrstuvwxyz0"),
	    SPAN_LIT("ABC_-abcdefghijklmnopqrstuvwxyz0")));
	memset(long_tok, 'a', sizeof(long_tok));
	CHECK(webhook_token_ok(span_make(long_tok, WEBHOOK_TOKEN_MAX),
	    span_make(long_tok, WEBHOOK_TOKEN_MAX)));
	CHECK(!webhook_token_ok(span_make(long_tok, WEBHOOK_TOKEN_MAX + 1),
	    span_make(long_tok, WEBHOOK_TOKEN_MAX + 1)));
}

int
main(void)
{
	test_kat();
	test_dockrev();
	test_malformed();
	test_duplicates();
	test_body_cap();
	test_untimed_replay();
	test_eviction();
	test_secrets_tokens();
	return check_summary("webhook-auth");
}
