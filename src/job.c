/*
 * job: the journaled update of one standalone container (the recreate
 * swap).  Order of a job: lock, pull + verify, plan (the full inspect,
 * journaled), rename old, create new, connect networks, stop old, start
 * new, health gate, then remove the old container (commit) or undo and
 * verify the old one (rollback).  Each step: intent committed, Docker
 * call, step ended.  DOCKREV_CRASH_AT=<step> kills the process right after
 * that step's Docker call, before the journal says it is done, so tests
 * can prove recovery at every seam.
 */
#include "job.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imageref.h"
#include "pull.h"
#include "swap-recreate.h"
#include "xmalloc.h"

typedef enum dr_err	swap_step_fn(struct docker *,
			    const struct recreate_plan *, struct dr_error *);

static enum dr_err
job_create_new(struct docker *d, const struct recreate_plan *p,
    struct dr_error *reterr)
{
	return recreate_create_new(d, p, NULL, reterr);
}

/* The swap, in order; each row is one journaled step. */
static const struct {
	const char	*name;
	swap_step_fn	*fn;
	bool		 only_if_running;
} job_swap_steps[] = {
	{ "rename_old", recreate_rename_old, false },
	{ "create_new", job_create_new, false },
	{ "connect_networks", recreate_connect_networks, false },
	{ "stop_old", recreate_stop_old, false },
	{ "start_new", recreate_start_new, true },
};

const char *
job_owner_self(void)
{
	static char	owner[64];
	char		path[64], buf[1024], *p;
	FILE		*f;
	unsigned long long start = 0;
	int		 i;

	if (owner[0] != '\0')
		return owner;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)getpid());
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    (p = strrchr(buf, ')')) != NULL) {
			/* Field 22 (starttime); p is at the end of field 2. */
			for (i = 2; i < 22 && p != NULL; i++)
				p = strchr(p + 1, ' ');
			if (p != NULL)
				start = strtoull(p + 1, NULL, 10);
		}
		fclose(f);
	}
	snprintf(owner, sizeof(owner), "pid:%d:%llu", (int)getpid(), start);
	return owner;
}

bool
job_owner_alive(const char *owner)
{
	char			 path[64], buf[1024], *p;
	FILE			*f;
	long			 pid;
	unsigned long long	 start, now_start = 0;
	int			 i;

	if (owner == NULL || sscanf(owner, "pid:%ld:%llu", &pid, &start) != 2)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL) {
		for (i = 2; i < 22 && p != NULL; i++)
			p = strchr(p + 1, ' ');
		if (p != NULL)
			now_start = strtoull(p + 1, NULL, 10);
	}
	fclose(f);
	return now_start == start;
}

void
job_log(struct jrun *r, const char *fmt, ...)
{
	struct store_log_entry	 e;
	va_list			 ap;
	char			*line;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = xstrdup("(no memory)");
	va_end(ap);
	e.stream = STORE_LOG_DOCKREV;
	e.text = span_str(line);
	store_job_log_append(r->ctx->store, r->job, &e, 1, NULL);
	if (r->ctx->echo != NULL)
		r->ctx->echo(line, r->ctx->echo_arg);
	free(line);
}

void
job_pull_log(const char *line, void *arg)
{
	job_log(arg, "pull: %s", line);
}

void
job_crash_seam(const char *step)
{
	const char	*at = getenv("DOCKREV_CRASH_AT");

	if (at != NULL && strcmp(at, step) == 0) {
		fprintf(stderr, "dockrev: DOCKREV_CRASH_AT=%s: dying now\n",
		    step);
		_exit(137);
	}
}

