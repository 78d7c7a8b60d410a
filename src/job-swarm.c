/*
 * job-swarm: the journaled update of one Swarm service.  Steps: pull
 * (engine, verified), service_update (the spec as read, only its image
 * changed to repo:tag@digest; the old image and the spec version are
 * journaled first), wait_update (until Swarm says the update completed and
 * every task it wants running runs the new image), health (each new task
 * container).  Rollback: rollback (the old spec image back, the same way),
 * wait_rollback, verify_rollback.  Swarm may roll back on its own
 * (--update-failure-action rollback): that job ends rolled_back once the
 * old image is verified.  Invariant: Dockrev never changes a service spec
 * beyond ContainerSpec.Image, and a job ends only when the tasks Docker
 * runs match its state.
 */
#include "job-swarm.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imageref.h"
#include "job.h"
#include "pull.h"
#include "xmalloc.h"

#define JSW_POLL_MS		500
#define JSW_MONITOR_DEFAULT_MS	5000
/* Swarm's own time per task (schedule, create, start, stop the old one)
 * on top of the health deadline and the monitor period. */
#define JSW_TASK_SLACK_MS	30000

/* ---- pure helpers (job-swarm.h) ---------------------------------------- */

static const struct {
	const char		*name;
	enum job_swarm_state	 state;
} jsw_states[] = {
	{ "updating", JOB_SWARM_UPDATING },
	{ "paused", JOB_SWARM_PAUSED },
	{ "completed", JOB_SWARM_COMPLETED },
	{ "rollback_started", JOB_SWARM_ROLLBACK_STARTED },
	{ "rollback_paused", JOB_SWARM_ROLLBACK_PAUSED },
	{ "rollback_completed", JOB_SWARM_ROLLBACK_COMPLETED },
};

enum job_swarm_state
job_swarm_update_state(const json_t *service)
{
	const json_t	*us = json_object_get(service, "UpdateStatus");
	const char	*s;
	size_t		 i;

	if (us == NULL || json_is_null(us))
		return JOB_SWARM_NONE;
	if ((s = json_string_value(json_object_get(us, "State"))) == NULL ||
	    *s == '\0')
		return JOB_SWARM_NONE;
	for (i = 0; i < sizeof(jsw_states) / sizeof(jsw_states[0]); i++)
		if (strcmp(s, jsw_states[i].name) == 0)
			return jsw_states[i].state;
	return JOB_SWARM_UNKNOWN;
}

const char *
job_swarm_state_name(enum job_swarm_state st)
{
	size_t	i;

	for (i = 0; i < sizeof(jsw_states) / sizeof(jsw_states[0]); i++)
		if (jsw_states[i].state == st)
			return jsw_states[i].name;
	return st == JOB_SWARM_NONE ? "none" : "unknown";
}

const char *
job_swarm_update_message(const json_t *service)
{
	const char	*s = json_string_value(json_object_get(json_object_get(
	    service, "UpdateStatus"), "Message"));

	return s != NULL ? s : "";
}

bool
job_swarm_valid_name(const char *s)
{
	size_t	i;

	if (s == NULL || s[0] == '\0' || strlen(s) > JOB_SWARM_NAME_MAX)
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		char	c = s[i];
		bool	alnum = (c >= 'a' && c <= 'z') || (c >= 'A' &&
		    c <= 'Z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '_' && c != '-' && c != '.')))
			return false;
	}
	return true;
}

bool
job_swarm_valid_id(const char *s)
{
	size_t	i;

	if (s == NULL || s[0] == '\0' || strlen(s) > JOB_SWARM_ID_MAX)
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9')))
			return false;
	return true;
}

static json_t *
jsw_container_spec(const json_t *service)
{
	return json_object_get(json_object_get(json_object_get(service,
	    "Spec"), "TaskTemplate"), "ContainerSpec");
}

const char *
job_swarm_spec_image(const json_t *service)
{
	return json_string_value(json_object_get(jsw_container_spec(service),
	    "Image"));
}

