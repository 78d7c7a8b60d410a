/*
 * trigger-hook: webhook creation, sealed secrets, deliveries.
 */
#include "trigger-hook.h"


#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store-job.h"
#include "store.h"
#include "trigger-seal.h"
#include "trigger.h"
#include "xmalloc.h"

#define HOOK_CACHE_MAX	64	/* replay caches kept in memory */

struct hook_cache {
	int64_t			 id;
	struct webhook_replay	*replay;
};

struct trigger_hooks {
	pthread_mutex_t		 mu;
	struct hook_cache	 c[HOOK_CACHE_MAX];
	size_t			 n;
};

/* Headers webhook_verify() reads. */
static const char *const hook_headers[] = {
	"X-Dockrev-Timestamp", "X-Dockrev-Delivery", "X-Dockrev-Signature",
	"X-Hub-Signature-256", "X-GitHub-Delivery", "X-Gitea-Signature",
	"X-Gitea-Delivery",
};

struct trigger_hooks *
trigger_hooks_new(void)
{
	struct trigger_hooks	*h = xcalloc(1, sizeof(*h));

	pthread_mutex_init(&h->mu, NULL);
	return h;
}

void
trigger_hooks_free(struct trigger_hooks *h)
{
	size_t	i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++)
		webhook_replay_free(h->c[i].replay);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

/* SHA-256 hex of a token. */
static void
hook_token_hash(const char *token, char out[65])
{
	unsigned char	md[SHA256_DIGEST_LENGTH];
	size_t		i;

	SHA256((const unsigned char *)token, strlen(token), md);
	for (i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The key file of the daemon's state directory (free). */
static char *
hook_key_path(struct serve *srv)
{
	const char	*p = srv->store_path, *slash;

	if (p != NULL && (slash = strrchr(p, '/')) != NULL)
		return xasprintf("%.*s/%s", (int)(slash - p), p,
		    TRIGGER_HOOK_KEY_FILE);
	return xasprintf("%s/%s", store_default_dir(), TRIGGER_HOOK_KEY_FILE);
}

static json_t *
hook_ms(int64_t ms)
{
	return ms > 0 ? json_integer(ms) : json_null();
}

json_t *
trigger_hook_json(const struct store_hook *h)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s, s:o, s:o}",
	    "id", (json_int_t)h->id, "name", h->name, "action", h->action,
	    "scope", h->scope, "target", h->target, "auth",
	    store_hook_auth_name(h->auth), "created_at",
	    hook_ms(h->created_at), "last_delivery_at",
	    hook_ms(h->last_delivery_at));
}

enum dr_err
trigger_hook_body_parse(const json_t *body, struct store_hook_spec *ret,
    struct dr_error *reterr)
{
	const char	*auth;
	const json_t	*x;
	const char	*key;

	memset(ret, 0, sizeof(*ret));
	if (!json_is_object(body))
		return dr_fail(reterr, DR_EINVAL, "a webhook is an object");
	json_object_foreach((json_t *)body, key, x) {
		if (!json_is_string(x) && !(json_is_null(x) &&
		    strcmp(key, "target") == 0))
			return dr_fail(reterr, DR_EINVAL, "%.64s is not a "
			    "string", key);
		if (strcmp(key, "name") != 0 && strcmp(key, "action") != 0 &&
		    strcmp(key, "scope") != 0 && strcmp(key, "target") != 0 &&
		    strcmp(key, "auth") != 0)
			return dr_fail(reterr, DR_EINVAL, "unknown field %.64s",
			    key);
	}
	ret->name = json_string_value(json_object_get(body, "name"));
	ret->action = json_string_value(json_object_get(body, "action"));
	ret->scope = json_string_value(json_object_get(body, "scope"));
	ret->target = json_string_value(json_object_get(body, "target"));
	auth = json_string_value(json_object_get(body, "auth"));
	if (ret->scope == NULL)
		ret->scope = "all";
	if (ret->name == NULL || *ret->name == '\0' || strlen(ret->name) > 128)
		return dr_fail(reterr, DR_EINVAL, "name is required (at most "
		    "128 bytes)");
	if (ret->action == NULL || (strcmp(ret->action, "check") != 0 &&
	    strcmp(ret->action, "update") != 0))
		return dr_fail(reterr, DR_EINVAL, "action is check or update");
	if (strcmp(ret->scope, "service") != 0 &&
	    strcmp(ret->scope, "stack") != 0 && strcmp(ret->scope, "all") != 0)
		return dr_fail(reterr, DR_EINVAL, "scope is service, stack or "
		    "all");
	if ((strcmp(ret->scope, "all") == 0) != (ret->target == NULL))
		return dr_fail(reterr, DR_EINVAL, "target is required for "
		    "scope service or stack, and only then");
	if (ret->target != NULL && (strlen(ret->target) > 512 ||
	    (strcmp(ret->scope, "service") == 0) !=
	    (strchr(ret->target, '/') != NULL)))
		return dr_fail(reterr, DR_EINVAL, "a service target is "
		    "STACK/SERVICE or _/CONTAINER, a stack target STACK");
	if (auth == NULL || strcmp(auth, "hmac") == 0)
		ret->auth = STORE_HOOK_HMAC;
	else if (strcmp(auth, "token") == 0)
		ret->auth = STORE_HOOK_TOKEN;
	else
		return dr_fail(reterr, DR_EINVAL, "auth is hmac or token");
	return DR_OK;
}

