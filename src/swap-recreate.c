/*
 * swap-recreate: the engine half of the recreate swap: reads what a plan
 * is computed from (recreate_plan_new), finds dependents, and runs the
 * steps and the undo.  The plan itself is computed, without the engine, in
 * swap-recreate-plan.c; what the two share is in swap-recreate-int.h.
 * Invariant: the steps only ever act on the old container by id and on the
 * new one by name plus image id, and each does only what is still missing.
 */
#include "swap-recreate.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "swap-recreate-int.h"
#include "xmalloc.h"

#define RECREATE_POLL_MS	200
/* Seconds a /stop call may take beyond the container's StopTimeout. */
#define RECREATE_CALL_MARGIN	15
/* Seconds to wait for a container to die after SIGKILL. */
#define RECREATE_KILL_WAIT	30
#define RECREATE_LIST_MAX	10000	/* containers find_dependents reads */

/* Percent-encodes s for a URL, leaving unreserved characters and `keep`. */
static char *
recreate_esc(const char *s, const char *keep)
{
	static const char	 hex[] = "0123456789ABCDEF";
	struct buf		 b;
	unsigned char		 c;

	buf_init(&b, 4 * RECREATE_NAME_MAX + 4096);
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL ||
		    (keep != NULL && strchr(keep, c) != NULL))
			buf_addc(&b, (char)c);
		else {
			buf_addc(&b, '%');
			buf_addc(&b, hex[c >> 4]);
			buf_addc(&b, hex[c & 15]);
		}
	}
	buf_addc(&b, '\0');
	return buf_steal(&b);
}

/* ---- engine reads ------------------------------------------------------ */

/* GET a container or image; *ret stays NULL (DR_OK) when it does not
   exist. */
static enum dr_err
recreate_get(struct docker *d, const char *what, const char *ref,
    json_t **ret, struct dr_error *reterr)
{
	char		*esc, *path;
	enum dr_err	 err;

	*ret = NULL;
	esc = recreate_esc(ref, strcmp(what, "images") == 0 ? "/:@" : NULL);
	path = xasprintf("/%s/%s/json", what, esc);
	err = docker_get(d, path, ret, reterr);
	free(esc);
	free(path);
	if (err == DR_ENOTFOUND) {
		dr_error_clear(reterr);
		return DR_OK;
	}
	return err;
}

/* A container by exact name (a lookup by name also matches id prefixes). */
static enum dr_err
recreate_get_named(struct docker *d, const char *name, json_t **ret,
    struct dr_error *reterr)
{
	const char	*n;
	enum dr_err	 err;

	if ((err = recreate_get(d, "containers", name, ret, reterr)) != DR_OK)
		return err;
	n = recreate_jstr(*ret, "Name");
	if (*ret != NULL && (n == NULL || strcmp(n + (*n == '/'), name) != 0)) {
		json_decref(*ret);
		*ret = NULL;
	}
	return DR_OK;
}

enum dr_err
recreate_plan_new(struct docker *d, const char *container, const char *image,
    struct recreate_plan **ret, struct dr_error *reterr)
{
	struct recreate_input	 in;
	json_t			*inspect = NULL, *oldimg = NULL, *newimg = NULL;
	json_t			*info = NULL, *vf = NULL, *v, *c;
	const char		*ref, *mode, *s;
	char			*vname;
	size_t			 i;
	enum dr_err		 err;

