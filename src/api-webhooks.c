/*
 * api-webhooks: webhooks and the Watchtower endpoint over HTTP.  Secrets
 * and tokens appear only in the 201 answer of a creation.
 */
#include "api-webhooks.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "api-jobs.h"
#include "store-hook.h"
#include "trigger-conf.h"
#include "trigger-hook.h"
#include "trigger.h"
#include "xmalloc.h"

struct http_resp *
api_webhooks_list(struct http_req *req)
{
	struct store_hook	*l = NULL;
	struct dr_error		 e;
	struct store		*st;
	json_t			*a;
	size_t			 n = 0, i;

	if ((st = serve_store(req->srv, &e)) == NULL ||
	    store_hook_list(st, &l, &n, &e) != DR_OK)
		return api_resp_err(&e);
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, trigger_hook_json(&l[i]));
	store_hook_list_free(l, n);
	return http_resp_json(200, json_pack("{s:o}", "webhooks", a));
}

struct http_resp *
api_webhooks_create(struct http_req *req)
{
	struct trigger_who	 who = { STORE_TRIGGER_API, req->user,
				    req->peer };
	struct http_resp	*resp = NULL;
	struct dr_error		 e;
	json_t			*body, *h, *params;
	enum dr_err		 err;

	if ((body = http_req_json(req, &resp)) == NULL)
		return resp;
	err = trigger_hook_create(req->srv, body, &h, &e);
	/* The body holds no secret: it is made here. */
	params = json_deep_copy(body);
	if (err == DR_OK)
		json_object_set(params, "id", json_object_get(h, "id"));
	trigger_audit(req->srv, &who, "webhook.create",
	    json_string_value(json_object_get(body, "name")), params,
	    err == DR_OK, false, err == DR_OK ? "created" : e.msg, 0);
	json_decref(params);
	json_decref(body);
	if (err != DR_OK)
		return api_resp_err(&e);
	return http_resp_json(201, h);
}

struct http_resp *
api_webhooks_delete(struct http_req *req)
{
	struct trigger_who	 who = { STORE_TRIGGER_API, req->user,
				    req->peer };
	struct dr_error		 e;
	struct store		*st;
	char			*end;
	long long		 id = strtoll(req->capture[0], &end, 10);
	enum dr_err		 err;

	if (id <= 0 || *end != '\0')
		return http_resp_error("bad_request", "bad webhook id");
	if ((st = serve_store(req->srv, &e)) == NULL)
		return api_resp_err(&e);
	err = store_hook_delete(st, id, &e);
	trigger_audit(req->srv, &who, "webhook.delete", req->capture[0], NULL,
	    err == DR_OK, false, err == DR_OK ? "deleted" : e.msg, 0);
	if (err != DR_OK)
		return api_resp_err(&e);
	return http_resp_empty(204);
}

static const char *
api_hdr(const void *req, const char *name)
{
	return http_req_header(req, name);
}

static int
api_hdr_count(const void *req, const char *name)
{
	return http_req_header_count(req, name);
}

static struct http_resp *
api_deliver(struct http_req *req, const char *hook, const char *token)
{
	struct trigger_delivery	 d = { 0 };
	struct dr_error		 e;
	json_t			*out = NULL;

	d.hook = hook;
	d.token = token;
	d.body = req->body;
	d.body_len = req->body ? req->body_len : 0;
	d.peer = req->peer;
	d.header = api_hdr;
	d.header_count = api_hdr_count;
	d.req = req;
	if (trigger_hook_deliver(req->srv, &d, &out, &e) != DR_OK) {
		/* Unknown webhooks and tokens look like bad signatures. */
		if (e.code == DR_ENOTFOUND)
			return http_resp_error("unauthorized", "not authorized");
		if (e.code == DR_ERATELIMIT)
			return http_resp_error("unavailable", "%s", e.msg);
		return api_resp_err(&e);
	}
	return http_resp_json(202, out);
}

struct http_resp *
api_webhooks_deliver(struct http_req *req)
{
	return api_deliver(req, req->capture[0], NULL);
}

struct http_resp *
api_webhooks_deliver_token(struct http_req *req)
{
	return api_deliver(req, NULL, req->capture[0]);
}

/* Constant-time: compares SHA-256 digests (equal lengths always). */
static bool
api_token_eq(const char *want, const char *got)
{
	unsigned char	a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)want, strlen(want), a);
	SHA256((const unsigned char *)got, strlen(got), b);
	return CRYPTO_memcmp(a, b, sizeof(a)) == 0;
}

struct http_resp *
api_webhooks_watchtower(struct http_req *req)
{
	struct trigger_who	 who = { STORE_TRIGGER_WEBHOOK, "watchtower",
				    req->peer };
	struct trigger_jobs	 jobs;
	struct http_resp	*resp;
	struct dr_error		 e;
	const char		*want = trigger_conf_api_token(req->srv);
	const char		*auth, *q, *images[TRIGGER_IMAGES_MAX];
	char			*copy = NULL, *tok, *save = NULL;
	json_t			*params;
	size_t			 n = 0;

	if (want == NULL)
		return http_resp_error("not_found", "the Watchtower API is "
		    "disabled (no http_api_token)");
	auth = http_req_header(req, "Authorization");
	if (http_req_header_count(req, "Authorization") != 1 || auth == NULL ||
	    strncmp(auth, "Bearer ", 7) != 0 || !api_token_eq(want,
	    auth + 7)) {
		params = json_pack("{s:s}", "endpoint", "/v1/update");
		trigger_audit(req->srv, &who, "update", NULL, params, false,
		    true, "bad or missing bearer token", 0);
		json_decref(params);
		return http_resp_error("unauthorized", "bad or missing bearer "
		    "token");
	}
	if ((q = http_req_query(req, "image")) != NULL && *q != '\0') {
		copy = xstrdup(q);
		for (tok = strtok_r(copy, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save)) {
			if (n == TRIGGER_IMAGES_MAX) {
				free(copy);
				return http_resp_error("bad_request", "more "
				    "than %d images", TRIGGER_IMAGES_MAX);
			}
			if (*tok != '\0')
				images[n++] = tok;
		}
	}
	if (trigger_watchtower(req->srv, &who, images, n, &jobs, &e) !=
	    DR_OK) {
		free(copy);
		return api_resp_err(&e);
	}
	free(copy);
	resp = api_jobs_accepted(&jobs);
	trigger_jobs_done(&jobs);
	return resp;
}