enum dr_err
job_pull_step(struct jrun *r, const char *detail, const struct imageref *ref,
    const char *source, const char *want_digest, struct pull_result *ret)
{
	struct store_target_refs	 nr = { 0 };
	struct imageref			*src = NULL;
	struct dr_error			 e;
	int64_t				 sid;
	enum dr_err			 err;

	if (r->ctx->host.os[0] == '\0') {
		const struct docker_version *v = docker_version(r->ctx->docker);

		platform_set(&r->ctx->host, span_str(v->os), span_str(v->arch),
		    span_make("", 0));
	}
	store_job_step_begin(r->ctx->store, r->job, "pull", detail, &sid,
	    NULL);
	if (source != NULL && strncmp(source, "sha256:", 7) == 0) {
		job_log(r, "no pull: %s is here, tagged as the target", source);
		err = pull_tag_local(r->ctx->docker, source, ref,
		    &r->ctx->host, ret, &e);
	} else if (source != NULL) {
		if ((err = imageref_parse(span_str(source), &src, &e)) == DR_OK &&
		    (err = pull_image(r->ctx->docker, r->ctx->creds, src,
		    &r->ctx->host, want_digest, job_pull_log, r, ret, &e)) ==
		    DR_OK)
			err = pull_tag_local(r->ctx->docker, ret->image_id, ref,
			    &r->ctx->host, ret, &e);
		imageref_free(src);
	} else
		err = pull_image(r->ctx->docker, r->ctx->creds, ref,
		    &r->ctx->host, want_digest, job_pull_log, r, ret, &e);
	job_crash_seam("pull");
	store_job_step_end(r->ctx->store, sid, err == DR_OK ? STORE_STEP_DONE :
	    STORE_STEP_FAILED, NULL, err == DR_OK ? NULL : e.msg, NULL);
	if (err != DR_OK) {
		job_finish(r, STORE_JOB_FAILED, STORE_TARGET_FAILED, e.msg);
		return err;
	}
	nr.new_digest = ret->digest[0] ? ret->digest : NULL;
	store_job_target_update(r->ctx->store, r->target, &nr, NULL);
	return DR_OK;
}

/* Journals step `name`, runs fn, ends the step.  Returns fn's result. */
static enum dr_err
job_step(struct jrun *r, const char *name, const char *detail,
    swap_step_fn *fn, const struct recreate_plan *plan,
    struct dr_error *reterr)
{
	int64_t		sid;
	enum dr_err	err;

	if ((err = store_job_step_begin(r->ctx->store, r->job, name, detail,
	    &sid, reterr)) != DR_OK)
		return err;
	job_log(r, "%s", name);
	err = fn(r->ctx->docker, plan, reterr);
	job_crash_seam(name);
	store_job_step_end(r->ctx->store, sid, err == DR_OK ? STORE_STEP_DONE :
	    STORE_STEP_FAILED, NULL, err == DR_OK ? NULL : reterr->msg, NULL);
	if (err != DR_OK)
		job_log(r, "%s failed: %s", name, reterr->msg);
	return err;
}

/* Runs the health gate on the container named name, as a step. */
enum dr_err
job_gate(struct jrun *r, const char *step, const char *name,
    struct health_report *rep, struct dr_error *reterr)
{
	struct store_ckpt	*ckpt;
	int64_t			 sid;
	enum dr_err		 err;
	char			 outcome[512];

	if ((err = store_job_step_begin(r->ctx->store, r->job, step, NULL,
	    &sid, reterr)) != DR_OK)
		return err;
	/* The gate waits on Docker: meanwhile the WAL is checkpointed. */
	ckpt = store_ckpt_start(r->ctx->store);
	err = health_wait(r->ctx->docker, name, &r->ctx->health, rep, reterr);
	store_ckpt_join(ckpt);
	job_crash_seam(step);
	if (err == DR_OK) {
		json_t	*o = json_pack("{s:s, s:b, s:I, s:I, s:s}", "result",
		    health_result_name(rep->result), "has_healthcheck",
		    rep->has_healthcheck, "elapsed_ms",
		    (json_int_t)rep->elapsed_ms, "healthy_after_ms",
		    (json_int_t)rep->healthy_after_ms, "detail", rep->detail);
		char	*s = json_dumps(o, JSON_COMPACT);

		snprintf(outcome, sizeof(outcome), "%s", s);
		free(s);
		json_decref(o);
		job_log(r, "%s: %s (%s)", step, health_result_name(rep->result),
		    rep->detail);
	}
	store_job_step_end(r->ctx->store, sid, err == DR_OK && rep->result ==
	    HEALTH_OK ? STORE_STEP_DONE : STORE_STEP_FAILED, err == DR_OK ?
	    outcome : NULL, err != DR_OK ? reterr->msg : rep->result !=
	    HEALTH_OK ? rep->detail : NULL, NULL);
	return err;
}

void
job_finish(struct jrun *r, enum store_job_state state,
    enum store_target_result result, const char *summary)
{
	struct store	*s = r->ctx->store;
	enum dr_err	 err;

