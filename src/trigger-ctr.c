/*
 * trigger-ctr: the container endpoints (trigger.h): the container list,
 * the job target of a container, start / stop / delete with the engine's
 * own calls, and Watchtower's update endpoint.
 */
#include "trigger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker-client.h"
#include "store-job.h"
#include "swap-recreate.h"
#include "xmalloc.h"

static const char *
trig_label(json_t *c, const char *name)
{
	return json_string_value(json_object_get(json_object_get(c, "Labels"),
	    name));
}

/* The name of a /containers/json entry, without the leading '/'. */
static const char *
trig_ctr_name(json_t *c)
{
	const char	*n = json_string_value(json_array_get(json_object_get(c,
			    "Names"), 0));

	return n != NULL && n[0] == '/' ? n + 1 : n;
}

/* The stack and service of a container entry (either may be NULL). */
static void
trig_ctr_place(json_t *c, const char **ret_stack, char **ret_service)
{
	const char	*proj = trig_label(c, "com.docker.compose.project");
	const char	*svc = trig_label(c, "com.docker.compose.service");
	const char	*ns = trig_label(c, "com.docker.stack.namespace");
	const char	*sw = trig_label(c, "com.docker.swarm.service.name");
	size_t		 n;

	*ret_stack = NULL;
	*ret_service = NULL;
	if (sw != NULL) {
		*ret_stack = ns ? ns : sw;
		n = ns ? strlen(ns) : 0;
		*ret_service = xstrdup(ns && strncmp(sw, ns, n) == 0 &&
		    sw[n] == '_' ? sw + n + 1 : sw);
	} else if (proj != NULL && svc != NULL) {
		*ret_stack = proj;
		*ret_service = xstrdup(svc);
	}
}

static enum dr_err
trig_ctr_list(json_t **ret, struct dr_error *reterr)
{
	struct docker	*d = NULL;
	enum dr_err	 err;

	*ret = NULL;
	if ((err = docker_open(NULL, &d, reterr)) == DR_OK)
		err = docker_get(d, "/containers/json?all=1", ret, reterr);
	docker_free(d);
	return err;
}

enum dr_err
trigger_containers(struct serve *srv, json_t **ret, struct dr_error *reterr)
{
	json_t		*l = NULL, *c, *out;
	const char	*stack;
	char		*svc;
	size_t		 i;
	enum dr_err	 err;

	*ret = NULL;
	if ((err = trig_ctr_list(&l, reterr)) != DR_OK)
		return err;
	out = json_array();
	json_array_foreach(l, i, c) {
		trig_ctr_place(c, &stack, &svc);
		json_array_append_new(out, json_pack("{s:O?, s:s?, s:O?, s:O?, "
		    "s:O?, s:s, s:s?}", "id", json_object_get(c, "Id"),
		    "name", trig_ctr_name(c), "image", json_object_get(c,
		    "Image"), "state", json_object_get(c, "State"), "status",
		    json_object_get(c, "Status"), "stack", stack ? stack : "_",
		    "service", svc ? svc : trig_ctr_name(c)));
		free(svc);
	}
	json_decref(l);
	*ret = json_pack("{s:o}", "containers", out);
	return DR_OK;
}

/*
 * For a job target (a container name, or "stack/service"): checks that
 * such a container exists; for a container name, its job target in *ret
 * ("stack/service" for a Compose or Swarm container, else the name).
 */
static enum dr_err trig_pending(struct store *, const char *, const char *,
		    const char *, int64_t *, struct dr_error *);

enum dr_err
trigger_container_target(struct serve *srv, const char *name, char **ret,
    struct dr_error *reterr)
{
	struct store	*st;
	json_t		*l = NULL, *c;
	const char	*stack, *n;
	char		*svc, *full;
	size_t		 i;
	int64_t		 holder = 0;
	enum dr_err	 err;
	bool		 found = false;