	*ret = NULL;
	memset(&in, 0, sizeof(in));
	if ((err = recreate_get(d, "containers", container, &inspect,
	    reterr)) != DR_OK)
		goto out;
	if (inspect == NULL) {
		err = dr_fail(reterr, DR_ENOTFOUND, "no container %s",
		    container);
		goto out;
	}
	ref = image ? image : recreate_jstr(json_object_get(inspect, "Config"),
	    "Image");
	s = recreate_jstr(inspect, "Image");
	if (ref == NULL || s == NULL) {
		err = dr_fail(reterr, DR_EPROTO, "container %s has no image",
		    container);
		goto out;
	}
	if ((err = recreate_get(d, "images", s, &oldimg, reterr)) != DR_OK ||
	    (err = recreate_get(d, "images", ref, &newimg, reterr)) != DR_OK)
		goto out;
	if (newimg == NULL) {
		err = dr_fail(reterr, DR_ENOTFOUND, "image %s is not present "
		    "locally (pull it first)", ref);
		goto out;
	}
	mode = recreate_jstr(json_object_get(inspect, "HostConfig"),
	    "NetworkMode");
	if (mode != NULL && strcmp(mode, "host") == 0) {
		if ((err = docker_get(d, "/info", &info, reterr)) != DR_OK)
			goto out;
		in.host_name = recreate_jstr(info, "Name");
	}
	v = json_object_get(json_object_get(inspect, "HostConfig"),
	    "VolumesFrom");
	if (json_array_size(v) > 0) {
		vf = json_array();
		json_array_foreach(v, i, c) {
			if ((s = json_string_value(c)) == NULL)
				continue;
			vname = xstrndup(s, strcspn(s, ":"));
			err = recreate_get(d, "containers", vname, &c, reterr);
			free(vname);
			if (err != DR_OK)
				goto out;
			if (c != NULL)
				json_array_append_new(vf, c);
		}
	}
	in.inspect = inspect;
	in.old_image = oldimg;
	in.new_image = newimg;
	in.image = image;
	in.api = docker_version(d)->api;
	in.volumes_from = vf;
	err = recreate_plan_compute(&in, ret, reterr);
out:
	json_decref(inspect);
	json_decref(oldimg);
	json_decref(newimg);
	json_decref(info);
	json_decref(vf);
	return err;
}

/* ---- dependents ------------------------------------------------------- */

void
recreate_ids_free(char **ids)
{
	size_t	i;

	if (ids == NULL)
		return;
	for (i = 0; ids[i] != NULL; i++)
		free(ids[i]);
	free(ids);
}

/*
 * Whether a HostConfig shares a namespace with the container by_id/by_name
 * ("container:ID" or "container:NAME") or links to it (inspect shows links
 * as "/CHILD:/PARENT/ALIAS"; link starts with "/CHILD:").
 */
static bool
recreate_depends(const json_t *hc, const char *by_id, const char *by_name,
    const char *link)
{
	static const char *const	 modes[] = {
		"NetworkMode", "IpcMode", "PidMode"
	};
	const char			*m;
	json_t				*v;
	size_t				 k;

	for (k = 0; k < sizeof(modes) / sizeof(modes[0]); k++) {
		m = recreate_jstr(hc, modes[k]);
		if (m != NULL && (strcmp(m, by_id) == 0 ||
		    strcmp(m, by_name) == 0))
			return true;
	}
	json_array_foreach(json_object_get(hc, "Links"), k, v) {
		m = json_string_value(v);
		if (m != NULL && strncmp(m, link, strlen(link)) == 0)
			return true;
	}
	return false;
}