	/* One transaction: the last log line, the target's result and the
	 * job's state (which frees the stack) land together, with one sync. */
	err = store_tx_begin(s, NULL);
	job_log(r, "job %s: %s", store_job_state_name(state), summary);
	if (r->target > 0)
		store_job_target_result(s, r->target, result,
		    state == STORE_JOB_SUCCEEDED ? NULL : summary, NULL);
	store_job_set_state(s, r->job, state, summary, NULL);
	if (err == DR_OK)
		store_tx_end(s, DR_OK, NULL);
}

/*
 * After the old target runs again: each dependent back on its old
 * container.  Those never swapped still share the namespace of the
 * stopped incarnation of the target, so every one is restarted.
 */
static enum dr_err
job_undo_dependents(struct jrun *r, struct dr_error *reterr)
{
	enum dr_err	err = DR_OK, e1;
	char		*path;
	size_t		 i;

	for (i = 0; i < r->ndeps; i++) {
		const struct recreate_plan	*d = r->deps[i];

		if ((e1 = recreate_undo(r->ctx->docker, d, reterr)) == DR_OK &&
		    recreate_plan_was_running(d)) {
			path = xasprintf("/containers/%s/restart",
			    recreate_plan_old_id(d));
			e1 = docker_call(r->ctx->docker, "POST", path, NULL, NULL,
			    reterr);
			free(path);
		}
		if (e1 != DR_OK) {
			job_log(r, "dependent %s: %s", recreate_plan_name(d),
			    reterr->msg);
			err = e1;
		}
	}
	return err;
}

/* Undo the swap and verify the old container; ends the job. */
static enum store_job_state
job_rollback(struct jrun *r, const struct recreate_plan *plan,
    const char *why)
{
	struct health_report	 rep;
	struct dr_error		 e;
	char			 summary[DR_ERROR_MSG_MAX];
	int64_t			 sid;

	if (job_step(r, "rollback", NULL, recreate_undo, plan, &e) != DR_OK) {
		snprintf(summary, sizeof(summary), "%s; rollback failed: %s",
		    why, e.msg);
		job_finish(r, STORE_JOB_ROLLBACK_FAILED,
		    STORE_TARGET_ROLLBACK_FAILED, summary);
		return STORE_JOB_ROLLBACK_FAILED;
	}
	if (r->ndeps > 0) {
		store_job_step_begin(r->ctx->store, r->job,
		    "rollback_dependents", NULL, &sid, NULL);
		if (job_undo_dependents(r, &e) != DR_OK) {
			store_job_step_end(r->ctx->store, sid,
			    STORE_STEP_FAILED, NULL, e.msg, NULL);
			snprintf(summary, sizeof(summary), "%s; rollback of a "
			    "dependent failed: %s", why, e.msg);
			job_finish(r, STORE_JOB_ROLLBACK_FAILED,
			    STORE_TARGET_ROLLBACK_FAILED, summary);
			return STORE_JOB_ROLLBACK_FAILED;
		}
		job_crash_seam("rollback_dependents");
		store_job_step_end(r->ctx->store, sid, STORE_STEP_DONE, NULL,
		    NULL, NULL);
	}
	if (recreate_plan_was_running(plan)) {
		if (job_gate(r, "verify_rollback", recreate_plan_name(plan),
		    &rep, &e) != DR_OK || rep.result != HEALTH_OK) {
			snprintf(summary, sizeof(summary), "%s; the old "
			    "container did not pass the gate after the "
			    "rollback either: %s", why, rep.detail);
			job_finish(r, STORE_JOB_ROLLBACK_FAILED,
			    STORE_TARGET_ROLLBACK_FAILED, summary);
			return STORE_JOB_ROLLBACK_FAILED;
		}
	}
	snprintf(summary, sizeof(summary), "%s; rolled back to %s", why,
	    recreate_plan_old_image_id(plan));
	job_finish(r, STORE_JOB_ROLLED_BACK, STORE_TARGET_ROLLED_BACK, summary);
	return STORE_JOB_ROLLED_BACK;
}

/*
 * Recreates every dependent pointed at the new target (idempotent steps:
 * a rerun after a crash finishes what is missing).
 */