	if (ret != NULL)
		*ret = NULL;
	if ((err = trig_ctr_list(&l, reterr)) != DR_OK)
		return err;
	json_array_foreach(l, i, c) {
		if (found)
			break;
		trig_ctr_place(c, &stack, &svc);
		n = trig_ctr_name(c);
		full = stack && svc ? xasprintf("%s/%s", stack, svc) : NULL;
		if ((n != NULL && strcmp(n, name) == 0) ||
		    (full != NULL && strcmp(full, name) == 0)) {
			found = true;
			if (ret != NULL)
				*ret = full ? xstrdup(full) : xstrdup(n);
		}
		free(full);
		free(svc);
	}
	json_decref(l);
	/* Mid-swap the name may be free for a moment (renamed old, new not
	 * yet created): an unfinished job updating it still makes it a
	 * target, so a trigger then joins that job. */
	if (!found && (st = serve_store(srv, NULL)) != NULL &&
	    trig_pending(st, NULL, NULL, name, &holder, NULL) == DR_OK &&
	    holder != 0) {
		found = true;
		if (ret != NULL)
			*ret = xstrdup(name);
	}
	if (!found)
		return dr_fail(reterr, DR_ENOTFOUND, "no container or service "
		    "%s", name);
	return DR_OK;
}

/*
 * The unfinished job (0: none) of the Compose/Swarm service stack/svc or
 * of the standalone container name, in *ret_id.
 */
static enum dr_err
trig_pending(struct store *st, const char *stack, const char *svc,
    const char *name, int64_t *ret_id, struct dr_error *reterr)
{
	struct store_job_list	 l;
	char			*full = stack && svc ? xasprintf("%s/%s", stack,
				    svc) : NULL;
	size_t			 i;
	enum dr_err		 err;

	*ret_id = 0;
	if ((err = store_job_unfinished(st, &l, reterr)) == DR_OK) {
		for (i = 0; i < l.n && *ret_id == 0; i++) {
			const char	*t = l.jobs[i].target;

			if (t != NULL && ((full && strcmp(t, full) == 0) ||
			    (!full && name && strcmp(t, name) == 0)))
				*ret_id = l.jobs[i].id;
		}
		store_job_list_done(&l);
	}
	free(full);
	return err;
}

enum dr_err
trigger_container_act(struct serve *srv, const struct trigger_who *who,
    const char *name, const char *action, struct dr_error *reterr)
{
	struct docker	*d = NULL;
	struct store	*st;
	json_t		*insp = NULL, *params;
	char		*path = NULL, *esc = NULL, *lock = NULL, *svc = NULL;
	const char	*stack, *dname, *park;
	int64_t		 holder = 0;
	enum dr_err	 err;

	if (!trigger_name_ok(name) || strchr(name, '/') != NULL) {
		err = dr_fail(reterr, DR_EINVAL, "bad container name");
		goto out;
	}
	if ((st = serve_store(srv, reterr)) == NULL) {
		err = DR_EIO;
		goto out;
	}
	if ((err = docker_open(NULL, &d, reterr)) != DR_OK)
		goto out;
	esc = docker_escape(name);
	path = xasprintf("/containers/%s/json", esc);
	if ((err = docker_get(d, path, &insp, reterr)) == DR_ENOTFOUND) {
		/* Mid-swap the name may be free for a moment: the job that
		 * renamed the container still holds it. */
		lock = xasprintf("container:%s", name);
		if (store_job_lock_holder(st, lock, &holder, NULL) == DR_OK &&
		    holder == 0)
			trig_pending(st, NULL, NULL, name, &holder, NULL);
		if (holder != 0)
			err = dr_fail(reterr, DR_ECONFLICT, "job %lld holds %s",
			    (long long)holder, name);
		goto out;
	}
	if (err != DR_OK)
		goto out;
	dname = json_string_value(json_object_get(insp, "Name"));
	if (dname != NULL && dname[0] == '/')
		dname++;
	/* The labels are under Config in an inspect. */
	json_object_set(insp, "Labels", json_object_get(json_object_get(insp,
	    "Config"), "Labels"));
	trig_ctr_place(insp, &stack, &svc);
	if (dname == NULL)
		dname = name;
	/* A job's parked old container ("NAME-dockrev-old-ID") is held by
	 * the job of NAME. */
	if ((park = strstr(dname, RECREATE_PARK_SUFFIX)) != NULL)
		lock = xasprintf("container:%.*s", (int)(park - dname), dname);
	else
		lock = stack ? xstrdup(stack) : xasprintf("container:%s",
		    dname);
	if ((err = store_job_lock_holder(st, lock, &holder, reterr)) !=
	    DR_OK)
		goto out;
	/* A queued job has no lock yet: it holds its target all the same. */
	if (holder == 0 && (err = trig_pending(st, stack, svc, park ? NULL :
	    dname, &holder, reterr)) != DR_OK)
		goto out;
	if (holder != 0) {
		err = dr_fail(reterr, DR_ECONFLICT, "job %lld holds %s",
		    (long long)holder, lock);
		goto out;
	}
	free(path);
	if (strcmp(action, "start") == 0)
		path = xasprintf("/containers/%s/start", esc);
	else if (strcmp(action, "stop") == 0)
		path = xasprintf("/containers/%s/stop", esc);
	else
		path = xasprintf("/containers/%s?force=1", esc);
	err = docker_call(d, strcmp(action, "delete") == 0 ? "DELETE" :
	    "POST", path, NULL, NULL, reterr);
out:
	params = json_pack("{s:s, s:s?}", "container", name, "origin",
	    who->origin);
	trigger_audit(srv, who, action, name, params, err == DR_OK, false,
	    err == DR_OK ? "done" : reterr->msg, 0);
	json_decref(params);
	json_decref(insp);
	docker_free(d);
	free(path);
	free(esc);
	free(lock);
	free(svc);
	return err;
}

