/*
 * api-catalog: route handlers over the catalog's current view and the
 * rule and settings tables.  Every write re-reads the rules and publishes
 * a new view before answering, so the next GET shows its effect.
 */
#include "api-catalog.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog-run.h"
#include "catalog.h"
#include "job.h"
#include "store-job.h"
#include "store-rule.h"
#include "store-svc.h"
#include "xmalloc.h"

#define JSON_TYPE	"application/json; charset=utf-8"

static struct http_resp *
api_store_error(const struct dr_error *e)
{
	return http_resp_error("unavailable", "state file: %s", e->msg);
}

/* A validation failure from a parser or the store: always 400. */
static struct http_resp *
api_bad(enum dr_err err, const struct dr_error *e)
{
	if (err == DR_EINVAL || err == DR_ETOOBIG)
		return http_resp_error("bad_request", "%s", e->msg);
	return http_resp_from_err(err, e);
}

/* Refuses keys of o that are not in allowed (NULL-terminated). */
static struct http_resp *
api_only_keys(const json_t *o, const char *const *allowed)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	json_object_foreach((json_t *)o, k, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], k) == 0)
				break;
		if (allowed[i] == NULL)
			return http_resp_error("bad_request", "unknown field "
			    "\"%s\"", k);
	}
	return NULL;
}

/* Whether the client takes gzip (Accept-Encoding lists it, not with
 * q=0). */
static bool
api_takes_gzip(const struct http_req *req)
{
	const char	*ae = http_req_header(req, "Accept-Encoding");
	const char	*p;

	if (ae == NULL || (p = strcasestr(ae, "gzip")) == NULL)
		return false;
	p += 4;
	while (*p == ' ')
		p++;
	return !(*p == ';' && strstr(p, "q=0") != NULL && strstr(p,
	    "q=0.") == NULL);
}

static struct http_resp *
api_stacks(struct http_req *req)
{
	struct catalog_view	*v = catalog_run_view(req->srv);
	struct http_resp	*r;
	bool			 gz = v->gz != NULL && api_takes_gzip(req);

	/* The view stays alive until the server sent the bytes: no JSON
	 * building and no SQL on this path. */
	r = http_resp_static(200, JSON_TYPE, gz ? (const void *)v->gz :
	    (const void *)v->doc, gz ? v->gzlen : v->len,
	    catalog_view_release, v);
	if (r == NULL) {
		catalog_view_unref(v);
		return NULL;
	}
	http_resp_header(r, "Vary", "Accept-Encoding");
	if (gz)
		http_resp_header(r, "Content-Encoding", "gzip");
	return r;
}

static struct http_resp *
api_stack(struct http_req *req)
{
	struct catalog_view	*v = catalog_run_view(req->srv);
	json_t			*d = catalog_doc(v->snap, v->rules,
				    req->capture[0]);

	catalog_view_unref(v);
	if (d == NULL)
		return http_resp_error("not_found", "no stack %s",
		    req->capture[0]);
	return http_resp_json(200, d);
}

/* The last API_CATALOG_JOBS jobs of stack/name (newest first). */
static json_t *
api_jobs_of(struct store *st, const char *stack, const char *name)
{
	struct store_job_filter	 f = { 0 };
	struct store_job_list	 l;
	struct dr_error		 e;
	json_t			*a = json_array();
	char			*target;
	size_t			 i, pages;
	bool			 standalone = strcmp(stack,
				    CATALOG_STANDALONE) == 0;

	target = standalone ? xstrdup(name) : xasprintf("%s/%s", stack, name);
	f.stack = standalone ? NULL : stack;
	f.limit = STORE_JOB_PAGE_MAX;
	/* A few pages at most: the newest jobs are what matters. */
	for (pages = 0; pages < 4 && json_array_size(a) < API_CATALOG_JOBS;
	    pages++) {
		if (store_job_list(st, &f, &l, &e) != DR_OK)
			break;
		for (i = 0; i < l.n && json_array_size(a) < API_CATALOG_JOBS;
		    i++)
			if (strcmp(l.jobs[i].target, target) == 0 &&
			    (!standalone || l.jobs[i].stack == NULL))
				json_array_append_new(a, job_to_json(st,
				    &l.jobs[i], false));
		f.before_id = l.next_before;
		i = l.more;
		store_job_list_done(&l);
		if (!i)
			break;
	}
	free(target);
	return a;
}