static enum dr_err
job_swap_dependents(struct jrun *r, const struct recreate_plan *plan,
    struct dr_error *reterr)
{
	struct docker	*d = r->ctx->docker;
	json_t		*insp = NULL;
	char		*path, *new_id;
	size_t		 i;
	enum dr_err	 err;

	path = xasprintf("/containers/%s/json", recreate_plan_name(plan));
	err = docker_get(d, path, &insp, reterr);
	free(path);
	if (err != DR_OK)
		return err;
	new_id = xstrdup(json_string_value(json_object_get(insp, "Id")) ?
	    json_string_value(json_object_get(insp, "Id")) : "");
	json_decref(insp);
	for (i = 0; i < r->ndeps && err == DR_OK; i++) {
		struct recreate_plan	*p = r->deps[i];

		recreate_plan_retarget(p, recreate_plan_old_id(plan), new_id);
		job_log(r, "dependent %s: recreated on %.12s",
		    recreate_plan_name(p), new_id);
		if ((err = recreate_rename_old(d, p, reterr)) != DR_OK ||
		    (err = recreate_create_new(d, p, NULL, reterr)) != DR_OK ||
		    (err = recreate_connect_networks(d, p, reterr)) != DR_OK ||
		    (err = recreate_stop_old(d, p, reterr)) != DR_OK)
			break;
		if (recreate_plan_was_running(p))
			err = recreate_start_new(d, p, reterr);
	}
	free(new_id);
	return err;
}

/* Past the gate: the dependents follow, the old containers go and the
 * job succeeds. */
static enum store_job_state
job_commit(struct jrun *r, const struct recreate_plan *plan)
{
	struct dr_error	e;
	char		why[DR_ERROR_MSG_MAX];
	int64_t		sid;
	size_t		i;

	if (r->ndeps > 0) {
		store_job_step_begin(r->ctx->store, r->job, "dependents", NULL,
		    &sid, NULL);
		if (job_swap_dependents(r, plan, &e) != DR_OK) {
			store_job_step_end(r->ctx->store, sid,
			    STORE_STEP_FAILED, NULL, e.msg, NULL);
			snprintf(why, sizeof(why), "recreating a dependent "
			    "failed: %s", e.msg);
			return job_rollback(r, plan, why);
		}
		job_crash_seam("dependents");
		store_job_step_end(r->ctx->store, sid, STORE_STEP_DONE, NULL,
		    NULL, NULL);
	}
	if (job_step(r, "remove_old", NULL, recreate_remove_old, plan, &e) !=
	    DR_OK)
		job_log(r, "the old container %s stays parked: %s",
		    recreate_plan_parked_name(plan), e.msg);
	for (i = 0; i < r->ndeps; i++)
		if (recreate_remove_old(r->ctx->docker, r->deps[i], &e) != DR_OK)
			job_log(r, "the old dependent %s stays parked: %s",
			    recreate_plan_parked_name(r->deps[i]), e.msg);
	job_finish(r, STORE_JOB_SUCCEEDED, STORE_TARGET_UPDATED, r->ndeps > 0 ?
	    "updated (and its dependents recreated)" : "updated");
	return STORE_JOB_SUCCEEDED;
}

/* Plans the dependents of the target, journaled; false when that fails
 * (the job is then finished: nothing changed). */
static bool
job_plan_dependents(struct jrun *r, const struct recreate_plan *plan)
{
	struct dr_error	 e;
	json_t		*a;
	char		**ids = NULL, *out;
	size_t		 n = 0, i;
	int64_t		 sid;
	enum dr_err	 err;

	if ((err = recreate_find_dependents(r->ctx->docker,
	    recreate_plan_old_id(plan), &ids, &n, &e)) == DR_OK && n == 0) {
		recreate_ids_free(ids);
		return true;
	}
	store_job_step_begin(r->ctx->store, r->job, "plan_dependents", NULL,
	    &sid, NULL);
	r->deps = xcalloc(n + 1, sizeof(*r->deps));
	for (i = 0; err == DR_OK && i < n; i++) {
		if ((err = recreate_plan_new(r->ctx->docker, ids[i], NULL,
		    &r->deps[i], &e)) == DR_OK)
			r->ndeps++;
	}
	recreate_ids_free(ids);
	a = json_array();
	for (i = 0; i < r->ndeps; i++)
		json_array_append_new(a, recreate_plan_to_json(r->deps[i]));
	a = json_pack("{s:o}", "plans", a);
	out = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	job_crash_seam("plan_dependents");
	/* Without these plans in the journal, a crash could not put the
	 * dependents back: nothing may change then. */
	if (store_job_step_end(r->ctx->store, sid, err == DR_OK ?
	    STORE_STEP_DONE : STORE_STEP_FAILED, err == DR_OK ? out : NULL,
	    err == DR_OK ? NULL : e.msg, &e) != DR_OK)
		err = DR_EIO;
	free(out);
	if (err != DR_OK) {
		job_finish(r, STORE_JOB_FAILED, STORE_TARGET_FAILED, e.msg);
		return false;
	}
	job_log(r, "%zu dependent(s) will follow", r->ndeps);
	return true;
}

