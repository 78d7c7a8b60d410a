/*
 * api-containers: containers over HTTP; updates become jobs (trigger.c).
 */
#include "api-containers.h"

#include <stdlib.h>
#include <string.h>

#include "api-jobs.h"
#include "trigger.h"
#include "xmalloc.h"

struct http_resp *
api_containers_list(struct http_req *req)
{
	struct dr_error	 e;
	json_t		*l;

	if (trigger_containers(req->srv, &l, &e) != DR_OK)
		return api_resp_err(&e);
	return http_resp_json(200, l);
}

/* Adds the jobs updating container name to all. */
static enum dr_err
api_ctr_update(struct http_req *req, const char *name,
    struct trigger_jobs *all, struct dr_error *reterr)
{
	struct trigger_who	 who = { STORE_TRIGGER_API, req->user,
				    req->peer };
	struct trigger_update	 u = { 0 };
	struct trigger_jobs	 one;
	char			*target = NULL, *api = NULL;
	size_t			 i;
	enum dr_err		 err;

	if ((err = trigger_container_target(req->srv, name, &target,
	    reterr)) != DR_OK)
		return err;
	api = strchr(target, '/') ? xstrdup(target) : xasprintf("_/%s",
	    target);
	u.scope = "service";
	u.target = api;
	if ((err = trigger_update(req->srv, &who, &u, &one, reterr)) ==
	    DR_OK) {
		for (i = 0; i < one.n; i++) {
			all->ids = xreallocarray(all->ids, all->n + 1,
			    sizeof(*all->ids));
			all->ids[all->n++] = one.ids[i];
		}
		all->joined |= one.joined;
		trigger_jobs_done(&one);
	}
	free(target);
	free(api);
	return err;
}

struct http_resp *
api_containers_update(struct http_req *req)
{
	struct trigger_jobs	 jobs = { 0 };
	struct http_resp	*resp;
	struct dr_error		 e;

	if (api_ctr_update(req, req->capture[0], &jobs, &e) != DR_OK)
		return api_resp_err(&e);
	resp = api_jobs_accepted(&jobs);
	trigger_jobs_done(&jobs);
	return resp;
}

struct http_resp *
api_containers_update_many(struct http_req *req)
{
	struct trigger_jobs	 jobs = { 0 };
	struct http_resp	*resp = NULL;
	struct dr_error		 e;
	json_t			*body, *names, *x;
	size_t			 i;

	if ((body = http_req_json(req, &resp)) == NULL)
		return resp;
	names = json_object_get(body, "names");
	if (!json_is_array(names) || json_array_size(names) == 0 ||
	    json_array_size(names) > API_CONTAINERS_BATCH_MAX) {
		resp = http_resp_error("bad_request", "names is an array of "
		    "1 to %d container names", API_CONTAINERS_BATCH_MAX);
		goto out;
	}
	json_array_foreach(names, i, x) {
		if (!json_is_string(x)) {
			resp = http_resp_error("bad_request", "names holds "
			    "strings");
			goto out;
		}
	}
	json_array_foreach(names, i, x) {
		if (api_ctr_update(req, json_string_value(x), &jobs, &e) !=
		    DR_OK) {
			resp = api_resp_err(&e);
			goto out;
		}
	}
	resp = api_jobs_accepted(&jobs);
out:
	trigger_jobs_done(&jobs);
	json_decref(body);
	return resp;
}

static struct http_resp *
api_ctr_act(struct http_req *req, const char *action)
{
	struct trigger_who	 who = { STORE_TRIGGER_API, req->user,
				    req->peer };
	struct dr_error		 e;

	if (trigger_container_act(req->srv, &who, req->capture[0], action,
	    &e) != DR_OK)
		return api_resp_err(&e);
	return http_resp_empty(204);
}

struct http_resp *
api_containers_start(struct http_req *req)
{
	return api_ctr_act(req, "start");
}

struct http_resp *
api_containers_stop(struct http_req *req)
{
	return api_ctr_act(req, "stop");
}

struct http_resp *
api_containers_delete(struct http_req *req)
{
	return api_ctr_act(req, "delete");
}
