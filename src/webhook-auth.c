/*
 * webhook-auth: HMAC-SHA256 webhook signatures (Dockrev, GitHub and Gitea
 * formats), a bounded replay cache, and long random URL tokens.
 * Invariant: nothing is accepted before a constant-time MAC comparison
 * succeeds, and only accepted deliveries enter the replay cache, so a
 * peer without the secret can neither fill the cache nor probe it.
 */
#include "webhook-auth.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "xmalloc.h"

#define WEBHOOK_MAC_LEN		32
#define WEBHOOK_HEX_LEN		(2 * WEBHOOK_MAC_LEN)
#define WEBHOOK_TS_DIGITS_MAX	15	/* keeps the value far from overflow */
#define WEBHOOK_SECRET_RAND	32
#define WEBHOOK_KEY_MAX		(1 + WEBHOOK_DELIVERY_MAX)

struct webhook_secret {
	unsigned char	*key;
	size_t		 len;
	unsigned	 schemes;
};

/* key[0] is the kind: 'd' a delivery id, 'm' the MAC of an untimed one. */
struct webhook_entry {
	uint64_t	 hash;
	int64_t		 expires;	/* live while now <= expires */
	bool		 timed;
	uint8_t		 klen;
	char		 key[WEBHOOK_KEY_MAX];
};

/*
 * A FIFO ring of entries (oldest at head) indexed by an open-addressing
 * hash table of ring positions (-1: empty), linear probing, at most half
 * full, backward-shift deletion.  The same key may sit in the ring twice
 * when an expired copy has not reached the head yet: lookups skip expired
 * matches.  FNV-1a is enough as the hash: only authenticated deliveries
 * are inserted, so nobody without the secret can aim at collisions.
 */
struct webhook_replay {
	struct webhook_entry	*ent;
	size_t			 cap, head, count;
	int32_t			*slot;
	size_t			 mask;
};

enum webhook_hdr {
	H_TIMESTAMP,
	H_DELIVERY,
	H_SIGNATURE,
	H_HUB_SIGNATURE,
	H_GITHUB_DELIVERY,
	H_GITEA_SIGNATURE,
	H_GITEA_DELIVERY,
	H_COUNT
};

static const char *const webhook_hdr_names[H_COUNT] = {
	[H_TIMESTAMP] = "X-Dockrev-Timestamp",
	[H_DELIVERY] = "X-Dockrev-Delivery",
	[H_SIGNATURE] = "X-Dockrev-Signature",
	[H_HUB_SIGNATURE] = "X-Hub-Signature-256",
	[H_GITHUB_DELIVERY] = "X-GitHub-Delivery",
	[H_GITEA_SIGNATURE] = "X-Gitea-Signature",
	[H_GITEA_DELIVERY] = "X-Gitea-Delivery",
};

/* The formats in order of preference: the first one present wins. */
static const struct {
	enum webhook_scheme	 scheme;
	const char		*name;
	enum webhook_hdr	 sig, delivery;
	const char		*prefix;	/* before the hex */
	bool			 timed;
} webhook_formats[] = {
	{ WEBHOOK_SCHEME_DOCKREV, "dockrev", H_SIGNATURE, H_DELIVERY,
	  "sha256=", true },
	{ WEBHOOK_SCHEME_GITHUB, "github", H_HUB_SIGNATURE, H_GITHUB_DELIVERY,
	  "sha256=", false },
	{ WEBHOOK_SCHEME_GITEA, "gitea", H_GITEA_SIGNATURE, H_GITEA_DELIVERY,
	  "", false },
};

static const char webhook_b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Unpadded base64url of n bytes into out (4 * ceil(n/3) + 1 bytes). */
static void
webhook_b64url_encode(const unsigned char *p, size_t n, char *out)
{
	size_t		i, o = 0;
	uint32_t	v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = webhook_b64url[v >> 18 & 63];
		out[o++] = webhook_b64url[v >> 12 & 63];
		out[o++] = webhook_b64url[v >> 6 & 63];
		out[o++] = webhook_b64url[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)p[i] << 16;
		out[o++] = webhook_b64url[v >> 18 & 63];
		out[o++] = webhook_b64url[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		out[o++] = webhook_b64url[v >> 18 & 63];
		out[o++] = webhook_b64url[v >> 12 & 63];
		out[o++] = webhook_b64url[v >> 6 & 63];
	}
	out[o] = '\0';
}