static json_t *
api_rules_of(struct store *st, const char *stack, const char *name,
    struct dr_error *reterr)
{
	struct store_rule_list	 l;
	json_t			*a;
	size_t			 i;

	if (store_rule_list(st, stack, name, &l, reterr) != DR_OK)
		return NULL;
	a = json_array();
	for (i = 0; i < l.n; i++)
		json_array_append_new(a, catalog_rule_json(&l.rules[i]));
	store_rule_list_done(&l);
	return a;
}

static struct http_resp *
api_service(struct http_req *req)
{
	struct catalog_view		*v = catalog_run_view(req->srv);
	const struct catalog_svc	*svc;
	struct store			*st;
	struct dr_error			 e;
	json_t				*o = NULL, *rules;

	svc = catalog_snap_find(v->snap, req->capture[0], req->capture[1]);
	if (svc != NULL)
		o = catalog_svc_json(svc, v->rules);
	catalog_view_unref(v);
	if (o == NULL)
		return http_resp_error("not_found", "no service %s/%s",
		    req->capture[0], req->capture[1]);
	if ((st = serve_store(req->srv, &e)) == NULL ||
	    (rules = api_rules_of(st, req->capture[0], req->capture[1],
	    &e)) == NULL) {
		json_decref(o);
		return api_store_error(&e);
	}
	json_object_set_new(o, "jobs", api_jobs_of(st, req->capture[0],
	    req->capture[1]));
	json_object_set_new(o, "rules", rules);
	return http_resp_json(200, o);
}

static struct http_resp *
api_rules_list(struct http_req *req)
{
	struct store	*st;
	struct dr_error	 e;
	json_t		*a;

	if ((st = serve_store(req->srv, &e)) == NULL ||
	    (a = api_rules_of(st, req->capture[0], req->capture[1], &e)) ==
	    NULL)
		return api_store_error(&e);
	return http_resp_json(200, json_pack("{s:o}", "rules", a));
}

/* kind and value of a body (both required), parsed into *ret_ir when
 * ret_ir is not NULL. */
static struct http_resp *
api_rule_fields(const json_t *b, enum ignore_kind *ret_kind,
    const char **ret_value, struct ignore_rule **ret_ir)
{
	struct dr_error	 e;
	enum dr_err	 err;

	if (!json_is_string(json_object_get(b, "kind")))
		return http_resp_error("bad_request", "\"kind\" must be exact, "
		    "prefix, regex or semver");
	if (!json_is_string(json_object_get(b, "value")))
		return http_resp_error("bad_request", "\"value\" must be a "
		    "string");
	if ((err = store_rule_kind_parse(json_string_value(json_object_get(b,
	    "kind")), ret_kind, &e)) != DR_OK)
		return api_bad(err, &e);
	*ret_value = json_string_value(json_object_get(b, "value"));
	if (ret_ir != NULL && (err = ignore_rule_parse(*ret_kind, *ret_value,
	    ret_ir, &e)) != DR_OK)
		return api_bad(err, &e);
	return NULL;
}

static struct http_resp *
api_rule_reply(struct http_req *req, struct store *st, int64_t id,
    int status)
{
	struct store_rule	*r = NULL;
	struct dr_error		 e;
	enum dr_err		 err;

	json_t			*j;

	if ((err = catalog_run_reload(req->srv, st, &e)) != DR_OK ||
	    (err = store_rule_get(st, id, &r, &e)) != DR_OK)
		return http_resp_from_err(err, &e);
	j = catalog_rule_json(r);
	store_rule_free(r);
	return http_resp_json(status, j);
}