/* Reads the dependents' plans back from the journal. */
static void
job_load_dependents(struct jrun *r, const struct store_job *j)
{
	const struct store_job_step	*st;
	json_t				*a, *v;
	size_t				 i;

	st = job_find_step(j, "plan_dependents");
	if (st == NULL || st->status != STORE_STEP_DONE ||
	    st->outcome == NULL || (a = json_loads(st->outcome, 0, NULL)) ==
	    NULL)
		return;
	r->deps = xcalloc(json_array_size(json_object_get(a, "plans")) + 1,
	    sizeof(*r->deps));
	json_array_foreach(json_object_get(a, "plans"), i, v)
		if (recreate_plan_from_json(v, &r->deps[r->ndeps], NULL) ==
		    DR_OK)
			r->ndeps++;
	json_decref(a);
}

static void
job_free_dependents(struct jrun *r)
{
	size_t	i;

	for (i = 0; i < r->ndeps; i++)
		recreate_plan_free(r->deps[i]);
	free(r->deps);
	r->deps = NULL;
	r->ndeps = 0;
}

/* From the new container started to a terminal state. */
static enum store_job_state
job_commit_or_rollback(struct jrun *r, const struct recreate_plan *plan,
    const char *rollback_label)
{
	struct health_report	 rep;
	struct dr_error		 e;
	char			 why[DR_ERROR_MSG_MAX];

	if (recreate_plan_was_running(plan)) {
		if (job_gate(r, "health", recreate_plan_name(plan), &rep, &e) !=
		    DR_OK) {
			snprintf(why, sizeof(why), "health gate could not run: "
			    "%s", e.msg);
			return job_rollback(r, plan, why);
		}
		if (rep.result != HEALTH_OK) {
			snprintf(why, sizeof(why), "new container %s: %s",
			    health_result_name(rep.result), rep.detail);
			if (r->ctx->rollback < 0 || (r->ctx->rollback == 0 &&
			    rollback_label != NULL &&
			    strcmp(rollback_label, "false") == 0)) {
				job_finish(r, STORE_JOB_FAILED,
				    STORE_TARGET_FAILED, why);
				return STORE_JOB_FAILED;
			}
			return job_rollback(r, plan, why);
		}
	}
	return job_commit(r, plan);
}

static const char *
job_label(const json_t *inspect, const char *key)
{
	return json_string_value(json_object_get(json_object_get(
	    json_object_get(inspect, "Config"), "Labels"), key));
}

enum dr_err
job_run_update(struct job_ctx *ctx, const struct job_update *u,
    int64_t *ret_id, enum store_job_state *ret_state,
    struct dr_error *reterr)
{
	struct jrun		 r = { .ctx = ctx };
	struct store_job_spec	 spec = { 0 };
	struct store_target_spec ts = { 0 };
	struct recreate_plan	*plan = NULL;
	struct imageref		*ref = NULL;
	struct pull_result	 pr, old;
	struct buf		 repo;
	struct dr_error		 e;
	json_t			*inspect = NULL, *pj;
	char			*path = NULL, *pjs = NULL, why[DR_ERROR_MSG_MAX];
	const char		*rollback_label;
	int64_t			 sid;
	size_t			 i;
	enum dr_err		 err;

	buf_init(&repo, IMAGEREF_MAX);
	*ret_id = 0;
	if ((err = imageref_parse(span_str(u->new_ref), &ref, reterr)) !=
	    DR_OK)
		goto out;
	path = xasprintf("/containers/%s/json", u->container);
	if ((err = docker_get(ctx->docker, path, &inspect, reterr)) != DR_OK)
		goto out;
	rollback_label = job_label(inspect, "dockrev.rollback");
	imageref_format_repo(ref, &repo);