enum dr_err
trigger_hook_create(struct serve *srv, const json_t *body, json_t **ret,
    struct dr_error *reterr)
{
	struct store_hook_spec	 sp;
	struct store_hook	*h = NULL;
	struct webhook_secret	*sec = NULL;
	struct store		*st;
	unsigned char		*sealed = NULL;
	char			 token[WEBHOOK_TOKEN_SIZE], hash[65];
	char			*kp = NULL, *secret = NULL;
	size_t			 slen = 0;
	int64_t			 id;
	enum dr_err		 err;

	*ret = NULL;
	token[0] = '\0';
	if ((err = trigger_hook_body_parse(body, &sp, reterr)) != DR_OK)
		return err;
	if ((st = serve_store(srv, reterr)) == NULL)
		return DR_EIO;
	kp = hook_key_path(srv);
	if (sp.auth == STORE_HOOK_HMAC) {
		if ((err = webhook_secret_new(&sec, reterr)) != DR_OK ||
		    (err = trigger_seal_secret(kp, webhook_secret_text(sec),
		    &sealed, &slen, reterr)) != DR_OK)
			goto out;
		sp.sealed = sealed;
		sp.sealed_len = slen;
	} else {
		if ((err = webhook_token_new(token, reterr)) != DR_OK)
			goto out;
		hook_token_hash(token, hash);
		sp.token_hash = hash;
	}
	if ((err = store_hook_create(st, &sp, &id, reterr)) != DR_OK ||
	    (err = store_hook_get(st, id, &h, reterr)) != DR_OK)
		goto out;
	*ret = trigger_hook_json(h);
	if (sec != NULL) {
		struct span	s = webhook_secret_text(sec);

		secret = xstrndup(s.p, s.len);
		json_object_set_new(*ret, "secret", json_string(secret));
		explicit_bzero(secret, s.len);
	} else
		json_object_set_new(*ret, "url", json_sprintf("/hooks/t/%s",
		    token));
out:
	explicit_bzero(token, sizeof(token));
	webhook_secret_free(sec);
	store_hook_free(h);
	free(sealed);
	free(secret);
	free(kp);
	return err;
}

/* The replay cache of webhook id (h->mu held). */
static struct webhook_replay *
hook_cache(struct trigger_hooks *h, int64_t id)
{
	size_t	i;

	for (i = 0; i < h->n; i++)
		if (h->c[i].id == id)
			return h->c[i].replay;
	if (h->n == HOOK_CACHE_MAX) {
		/* The oldest goes; the store still refuses its replays
		 * of timestamped deliveries. */
		webhook_replay_free(h->c[0].replay);
		memmove(&h->c[0], &h->c[1], (h->n - 1) * sizeof(h->c[0]));
		h->n--;
	}
	h->c[h->n].id = id;
	h->c[h->n].replay = webhook_replay_new(0);
	return h->c[h->n++].replay;
}

/* The headers webhook_verify() reads, from the request (each copy). */
static size_t
hook_collect(const struct trigger_delivery *d, struct webhook_header *out,
    size_t max)
{
	const char	*v;
	size_t		 i, n = 0;
	int		 k, cnt;

	for (i = 0; i < sizeof(hook_headers) / sizeof(hook_headers[0]); i++) {
		if ((v = d->header(d->req, hook_headers[i])) == NULL)
			continue;
		cnt = d->header_count(d->req, hook_headers[i]);
		/* Twice is refused by webhook_verify: show it twice. */
		for (k = 0; k < (cnt > 1 ? 2 : 1) && n < max; k++) {
			out[n].name = span_str(hook_headers[i]);
			out[n].value = span_str(v);
			n++;
		}
	}
	return n;
}

/* Runs the action of webhook h; the response body in *ret. */
static enum dr_err
hook_act(struct serve *srv, const struct store_hook *h,
    const struct trigger_delivery *d, json_t **ret, struct dr_error *reterr)
{
	struct trigger_who	 who;
	struct trigger_update	 u = { 0 };
	struct trigger_jobs	 jobs;
	char			*actor = xasprintf("webhook:%s", h->name);
	json_t			*a;
	size_t			 i;
	enum dr_err		 err;

	who.source = STORE_TRIGGER_WEBHOOK;
	who.actor = actor;
	who.origin = d->peer;
	if (strcmp(h->action, "check") == 0) {
		if ((err = trigger_check(srv, &who, h->scope, h->target,
		    reterr)) == DR_OK)
			*ret = json_pack("{s:b}", "checked", 1);
		goto out;
	}
	u.scope = h->scope;
	u.target = h->target;
	if ((err = trigger_update(srv, &who, &u, &jobs, reterr)) != DR_OK)
		goto out;
	a = json_array();
	for (i = 0; i < jobs.n; i++)
		json_array_append_new(a, json_integer(jobs.ids[i]));
	*ret = json_pack("{s:o, s:b}", "jobs", a, "joined", jobs.joined);
	trigger_jobs_done(&jobs);
out:
	free(actor);
	return err;
}