enum dr_err
recreate_find_dependents(struct docker *d, const char *id, char ***ret,
    size_t *ret_n, struct dr_error *reterr)
{
	struct docker_batch	*reqs = NULL;
	json_t			*self = NULL, *list = NULL, *v, *hc;
	char			**out = NULL, *by_id = NULL, *by_name = NULL;
	char			*link = NULL;
	const char		*cid, *name;
	size_t			 i, n = 0, nreq = 0;
	enum dr_err		 err;

	*ret = NULL;
	*ret_n = 0;
	if ((err = recreate_get(d, "containers", id, &self, reterr)) != DR_OK)
		goto out;
	if (self == NULL) {
		err = dr_fail(reterr, DR_ENOTFOUND, "no container %s", id);
		goto out;
	}
	name = recreate_jstr(self, "Name");
	by_id = xasprintf("container:%s", recreate_jstr(self, "Id"));
	name = name != NULL ? name + (*name == '/') : "";
	by_name = xasprintf("container:%s", name);
	link = xasprintf("/%s:", name);
	if ((err = docker_get(d, "/containers/json?all=1", &list, reterr)) !=
	    DR_OK)
		goto out;
	if (json_array_size(list) > RECREATE_LIST_MAX) {
		err = dr_fail(reterr, DR_ETOOBIG, "over %d containers",
		    RECREATE_LIST_MAX);
		goto out;
	}
	reqs = xcalloc(json_array_size(list) + 1, sizeof(*reqs));
	json_array_foreach(list, i, v) {
		cid = recreate_jstr(v, "Id");
		if (cid == NULL || strcmp(cid, recreate_jstr(self, "Id")) == 0)
			continue;
		reqs[nreq++].path = xasprintf("/containers/%s/json", cid);
	}
	out = xcalloc(nreq + 1, sizeof(*out));
	if (nreq > 0)
		docker_get_batch(d, reqs, nreq);
	for (i = 0; i < nreq; i++) {
		/* A container removed meanwhile depends on nothing. */
		if (reqs[i].err != DR_OK && reqs[i].err != DR_ENOTFOUND) {
			err = dr_fail(reterr, reqs[i].err, "%s",
			    reqs[i].error.msg);
			goto out;
		}
		hc = json_object_get(reqs[i].ret, "HostConfig");
		if (recreate_depends(hc, by_id, by_name, link))
			out[n++] = xstrdup(recreate_jstr(reqs[i].ret, "Id"));
	}
	*ret = out;
	*ret_n = n;
	out = NULL;
	err = DR_OK;
out:
	for (i = 0; reqs != NULL && i < nreq; i++) {
		free((char *)reqs[i].path);
		json_decref(reqs[i].ret);
	}
	free(reqs);
	recreate_ids_free(out);
	free(by_id);
	free(by_name);
	free(link);
	json_decref(self);
	json_decref(list);
	return err;
}

/* ---- steps ------------------------------------------------------------ */

static bool
recreate_running(const json_t *inspect)
{
	const json_t	*st = json_object_get(inspect, "State");

	return json_is_true(json_object_get(st, "Running")) ||
	    json_is_true(json_object_get(st, "Restarting"));
}

static bool
recreate_named(const json_t *inspect, const char *name)
{
	const char	*n = recreate_jstr(inspect, "Name");

	return n != NULL && strcmp(n + (*n == '/'), name) == 0;
}