/* 43 chars of base64url from 32 fresh random bytes, wiped after. */
static enum dr_err
webhook_random_text(char out[WEBHOOK_TOKEN_SIZE], struct dr_error *reterr)
{
	unsigned char	r[WEBHOOK_SECRET_RAND];

	out[0] = '\0';
	if (RAND_bytes(r, sizeof(r)) != 1)
		return dr_fail(reterr, DR_EINTERNAL,
		    "random generator failed");
	webhook_b64url_encode(r, sizeof(r), out);
	explicit_bzero(r, sizeof(r));
	return DR_OK;
}

enum dr_err
webhook_secret_from(struct span text, struct webhook_secret **ret,
    struct dr_error *reterr)
{
	struct webhook_secret	*s;

	*ret = NULL;
	if (text.len == 0 || text.len > WEBHOOK_SECRET_MAX)
		return dr_fail(reterr, DR_EINVAL, "webhook secret must be 1 "
		    "to %d bytes", WEBHOOK_SECRET_MAX);
	s = xcalloc(1, sizeof(*s));
	s->key = xmalloc(text.len);
	memcpy(s->key, text.p, text.len);
	s->len = text.len;
	s->schemes = WEBHOOK_SCHEME_DOCKREV;
	*ret = s;
	return DR_OK;
}

enum dr_err
webhook_secret_new(struct webhook_secret **ret, struct dr_error *reterr)
{
	char		text[WEBHOOK_TOKEN_SIZE];
	enum dr_err	rc;

	*ret = NULL;
	if ((rc = webhook_random_text(text, reterr)) != DR_OK)
		return rc;
	rc = webhook_secret_from(span_str(text), ret, reterr);
	explicit_bzero(text, sizeof(text));
	return rc;
}

void
webhook_secret_allow(struct webhook_secret *s, unsigned schemes)
{
	s->schemes = schemes & WEBHOOK_SCHEME_ALL;
}

struct span
webhook_secret_text(const struct webhook_secret *s)
{
	return span_make(s->key, s->len);
}

void
webhook_secret_free(struct webhook_secret *s)
{
	if (s == NULL)
		return;
	if (s->key != NULL) {
		explicit_bzero(s->key, s->len);
		free(s->key);
	}
	explicit_bzero(s, sizeof(*s));
	free(s);
}

/* ---- replay cache ---- */