	spec.kind = u->kind;
	spec.scope = STORE_SCOPE_SERVICE;
	spec.target = u->container;
	spec.trigger = u->trigger;
	spec.trigger_params = u->trigger_params;
	spec.owner = job_owner_self();
	r.lock = xasprintf("container:%s", u->container);
	if ((err = job_start(&r, &spec, r.lock, ret_id, reterr)) != DR_OK)
		goto out;
	memset(&old, 0, sizeof(old));
	pull_inspect(ctx->docker, json_string_value(json_object_get(inspect,
	    "Image")) ? json_string_value(json_object_get(inspect, "Image")) :
	    "", ref, &old, NULL);
	ts.service = u->container;
	ts.swap = STORE_SWAP_RECREATE;
	ts.refs.image = buf_str(&repo);
	ts.refs.old_image_id = old.image_id;
	ts.refs.old_digest = old.digest[0] ? old.digest : NULL;
	ts.refs.old_tag = u->old_tag;
	ts.refs.new_tag = u->new_tag;
	store_job_target_add(ctx->store, r.job, &ts, &r.target, NULL);
	job_log(&r, "%s %s: %s -> %s", store_job_kind_name(u->kind),
	    u->container,
	    json_string_value(json_object_get(json_object_get(inspect,
	    "Config"), "Image")), u->new_ref);

	/* Pull and verify before anything stops. */
	if (job_pull_step(&r, NULL, ref, u->source, u->want_digest, &pr) !=
	    DR_OK)
		goto done;
	if (strcmp(pr.image_id, old.image_id) == 0) {
		job_finish(&r, STORE_JOB_SUCCEEDED, STORE_TARGET_UNCHANGED,
		    "already runs that image");
		goto done;
	}

	/* The plan: everything the swap and its undo need, journaled. */
	store_job_step_begin(ctx->store, r.job, "plan", NULL, &sid, NULL);
	err = recreate_plan_new(ctx->docker, u->container, u->new_ref, &plan,
	    &e);
	if (err == DR_OK) {
		pj = recreate_plan_to_json(plan);
		pjs = json_dumps(pj, JSON_COMPACT);
		json_decref(pj);
	}
	job_crash_seam("plan");
	store_job_step_end(ctx->store, sid, err == DR_OK ? STORE_STEP_DONE :
	    STORE_STEP_FAILED, pjs, err == DR_OK ? NULL : e.msg, NULL);
	if (err != DR_OK) {
		job_finish(&r, STORE_JOB_FAILED, STORE_TARGET_FAILED, e.msg);
		goto done;
	}
	if (!job_plan_dependents(&r, plan))
		goto done;

	for (i = 0; i < sizeof(job_swap_steps) / sizeof(job_swap_steps[0]);
	    i++) {
		if (job_swap_steps[i].only_if_running &&
		    !recreate_plan_was_running(plan))
			continue;
		if (job_step(&r, job_swap_steps[i].name, NULL,
		    job_swap_steps[i].fn, plan, &e) != DR_OK) {
			snprintf(why, sizeof(why), "%s failed: %s",
			    job_swap_steps[i].name, e.msg);
			job_rollback(&r, plan, why);
			goto done;
		}
	}
	job_commit_or_rollback(&r, plan, rollback_label);
done:
	err = DR_OK;
out:
	job_state_of(ctx->store, r.job, ret_state);
	job_free_dependents(&r);
	recreate_plan_free(plan);
	imageref_free(ref);
	json_decref(inspect);
	buf_done(&repo);
	free(path);
	free(pjs);
	free(r.lock);
	return err;
}