static struct http_resp *
api_rule_create(struct http_req *req)
{
	static const char *const keys[] = { "kind", "value", "reason",
	    "enabled", NULL };
	struct http_resp	*bad = NULL;
	struct store_rule	 r = { 0 };
	struct store		*st;
	struct dr_error		 e;
	enum dr_err		 err;
	const char		*value;
	const json_t		*x;
	json_t			*b;
	int64_t			 id;

	if ((b = http_req_json(req, &bad)) == NULL)
		return bad;
	if ((bad = api_only_keys(b, keys)) != NULL ||
	    (bad = api_rule_fields(b, &r.kind, &value, NULL)) != NULL)
		goto out;
	x = json_object_get(b, "reason");
	if (x != NULL && !json_is_null(x) && !json_is_string(x)) {
		bad = http_resp_error("bad_request", "\"reason\" must be a "
		    "string");
		goto out;
	}
	x = json_object_get(b, "enabled");
	if (x != NULL && !json_is_boolean(x)) {
		bad = http_resp_error("bad_request", "\"enabled\" must be a "
		    "boolean");
		goto out;
	}
	r.enabled = x == NULL || json_is_true(x);
	r.stack = (char *)req->capture[0];
	r.service = (char *)req->capture[1];
	r.value = (char *)value;
	r.reason = (char *)json_string_value(json_object_get(b, "reason"));
	if ((st = serve_store(req->srv, &e)) == NULL) {
		bad = api_store_error(&e);
		goto out;
	}
	if ((err = store_rule_add(st, &r, &id, &e)) != DR_OK) {
		bad = api_bad(err, &e);
		goto out;
	}
	bad = api_rule_reply(req, st, id, 201);
out:
	json_decref(b);
	return bad;
}

static bool
api_rule_id(const char *s, int64_t *ret)
{
	char		*end;
	long long	 v;

	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v <= 0)
		return false;
	*ret = v;
	return true;
}

static struct http_resp *
api_rule_patch(struct http_req *req)
{
	static const char *const keys[] = { "kind", "value", "reason",
	    "enabled", NULL };
	struct store_rule_patch	 p = { 0 };
	struct http_resp	*bad = NULL;
	struct store		*st;
	struct dr_error		 e;
	enum dr_err		 err;
	const json_t		*x;
	json_t			*b;
	int64_t			 id;

	if (!api_rule_id(req->capture[0], &id))
		return http_resp_error("not_found", "no rule %s",
		    req->capture[0]);
	if ((b = http_req_json(req, &bad)) == NULL)
		return bad;
	if ((bad = api_only_keys(b, keys)) != NULL)
		goto out;
	if ((x = json_object_get(b, "kind")) != NULL) {
		if (!json_is_string(x) || (err = store_rule_kind_parse(
		    json_string_value(x), &p.kind, &e)) != DR_OK) {
			bad = http_resp_error("bad_request", "\"kind\" must be "
			    "exact, prefix, regex or semver");
			goto out;
		}
		p.has_kind = true;
	}
	if ((x = json_object_get(b, "value")) != NULL) {
		if (!json_is_string(x)) {
			bad = http_resp_error("bad_request", "\"value\" must "
			    "be a string");
			goto out;
		}
		p.has_value = true;
		p.value = json_string_value(x);
	}
	if ((x = json_object_get(b, "reason")) != NULL) {
		if (!json_is_null(x) && !json_is_string(x)) {
			bad = http_resp_error("bad_request", "\"reason\" must "
			    "be a string");
			goto out;
		}
		p.has_reason = true;
		p.reason = json_string_value(x);
	}
	if ((x = json_object_get(b, "enabled")) != NULL) {
		if (!json_is_boolean(x)) {
			bad = http_resp_error("bad_request", "\"enabled\" must "
			    "be a boolean");
			goto out;
		}
		p.has_enabled = true;
		p.enabled = json_is_true(x);
	}
	if ((st = serve_store(req->srv, &e)) == NULL) {
		bad = api_store_error(&e);
		goto out;
	}
	if ((err = store_rule_update(st, id, &p, &e)) != DR_OK) {
		bad = api_bad(err, &e);
		goto out;
	}
	bad = api_rule_reply(req, st, id, 200);
out:
	json_decref(b);
	return bad;
}

