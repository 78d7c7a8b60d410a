/*
 * webhook-auth: authenticates inbound webhooks (issue #4).  Pure: no I/O,
 * no clock, no global state; the caller passes the headers, the body, the
 * time and the per-webhook replay cache.  Invariant: a request is accepted
 * only when its HMAC-SHA256 verifies under the webhook's own secret (all
 * comparisons constant-time) and its delivery id was not seen while its
 * cache entry lives; the secret never appears in an error message.
 * The scheme is described in docs/webhooks.md.
 */
#ifndef WEBHOOK_AUTH_H
#define WEBHOOK_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "span.h"

#define WEBHOOK_BODY_MAX	(1024 * 1024)	/* default body cap */
#define WEBHOOK_WINDOW		300	/* |now - timestamp| <= this is fresh */
#define WEBHOOK_UNTIMED_TTL	86400	/* cache life of untimed deliveries */
#define WEBHOOK_REPLAY_MAX	4096	/* default replay cache entries */
#define WEBHOOK_DELIVERY_MAX	128	/* delivery id: 1..128 [A-Za-z0-9._-] */
#define WEBHOOK_SECRET_MAX	1024	/* imported secrets: 1..1024 bytes */
#define WEBHOOK_TOKEN_MIN	32	/* URL tokens: 32..256 [A-Za-z0-9_-] */
#define WEBHOOK_TOKEN_MAX	256
#define WEBHOOK_TOKEN_SIZE	44	/* 43 base64url chars + NUL */

/* The signature formats; a secret accepts a mask of them. */
enum webhook_scheme {
	WEBHOOK_SCHEME_DOCKREV = 1 << 0,	/* X-Dockrev-Signature + ts */
	WEBHOOK_SCHEME_GITHUB = 1 << 1,		/* X-Hub-Signature-256 */
	WEBHOOK_SCHEME_GITEA = 1 << 2,		/* X-Gitea-Signature */
	WEBHOOK_SCHEME_ALL = 7,
};

/* Why webhook_verify() refused, finer than the enum dr_err it returns. */
enum webhook_why {
	WEBHOOK_OK = 0,
	WEBHOOK_TOO_BIG,	/* DR_ETOOBIG: body over the cap */
	WEBHOOK_DUPLICATE,	/* DR_EINVAL: a header we read came twice */
	WEBHOOK_MALFORMED,	/* DR_EINVAL: bad or missing header value */
	WEBHOOK_UNSIGNED,	/* DR_EDENIED: no signature header we accept */
	WEBHOOK_STALE,		/* DR_EDENIED: timestamp beyond +-WINDOW */
	WEBHOOK_BAD_SIGNATURE,	/* DR_EDENIED: the MAC does not match */
	WEBHOOK_REPLAY,		/* DR_ECONFLICT: delivery (or body) seen */
	WEBHOOK_CACHE_FULL,	/* DR_ERATELIMIT: every cache entry is live */
};

struct webhook_secret;
struct webhook_replay;

/* One request header; names match case-insensitively. */
struct webhook_header {
	struct span	 name;
	struct span	 value;
};

/* Borrowed for the duration of the webhook_verify() call. */
struct webhook_request {
	const struct webhook_header	*headers;
	size_t				 nheaders;
	struct span			 body;
	int64_t				 now;		/* unix seconds */
	size_t				 body_max;	/* 0: WEBHOOK_BODY_MAX */
};

/*
 * Generates a secret from 32 RAND_bytes, kept as its 43-char base64url
 * text (the text is the HMAC key, as senders such as GitHub use it).
 * Accepts only WEBHOOK_SCHEME_DOCKREV until webhook_secret_allow().
 * DR_EINTERNAL when the RNG fails; *ret is then NULL.
 */
enum dr_err	webhook_secret_new(struct webhook_secret **ret,
		    struct dr_error *reterr);
/* A secret from its configured text (1..WEBHOOK_SECRET_MAX bytes, copied);
 * DR_EINVAL otherwise, without quoting it. */
enum dr_err	webhook_secret_from(struct span text,
		    struct webhook_secret **ret, struct dr_error *reterr);
/* Sets the mask of enum webhook_scheme the secret accepts. */
void		webhook_secret_allow(struct webhook_secret *, unsigned schemes);
/* The secret's text, borrowed until webhook_secret_free(). */
struct span	webhook_secret_text(const struct webhook_secret *);
/* Wipes (OPENSSL_cleanse) and frees.  NULL is fine. */
void		webhook_secret_free(struct webhook_secret *);

/*
 * A replay cache of cap entries (0: WEBHOOK_REPLAY_MAX), one per webhook.
 * Entries of timestamped deliveries live until timestamp + WEBHOOK_WINDOW,
 * untimed ones (GitHub, Gitea) WEBHOOK_UNTIMED_TTL from acceptance.  When
 * full, the oldest entry is dropped if it has expired or is untimed; a
 * live timestamped entry is never evicted (the request is refused with
 * WEBHOOK_CACHE_FULL instead), so a timestamped delivery can never be
 * replayed inside its window.
 */
struct webhook_replay	*webhook_replay_new(size_t cap);
void			 webhook_replay_free(struct webhook_replay *);
/* Live entries at time now (for tests and metrics). */
size_t			 webhook_replay_count(const struct webhook_replay *,
			    int64_t now);

/*
 * Verifies req against secret and, on success, records the delivery in
 * cache (cache may be NULL only in tests: no replay protection then).
 * Returns DR_OK, or DR_ETOOBIG / DR_EINVAL / DR_EDENIED / DR_ECONFLICT /
 * DR_ERATELIMIT with *ret_why (may be NULL) saying which check failed.
 * reterr never holds the secret or a computed MAC.
 */
enum dr_err	webhook_verify(const struct webhook_secret *secret,
		    const struct webhook_request *req,
		    struct webhook_replay *cache, enum webhook_why *ret_why,
		    struct dr_error *reterr);

/*
 * URL-token mode.  True when both are WEBHOOK_TOKEN_MIN..WEBHOOK_TOKEN_MAX
 * chars of [A-Za-z0-9_-] and equal; the comparison is constant-time for
 * equal lengths.
 */
bool		webhook_token_ok(struct span expected, struct span got);
/* Writes a new NUL-terminated 43-char base64url token of 32 RAND_bytes.
 * DR_EINTERNAL when the RNG fails (out is then ""). */
enum dr_err	webhook_token_new(char out[WEBHOOK_TOKEN_SIZE],
		    struct dr_error *reterr);

#endif