enum dr_err
job_start(struct jrun *r, const struct store_job_spec *spec, const char *lock,
    int64_t *ret_id, struct dr_error *reterr)
{
	struct store	*st = r->ctx->store;
	char		 why[DR_ERROR_MSG_MAX];
	enum dr_err	 err;

	if (r->ctx->claim > 0) {
		/* The daemon's queued job: take it over from its owner (a
		 * compare-and-swap, so exactly one process runs it). */
		struct store_job	*q = NULL;

		r->job = r->ctx->claim;
		r->ctx->claim = 0;
		*ret_id = r->job;
		if ((err = store_job_get(st, r->job, &q, reterr)) != DR_OK)
			return err;
		err = q->state != STORE_JOB_QUEUED ? dr_fail(reterr,
		    DR_ECONFLICT, "job %lld is not queued", (long long)r->job) :
		    store_job_claim(st, r->job, q->owner, job_owner_self(),
		    reterr);
		store_job_free(q);
		if (err != DR_OK)
			return err;
	} else if ((err = store_job_create(st, spec, &r->job, reterr)) !=
	    DR_OK)
		return err;
	*ret_id = r->job;
	if ((err = store_job_lock(st, r->job, lock, reterr)) != DR_OK) {
		snprintf(why, sizeof(why), "%s", reterr->msg);
		store_job_set_state(st, r->job, STORE_JOB_FAILED, why, NULL);
		return err;
	}
	store_job_set_state(st, r->job, STORE_JOB_RUNNING, NULL, NULL);
	return DR_OK;
}

void
job_state_of(struct store *st, int64_t id, enum store_job_state *ret)
{
	struct store_job	*j = NULL;

	if (id > 0 && ret != NULL && store_job_get(st, id, &j, NULL) == DR_OK)
		*ret = j->state;
	store_job_free(j);
}

const struct store_job_step *
job_find_step(const struct store_job *j, const char *name)
{
	size_t	i;

	for (i = j->nsteps; i > 0; i--)
		if (strcmp(j->steps[i - 1].name, name) == 0)
			return &j->steps[i - 1];
	return NULL;
}

/* Drives one interrupted job to a terminal state. */
static void
job_recover_one(struct job_ctx *ctx, struct store_job *j)
{
	struct jrun			 r = { .ctx = ctx, .job = j->id };
	const struct store_job_step	*plan_step;
	struct recreate_plan		*plan = NULL;
	struct health_report		 rep;
	struct dr_error			 e;
	json_t				*pj = NULL, *insp = NULL;
	char				*path = NULL;
	const char			*img;

	if (j->ntargets > 0)
		r.target = j->targets[0].id;
	job_log(&r, "recovering job %lld (its process is gone)",
	    (long long)j->id);
	if (j->state == STORE_JOB_QUEUED)
		store_job_set_state(ctx->store, j->id, STORE_JOB_RUNNING, NULL,
		    NULL);
	if (j->ntargets > 0 && j->targets[0].swap == STORE_SWAP_COMPOSE) {
		job_compose_recover(&r, j);
		return;
	}
	if (j->ntargets > 0 && j->targets[0].swap == STORE_SWAP_SWARM) {
		job_swarm_recover(&r, j);
		return;
	}
	plan_step = job_find_step(j, "plan");
	if (plan_step == NULL || plan_step->status != STORE_STEP_DONE ||
	    plan_step->outcome == NULL ||
	    (pj = json_loads(plan_step->outcome, 0, NULL)) == NULL ||
	    recreate_plan_from_json(pj, &plan, &e) != DR_OK) {
		job_finish(&r, STORE_JOB_FAILED, STORE_TARGET_UNCHANGED,
		    "interrupted before the swap began; nothing changed");
		goto out;
	}
	job_load_dependents(&r, j);
	if (job_find_step(j, "plan_dependents") != NULL &&
	    job_find_step(j, "rename_old") == NULL) {
		job_finish(&r, STORE_JOB_FAILED, STORE_TARGET_UNCHANGED,
		    "interrupted before the swap began; nothing changed");
		goto out;
	}
	if (job_find_step(j, "rollback") != NULL ||
	    job_find_step(j, "verify_rollback") != NULL) {
		job_rollback(&r, plan, "interrupted during the rollback");
		goto out;
	}
	if (job_find_step(j, "remove_old") != NULL ||
	    job_find_step(j, "dependents") != NULL) {
		/* The gate had passed: finish the commit, never undo it
		 * (the old container may be gone already). */
		job_commit(&r, plan);
		goto out;
	}
	/* Level-based: is the new container there and up? */
	path = xasprintf("/containers/%s/json", recreate_plan_name(plan));
	if (docker_get(ctx->docker, path, &insp, NULL) == DR_OK &&
	    (img = json_string_value(json_object_get(insp, "Image"))) != NULL &&
	    strcmp(img, recreate_plan_new_image_id(plan)) == 0 &&
	    json_is_true(json_object_get(json_object_get(insp, "State"),
	    "Running")) && job_find_step(j, "start_new") != NULL) {
		if (job_gate(&r, "health", recreate_plan_name(plan), &rep, &e) ==
		    DR_OK && rep.result == HEALTH_OK)
			job_commit(&r, plan);
		else
			job_rollback(&r, plan, "interrupted; the new container "
			    "did not pass the gate");
		goto out;
	}
	job_rollback(&r, plan, "interrupted during the swap");
out:
	job_free_dependents(&r);
	recreate_plan_free(plan);
	json_decref(pj);
	json_decref(insp);
	free(path);
}