static struct http_resp *
api_rule_delete(struct http_req *req)
{
	struct store	*st;
	struct dr_error	 e;
	enum dr_err	 err;
	int64_t		 id;

	if (!api_rule_id(req->capture[0], &id))
		return http_resp_error("not_found", "no rule %s",
		    req->capture[0]);
	if ((st = serve_store(req->srv, &e)) == NULL)
		return api_store_error(&e);
	if ((err = store_rule_delete(st, id, &e)) != DR_OK ||
	    (err = catalog_run_reload(req->srv, st, &e)) != DR_OK)
		return http_resp_from_err(err, &e);
	return http_resp_empty(204);
}

static struct http_resp *
api_rule_preview(struct http_req *req)
{
	static const char *const keys[] = { "kind", "value", "reason",
	    "enabled", NULL };
	struct catalog_view	*v;
	struct ignore_rule	*ir = NULL;
	struct http_resp	*bad = NULL;
	enum ignore_kind	 kind;
	const char		*value;
	json_t			*b, *hides;

	if ((b = http_req_json(req, &bad)) == NULL)
		return bad;
	if ((bad = api_only_keys(b, keys)) != NULL ||
	    (bad = api_rule_fields(b, &kind, &value, &ir)) != NULL) {
		json_decref(b);
		return bad;
	}
	v = catalog_run_view(req->srv);
	hides = catalog_preview(catalog_snap_find(v->snap, req->capture[0],
	    req->capture[1]), ir);
	catalog_view_unref(v);
	ignore_rule_free(ir);
	json_decref(b);
	return http_resp_json(200, json_pack("{s:o}", "hides", hides));
}

/* An optional integer field within [lo, hi] into *ret (-1: absent). */
static struct http_resp *
api_int_field(const json_t *b, const char *key, int lo, int hi, int *ret)
{
	const json_t	*x = json_object_get(b, key);

	if (x == NULL)
		return NULL;
	if (!json_is_integer(x) || json_integer_value(x) < lo ||
	    json_integer_value(x) > hi)
		return http_resp_error("bad_request", "\"%s\" must be an "
		    "integer from %d to %d", key, lo, hi);
	*ret = (int)json_integer_value(x);
	return NULL;
}

static struct http_resp *
api_bool_field(const json_t *b, const char *key, int *ret)
{
	const json_t	*x = json_object_get(b, key);

	if (x == NULL)
		return NULL;
	if (!json_is_boolean(x))
		return http_resp_error("bad_request", "\"%s\" must be a "
		    "boolean", key);
	*ret = json_is_true(x) ? 1 : 0;
	return NULL;
}

static struct http_resp *
api_settings_put(struct http_req *req)
{
	static const char *const keys[] = { "auto_rollback",
	    "health_deadline_s", "settle_s", "allow_arch_mismatch", NULL };
	struct http_resp	*bad = NULL;
	struct store_svc	 set, now;
	struct store		*st;
	struct dr_error		 e;
	enum dr_err		 err;
	json_t			*b;

	if ((b = http_req_json(req, &bad)) == NULL)
		return bad;
	store_svc_init(&set);
	if ((bad = api_only_keys(b, keys)) != NULL ||
	    (bad = api_bool_field(b, "auto_rollback", &set.auto_rollback)) !=
	    NULL ||
	    (bad = api_bool_field(b, "allow_arch_mismatch",
	    &set.allow_arch_mismatch)) != NULL ||
	    (bad = api_int_field(b, "health_deadline_s",
	    STORE_SVC_DEADLINE_MIN, STORE_SVC_DEADLINE_MAX,
	    &set.health_deadline_s)) != NULL ||
	    (bad = api_int_field(b, "settle_s", STORE_SVC_SETTLE_MIN,
	    STORE_SVC_SETTLE_MAX, &set.settle_s)) != NULL)
		goto out;
	if ((st = serve_store(req->srv, &e)) == NULL) {
		bad = api_store_error(&e);
		goto out;
	}
	if ((err = store_svc_put(st, req->capture[0], req->capture[1], &set,
	    &e)) != DR_OK || (err = store_svc_get(st, req->capture[0],
	    req->capture[1], &now, &e)) != DR_OK ||
	    (err = catalog_run_reload(req->srv, st, &e)) != DR_OK) {
		bad = api_bad(err, &e);
		goto out;
	}
	bad = http_resp_json(200, catalog_settings_json(&now));
out:
	json_decref(b);
	return bad;
}

