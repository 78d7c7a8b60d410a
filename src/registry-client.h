/*
 * registry-client: a batch client for the OCI distribution API.  Callers
 * submit any number of requests (manifest HEAD/GET, tag lists, blobs), then
 * registry_run() performs them concurrently over one curl multi handle and
 * one connection pool, doing for each registry host, once: the /v2/ ping,
 * the auth challenge, and one bearer token for every repository queued for
 * that host (the token endpoint takes several scope parameters).  It
 * retries 429 (honouring Retry-After) and 5xx with backoff, verifies
 * manifest digests, follows tag-list Link pagination, and never sends
 * credentials to any host but the registry and its token realm.
 */
#ifndef REGISTRY_CLIENT_H
#define REGISTRY_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "dockercfg.h"
#include "err.h"
#include "span.h"

#define REGISTRY_TAGS_PAGE_MAX	(8 * 1024 * 1024)	/* one tag-list page */
#define REGISTRY_TAGS_MAX	20000	/* tags kept per repository */
#define REGISTRY_PAGES_MAX	100	/* tag-list pages followed */
#define REGISTRY_BLOB_MAX	(1024 * 1024)	/* config blobs */
#define REGISTRY_PARALLEL	8	/* connections per host */
#define REGISTRY_TIMEOUT_MS	20000	/* one request */
#define REGISTRY_RETRIES	4	/* attempts after the first */
#define REGISTRY_RETRY_AFTER_MAX 30	/* seconds we agree to wait */

struct registry;
struct registry_req;

enum registry_op {
	REGISTRY_HEAD_MANIFEST,	/* digest of a tag (falls back to GET) */
	REGISTRY_GET_MANIFEST,	/* body + verified digest */
	REGISTRY_GET_TAGS,	/* every page of the tag list */
	REGISTRY_GET_BLOB,	/* a blob by digest (config) */
};

struct registry_settings {
	struct dockercfg	 *creds;	/* borrowed; NULL: anonymous */
	/* Engine settings (from /info RegistryConfig), borrowed: */
	const char * const	 *insecure;	/* domains/CIDRs, NULL-ended */
	const char * const	 *mirrors;	/* docker.io mirror URLs */
	int			  parallel;	/* 0: REGISTRY_PARALLEL */
};

struct registry_stats {
	unsigned	requests;	/* HTTP requests sent, incl. retries */
	unsigned	tokens;		/* token requests */
	unsigned	retries;
	long		ratelimit_remaining;	/* lowest seen; -1 none */
	long		ratelimit_limit;	/* its registry's limit; -1 */
};

struct registry_route {
	char	netloc[256];	/* host[:port] to contact first */
	char	fallback[256];	/* docker.io itself behind a mirror, or "" */
	bool	https;		/* scheme to try first */
	bool	insecure;	/* may fall back to the other scheme; TLS
				 * not verified (dockerd's insecure rule) */
};

/*
 * Where requests for images of `domain` go, as dockerd decides it:
 * docker.io is registry-1.docker.io, or the engine's first mirror (with
 * the registry as fallback); loopback, domains and CIDRs in the engine's
 * insecure list are insecure (plain http first).
 */
void		 registry_route(const struct registry_settings *,
		    const char *domain, struct registry_route *ret);

/* Creates a client; settings are borrowed for its lifetime. */
struct registry	*registry_new(const struct registry_settings *);
/* Frees the client and every request handle it returned. NULL is fine. */
void		 registry_free(struct registry *);

/*
 * Queues one request.  domain is the reference's domain ("docker.io",
 * "127.0.0.1:5000"), repo its path, ref a tag or digest (NULL for
 * REGISTRY_GET_TAGS).  The handle is owned by the registry and valid
 * until registry_free; results are readable after registry_run.
 * Identical requests are merged: the same handle comes back.
 */
struct registry_req *registry_submit(struct registry *, const char *domain,
		    const char *repo, enum registry_op, const char *ref);
typedef void	registry_done_fn(struct registry *, struct registry_req *,
		    void *arg);

/*
 * Calls fn(reg, req, arg) from registry_run once req has ended (at once
 * at the next turn of the loop if it already has).  fn may submit more
 * requests: they start right away, in the same run, so dependent requests
 * (a candidate's manifest after the tag list) need no extra round.
 */
void		 registry_on_done(struct registry *, struct registry_req *,
		    registry_done_fn *fn, void *arg);
/* Performs every queued request; returns when all have ended. */
void		 registry_run(struct registry *);
void		 registry_get_stats(const struct registry *,
		    struct registry_stats *);

/* DR_OK, or why the request failed (detail in *ret_error, borrowed). */
enum dr_err	 registry_req_err(const struct registry_req *,
		    const char **ret_error);
/* Manifest ops: the verified digest ("sha256:..."). */
const char	*registry_req_digest(const struct registry_req *);
/* Manifest ops: the response Content-Type ("" when none). */
const char	*registry_req_content_type(const struct registry_req *);
/* GET ops: the body (tag lists: empty; use registry_req_tags). */
struct span	 registry_req_body(const struct registry_req *);
/* GET_TAGS: all tags, borrowed. */
const char * const *registry_req_tags(const struct registry_req *,
		    size_t *ret_n);

#endif