static void
recreate_sleep_ms(long ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int64_t
recreate_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A simple POST on a container; path is under /containers/{id}. */
static enum dr_err
recreate_post(struct docker *d, const char *id, const char *what,
    struct dr_error *reterr)
{
	char		*path;
	enum dr_err	 err;

	path = xasprintf("/containers/%s%s", id, what);
	err = docker_call(d, "POST", path, NULL, NULL, reterr);
	free(path);
	return err;
}

/*
 * Waits up to secs for container id to stop or vanish.  DR_ETIMEOUT when
 * it still runs.
 */
static enum dr_err
recreate_wait_stopped(struct docker *d, const char *id, int secs,
    struct dr_error *reterr)
{
	json_t		*c = NULL;
	int64_t		 end;
	bool		 run;
	enum dr_err	 err;

	end = recreate_now_ms() + (int64_t)secs * 1000;
	for (;;) {
		if ((err = recreate_get(d, "containers", id, &c, reterr)) !=
		    DR_OK)
			return err;
		run = c != NULL && recreate_running(c);
		json_decref(c);
		if (!run)
			return DR_OK;
		if (recreate_now_ms() >= end)
			return dr_fail(reterr, DR_ETIMEOUT, "container %.12s "
			    "still runs after %d s", id, secs);
		recreate_sleep_ms(RECREATE_POLL_MS);
	}
}

/* Waits up to secs for container id to vanish.  DR_ETIMEOUT when not. */
static enum dr_err
recreate_wait_gone(struct docker *d, const char *id, int secs,
    struct dr_error *reterr)
{
	json_t		*c = NULL;
	int64_t		 end;
	enum dr_err	 err;

	end = recreate_now_ms() + (int64_t)secs * 1000;
	for (;;) {
		if ((err = recreate_get(d, "containers", id, &c, reterr)) !=
		    DR_OK)
			return err;
		if (c == NULL)
			return DR_OK;
		json_decref(c);
		if (recreate_now_ms() >= end)
			return dr_fail(reterr, DR_ETIMEOUT, "AutoRemove "
			    "container %.12s still there after %d s", id, secs);
		recreate_sleep_ms(RECREATE_POLL_MS);
	}
}

/* The answer to /stop is empty; docker_stream_req wants a line reader. */
static bool
recreate_ignore_line(struct span line, void *arg)
{
	(void)line;
	(void)arg;
	return true;
}

enum dr_err
recreate_stop_old(struct docker *d, const struct recreate_plan *p,
    struct dr_error *reterr)
{
	json_t		*c = NULL;
	char		*path;
	bool		 run;
	enum dr_err	 err;

	if ((err = recreate_get(d, "containers", p->old_id, &c, reterr)) !=
	    DR_OK)
		return err;
	run = c != NULL && recreate_running(c);
	json_decref(c);
	if (!run)
		return DR_OK;
	/*
	 * Without ?t= the daemon uses the container's own StopSignal and
	 * StopTimeout, as `docker stop` does; the call is given longer than
	 * that (docker_call's fixed limit may be shorter), so it never ends
	 * while the daemon still waits for the process.
	 */
	path = xasprintf("/containers/%s/stop", p->old_id);
	err = docker_stream_req(d, "POST", path, NULL,
	    ((long)p->stop_timeout + RECREATE_CALL_MARGIN) * 1000L,
	    recreate_ignore_line, NULL, reterr);
	free(path);
	if (err == DR_OK)
		return DR_OK;
	/* Already stopping, gone, or the answer lost: look again. */
	dr_error_clear(reterr);
	err = recreate_wait_stopped(d, p->old_id, RECREATE_KILL_WAIT, reterr);
	if (err != DR_ETIMEOUT)
		return err;
	/* Still running well after its own timeout: what stop would do. */
	dr_error_clear(reterr);
	(void)recreate_post(d, p->old_id, "/kill?signal=SIGKILL", NULL);
	return recreate_wait_stopped(d, p->old_id, RECREATE_KILL_WAIT, reterr);
}

/* Renames container id to name unless it has that name; gone is fine. */
static enum dr_err
recreate_rename(struct docker *d, const char *id, const char *name,
    struct dr_error *reterr)
{
	json_t		*c = NULL;
	char		*esc, *q;
	bool		 done;
	enum dr_err	 err;

	if ((err = recreate_get(d, "containers", id, &c, reterr)) != DR_OK)
		return err;
	done = c == NULL || recreate_named(c, name);
	json_decref(c);
	if (done)
		return DR_OK;
	esc = recreate_esc(name, NULL);
	q = xasprintf("/rename?name=%s", esc);
	err = recreate_post(d, id, q, reterr);
	free(esc);
	free(q);
	if (err == DR_OK)
		return DR_OK;
	/* A lost answer: look again before failing. */
	if (recreate_get(d, "containers", id, &c, NULL) == DR_OK &&
	    (c == NULL || recreate_named(c, name))) {
		json_decref(c);
		dr_error_clear(reterr);
		return DR_OK;
	}
	json_decref(c);
	return err;
}

enum dr_err
recreate_rename_old(struct docker *d, const struct recreate_plan *p,
    struct dr_error *reterr)
{
	return recreate_rename(d, p->old_id, p->parked, reterr);
}

enum recreate_holder {
	RECREATE_FREE,		/* no container has the name */
	RECREATE_OLD,		/* the old container has it */
	RECREATE_OURS,		/* another container on the expected image */
	RECREATE_OTHER		/* someone else's */
};

/* Who holds the plan's name; *ret_id gets the holder's id (freed by the
   caller) unless it is free. */
static enum dr_err
recreate_holder(struct docker *d, const struct recreate_plan *p,
    const char *image_id, enum recreate_holder *ret, char **ret_id,
    struct dr_error *reterr)
{
	json_t		*c = NULL;
	const char	*id, *img;
	enum dr_err	 err;

	*ret = RECREATE_FREE;
	*ret_id = NULL;
	if ((err = recreate_get_named(d, p->name, &c, reterr)) != DR_OK)
		return err;
	if (c == NULL)
		return DR_OK;
	id = recreate_jstr(c, "Id");
	img = recreate_jstr(c, "Image");
	if (id == NULL)
		*ret = RECREATE_OTHER;
	else if (strcmp(id, p->old_id) == 0)
		*ret = RECREATE_OLD;
	else if (img != NULL && strcmp(img, image_id) == 0)
		*ret = RECREATE_OURS;
	else
		*ret = RECREATE_OTHER;
	*ret_id = recreate_dup(id);
	json_decref(c);
	return DR_OK;
}

/* Creates (or finds) the container named p->name from body on image_id. */
static enum dr_err
recreate_create(struct docker *d, const struct recreate_plan *p,
    const json_t *body, const char *image_id, char **ret_id,
    struct dr_error *reterr)
{
	enum recreate_holder	 h;
	json_t			*res = NULL;
	char			*id = NULL, *esc = NULL, *path = NULL;
	int			 attempt;
	enum dr_err		 err;

	for (attempt = 0; attempt < 2; attempt++) {
		if ((err = recreate_holder(d, p, image_id, &h, &id, reterr)) !=
		    DR_OK)
			goto out;
		if (h == RECREATE_OURS)
			goto found;
		if (h == RECREATE_OLD) {
			err = dr_fail(reterr, DR_ECONFLICT, "%s is still the "
			    "old container: rename it first", p->name);
			goto out;
		}
		if (h == RECREATE_OTHER) {
			err = dr_fail(reterr, DR_ECONFLICT, "%s is held by "
			    "container %.12s on another image", p->name, id);
			goto out;
		}
		esc = recreate_esc(p->name, NULL);
		path = xasprintf("/containers/create?name=%s", esc);
		err = docker_call(d, "POST", path, body, &res, reterr);
		free(esc);
		free(path);
		esc = path = NULL;
		if (err == DR_OK) {
			id = recreate_dup(recreate_jstr(res, "Id"));
			if (id == NULL)
				err = dr_fail(reterr, DR_EPROTO, "create "
				    "answered no Id");
			goto out;
		}
		/* A lost answer or a race: look again once. */
		if (attempt > 0 || (err != DR_ECONFLICT &&
		    err != DR_ETIMEOUT && err != DR_ENET))
			goto out;
		dr_error_clear(reterr);
	}
	goto out;
found:
	err = DR_OK;
out:
	if (err == DR_OK && ret_id != NULL) {
		*ret_id = id;
		id = NULL;
	}
	free(id);
	json_decref(res);
	return err;
}

enum dr_err
recreate_create_new(struct docker *d, const struct recreate_plan *p,
    char **ret_id, struct dr_error *reterr)
{
	if (ret_id != NULL)
		*ret_id = NULL;
	return recreate_create(d, p, p->create, p->new_image_id, ret_id,
	    reterr);
}

/* The id of the container holding the plan's name on image_id. */
static enum dr_err
recreate_find(struct docker *d, const struct recreate_plan *p,
    const char *image_id, char **ret_id, struct dr_error *reterr)
{
	enum recreate_holder	h;
	enum dr_err		err;

	if ((err = recreate_holder(d, p, image_id, &h, ret_id, reterr)) !=
	    DR_OK)
		return err;
	if (h == RECREATE_OURS)
		return DR_OK;
	free(*ret_id);
	*ret_id = NULL;
	if (h == RECREATE_FREE)
		return dr_fail(reterr, DR_ENOTFOUND, "no container %s yet",
		    p->name);
	return dr_fail(reterr, DR_ECONFLICT, "container %s is not the one "
	    "this plan created", p->name);
}

static bool
recreate_on_network(const json_t *c, const char *net)
{
	return json_object_get(json_object_get(json_object_get(c,
	    "NetworkSettings"), "Networks"), net) != NULL;
}

static enum dr_err
recreate_connect(struct docker *d, const struct recreate_plan *p,
    const char *id, struct dr_error *reterr)
{
	json_t		*c = NULL, *v, *body;
	const char	*net;
	char		*esc, *path;
	size_t		 i;
	enum dr_err	 err = DR_OK;

	if ((err = recreate_get(d, "containers", id, &c, reterr)) != DR_OK)
		return err;
	if (c == NULL)
		return dr_fail(reterr, DR_ENOTFOUND, "container %.12s vanished",
		    id);
	json_array_foreach(p->networks, i, v) {
		net = recreate_jstr(v, "Name");
		if (net == NULL || recreate_on_network(c, net))
			continue;
		body = json_pack("{s:s, s:O}", "Container", id,
		    "EndpointConfig", json_object_get(v, "EndpointConfig"));
		esc = recreate_esc(net, NULL);
		path = xasprintf("/networks/%s/connect", esc);
		err = docker_call(d, "POST", path, body, NULL, reterr);
		free(esc);
		free(path);
		json_decref(body);
		if (err != DR_OK) {
			/* A lost answer: connected after all? */
			json_decref(c);
			c = NULL;
			if (recreate_get(d, "containers", id, &c, NULL) !=
			    DR_OK || !recreate_on_network(c, net))
				break;
			dr_error_clear(reterr);
			err = DR_OK;
		}
	}
	json_decref(c);
	return err;
}

enum dr_err
recreate_connect_networks(struct docker *d, const struct recreate_plan *p,
    struct dr_error *reterr)
{
	char		*id = NULL;
	enum dr_err	 err;

	if ((err = recreate_find(d, p, p->new_image_id, &id, reterr)) == DR_OK)
		err = recreate_connect(d, p, id, reterr);
	free(id);
	return err;
}

static enum dr_err
recreate_start(struct docker *d, const char *id, struct dr_error *reterr)
{
	json_t		*c = NULL;
	bool		 run;
	enum dr_err	 err;

	if ((err = recreate_get(d, "containers", id, &c, reterr)) != DR_OK)
		return err;
	run = c != NULL && recreate_running(c);
	json_decref(c);
	if (run)
		return DR_OK;
	if ((err = recreate_post(d, id, "/start", reterr)) == DR_OK)
		return DR_OK;
	if (recreate_get(d, "containers", id, &c, NULL) == DR_OK &&
	    c != NULL && recreate_running(c)) {
		dr_error_clear(reterr);
		err = DR_OK;
	}
	json_decref(c);
	return err;
}

enum dr_err
recreate_start_new(struct docker *d, const struct recreate_plan *p,
    struct dr_error *reterr)
{
	char		*id = NULL;
	enum dr_err	 err;

	if ((err = recreate_find(d, p, p->new_image_id, &id, reterr)) == DR_OK)
		err = recreate_start(d, id, reterr);
	free(id);
	return err;
}

/* DELETE a container, never its volumes; gone is fine. */
static enum dr_err
recreate_delete(struct docker *d, const char *id, bool force,
    struct dr_error *reterr)
{
	json_t		*c = NULL;
	char		*path;
	enum dr_err	 err;

	path = xasprintf("/containers/%s?v=0&force=%d", id, force ? 1 : 0);
	err = docker_call(d, "DELETE", path, NULL, NULL, reterr);
	free(path);
	if (err == DR_OK || err == DR_ENOTFOUND) {
		dr_error_clear(reterr);
		return DR_OK;
	}
	/* AutoRemove may have removed it meanwhile ("already in progress"). */
	if (recreate_get(d, "containers", id, &c, NULL) == DR_OK && c == NULL) {
		dr_error_clear(reterr);
		return DR_OK;
	}
	json_decref(c);
	return err;
}

enum dr_err
recreate_remove_old(struct docker *d, const struct recreate_plan *p,
    struct dr_error *reterr)
{
	json_t		*c = NULL;
	enum dr_err	 err;

	if ((err = recreate_get(d, "containers", p->old_id, &c, reterr)) !=
	    DR_OK)
		return err;
	if (c == NULL)
		return DR_OK;
	if (recreate_named(c, p->name))
		err = dr_fail(reterr, DR_ECONFLICT, "the old container has its "
		    "name back (undone): not removing it");
	else if (recreate_running(c))
		err = dr_fail(reterr, DR_ECONFLICT, "the old container runs: "
		    "not removing it");
	json_decref(c);
	if (err != DR_OK)
		return err;
	return recreate_delete(d, p->old_id, false, reterr);
}

enum dr_err
recreate_undo(struct docker *d, const struct recreate_plan *p,
    struct dr_error *reterr)
{
	enum recreate_holder	 h;
	json_t			*old = NULL, *img = NULL, *body = NULL;
	char			*id = NULL;
	bool			 run;
	enum dr_err		 err;

	if ((err = recreate_get(d, "containers", p->old_id, &old, reterr)) !=
	    DR_OK)
		goto out;
	if (old != NULL && p->auto_remove && !recreate_running(old)) {
		/* The daemon is removing it: starting it now would race. */
		json_decref(old);
		old = NULL;
		if ((err = recreate_wait_gone(d, p->old_id, RECREATE_KILL_WAIT,
		    reterr)) != DR_OK && err != DR_ETIMEOUT)
			goto out;
		dr_error_clear(reterr);
		if ((err = recreate_get(d, "containers", p->old_id, &old,
		    reterr)) != DR_OK)
			goto out;
	}
	if ((err = recreate_holder(d, p, p->new_image_id, &h, &id, reterr)) !=
	    DR_OK)
		goto out;
	if (h == RECREATE_OTHER && old == NULL) {
		/* Restored by an earlier run of this undo? */
		free(id);
		if ((err = recreate_holder(d, p, p->old_image_id, &h, &id,
		    reterr)) != DR_OK)
			goto out;
		if (h == RECREATE_OURS)
			h = RECREATE_FREE;
	}
	if (h == RECREATE_OTHER) {
		err = dr_fail(reterr, DR_ECONFLICT, "%s is held by container "
		    "%.12s that this plan did not create", p->name, id);
		goto out;
	}
	if (h == RECREATE_OURS &&
	    (err = recreate_delete(d, id, true, reterr)) != DR_OK)
		goto out;
	free(id);
	id = NULL;
	if (old != NULL) {
		if ((err = recreate_rename(d, p->old_id, p->name, reterr)) !=
		    DR_OK)
			goto out;
		run = recreate_running(old);
		if (p->was_running && !run)
			err = recreate_start(d, p->old_id, reterr);
		goto out;
	}
	/* Gone (AutoRemove): the same configuration on the old image. */
	if (recreate_jstr(p->restore, "Image") != NULL &&
	    (err = recreate_get(d, "images", recreate_jstr(p->restore,
	    "Image"), &img, reterr)) != DR_OK)
		goto out;
	body = json_deep_copy(p->restore);
	if (img == NULL || recreate_jstr(img, "Id") == NULL ||
	    strcmp(recreate_jstr(img, "Id"), p->old_image_id) != 0)
		json_object_set_new(body, "Image",
		    json_string(p->old_image_id));
	if ((err = recreate_create(d, p, body, p->old_image_id, &id,
	    reterr)) != DR_OK)
		goto out;
	if ((err = recreate_connect(d, p, id, reterr)) != DR_OK)
		goto out;
	if (p->was_running)
		err = recreate_start(d, id, reterr);
out:
	free(id);
	json_decref(old);
	json_decref(img);
	json_decref(body);
	return err;
}