static struct http_resp *
api_check(struct http_req *req)
{
	static const char *const keys[] = { "scope", "target", NULL };
	struct http_resp	*bad = NULL;
	struct dr_error		 e;
	enum dr_err		 err;
	const json_t		*x;
	const char		*scope = "all", *target = NULL;
	json_t			*b = NULL;

	if (req->body != NULL && req->body_len > 0) {
		if ((b = http_req_json(req, &bad)) == NULL)
			return bad;
		if ((bad = api_only_keys(b, keys)) != NULL)
			goto out;
		if ((x = json_object_get(b, "scope")) != NULL) {
			if (!json_is_string(x)) {
				bad = http_resp_error("bad_request", "\"scope\" "
				    "must be all, stack or service");
				goto out;
			}
			scope = json_string_value(x);
		}
		if ((x = json_object_get(b, "target")) != NULL &&
		    !json_is_null(x)) {
			if (!json_is_string(x)) {
				bad = http_resp_error("bad_request", "\"target\" "
				    "must be a string");
				goto out;
			}
			target = json_string_value(x);
		}
	}
	if (req->srv->check == NULL) {
		bad = http_resp_error("unavailable", "the catalog is not "
		    "running");
		goto out;
	}
	if ((err = req->srv->check(req->srv, scope, target, &e)) != DR_OK) {
		bad = err == DR_EINVAL ? http_resp_error("bad_request", "%s",
		    e.msg) : http_resp_from_err(err, &e);
		goto out;
	}
	bad = api_stacks(req);
out:
	json_decref(b);
	return bad;
}

static const struct http_route catalog_routes[] = {
	{ "GET", "/api/v1/stacks", api_stacks, 0, 0 },
	{ "GET", "/api/v1/stacks/{stack}", api_stack, 0, 0 },
	{ "GET", "/api/v1/services/{stack}/{service}", api_service, 0, 0 },
	{ "GET", "/api/v1/services/{stack}/{service}/rules", api_rules_list,
	  0, 0 },
	{ "POST", "/api/v1/services/{stack}/{service}/rules", api_rule_create,
	  0, 0 },
	{ "POST", "/api/v1/services/{stack}/{service}/rules/preview",
	  api_rule_preview, 0, 0 },
	{ "PUT", "/api/v1/services/{stack}/{service}/settings",
	  api_settings_put, 0, 0 },
	{ "PATCH", "/api/v1/rules/{id}", api_rule_patch, 0, 0 },
	{ "DELETE", "/api/v1/rules/{id}", api_rule_delete, 0, 0 },
	{ "POST", "/api/v1/check", api_check, 0, 0 },
	{ NULL, NULL, NULL, 0, 0 },
};

static enum dr_err
catalog_start(struct serve *srv, struct dr_error *reterr)
{
	return catalog_run_start(srv, reterr);
}

static void
catalog_stop(struct serve *srv)
{
	catalog_run_stop(srv);
}

const struct serve_module catalog_module = {
	.name = "catalog",
	.routes = catalog_routes,
	.start = catalog_start,
	.stop = catalog_stop,
};