enum dr_err
job_recover(struct job_ctx *ctx, int *ret_count, struct dr_error *reterr)
{
	struct store_job_list	 l;
	struct store_job	*j;
	size_t			 i;
	enum dr_err		 err;
	int			 n = 0;

	if ((err = store_job_unfinished(ctx->store, &l, reterr)) != DR_OK)
		return err;
	for (i = 0; i < l.n; i++) {
		if (job_owner_alive(l.jobs[i].owner))
			continue;
		if (store_job_claim(ctx->store, l.jobs[i].id, l.jobs[i].owner,
		    job_owner_self(), NULL) != DR_OK)
			continue;	/* another process got it first */
		j = NULL;
		if (store_job_get(ctx->store, l.jobs[i].id, &j, NULL) == DR_OK) {
			job_recover_one(ctx, j);
			n++;
		}
		store_job_free(j);
	}
	store_job_list_done(&l);
	if (ret_count != NULL)
		*ret_count = n;
	return DR_OK;
}

static json_t *
job_str(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

json_t *
job_to_json(struct store *st, const struct store_job *j, bool with_log)
{
	json_t			*o, *a, *x;
	struct store_log_page	 page;
	size_t			 i;

	o = json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:o, s:b, s:I, s:I, "
	    "s:I}", "id", (json_int_t)j->id, "kind", store_job_kind_name(j->kind),
	    "scope", store_job_scope_name(j->scope), "target",
	    job_str(j->target), "trigger", store_trigger_name(j->trigger),
	    "state", store_job_state_name(j->state), "summary",
	    job_str(j->summary), "dry_run", j->dry_run, "created_at",
	    (json_int_t)j->created_at, "started_at", (json_int_t)j->started_at,
	    "finished_at", (json_int_t)j->finished_at);
	x = j->trigger_params != NULL ? json_loads(j->trigger_params, 0, NULL) :
	    NULL;
	json_object_set_new(o, "trigger_params", x != NULL ? x :
	    json_object());
	json_object_set_new(o, "owner", job_str(j->owner));
	a = json_array();
	for (i = 0; i < j->ntargets; i++) {
		const struct store_job_target	*t = &j->targets[i];

		x = json_pack("{s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, "
		    "s:s, s:o}", "stack", job_str(t->stack), "service",
		    job_str(t->service), "swap", store_swap_name(t->swap),
		    "image", job_str(t->image), "old_image_id",
		    job_str(t->old_image_id), "old_digest",
		    job_str(t->old_digest), "new_digest", job_str(t->new_digest),
		    "old_tag", job_str(t->old_tag), "new_tag",
		    job_str(t->new_tag), "result",
		    store_target_result_name(t->result), "error",
		    job_str(t->error));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "targets", a);
	a = json_array();
	for (i = 0; i < j->nsteps; i++) {
		const struct store_job_step	*s = &j->steps[i];

		x = json_pack("{s:i, s:s, s:s, s:I, s:I, s:o}", "seq", s->seq,
		    "name", s->name, "status", store_step_status_name(s->status),
		    "started_at", (json_int_t)s->started_at, "ended_at",
		    (json_int_t)s->ended_at, "error", job_str(s->error));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "steps", a);
	if (with_log && store_job_log_page(st, j->id, 0, 0, &page, NULL) ==
	    DR_OK) {
		a = json_array();
		for (i = 0; i < page.n; i++)
			json_array_append_new(a, json_stringn(page.lines[i].text,
			    page.lines[i].len));
		json_object_set_new(o, "log", a);
		store_log_page_done(&page);
	}
	return o;
}
