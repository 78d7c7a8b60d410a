/*
 * trigger-hook: the daemon's webhooks (issue #4): creating them (a secret
 * or URL token shown once), sealing HMAC secrets at rest, and deliveries:
 * authentication by webhook-auth.c, replay refusal across restarts
 * (store-hook.c), then the webhook's action through trigger.c.
 *
 * Invariants: a secret or token is returned only by trigger_hook_create()
 * and never logged or audited; HMAC secrets are stored sealed with
 * AES-256-GCM under a key file of the state directory (mode 0600), token
 * webhooks only as the SHA-256 of the token; a refused delivery starts
 * nothing and is audited as denied.
 */
#ifndef TRIGGER_HOOK_H
#define TRIGGER_HOOK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "serve.h"
#include "store-hook.h"
#include "webhook-auth.h"

#define TRIGGER_HOOK_BODY_MAX	(256 * 1024)
#define TRIGGER_HOOK_KEY_FILE	"webhook.key"

struct trigger_hooks;

/* The per-webhook replay caches (trigger.c owns one). */
struct trigger_hooks	*trigger_hooks_new(void);
void			 trigger_hooks_free(struct trigger_hooks *);
struct trigger_hooks	*trigger_hooks_of(struct serve *);

/* A webhook as docs/api.md shows it (no secret), a new reference. */
json_t		*trigger_hook_json(const struct store_hook *);

/*
 * Checks a creation body {"name","action","scope","target","auth"} into
 * *ret (strings borrowed from body; no credentials yet).  DR_EINVAL with
 * the reason.
 */
enum dr_err	trigger_hook_body_parse(const json_t *body,
		    struct store_hook_spec *ret, struct dr_error *reterr);

/*
 * Creates a webhook from the API body {"name","action","scope","target",
 * "auth"} and returns its JSON plus "secret" (hmac) or "url" (token) in
 * *ret.  DR_EINVAL for a bad body.
 */
enum dr_err	trigger_hook_create(struct serve *, const json_t *body,
		    json_t **ret, struct dr_error *reterr);

/* One delivery: the request's headers by name (http_req accessors). */
struct trigger_delivery {
	const char	*hook;		/* the id in the URL, or NULL */
	const char	*token;		/* the token in the URL, or NULL */
	const char	*body;
	size_t		 body_len;
	const char	*peer;
	/* Header lookup: the first value and the count of name. */
	const char	*(*header)(const void *req, const char *name);
	int		 (*header_count)(const void *req, const char *name);
	const void	*req;
};

/*
 * Authenticates a delivery and runs its webhook's action; *ret is the
 * response body ({"jobs":[...]} or {"checked":true}).  DR_EDENIED (401)
 * for a bad signature, a stale timestamp or a wrong token, DR_ECONFLICT
 * (409) for a replay, DR_ETOOBIG (413), DR_EINVAL (400) for malformed
 * headers, DR_ENOTFOUND when there is no such webhook (answered 401 by
 * the caller for tokens, so tokens cannot be probed).
 */
enum dr_err	trigger_hook_deliver(struct serve *,
		    const struct trigger_delivery *, json_t **ret,
		    struct dr_error *reterr);

#endif