/* Audits a refused delivery (never the secret or the token). */
static void
hook_denied(struct serve *srv, const struct trigger_delivery *d,
    const struct store_hook *h, enum dr_err err, const char *why)
{
	struct trigger_who	 who = { STORE_TRIGGER_WEBHOOK, NULL, d->peer };
	char			*actor = h ? xasprintf("webhook:%s", h->name) :
				    xstrdup("webhook:?");
	json_t			*p = json_pack("{s:s?, s:s, s:I}", "hook",
				    d->hook, "auth", d->token ? "token" :
				    "hmac", "body_bytes", (json_int_t)
				    d->body_len);

	who.actor = actor;
	trigger_audit(srv, &who, "webhook", h ? h->target : NULL, p, false,
	    err == DR_EDENIED || err == DR_ENOTFOUND || err == DR_ECONFLICT,
	    why, 0);
	json_decref(p);
	free(actor);
}

enum dr_err
trigger_hook_deliver(struct serve *srv, const struct trigger_delivery *d,
    json_t **ret, struct dr_error *reterr)
{
	struct trigger_hooks	*hs = trigger_hooks_of(srv);
	struct store_hook	*h = NULL;
	struct webhook_secret	*sec = NULL;
	struct webhook_header	 hdr[16];
	struct webhook_request	 rq = { 0 };
	struct store		*st;
	enum webhook_why	 why = WEBHOOK_OK;
	const char		*deliv, *ts;
	char			 hash[65], *kp = NULL, *end;
	long long		 id, t;
	enum dr_err		 err;

	*ret = NULL;
	if (hs == NULL)
		return dr_fail(reterr, DR_EUNSUPPORTED, "webhooks are not "
		    "running");
	if ((st = serve_store(srv, reterr)) == NULL)
		return DR_EIO;
	if (d->body_len > TRIGGER_HOOK_BODY_MAX) {
		err = dr_fail(reterr, DR_ETOOBIG, "body over %d bytes",
		    TRIGGER_HOOK_BODY_MAX);
		goto denied;
	}
	if (d->token != NULL) {
		/* Looked up by hash: equal hashes mean equal tokens, and
		 * the compare below is constant-time anyway. */
		if (strlen(d->token) < WEBHOOK_TOKEN_MIN ||
		    strlen(d->token) > WEBHOOK_TOKEN_MAX) {
			err = dr_fail(reterr, DR_EDENIED, "bad token");
			goto denied;
		}
		hook_token_hash(d->token, hash);
		if (store_hook_by_token(st, hash, &h, NULL) != DR_OK) {
			err = dr_fail(reterr, DR_EDENIED, "bad token");
			goto denied;
		}
		store_hook_touch(st, h->id, NULL);
		goto act;
	}
	id = d->hook ? strtoll(d->hook, &end, 10) : 0;
	if (id <= 0 || *end != '\0' || store_hook_get(st, id, &h, NULL) !=
	    DR_OK || h->auth != STORE_HOOK_HMAC) {
		err = dr_fail(reterr, DR_EDENIED, "no such signed webhook");
		goto denied;
	}
	kp = hook_key_path(srv);
	if ((err = trigger_seal_open(kp, h->sealed, h->sealed_len, &sec,
	    reterr)) != DR_OK)
		goto denied;
	rq.headers = hdr;
	rq.nheaders = hook_collect(d, hdr, sizeof(hdr) / sizeof(hdr[0]));
	rq.body = span_make(d->body ? d->body : "", d->body_len);
	rq.now = (int64_t)time(NULL);
	rq.body_max = TRIGGER_HOOK_BODY_MAX;
	pthread_mutex_lock(&hs->mu);
	err = webhook_verify(sec, &rq, hook_cache(hs, h->id), &why, reterr);
	pthread_mutex_unlock(&hs->mu);
	if (err != DR_OK)
		goto denied;
	/* Across restarts: the store remembers the delivery ids. */
	deliv = d->header(d->req, "X-Dockrev-Delivery");
	ts = d->header(d->req, "X-Dockrev-Timestamp");
	t = ts ? strtoll(ts, NULL, 10) : rq.now;
	if (deliv != NULL) {
		if ((err = store_hook_delivery(st, h->id, deliv, rq.now,
		    t + WEBHOOK_WINDOW + 1, reterr)) != DR_OK)
			goto denied;
	} else
		store_hook_touch(st, h->id, NULL);
act:
	err = hook_act(srv, h, d, ret, reterr);
	goto out;
denied:
	hook_denied(srv, d, h, err, reterr->msg);
out:
	webhook_secret_free(sec);
	store_hook_free(h);
	free(kp);
	return err;
}