static uint64_t
webhook_hash(const char *p, size_t n)
{
	uint64_t	h = 0xcbf29ce484222325ULL;
	size_t		i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

struct webhook_replay *
webhook_replay_new(size_t cap)
{
	struct webhook_replay	*c;
	size_t			 n = 16, i;

	if (cap == 0)
		cap = WEBHOOK_REPLAY_MAX;
	/* Ring positions are stored as int32_t. */
	if (cap > (1u << 24))
		cap = 1u << 24;
	while (n < 2 * cap)
		n *= 2;
	c = xcalloc(1, sizeof(*c));
	c->ent = xcalloc(cap, sizeof(*c->ent));
	c->cap = cap;
	c->slot = xcalloc(n, sizeof(*c->slot));
	for (i = 0; i < n; i++)
		c->slot[i] = -1;
	c->mask = n - 1;
	return c;
}

void
webhook_replay_free(struct webhook_replay *c)
{
	if (c == NULL)
		return;
	free(c->ent);
	free(c->slot);
	free(c);
}

size_t
webhook_replay_count(const struct webhook_replay *c, int64_t now)
{
	size_t	i, n = 0;

	for (i = 0; i < c->count; i++)
		if (now <= c->ent[(c->head + i) % c->cap].expires)
			n++;
	return n;
}

/* True when a live entry holds key. */
static bool
webhook_replay_seen(const struct webhook_replay *c, const char *key,
    size_t klen, int64_t now)
{
	size_t				 h = webhook_hash(key, klen) & c->mask;
	const struct webhook_entry	*e;

	while (c->slot[h] != -1) {
		e = &c->ent[c->slot[h]];
		if (e->klen == klen && memcmp(e->key, key, klen) == 0 &&
		    now <= e->expires)
			return true;
		h = (h + 1) & c->mask;
	}
	return false;
}

/* Removes the oldest entry from the ring and the index. */
static void
webhook_replay_pop(struct webhook_replay *c)
{
	int32_t	 pos = (int32_t)c->head;
	size_t	 i, j, k;

	i = c->ent[pos].hash & c->mask;
	while (c->slot[i] != pos)
		i = (i + 1) & c->mask;
	c->slot[i] = -1;
	/* Backward shift: pull later members of the cluster into the hole
	 * unless their home slot lies cyclically in (i, j]. */
	for (j = (i + 1) & c->mask; c->slot[j] != -1; j = (j + 1) & c->mask) {
		k = c->ent[c->slot[j]].hash & c->mask;
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		c->slot[i] = c->slot[j];
		c->slot[j] = -1;
		i = j;
	}
	c->head = (c->head + 1) % c->cap;
	c->count--;
}

/* Makes room for n new entries; false when only live timed ones remain. */
static bool
webhook_replay_room(struct webhook_replay *c, size_t n, int64_t now)
{
	while (c->count > 0 && c->ent[c->head].expires < now)
		webhook_replay_pop(c);
	while (c->count + n > c->cap) {
		if (c->ent[c->head].timed && now <= c->ent[c->head].expires)
			return false;
		webhook_replay_pop(c);
	}
	return true;
}

static void
webhook_replay_add(struct webhook_replay *c, const char *key, size_t klen,
    int64_t expires, bool timed)
{
	size_t			 pos = (c->head + c->count) % c->cap, h;
	struct webhook_entry	*e = &c->ent[pos];

	e->hash = webhook_hash(key, klen);
	e->expires = expires;
	e->timed = timed;
	e->klen = (uint8_t)klen;
	memcpy(e->key, key, klen);
	c->count++;
	for (h = e->hash & c->mask; c->slot[h] != -1; h = (h + 1) & c->mask)
		;
	c->slot[h] = (int32_t)pos;
}

/* ---- verification ---- */

/* Exactly WEBHOOK_HEX_LEN hex digits of either case. */
static bool
webhook_hex_decode(struct span s, unsigned char out[WEBHOOK_MAC_LEN])
{
	size_t	i;
	int	hi, lo;

	if (s.len != WEBHOOK_HEX_LEN)
		return false;
	for (i = 0; i < WEBHOOK_MAC_LEN; i++) {
		if ((hi = span_hexval(s.p[2 * i])) < 0 ||
		    (lo = span_hexval(s.p[2 * i + 1])) < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

static bool
webhook_delivery_ok(struct span s)
{
	size_t	i;
	char	c;

	if (s.len == 0 || s.len > WEBHOOK_DELIVERY_MAX)
		return false;
	for (i = 0; i < s.len; i++) {
		c = s.p[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool
webhook_ts_parse(struct span s, int64_t *ret)
{
	int64_t	v = 0;
	size_t	i;

	if (s.len == 0 || s.len > WEBHOOK_TS_DIGITS_MAX)
		return false;
	for (i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		v = v * 10 + (s.p[i] - '0');
	}
	*ret = v;
	return true;
}

/* HMAC-SHA256 over the concatenation of parts, without copying them. */
static enum dr_err
webhook_mac(const struct webhook_secret *s, const struct span *parts,
    size_t nparts, unsigned char out[WEBHOOK_MAC_LEN],
    struct dr_error *reterr)
{
	EVP_MAC		*mac = NULL;
	EVP_MAC_CTX	*ctx = NULL;
	OSSL_PARAM	 params[2];
	char		 digest[] = "SHA256";
	size_t		 i, outlen = 0;
	enum dr_err	 rc = DR_OK;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL ||
	    !EVP_MAC_init(ctx, s->key, s->len, params))
		goto fail;
	for (i = 0; i < nparts; i++)
		if (parts[i].len > 0 && !EVP_MAC_update(ctx,
		    (const unsigned char *)parts[i].p, parts[i].len))
			goto fail;
	if (!EVP_MAC_final(ctx, out, &outlen, WEBHOOK_MAC_LEN) ||
	    outlen != WEBHOOK_MAC_LEN)
		goto fail;
	goto out;
fail:
	rc = dr_fail(reterr, DR_EINTERNAL, "webhook: HMAC-SHA256 failed");
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
}

static enum dr_err
webhook_refuse(enum webhook_why *ret_why, enum webhook_why why,
    struct dr_error *reterr, enum dr_err code, const char *msg,
    const char *arg)
{
	if (ret_why != NULL)
		*ret_why = why;
	return dr_fail(reterr, code, "webhook: %s%s", msg, arg);
}

enum dr_err
webhook_verify(const struct webhook_secret *secret,
    const struct webhook_request *req, struct webhook_replay *cache,
    enum webhook_why *ret_why, struct dr_error *reterr)
{
	struct span	 hv[H_COUNT];
	bool		 have[H_COUNT] = { false };
	unsigned char	 want[WEBHOOK_MAC_LEN], got[WEBHOOK_MAC_LEN];
	struct span	 sig, delivery, ts_text = { NULL, 0 }, parts[5];
	size_t		 body_max, i, f, nparts, prefix;
	int64_t		 ts = 0, expires;
	char		 key[WEBHOOK_KEY_MAX];
	bool		 timed, ok;
	enum dr_err	 rc;

	if (ret_why != NULL)
		*ret_why = WEBHOOK_OK;
	body_max = req->body_max ? req->body_max : WEBHOOK_BODY_MAX;
	if (req->body.len > body_max)
		return webhook_refuse(ret_why, WEBHOOK_TOO_BIG, reterr,
		    DR_ETOOBIG, "body over the cap", "");

	memset(hv, 0, sizeof(hv));
	for (i = 0; i < req->nheaders; i++) {
		struct span	n = req->headers[i].name;

		for (f = 0; f < H_COUNT; f++) {
			if (n.len != strlen(webhook_hdr_names[f]) ||
			    strncasecmp(n.p, webhook_hdr_names[f], n.len) != 0)
				continue;
			/* Two values: which one would the sender stand by? */
			if (have[f])
				return webhook_refuse(ret_why,
				    WEBHOOK_DUPLICATE, reterr, DR_EINVAL,
				    "duplicate header ", webhook_hdr_names[f]);
			have[f] = true;
			hv[f] = req->headers[i].value;
		}
	}

	for (f = 0; f < sizeof(webhook_formats) / sizeof(webhook_formats[0]);
	    f++)
		if ((secret->schemes & webhook_formats[f].scheme) &&
		    have[webhook_formats[f].sig])
			break;
	if (f == sizeof(webhook_formats) / sizeof(webhook_formats[0]))
		return webhook_refuse(ret_why, WEBHOOK_UNSIGNED, reterr,
		    DR_EDENIED, "no signature this webhook accepts", "");
	timed = webhook_formats[f].timed;

	sig = hv[webhook_formats[f].sig];
	prefix = strlen(webhook_formats[f].prefix);
	if (!span_starts(sig, webhook_formats[f].prefix) ||
	    !webhook_hex_decode(span_sub(sig, prefix, sig.len), got))
		return webhook_refuse(ret_why, WEBHOOK_MALFORMED, reterr,
		    DR_EINVAL, "malformed ",
		    webhook_hdr_names[webhook_formats[f].sig]);
	if (!have[webhook_formats[f].delivery] ||
	    !webhook_delivery_ok(hv[webhook_formats[f].delivery]))
		return webhook_refuse(ret_why, WEBHOOK_MALFORMED, reterr,
		    DR_EINVAL, "missing or malformed ",
		    webhook_hdr_names[webhook_formats[f].delivery]);
	delivery = hv[webhook_formats[f].delivery];
	if (timed) {
		ts_text = hv[H_TIMESTAMP];
		if (!have[H_TIMESTAMP] || !webhook_ts_parse(ts_text, &ts))
			return webhook_refuse(ret_why, WEBHOOK_MALFORMED,
			    reterr, DR_EINVAL, "missing or malformed ",
			    webhook_hdr_names[H_TIMESTAMP]);
		/* Cheap, and spares the MAC for stale floods. */
		if (ts < req->now - WEBHOOK_WINDOW ||
		    ts > req->now + WEBHOOK_WINDOW)
			return webhook_refuse(ret_why, WEBHOOK_STALE, reterr,
			    DR_EDENIED, "timestamp outside the window of "
			    "+-300 seconds", "");
	}

	nparts = 0;
	if (timed) {
		parts[nparts++] = ts_text;
		parts[nparts++] = SPAN_LIT(".");
		parts[nparts++] = delivery;
		parts[nparts++] = SPAN_LIT(".");
	}
	parts[nparts++] = req->body;
	if ((rc = webhook_mac(secret, parts, nparts, want, reterr)) != DR_OK) {
		if (ret_why != NULL)
			*ret_why = WEBHOOK_BAD_SIGNATURE;
		return rc;
	}
	ok = CRYPTO_memcmp(want, got, WEBHOOK_MAC_LEN) == 0;
	explicit_bzero(want, sizeof(want));
	if (!ok)
		return webhook_refuse(ret_why, WEBHOOK_BAD_SIGNATURE, reterr,
		    DR_EDENIED, "signature does not match", "");

	if (cache == NULL)
		return DR_OK;
	/* The MAC is an identity for untimed deliveries too: their delivery
	 * id is not signed, so a replayer could simply change it. */
	key[0] = 'd';
	memcpy(key + 1, delivery.p, delivery.len);
	if (webhook_replay_seen(cache, key, 1 + delivery.len, req->now))
		return webhook_refuse(ret_why, WEBHOOK_REPLAY, reterr,
		    DR_ECONFLICT, "delivery already seen", "");
	if (!timed) {
		key[0] = 'm';
		memcpy(key + 1, got, WEBHOOK_MAC_LEN);
		if (webhook_replay_seen(cache, key, 1 + WEBHOOK_MAC_LEN,
		    req->now))
			return webhook_refuse(ret_why, WEBHOOK_REPLAY, reterr,
			    DR_ECONFLICT, "same signed body already seen",
			    "");
	}
	if (!webhook_replay_room(cache, timed ? 1 : 2, req->now))
		return webhook_refuse(ret_why, WEBHOOK_CACHE_FULL, reterr,
		    DR_ERATELIMIT, "replay cache full of live deliveries",
		    "");
	expires = timed ? ts + WEBHOOK_WINDOW : req->now + WEBHOOK_UNTIMED_TTL;
	key[0] = 'd';
	memcpy(key + 1, delivery.p, delivery.len);
	webhook_replay_add(cache, key, 1 + delivery.len, expires, timed);
	if (!timed) {
		key[0] = 'm';
		memcpy(key + 1, got, WEBHOOK_MAC_LEN);
		webhook_replay_add(cache, key, 1 + WEBHOOK_MAC_LEN, expires,
		    false);
	}
	return DR_OK;
}

/* ---- URL tokens ---- */

static bool
webhook_token_valid(struct span t)
{
	size_t	i;
	char	c;

	if (t.len < WEBHOOK_TOKEN_MIN || t.len > WEBHOOK_TOKEN_MAX)
		return false;
	for (i = 0; i < t.len; i++) {
		c = t.p[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

bool
webhook_token_ok(struct span expected, struct span got)
{
	if (!webhook_token_valid(expected) || !webhook_token_valid(got) ||
	    expected.len != got.len)
		return false;
	return CRYPTO_memcmp(expected.p, got.p, got.len) == 0;
}

enum dr_err
webhook_token_new(char out[WEBHOOK_TOKEN_SIZE], struct dr_error *reterr)
{
	return webhook_random_text(out, reterr);
}