char *
trigger_image_repo(const char *ref)
{
	const char	*at = strchr(ref, '@'), *slash, *colon;
	size_t		 n = at ? (size_t)(at - ref) : strlen(ref);

	slash = memrchr(ref, '/', n);
	colon = memrchr(slash ? slash : ref, ':', n - (size_t)((slash ? slash :
	    ref) - ref));
	if (colon != NULL)
		n = (size_t)(colon - ref);
	return xstrndup(ref, n);
}

enum dr_err
trigger_watchtower(struct serve *srv, const struct trigger_who *who,
    const char *const *images, size_t nimages, struct trigger_jobs *ret,
    struct dr_error *reterr)
{
	struct trigger_update	 u = { 0 };
	struct trigger_jobs	 one;
	json_t			*l = NULL, *c;
	char			*repo, *want, *tgt;
	const char		*stack, *img, *n;
	char			*svc;
	size_t			 i, k;
	enum dr_err		 err;
	bool			 match;

	memset(ret, 0, sizeof(*ret));
	if (nimages == 0) {
		u.scope = "all";
		return trigger_update(srv, who, &u, ret, reterr);
	}
	if ((err = trig_ctr_list(&l, reterr)) != DR_OK)
		return err;
	json_array_foreach(l, i, c) {
		if ((img = json_string_value(json_object_get(c, "Image"))) ==
		    NULL || (n = trig_ctr_name(c)) == NULL)
			continue;
		repo = trigger_image_repo(img);
		for (k = 0, match = false; k < nimages && !match; k++) {
			want = trigger_image_repo(images[k]);
			match = strcmp(repo, want) == 0;
			free(want);
		}
		free(repo);
		if (!match)
			continue;
		trig_ctr_place(c, &stack, &svc);
		tgt = stack && svc ? xasprintf("%s/%s", stack, svc) :
		    xasprintf("_/%s", n);
		free(svc);
		u.scope = "service";
		u.target = tgt;
		if (trigger_update(srv, who, &u, &one, NULL) == DR_OK) {
			for (k = 0; k < one.n; k++) {
				ret->ids = xreallocarray(ret->ids, ret->n + 1,
				    sizeof(*ret->ids));
				ret->ids[ret->n++] = one.ids[k];
			}
			ret->joined |= one.joined;
			trigger_jobs_done(&one);
		}
		free(tgt);
	}
	json_decref(l);
	return DR_OK;
}