int64_t
job_swarm_version(const json_t *service)
{
	const json_t	*v = json_object_get(json_object_get(service,
	    "Version"), "Index");

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

long
job_swarm_replicas(const json_t *service)
{
	const json_t	*v = json_object_get(json_object_get(json_object_get(
	    json_object_get(service, "Spec"), "Mode"), "Replicated"),
	    "Replicas");

	return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

long
job_swarm_monitor_ms(const json_t *service)
{
	const json_t	*v = json_object_get(json_object_get(json_object_get(
	    service, "Spec"), "UpdateConfig"), "Monitor");

	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return JSW_MONITOR_DEFAULT_MS;
	return (long)(json_integer_value(v) / 1000000);
}

json_t *
job_swarm_spec_with_image(const json_t *service, const char *image,
    struct dr_error *reterr)
{
	json_t	*spec, *cs;

	if (jsw_container_spec(service) == NULL ||
	    !json_is_object(json_object_get(service, "Spec"))) {
		dr_fail(reterr, DR_EUNSUPPORTED, "the service runs no "
		    "container (no TaskTemplate.ContainerSpec)");
		return NULL;
	}
	spec = json_deep_copy(json_object_get(service, "Spec"));
	cs = json_object_get(json_object_get(spec, "TaskTemplate"),
	    "ContainerSpec");
	json_object_set_new(cs, "Image", json_string(image));
	return spec;
}

enum dr_err
job_swarm_pin(const char *image, const char *digest, struct buf *ret,
    struct dr_error *reterr)
{
	struct imageref	*ref = NULL;
	enum dr_err	 err;

	if (digest == NULL || !imageref_valid_digest(span_str(digest)))
		return dr_fail(reterr, DR_EINVAL, "not a digest: %s",
		    digest ? digest : "(none)");
	if ((err = imageref_parse(span_str(image), &ref, reterr)) != DR_OK)
		return err;
	if (ref->tag == NULL) {
		imageref_free(ref);
		return dr_fail(reterr, DR_EINVAL, "%s has no tag", image);
	}
	imageref_format_repo(ref, ret);
	buf_printf(ret, ":%s@%s", ref->tag, digest);
	imageref_free(ref);
	return buf_failed(ret) ? dr_fail(reterr, DR_ETOOBIG, "reference too "
	    "long") : DR_OK;
}

const char *
job_swarm_digest_of(const char *image)
{
	const char	*at = image ? strrchr(image, '@') : NULL;

	return at != NULL && imageref_valid_digest(span_str(at + 1)) ?
	    at + 1 : NULL;
}

bool
job_swarm_converged(const json_t *tasks, const char *image, size_t min_tasks,
    json_t *ret_ids)
{
	const json_t	*t;
	const char	*img, *state, *desired, *cid;
	size_t		 i, n = 0;
	bool		 ok = true;

	if (!json_is_array(tasks))
		return false;
	json_array_foreach(tasks, i, t) {
		desired = json_string_value(json_object_get(t, "DesiredState"));
		if (desired != NULL && strcmp(desired, "running") != 0)
			continue;
		img = json_string_value(json_object_get(json_object_get(
		    json_object_get(t, "Spec"), "ContainerSpec"), "Image"));
		state = json_string_value(json_object_get(json_object_get(t,
		    "Status"), "State"));
		cid = json_string_value(json_object_get(json_object_get(
		    json_object_get(t, "Status"), "ContainerStatus"),
		    "ContainerID"));
		if (img == NULL || strcmp(img, image) != 0 || state == NULL ||
		    strcmp(state, "running") != 0 || cid == NULL ||
		    *cid == '\0') {
			ok = false;
			continue;
		}
		n++;
		if (ret_ids != NULL)
			json_array_append_new(ret_ids, json_string(cid));
	}
	return ok && n >= min_tasks;
}

/* ---- the job ------------------------------------------------------------- */

enum jsw_outcome {
	JSW_CONVERGED,		/* every wanted task runs the image */
	JSW_SWARM_ROLLED_BACK,	/* rollback_completed */
	JSW_STOPPED,		/* paused, or the spec moved elsewhere */
	JSW_TIMEOUT,
};

static const char *
jsw_outcome_name(enum jsw_outcome o)
{
	static const char	*names[] = {
		[JSW_CONVERGED] = "converged",
		[JSW_SWARM_ROLLED_BACK] = "swarm_rolled_back",
		[JSW_STOPPED] = "stopped",
		[JSW_TIMEOUT] = "timeout",
	};

	return names[o];
}

static long
jsw_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
jsw_sleep_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static enum dr_err
jsw_get_service(struct job_ctx *ctx, const char *id, json_t **ret,
    struct dr_error *reterr)
{
	char		*path = xasprintf("/services/%s", id);
	enum dr_err	 err;

	*ret = NULL;
	err = docker_get(ctx->docker, path, ret, reterr);
	free(path);
	return err;
}

static enum dr_err
jsw_get_tasks(struct job_ctx *ctx, const char *id, json_t **ret,
    struct dr_error *reterr)
{
	json_t		*f;
	char		*fs, *esc, *path;
	enum dr_err	 err;

	f = json_pack("{s:[s], s:[s]}", "service", id, "desired-state",
	    "running");
	fs = json_dumps(f, JSON_COMPACT);
	esc = docker_escape(fs);
	path = xasprintf("/tasks?filters=%s", esc);
	*ret = NULL;
	err = docker_get(ctx->docker, path, ret, reterr);
	free(path);
	free(esc);
	free(fs);
	json_decref(f);
	return err;
}

/* How long a whole update (or rollback) of the service may take. */
static long
jsw_limit_ms(struct job_ctx *ctx, const json_t *service)
{
	long	deadline = ctx->health.deadline_ms > 0 ?
	    ctx->health.deadline_ms : HEALTH_DEADLINE_MS;
	long	replicas = job_swarm_replicas(service);

	return (deadline + job_swarm_monitor_ms(service) + JSW_TASK_SLACK_MS) *
	    (replicas > 1 ? replicas : 1);
}

/*
 * Polls the service until its tasks run image (JSW_CONVERGED, their
 * containers in ret_ids), Swarm rolled back away from image, paused, or
 * the limit passes.
 * A Swarm rollback in progress gets one more limit.  why gets a line for
 * the summary.  Engine errors are retried until the limit.
 */
static enum jsw_outcome
jsw_wait(struct jrun *r, const char *id, const char *image, long limit_ms,
    json_t *ret_ids, char *why, size_t whylen)
{
	enum job_swarm_state	 st, last = JOB_SWARM_UNKNOWN;
	json_t			*svc = NULL, *tasks = NULL;
	const char		*spec_image;
	char			 started[256] = "";
	long			 end = jsw_now_ms() + limit_ms;
	size_t			 min_tasks;
	bool			 extended = false;
	enum jsw_outcome	 o = JSW_TIMEOUT;

	snprintf(why, whylen, "Swarm did not finish within %ld s",
	    limit_ms / 1000);
	for (;;) {
		json_decref(svc);
		json_decref(tasks);
		svc = tasks = NULL;
		if (jsw_get_service(r->ctx, id, &svc, NULL) != DR_OK)
			goto next;
		st = job_swarm_update_state(svc);
		if (st != last) {
			job_log(r, "swarm: update state %s%s%s",
			    job_swarm_state_name(st),
			    *job_swarm_update_message(svc) ? ": " : "",
			    job_swarm_update_message(svc));
			last = st;
		}
		spec_image = job_swarm_spec_image(svc);
		switch (st) {
		case JOB_SWARM_ROLLBACK_COMPLETED:
			/* Back to the image we wait for (Swarm's own
			 * rollback, seen by the wait for the old image) is
			 * no failure; away from it is. */
			if (spec_image != NULL && strcmp(spec_image, image) ==
			    0)
				break;
			snprintf(why, whylen, "Swarm rolled back the update: "
			    "%s", started[0] ? started :
			    job_swarm_update_message(svc));
			o = JSW_SWARM_ROLLED_BACK;
			goto out;
		case JOB_SWARM_PAUSED:
		case JOB_SWARM_ROLLBACK_PAUSED:
			snprintf(why, whylen, "Swarm %s the update: %s",
			    st == JOB_SWARM_PAUSED ? "paused" :
			    "paused its rollback of", job_swarm_update_message(
			    svc));
			o = JSW_STOPPED;
			goto out;
		case JOB_SWARM_ROLLBACK_STARTED:
			/* Says why; the completion only says "completed". */
			snprintf(started, sizeof(started), "%s",
			    job_swarm_update_message(svc));
			if (!extended) {
				end = jsw_now_ms() + limit_ms;
				extended = true;
			}
			goto next;
		default:
			break;
		}
		if (spec_image == NULL || strcmp(spec_image, image) != 0) {
			snprintf(why, whylen, "the service's image changed to "
			    "%s meanwhile", spec_image ? spec_image : "?");
			o = JSW_STOPPED;
			goto out;
		}
		if (st == JOB_SWARM_UPDATING)
			goto next;
		min_tasks = job_swarm_replicas(svc) == 0 ? 0 : 1;
		if (jsw_get_tasks(r->ctx, id, &tasks, NULL) == DR_OK &&
		    job_swarm_converged(tasks, image, min_tasks, NULL)) {
			if (ret_ids != NULL)
				job_swarm_converged(tasks, image, min_tasks,
				    ret_ids);
			o = JSW_CONVERGED;
			goto out;
		}
next:
		if (jsw_now_ms() >= end)
			goto out;
		jsw_sleep_ms(JSW_POLL_MS);
	}
out:
	json_decref(svc);
	json_decref(tasks);
	return o;
}

/* The wait as a journaled step; the outcome names the containers. */
static enum jsw_outcome
jsw_wait_step(struct jrun *r, const char *step, const char *id,
    const char *image, long limit_ms, json_t *ret_ids, char *why,
    size_t whylen)
{
	enum jsw_outcome	 o;
	json_t			*oj;
	char			*os, *detail;
	int64_t			 sid;

	oj = json_pack("{s:s, s:I}", "image", image, "limit_ms",
	    (json_int_t)limit_ms);
	detail = json_dumps(oj, JSON_COMPACT);
	json_decref(oj);
	store_job_step_begin(r->ctx->store, r->job, step, detail, &sid, NULL);
	free(detail);
	job_log(r, "%s: waiting for the tasks to run %s", step, image);
	o = jsw_wait(r, id, image, limit_ms, ret_ids, why, whylen);
	job_crash_seam(step);
	oj = json_pack("{s:s, s:O}", "outcome", jsw_outcome_name(o),
	    "containers", ret_ids);
	os = json_dumps(oj, JSON_COMPACT);
	json_decref(oj);
	store_job_step_end(r->ctx->store, sid, o == JSW_CONVERGED ?
	    STORE_STEP_DONE : STORE_STEP_FAILED, os, o == JSW_CONVERGED ?
	    NULL : why, NULL);
	free(os);
	if (o != JSW_CONVERGED)
		job_log(r, "%s: %s", step, why);
	return o;
}

/* Gates every container in ids under step; true when all pass. */
static bool
jsw_gate_all(struct jrun *r, const char *step, const json_t *ids, char *why,
    size_t whylen)
{
	struct health_report	 rep;
	struct dr_error		 e;
	const json_t		*v;
	size_t			 i;

	json_array_foreach(ids, i, v) {
		const char	*cid = json_string_value(v);

		memset(&rep, 0, sizeof(rep));
		if (job_gate(r, step, cid, &rep, &e) != DR_OK) {
			snprintf(why, whylen, "health gate could not run: %s",
			    e.msg);
			return false;
		}
		if (rep.result != HEALTH_OK) {
			snprintf(why, whylen, "task container %.12s: %s (%s)",
			    cid, health_result_name(rep.result), rep.detail);
			return false;
		}
	}
	return true;
}

/*
 * Sets the service's spec image to image (the spec as read otherwise)
 * unless it has it already, as step `step`; the detail journals the image
 * it had and the version.  Returns the POST's error.
 */
static enum dr_err
jsw_set_image(struct jrun *r, const char *step, const char *id,
    const char *image, const char *old_expected, struct dr_error *reterr)
{
	json_t		*svc = NULL, *spec = NULL, *d;
	char		*detail = NULL, *path = NULL;
	const char	*cur;
	int64_t		 sid = 0, ver;
	enum dr_err	 err;

	if ((err = jsw_get_service(r->ctx, id, &svc, reterr)) != DR_OK)
		goto out;
	cur = job_swarm_spec_image(svc);
	ver = job_swarm_version(svc);
	if (old_expected != NULL && (cur == NULL || strcmp(cur,
	    old_expected) != 0)) {
		err = dr_fail(reterr, DR_ECONFLICT, "the service's image is "
		    "now %s, not %s (changed by someone else?)", cur ? cur :
		    "?", old_expected);
		goto out;
	}
	d = json_pack("{s:s?, s:s, s:I}", "old_image", cur, "image", image,
	    "version", (json_int_t)ver);
	detail = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	if ((err = store_job_step_begin(r->ctx->store, r->job, step, detail,
	    &sid, reterr)) != DR_OK)
		goto out;
	if (cur != NULL && strcmp(cur, image) == 0) {
		job_log(r, "%s: the spec has %s already", step, image);
		err = DR_OK;
	} else if ((spec = job_swarm_spec_with_image(svc, image, reterr)) ==
	    NULL)
		err = DR_EUNSUPPORTED;
	else {
		job_log(r, "%s: %s -> %s (version %lld)", step, cur ? cur : "?",
		    image, (long long)ver);
		path = xasprintf("/services/%s/update?version=%lld", id,
		    (long long)ver);
		err = docker_call(r->ctx->docker, "POST", path, spec, NULL,
		    reterr);
	}
	job_crash_seam(step);
	store_job_step_end(r->ctx->store, sid, err == DR_OK ? STORE_STEP_DONE :
	    STORE_STEP_FAILED, NULL, err == DR_OK ? NULL : reterr->msg, NULL);
	if (err != DR_OK)
		job_log(r, "%s failed: %s", step, reterr->msg);
out:
	json_decref(svc);
	json_decref(spec);
	free(detail);
	free(path);
	return err;
}

/* Puts old_image back and verifies it; ends the job. */
static void
jsw_rollback(struct jrun *r, const char *id, const char *old_image,
    const char *why)
{
	struct dr_error	 e;
	json_t		*svc = NULL, *ids = json_array();
	char		 summary[DR_ERROR_MSG_MAX], w[DR_ERROR_MSG_MAX];
	long		 limit;

	job_log(r, "rollback: %s", why);
	if (jsw_set_image(r, "rollback", id, old_image, NULL, &e) != DR_OK) {
		snprintf(summary, sizeof(summary), "%s; rollback failed: %s",
		    why, e.msg);
		job_finish(r, STORE_JOB_ROLLBACK_FAILED,
		    STORE_TARGET_ROLLBACK_FAILED, summary);
		goto out;
	}
	if (jsw_get_service(r->ctx, id, &svc, &e) != DR_OK) {
		snprintf(summary, sizeof(summary), "%s; the service is gone "
		    "after the rollback: %s", why, e.msg);
		job_finish(r, STORE_JOB_ROLLBACK_FAILED,
		    STORE_TARGET_ROLLBACK_FAILED, summary);
		goto out;
	}
	limit = jsw_limit_ms(r->ctx, svc);
	/* Anything but convergence here needs a human: a Swarm rollback of
	 * this rollback would bring the new image back. */
	if (jsw_wait_step(r, "wait_rollback", id, old_image, limit, ids, w,
	    sizeof(w)) != JSW_CONVERGED) {
		snprintf(summary, sizeof(summary), "%s; the rollback did not "
		    "finish: %s", why, w);
		job_finish(r, STORE_JOB_ROLLBACK_FAILED,
		    STORE_TARGET_ROLLBACK_FAILED, summary);
		goto out;
	}
	if (!jsw_gate_all(r, "verify_rollback", ids, w, sizeof(w))) {
		snprintf(summary, sizeof(summary), "%s; the old image did not "
		    "pass the gate after the rollback either: %s", why, w);
		job_finish(r, STORE_JOB_ROLLBACK_FAILED,
		    STORE_TARGET_ROLLBACK_FAILED, summary);
		goto out;
	}
	snprintf(summary, sizeof(summary), "%s; rolled back to %s", why,
	    old_image);
	job_finish(r, STORE_JOB_ROLLED_BACK, STORE_TARGET_ROLLED_BACK, summary);
out:
	json_decref(svc);
	json_decref(ids);
}

/*
 * Swarm rolled back on its own: verify that the old image runs and report
 * the update as not done.  When Swarm's rollback left a spec image other
 * than old_image (an unpinned tag, which may have moved with the pull),
 * Dockrev puts old_image back itself.  Ends the job.
 */
static void
jsw_swarm_rolled_back(struct jrun *r, const char *id, const char *old_image,
    const char *why, long limit)
{
	json_t		*ids = json_array(), *svc = NULL;
	const char	*cur;
	char		 summary[DR_ERROR_MSG_MAX], w[DR_ERROR_MSG_MAX];

	if (jsw_get_service(r->ctx, id, &svc, NULL) == DR_OK &&
	    (cur = job_swarm_spec_image(svc)) != NULL &&
	    strcmp(cur, old_image) != 0 &&
	    job_swarm_update_state(svc) == JOB_SWARM_ROLLBACK_COMPLETED) {
		jsw_rollback(r, id, old_image, why);
		goto out;
	}
	if (jsw_wait_step(r, "wait_rollback", id, old_image, limit, ids, w,
	    sizeof(w)) != JSW_CONVERGED ||
	    !jsw_gate_all(r, "verify_rollback", ids, w, sizeof(w))) {
		snprintf(summary, sizeof(summary), "%s; the old image does not "
		    "run properly after it: %s", why, w);
		job_finish(r, STORE_JOB_ROLLBACK_FAILED,
		    STORE_TARGET_ROLLBACK_FAILED, summary);
	} else {
		snprintf(summary, sizeof(summary), "update failed: %s; %s runs "
		    "again", why, old_image);
		job_finish(r, STORE_JOB_ROLLED_BACK, STORE_TARGET_ROLLED_BACK,
		    summary);
	}
out:
	json_decref(svc);
	json_decref(ids);
}

/* From the spec change to a terminal state. */
static void
jsw_after_update(struct jrun *r, const char *id, const char *new_image,
    const char *old_image, long limit)
{
	json_t		*ids = json_array();
	char		 why[DR_ERROR_MSG_MAX];

	switch (jsw_wait_step(r, "wait_update", id, new_image, limit, ids, why,
	    sizeof(why))) {
	case JSW_CONVERGED:
		break;
	case JSW_SWARM_ROLLED_BACK:
		jsw_swarm_rolled_back(r, id, old_image, why, limit);
		goto out;
	default:
		jsw_rollback(r, id, old_image, why);
		goto out;
	}
	if (!jsw_gate_all(r, "health", ids, why, sizeof(why))) {
		jsw_rollback(r, id, old_image, why);
		goto out;
	}
	job_finish(r, STORE_JOB_SUCCEEDED, STORE_TARGET_UPDATED, "updated");
out:
	json_decref(ids);
}

/* The short service name: without "STACK_". */
static const char *
jsw_short_name(const char *stack, const char *service)
{
	size_t	n = stack ? strlen(stack) : 0;

	if (stack != NULL && strncmp(service, stack, n) == 0 &&
	    service[n] == '_' && service[n + 1] != '\0')
		return service + n + 1;
	return service;
}

enum dr_err
job_run_swarm_update(struct job_ctx *ctx, const struct job_swarm_update *u,
    int64_t *ret_id, enum store_job_state *ret_state,
    struct dr_error *reterr)
{
	struct jrun		 r = { .ctx = ctx };
	struct store_job_spec	 spec = { 0 };
	struct store_target_spec ts = { 0 };
	struct imageref		*ref = NULL;
	struct pull_result	 pr, old;
	struct buf		 repo, new_image, rb_image;
	struct dr_error		 e;
	json_t			*svc = NULL, *insp = NULL, *d;
	char			*path = NULL, *target = NULL, *detail = NULL;
	char			 why[DR_ERROR_MSG_MAX];
	const char		*old_image, *stack, *name, *old_digest, *pin;
	enum dr_err		 err;

	buf_init(&repo, IMAGEREF_MAX);
	buf_init(&new_image, IMAGEREF_MAX);
	buf_init(&rb_image, IMAGEREF_MAX);
	memset(&old, 0, sizeof(old));
	*ret_id = 0;
	if (!job_swarm_valid_name(u->service) ||
	    !job_swarm_valid_id(u->service_id) ||
	    (u->stack != NULL && !job_swarm_valid_name(u->stack))) {
		err = dr_fail(reterr, DR_EINVAL, "invalid Swarm service name, "
		    "ID or stack; nothing changed");
		goto out;
	}
	if ((err = imageref_parse(span_str(u->new_ref), &ref, reterr)) !=
	    DR_OK)
		goto out;
	if (ref->tag == NULL || ref->digest != NULL) {
		err = dr_fail(reterr, DR_EINVAL, "%s: want a reference with a "
		    "tag and no digest", u->new_ref);
		goto out;
	}
	if ((err = jsw_get_service(ctx, u->service_id, &svc, reterr)) != DR_OK)
		goto out;
	name = json_string_value(json_object_get(json_object_get(svc, "Spec"),
	    "Name"));
	if (name == NULL || strcmp(name, u->service) != 0) {
		err = dr_fail(reterr, DR_ECONFLICT, "service %s is named %s, "
		    "not %s", u->service_id, name ? name : "?", u->service);
		goto out;
	}
	if ((old_image = job_swarm_spec_image(svc)) == NULL) {
		err = dr_fail(reterr, DR_EUNSUPPORTED, "service %s runs no "
		    "container", u->service);
		goto out;
	}
	imageref_format_repo(ref, &repo);
	/* The image to come back to: the old spec image, pinned to its
	 * digest when the spec has none (the tag may move with the pull). */
	if (u->container != NULL) {
		path = xasprintf("/containers/%s/json", u->container);
		if (docker_get(ctx->docker, path, &insp, NULL) == DR_OK &&
		    json_string_value(json_object_get(insp, "Image")) != NULL)
			pull_inspect(ctx->docker, json_string_value(
			    json_object_get(insp, "Image")), ref, &old, NULL);
	}
	old_digest = job_swarm_digest_of(old_image);
	if (old_digest == NULL && old.digest[0] != '\0' &&
	    job_swarm_pin(old_image, old.digest, &rb_image, NULL) == DR_OK)
		old_digest = old.digest;
	else {
		buf_reset(&rb_image);
		buf_adds(&rb_image, old_image);
	}

	stack = u->stack != NULL ? u->stack : u->service;
	target = xasprintf("%s/%s", stack, jsw_short_name(u->stack,
	    u->service));
	spec.kind = STORE_JOB_UPDATE;
	spec.scope = STORE_SCOPE_SERVICE;
	spec.stack = stack;
	spec.target = target;
	spec.trigger = u->trigger;
	spec.trigger_params = u->trigger_params;
	spec.owner = job_owner_self();
	if ((err = job_start(&r, &spec, stack, ret_id, reterr)) != DR_OK)
		goto out;
	ts.stack = stack;
	ts.service = jsw_short_name(u->stack, u->service);
	ts.swap = STORE_SWAP_SWARM;
	ts.refs.image = buf_str(&repo);
	ts.refs.old_image_id = old.image_id[0] ? old.image_id : NULL;
	ts.refs.old_digest = old_digest;
	ts.refs.old_tag = u->old_tag;
	ts.refs.new_tag = u->new_tag;
	store_job_target_add(ctx->store, r.job, &ts, &r.target, NULL);
	job_log(&r, "update Swarm service %s: %s -> %s", u->service, old_image,
	    u->new_ref);

	/* What recovery needs, journaled with the first step. */
	d = json_pack("{s:s, s:s, s:s, s:s}", "service_id", u->service_id,
	    "service", u->service, "old_image", old_image, "rollback_image",
	    buf_str(&rb_image));
	detail = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	if (job_pull_step(&r, detail, ref, NULL, u->want_digest, &pr) != DR_OK)
		goto done;
	pin = u->want_digest != NULL ? u->want_digest : pr.digest;
	if (pin[0] == '\0' || job_swarm_pin(u->new_ref, pin, &new_image, &e) !=
	    DR_OK) {
		job_finish(&r, STORE_JOB_FAILED, STORE_TARGET_FAILED,
		    "the pulled image has no registry digest to pin the "
		    "service to; nothing changed");
		goto done;
	}
	if (strcmp(buf_str(&new_image), old_image) == 0) {
		job_finish(&r, STORE_JOB_SUCCEEDED, STORE_TARGET_UNCHANGED,
		    "already runs that image");
		goto done;
	}
	if (jsw_set_image(&r, "service_update", u->service_id,
	    buf_str(&new_image), old_image, &e) != DR_OK) {
		json_t		*now = NULL;
		const char	*ni;

		/* Nothing changed unless the spec says otherwise. */
		if (jsw_get_service(ctx, u->service_id, &now, NULL) == DR_OK &&
		    (ni = job_swarm_spec_image(now)) != NULL &&
		    strcmp(ni, buf_str(&new_image)) == 0) {
			snprintf(why, sizeof(why), "service_update: %s",
			    e.msg);
			jsw_rollback(&r, u->service_id, buf_str(&rb_image),
			    why);
		} else
			job_finish(&r, STORE_JOB_FAILED, STORE_TARGET_FAILED,
			    e.msg);
		json_decref(now);
		goto done;
	}
	jsw_after_update(&r, u->service_id, buf_str(&new_image),
	    buf_str(&rb_image), jsw_limit_ms(ctx, svc));
done:
	err = DR_OK;
out:
	job_state_of(ctx->store, r.job, ret_state);
	json_decref(svc);
	json_decref(insp);
	imageref_free(ref);
	buf_done(&repo);
	buf_done(&new_image);
	buf_done(&rb_image);
	free(path);
	free(target);
	free(detail);
	return err;
}

/* Steps called name that ended done. */
static size_t
jsw_count_done(const struct store_job *j, const char *name)
{
	size_t	i, n = 0;

	for (i = 0; i < j->nsteps; i++)
		if (strcmp(j->steps[i].name, name) == 0 &&
		    j->steps[i].status == STORE_STEP_DONE)
			n++;
	return n;
}

void
job_swarm_recover(struct jrun *r, const struct store_job *j)
{
	const struct store_job_step	*pull, *upd, *wait, *health;
	json_t				*pd = NULL, *ud = NULL, *wo = NULL;
	json_t				*svc = NULL;
	const char			*id, *rb, *new_image, *cur;
	enum job_swarm_state		 st;
	char				 why[DR_ERROR_MSG_MAX];

	pull = job_find_step(j, "pull");
	upd = job_find_step(j, "service_update");
	if (pull == NULL || (pd = json_loads(pull->detail, 0, NULL)) == NULL ||
	    (id = json_string_value(json_object_get(pd, "service_id"))) ==
	    NULL || !job_swarm_valid_id(id) || (rb = json_string_value(
	    json_object_get(pd, "rollback_image"))) == NULL) {
		job_finish(r, STORE_JOB_FAILED, STORE_TARGET_UNCHANGED,
		    "interrupted before any change");
		goto out;
	}
	if (job_find_step(j, "rollback") != NULL ||
	    job_find_step(j, "verify_rollback") != NULL ||
	    job_find_step(j, "wait_rollback") != NULL) {
		jsw_rollback(r, id, rb, "interrupted during the rollback");
		goto out;
	}
	if (upd == NULL || (ud = json_loads(upd->detail, 0, NULL)) == NULL ||
	    (new_image = json_string_value(json_object_get(ud, "image"))) ==
	    NULL) {
		job_finish(r, STORE_JOB_FAILED, STORE_TARGET_UNCHANGED,
		    "interrupted after the pull; nothing changed");
		goto out;
	}
	/* Did the gate pass on every task the wait found? */
	wait = job_find_step(j, "wait_update");
	health = job_find_step(j, "health");
	if (wait != NULL && wait->status == STORE_STEP_DONE &&
	    wait->outcome != NULL && health != NULL &&
	    health->status == STORE_STEP_DONE &&
	    (wo = json_loads(wait->outcome, 0, NULL)) != NULL &&
	    jsw_count_done(j, "health") >= json_array_size(json_object_get(wo,
	    "containers"))) {
		job_finish(r, STORE_JOB_SUCCEEDED, STORE_TARGET_UPDATED,
		    "updated (the gate had passed)");
		goto out;
	}
	if (jsw_get_service(r->ctx, id, &svc, NULL) != DR_OK) {
		job_finish(r, STORE_JOB_ROLLBACK_FAILED,
		    STORE_TARGET_ROLLBACK_FAILED, "interrupted; the service "
		    "is gone");
		goto out;
	}
	st = job_swarm_update_state(svc);
	cur = job_swarm_spec_image(svc);
	if (st == JOB_SWARM_ROLLBACK_COMPLETED ||
	    st == JOB_SWARM_ROLLBACK_STARTED) {
		snprintf(why, sizeof(why), "Swarm rolled back the update: %s",
		    job_swarm_update_message(svc));
		jsw_swarm_rolled_back(r, id, rb, why, jsw_limit_ms(r->ctx,
		    svc));
		goto out;
	}
	if (cur != NULL && strcmp(cur, new_image) != 0 && (strcmp(cur, rb) ==
	    0 || strcmp(cur, json_string_value(json_object_get(pd,
	    "old_image")) ? json_string_value(json_object_get(pd,
	    "old_image")) : "") == 0) && upd->status != STORE_STEP_DONE) {
		/* The POST never landed: nothing changed. */
		job_finish(r, STORE_JOB_FAILED, STORE_TARGET_UNCHANGED,
		    "interrupted before the service changed; nothing changed");
		goto out;
	}
	jsw_rollback(r, id, rb, "interrupted before the new version passed "
	    "the gate");
out:
	json_decref(pd);
	json_decref(ud);
	json_decref(wo);
	json_decref(svc);
}
