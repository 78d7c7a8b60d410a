/*
 * store-job: jobs, their steps, targets, logs and stack locks.  Every
 * write checks the job's state under the write lock (BEGIN IMMEDIATE), so
 * two processes cannot both move one job, and a terminal job is frozen
 * here and again by the schema's triggers.
 */
#include "store-job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

static const char *const job_state_names[STORE_JOB_STATE_COUNT] = {
	[STORE_JOB_QUEUED] = "queued",
	[STORE_JOB_RUNNING] = "running",
	[STORE_JOB_SUCCEEDED] = "succeeded",
	[STORE_JOB_ROLLED_BACK] = "rolled_back",
	[STORE_JOB_FAILED] = "failed",
	[STORE_JOB_ROLLBACK_FAILED] = "rollback_failed",
};

/* The state machine: job_legal[from][to]. */
static const bool job_legal[STORE_JOB_STATE_COUNT][STORE_JOB_STATE_COUNT] = {
	[STORE_JOB_QUEUED] = {
		[STORE_JOB_RUNNING] = true,
		[STORE_JOB_FAILED] = true,
	},
	[STORE_JOB_RUNNING] = {
		[STORE_JOB_SUCCEEDED] = true,
		[STORE_JOB_ROLLED_BACK] = true,
		[STORE_JOB_FAILED] = true,
		[STORE_JOB_ROLLBACK_FAILED] = true,
	},
};

static const char *const job_kind_names[STORE_JOB_KIND_COUNT] = {
	[STORE_JOB_UPDATE] = "update",
	[STORE_JOB_ROLLBACK] = "rollback",
};

static const char *const job_scope_names[STORE_SCOPE_COUNT] = {
	[STORE_SCOPE_SERVICE] = "service",
	[STORE_SCOPE_STACK] = "stack",
	[STORE_SCOPE_ALL] = "all",
};

static const char *const job_step_names[STORE_STEP_STATUS_COUNT] = {
	[STORE_STEP_INTENT] = "intent",
	[STORE_STEP_DONE] = "done",
	[STORE_STEP_FAILED] = "failed",
};

static const char *const job_swap_names[STORE_SWAP_COUNT] = {
	[STORE_SWAP_COMPOSE] = "compose",
	[STORE_SWAP_RECREATE] = "recreate",
	[STORE_SWAP_SWARM] = "swarm",
};

static const char *const job_result_names[STORE_TARGET_RESULT_COUNT] = {
	[STORE_TARGET_PENDING] = "pending",
	[STORE_TARGET_UPDATED] = "updated",
	[STORE_TARGET_UNCHANGED] = "unchanged",
	[STORE_TARGET_ROLLED_BACK] = "rolled_back",
	[STORE_TARGET_FAILED] = "failed",
	[STORE_TARGET_ROLLBACK_FAILED] = "rollback_failed",
	[STORE_TARGET_SKIPPED] = "skipped",
};

static const char *const job_stream_names[STORE_LOG_STREAM_COUNT] = {
	[STORE_LOG_STDOUT] = "stdout",
	[STORE_LOG_STDERR] = "stderr",
	[STORE_LOG_DOCKREV] = "dockrev",
};

#define JOB_COLS							\
	"id, kind, scope, stack, target, trigger_source, trigger_params, "	\
	"dry_run, state, summary, owner, created_at, started_at, "	\
	"finished_at, updated_at, log_lines, log_bytes, "		\
	"log_dropped_lines, log_dropped_bytes, log_truncated"

static const char *
job_name(const char *const *names, int n, int v)
{
	if (v < 0 || v >= n)
		return "unknown";
	return names[v];
}

const char *
store_job_state_name(enum store_job_state v)
{
	return job_name(job_state_names, STORE_JOB_STATE_COUNT, (int)v);
}

const char *
store_job_kind_name(enum store_job_kind v)
{
	return job_name(job_kind_names, STORE_JOB_KIND_COUNT, (int)v);
}

const char *
store_job_scope_name(enum store_job_scope v)
{
	return job_name(job_scope_names, STORE_SCOPE_COUNT, (int)v);
}

const char *
store_step_status_name(enum store_step_status v)
{
	return job_name(job_step_names, STORE_STEP_STATUS_COUNT, (int)v);
}

const char *
store_swap_name(enum store_swap v)
{
	return job_name(job_swap_names, STORE_SWAP_COUNT, (int)v);
}

const char *
store_target_result_name(enum store_target_result v)
{
	return job_name(job_result_names, STORE_TARGET_RESULT_COUNT, (int)v);
}

const char *
store_log_stream_name(enum store_log_stream v)
{
	return job_name(job_stream_names, STORE_LOG_STREAM_COUNT, (int)v);
}

bool
store_job_state_parse(const char *s, enum store_job_state *ret)
{
	int	i = store_name_find(job_state_names, STORE_JOB_STATE_COUNT, s);

	if (i < 0)
		return false;
	*ret = (enum store_job_state)i;
	return true;
}

bool
store_job_kind_parse(const char *s, enum store_job_kind *ret)
{
	int	i = store_name_find(job_kind_names, STORE_JOB_KIND_COUNT, s);

	if (i < 0)
		return false;
	*ret = (enum store_job_kind)i;
	return true;
}

bool
store_job_scope_parse(const char *s, enum store_job_scope *ret)
{
	int	i = store_name_find(job_scope_names, STORE_SCOPE_COUNT, s);

	if (i < 0)
		return false;
	*ret = (enum store_job_scope)i;
	return true;
}

bool
store_job_state_terminal(enum store_job_state st)
{
	return st != STORE_JOB_QUEUED && st != STORE_JOB_RUNNING;
}

bool
store_job_transition_legal(enum store_job_state from, enum store_job_state to)
{
	if ((unsigned)from >= STORE_JOB_STATE_COUNT ||
	    (unsigned)to >= STORE_JOB_STATE_COUNT)
		return false;
	return job_legal[from][to];
}

/* Reads an enum stored by name; a name we do not know is corruption. */
static enum dr_err
job_col_enum(sqlite3_stmt *st, int col, const char *const *names, int n,
    int *ret, struct dr_error *reterr)
{
	const char	*v = (const char *)sqlite3_column_text(st, col);
	int		 i = store_name_find(names, n, v);

	*ret = 0;
	if (i < 0)
		return dr_fail(reterr, DR_EIO, "database holds an unknown "
		    "%s value", sqlite3_column_name(st, col));
	*ret = i;
	return DR_OK;
}

static int64_t
job_col_int(sqlite3_stmt *st, int col)
{
	return sqlite3_column_int64(st, col);
}

/* Reads the state of job id; DR_ENOTFOUND when absent. */
static enum dr_err
job_state_of(struct store *s, int64_t id, enum store_job_state *ret,
    struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	int		 rc, v;

	if ((err = store_prepare(s, "SELECT state FROM jobs WHERE id = ?1",
	    &st, reterr)) != DR_OK)
		return err;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = store_step(s, st)) == SQLITE_ROW) {
		err = job_col_enum(st, 0, job_state_names,
		    STORE_JOB_STATE_COUNT, &v, reterr);
		*ret = (enum store_job_state)v;
	} else if (rc == SQLITE_DONE)
		err = dr_fail(reterr, DR_ENOTFOUND, "no job %lld",
		    (long long)id);
	else
		err = store_fail(s, rc, reterr);
	store_done(st);
	return err;
}

/* DR_OK when job id exists and is unfinished; to run under the lock. */
static enum dr_err
job_check_open(struct store *s, int64_t id, struct dr_error *reterr)
{
	enum store_job_state	state;
	enum dr_err		err;

	if ((err = job_state_of(s, id, &state, reterr)) != DR_OK)
		return err;
	if (store_job_state_terminal(state))
		return dr_fail(reterr, DR_ECONFLICT, "job %lld is %s and "
		    "cannot change", (long long)id, job_state_names[state]);
	return DR_OK;
}

static void
job_clear(struct store_job *j)
{
	size_t	i;

	free(j->stack);
	free(j->target);
	free(j->trigger_params);
	free(j->summary);
	free(j->owner);
	for (i = 0; i < j->nsteps; i++) {
		free(j->steps[i].name);
		free(j->steps[i].detail);
		free(j->steps[i].outcome);
		free(j->steps[i].error);
	}
	free(j->steps);
	for (i = 0; i < j->ntargets; i++) {
		free(j->targets[i].stack);
		free(j->targets[i].service);
		free(j->targets[i].image);
		free(j->targets[i].old_image_id);
		free(j->targets[i].old_digest);
		free(j->targets[i].new_digest);
		free(j->targets[i].old_tag);
		free(j->targets[i].new_tag);
		free(j->targets[i].error);
	}
	free(j->targets);
	memset(j, 0, sizeof(*j));
}

void
store_job_free(struct store_job *j)
{
	if (j == NULL)
		return;
	job_clear(j);
	free(j);
}

void
store_job_list_done(struct store_job_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		job_clear(&l->jobs[i]);
	free(l->jobs);
	memset(l, 0, sizeof(*l));
}

/* Fills j from a row of JOB_COLS; j must be zeroed. */
static enum dr_err
job_row(sqlite3_stmt *st, struct store_job *j, struct dr_error *reterr)
{
	enum store_trigger	trigger;
	enum dr_err		err;
	int			kind, scope, state;

	if ((err = job_col_enum(st, 1, job_kind_names, STORE_JOB_KIND_COUNT,
	    &kind, reterr)) != DR_OK ||
	    (err = job_col_enum(st, 2, job_scope_names, STORE_SCOPE_COUNT,
	    &scope, reterr)) != DR_OK ||
	    (err = job_col_enum(st, 8, job_state_names, STORE_JOB_STATE_COUNT,
	    &state, reterr)) != DR_OK)
		return err;
	if (!store_trigger_parse((const char *)sqlite3_column_text(st, 5),
	    &trigger))
		return dr_fail(reterr, DR_EIO, "database holds an unknown "
		    "trigger");
	j->id = job_col_int(st, 0);
	j->kind = (enum store_job_kind)kind;
	j->scope = (enum store_job_scope)scope;
	j->stack = store_column_text(st, 3);
	j->target = store_column_text(st, 4);
	j->trigger = trigger;
	j->trigger_params = store_column_text(st, 6);
	j->dry_run = sqlite3_column_int(st, 7) != 0;
	j->state = (enum store_job_state)state;
	j->summary = store_column_text(st, 9);
	j->owner = store_column_text(st, 10);
	j->created_at = job_col_int(st, 11);
	j->started_at = job_col_int(st, 12);
	j->finished_at = job_col_int(st, 13);
	j->updated_at = job_col_int(st, 14);
	j->log_lines = job_col_int(st, 15);
	j->log_bytes = job_col_int(st, 16);
	j->log_dropped_lines = job_col_int(st, 17);
	j->log_dropped_bytes = job_col_int(st, 18);
	j->log_truncated = sqlite3_column_int(st, 19) != 0;
	return DR_OK;
}

enum dr_err
store_job_create(struct store *s, const struct store_job_spec *spec,
    int64_t *ret_id, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;

	*ret_id = 0;
	if ((unsigned)spec->kind >= STORE_JOB_KIND_COUNT ||
	    (unsigned)spec->scope >= STORE_SCOPE_COUNT ||
	    (unsigned)spec->trigger >= STORE_TRIGGER_COUNT)
		return dr_fail(reterr, DR_EINVAL, "bad job kind, scope or "
		    "trigger");
	if ((err = store_check_text("stack", spec->stack, false,
	    reterr)) != DR_OK ||
	    (err = store_check_text("target", spec->target, true,
	    reterr)) != DR_OK ||
	    (err = store_check_text("owner", spec->owner, false,
	    reterr)) != DR_OK ||
	    (err = store_check_json("trigger parameters",
	    spec->trigger_params, reterr)) != DR_OK)
		return err;
	if (spec->stack != NULL && *spec->stack == '\0')
		return dr_fail(reterr, DR_EINVAL, "stack is empty");
	if (spec->scope == STORE_SCOPE_STACK && spec->stack == NULL)
		return dr_fail(reterr, DR_EINVAL, "a stack job needs a stack");
	if (spec->scope == STORE_SCOPE_ALL && spec->stack != NULL)
		return dr_fail(reterr, DR_EINVAL, "a job for all stacks names "
		    "no stack");

	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if ((err = store_prepare(s, "INSERT INTO jobs (kind, scope, stack, "
	    "target, trigger_source, trigger_params, dry_run, state, owner, "
	    "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "COALESCE(?6, '{}'), ?7, 'queued', ?8, ?9, ?9)", &st,
	    reterr)) != DR_OK)
		goto out;
	store_bind_text(st, 1, job_kind_names[spec->kind]);
	store_bind_text(st, 2, job_scope_names[spec->scope]);
	store_bind_text(st, 3, spec->stack);
	store_bind_text(st, 4, spec->target);
	store_bind_text(st, 5, store_trigger_name(spec->trigger));
	store_bind_text(st, 6, spec->trigger_params);
	sqlite3_bind_int(st, 7, spec->dry_run ? 1 : 0);
	store_bind_text(st, 8, spec->owner);
	sqlite3_bind_int64(st, 9, store_now_ms());
	if ((err = store_exec(s, st, reterr)) == DR_OK)
		*ret_id = store_last_insert_id(s);
out:
	if ((err = store_tx_end(s, err, reterr)) != DR_OK)
		*ret_id = 0;
	return err;
}

enum dr_err
store_job_set_state(struct store *s, int64_t id, enum store_job_state to,
    const char *summary, struct dr_error *reterr)
{
	enum store_job_state	 from;
	sqlite3_stmt		*st;
	enum dr_err		 err;

	if ((unsigned)to >= STORE_JOB_STATE_COUNT)
		return dr_fail(reterr, DR_EINVAL, "bad job state %d", (int)to);
	if ((err = store_check_text("summary", summary, false, reterr)) !=
	    DR_OK)
		return err;
	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if ((err = job_state_of(s, id, &from, reterr)) != DR_OK)
		goto out;
	if (!job_legal[from][to]) {
		err = dr_fail(reterr, DR_ECONFLICT, "job %lld: %s -> %s is not "
		    "a legal transition", (long long)id, job_state_names[from],
		    job_state_names[to]);
		goto out;
	}
	if ((err = store_prepare(s, "UPDATE jobs SET state = ?2, "
	    "summary = COALESCE(?3, summary), updated_at = ?4, "
	    "started_at = CASE WHEN ?2 = 'running' THEN ?4 ELSE started_at "
	    "END, finished_at = CASE WHEN ?5 THEN ?4 ELSE finished_at END "
	    "WHERE id = ?1", &st, reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, job_state_names[to]);
	store_bind_text(st, 3, summary);
	sqlite3_bind_int64(st, 4, store_now_ms());
	sqlite3_bind_int(st, 5, store_job_state_terminal(to) ? 1 : 0);
	if ((err = store_exec(s, st, reterr)) != DR_OK)
		goto out;
	if (store_job_state_terminal(to)) {
		if ((err = store_prepare(s, "DELETE FROM stack_locks WHERE "
		    "job_id = ?1", &st, reterr)) != DR_OK)
			goto out;
		sqlite3_bind_int64(st, 1, id);
		err = store_exec(s, st, reterr);
	}
out:
	return store_tx_end(s, err, reterr);
}

enum dr_err
store_job_claim(struct store *s, int64_t id, const char *expect,
    const char *owner, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	const char	*cur;
	bool		 same;
	int		 rc, state;

	if ((err = store_check_text("owner", owner, false, reterr)) != DR_OK)
		return err;
	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if ((err = store_prepare(s, "SELECT state, owner FROM jobs WHERE "
	    "id = ?1", &st, reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = store_step(s, st)) != SQLITE_ROW) {
		err = rc == SQLITE_DONE ? dr_fail(reterr, DR_ENOTFOUND,
		    "no job %lld", (long long)id) : store_fail(s, rc, reterr);
		store_done(st);
		goto out;
	}
	if ((err = job_col_enum(st, 0, job_state_names, STORE_JOB_STATE_COUNT,
	    &state, reterr)) != DR_OK) {
		store_done(st);
		goto out;
	}
	cur = (const char *)sqlite3_column_text(st, 1);
	same = cur == NULL ? expect == NULL :
	    expect != NULL && strcmp(cur, expect) == 0;
	if (store_job_state_terminal((enum store_job_state)state))
		err = dr_fail(reterr, DR_ECONFLICT, "job %lld is %s",
		    (long long)id, job_state_names[state]);
	else if (!same)
		err = dr_fail(reterr, DR_ECONFLICT, "job %lld is owned by %s",
		    (long long)id, cur ? cur : "nobody");
	store_done(st);
	if (err != DR_OK)
		goto out;
	if ((err = store_prepare(s, "UPDATE jobs SET owner = ?2, "
	    "updated_at = ?3 WHERE id = ?1", &st, reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, owner);
	sqlite3_bind_int64(st, 3, store_now_ms());
	err = store_exec(s, st, reterr);
out:
	return store_tx_end(s, err, reterr);
}

static enum dr_err
job_read_steps(struct store *s, struct store_job *j, struct dr_error *reterr)
{
	struct store_job_step	*p;
	sqlite3_stmt		*st;
	enum dr_err		 err;
	size_t			 cap = 0;
	int			 rc, status;

	if ((err = store_prepare(s, "SELECT id, seq, name, detail, status, "
	    "outcome, error, started_at, ended_at FROM job_steps "
	    "WHERE job_id = ?1 ORDER BY seq", &st, reterr)) != DR_OK)
		return err;
	sqlite3_bind_int64(st, 1, j->id);
	while ((rc = store_step(s, st)) == SQLITE_ROW) {
		if ((err = job_col_enum(st, 4, job_step_names,
		    STORE_STEP_STATUS_COUNT, &status, reterr)) != DR_OK)
			goto out;
		if (j->nsteps == cap) {
			cap = cap ? cap * 2 : 8;
			j->steps = xreallocarray(j->steps, cap,
			    sizeof(*j->steps));
		}
		p = &j->steps[j->nsteps++];
		memset(p, 0, sizeof(*p));
		p->id = job_col_int(st, 0);
		p->seq = sqlite3_column_int(st, 1);
		p->name = store_column_text(st, 2);
		p->detail = store_column_text(st, 3);
		p->status = (enum store_step_status)status;
		p->outcome = store_column_text(st, 5);
		p->error = store_column_text(st, 6);
		p->started_at = job_col_int(st, 7);
		p->ended_at = job_col_int(st, 8);
	}
	if (rc != SQLITE_DONE)
		err = store_fail(s, rc, reterr);
out:
	store_done(st);
	return err;
}

static enum dr_err
job_read_targets(struct store *s, struct store_job *j,
    struct dr_error *reterr)
{
	struct store_job_target	*t;
	sqlite3_stmt		*st;
	enum dr_err		 err;
	size_t			 cap = 0;
	int			 rc, swap, result;

	if ((err = store_prepare(s, "SELECT id, NULLIF(stack, ''), service, "
	    "swap, image, old_image_id, old_digest, new_digest, old_tag, "
	    "new_tag, result, error, updated_at FROM job_targets "
	    "WHERE job_id = ?1 ORDER BY id", &st, reterr)) != DR_OK)
		return err;
	sqlite3_bind_int64(st, 1, j->id);
	while ((rc = store_step(s, st)) == SQLITE_ROW) {
		if ((err = job_col_enum(st, 3, job_swap_names,
		    STORE_SWAP_COUNT, &swap, reterr)) != DR_OK ||
		    (err = job_col_enum(st, 10, job_result_names,
		    STORE_TARGET_RESULT_COUNT, &result, reterr)) != DR_OK)
			goto out;
		if (j->ntargets == cap) {
			cap = cap ? cap * 2 : 8;
			j->targets = xreallocarray(j->targets, cap,
			    sizeof(*j->targets));
		}
		t = &j->targets[j->ntargets++];
		memset(t, 0, sizeof(*t));
		t->id = job_col_int(st, 0);
		t->stack = store_column_text(st, 1);
		t->service = store_column_text(st, 2);
		t->swap = (enum store_swap)swap;
		t->image = store_column_text(st, 4);
		t->old_image_id = store_column_text(st, 5);
		t->old_digest = store_column_text(st, 6);
		t->new_digest = store_column_text(st, 7);
		t->old_tag = store_column_text(st, 8);
		t->new_tag = store_column_text(st, 9);
		t->result = (enum store_target_result)result;
		t->error = store_column_text(st, 11);
		t->updated_at = job_col_int(st, 12);
	}
	if (rc != SQLITE_DONE)
		err = store_fail(s, rc, reterr);
out:
	store_done(st);
	return err;
}

enum dr_err
store_job_get(struct store *s, int64_t id, struct store_job **ret,
    struct dr_error *reterr)
{
	struct store_job	*j = NULL;
	sqlite3_stmt		*st;
	enum dr_err		 err;
	int			 rc;

	*ret = NULL;
	/* One read transaction: the job, steps and targets agree. */
	if ((err = store_tx_begin_read(s, reterr)) != DR_OK)
		return err;
	if ((err = store_prepare(s, "SELECT " JOB_COLS " FROM jobs "
	    "WHERE id = ?1", &st, reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	j = xcalloc(1, sizeof(*j));
	if ((rc = store_step(s, st)) == SQLITE_ROW)
		err = job_row(st, j, reterr);
	else if (rc == SQLITE_DONE)
		err = dr_fail(reterr, DR_ENOTFOUND, "no job %lld",
		    (long long)id);
	else
		err = store_fail(s, rc, reterr);
	store_done(st);
	if (err != DR_OK ||
	    (err = job_read_steps(s, j, reterr)) != DR_OK ||
	    (err = job_read_targets(s, j, reterr)) != DR_OK)
		goto out;
	*ret = j;
	j = NULL;
out:
	store_job_free(j);
	if ((err = store_tx_end(s, err, reterr)) != DR_OK && *ret != NULL) {
		store_job_free(*ret);
		*ret = NULL;
	}
	return err;
}

/* Collects up to max rows of JOB_COLS from st into l; more when another
 * row followed. */
static enum dr_err
job_collect(struct store *s, sqlite3_stmt *st, size_t max,
    struct store_job_list *l, struct dr_error *reterr)
{
	enum dr_err	err = DR_OK;
	size_t		cap = 0;
	int		rc;

	while ((rc = store_step(s, st)) == SQLITE_ROW) {
		if (l->n == max) {
			l->more = true;
			break;
		}
		if (l->n == cap) {
			cap = cap ? cap * 2 : 16;
			l->jobs = xreallocarray(l->jobs, cap, sizeof(*l->jobs));
		}
		memset(&l->jobs[l->n], 0, sizeof(l->jobs[l->n]));
		l->n++;
		if ((err = job_row(st, &l->jobs[l->n - 1], reterr)) != DR_OK)
			goto out;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = store_fail(s, rc, reterr);
out:
	store_done(st);
	return err;
}

enum dr_err
store_job_list(struct store *s, const struct store_job_filter *f,
    struct store_job_list *ret, struct dr_error *reterr)
{
	static const struct store_job_filter	 all;
	sqlite3_stmt				*st;
	enum dr_err				 err;
	size_t					 limit;
	int					 i;

	_Static_assert(STORE_JOB_STATE_COUNT == 6, "the list SQL binds six "
	    "states");
	memset(ret, 0, sizeof(*ret));
	if (f == NULL)
		f = &all;
	limit = f->limit == 0 ? STORE_JOB_PAGE_DEFAULT : f->limit;
	if (limit > STORE_JOB_PAGE_MAX)
		limit = STORE_JOB_PAGE_MAX;
	if ((err = store_prepare(s, "SELECT " JOB_COLS " FROM jobs j "
	    "WHERE (?1 OR state IN (?2, ?3, ?4, ?5, ?6, ?7)) "
	    "AND (?8 IS NULL OR stack = ?8 OR EXISTS (SELECT 1 FROM "
	    "job_targets t WHERE t.job_id = j.id AND t.stack = ?8)) "
	    "AND (?9 = 0 OR id < ?9) ORDER BY id DESC LIMIT ?10", &st,
	    reterr)) != DR_OK)
		return err;
	sqlite3_bind_int(st, 1, f->states == 0 ? 1 : 0);
	for (i = 0; i < STORE_JOB_STATE_COUNT; i++)
		store_bind_text(st, 2 + i,
		    f->states & STORE_JOB_STATE_BIT(i) ? job_state_names[i] :
		    NULL);
	store_bind_text(st, 8, f->stack);
	sqlite3_bind_int64(st, 9, f->before_id > 0 ? f->before_id : 0);
	sqlite3_bind_int64(st, 10, (int64_t)limit + 1);
	if ((err = job_collect(s, st, limit, ret, reterr)) != DR_OK) {
		store_job_list_done(ret);
		return err;
	}
	if (ret->more)
		ret->next_before = ret->jobs[ret->n - 1].id;
	return DR_OK;
}

enum dr_err
store_job_unfinished(struct store *s, struct store_job_list *ret,
    struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;

	memset(ret, 0, sizeof(*ret));
	if ((err = store_prepare(s, "SELECT " JOB_COLS " FROM jobs "
	    "WHERE state IN ('queued', 'running') ORDER BY id", &st,
	    reterr)) != DR_OK)
		return err;
	if ((err = job_collect(s, st, SIZE_MAX, ret, reterr)) != DR_OK)
		store_job_list_done(ret);
	return err;
}

enum dr_err
store_job_step_begin(struct store *s, int64_t job_id, const char *name,
    const char *detail, int64_t *ret_id, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;

	*ret_id = 0;
	if ((err = store_check_text("step name", name, true, reterr)) !=
	    DR_OK ||
	    (err = store_check_json("step detail", detail, reterr)) != DR_OK)
		return err;
	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if ((err = job_check_open(s, job_id, reterr)) != DR_OK)
		goto out;
	if ((err = store_prepare(s, "INSERT INTO job_steps (job_id, seq, "
	    "name, detail, status, started_at) SELECT ?1, "
	    "COALESCE(MAX(seq), 0) + 1, ?2, COALESCE(?3, '{}'), 'intent', ?4 "
	    "FROM job_steps WHERE job_id = ?1", &st, reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, job_id);
	store_bind_text(st, 2, name);
	store_bind_text(st, 3, detail);
	sqlite3_bind_int64(st, 4, store_now_ms());
	if ((err = store_exec(s, st, reterr)) == DR_OK)
		*ret_id = store_last_insert_id(s);
out:
	if ((err = store_tx_end(s, err, reterr)) != DR_OK)
		*ret_id = 0;
	return err;
}

enum dr_err
store_job_step_end(struct store *s, int64_t step_id,
    enum store_step_status status, const char *outcome, const char *error,
    struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	int		 rc, cur, state;

	if (status != STORE_STEP_DONE && status != STORE_STEP_FAILED)
		return dr_fail(reterr, DR_EINVAL, "a step ends done or failed");
	if ((err = store_check_json("step outcome", outcome, reterr)) !=
	    DR_OK ||
	    (err = store_check_text("step error", error, false, reterr)) !=
	    DR_OK)
		return err;
	/* Lazy: the next step's intent, committed synced before its
	 * Docker call, makes this end durable; a crash before that leaves an
	 * intent, which recovery reconciles with Docker. */
	if ((err = store_tx_begin_lazy(s, reterr)) != DR_OK)
		return err;
	if ((err = store_prepare(s, "SELECT st.status, j.state FROM "
	    "job_steps st JOIN jobs j ON j.id = st.job_id WHERE st.id = ?1",
	    &st, reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, step_id);
	if ((rc = store_step(s, st)) == SQLITE_ROW) {
		if ((err = job_col_enum(st, 0, job_step_names,
		    STORE_STEP_STATUS_COUNT, &cur, reterr)) == DR_OK &&
		    (err = job_col_enum(st, 1, job_state_names,
		    STORE_JOB_STATE_COUNT, &state, reterr)) == DR_OK) {
			if (store_job_state_terminal(
			    (enum store_job_state)state))
				err = dr_fail(reterr, DR_ECONFLICT, "the job "
				    "of step %lld is %s", (long long)step_id,
				    job_state_names[state]);
			else if (cur != STORE_STEP_INTENT)
				err = dr_fail(reterr, DR_ECONFLICT, "step %lld "
				    "already ended %s", (long long)step_id,
				    job_step_names[cur]);
		}
	} else if (rc == SQLITE_DONE)
		err = dr_fail(reterr, DR_ENOTFOUND, "no step %lld",
		    (long long)step_id);
	else
		err = store_fail(s, rc, reterr);
	store_done(st);
	if (err != DR_OK)
		goto out;
	if ((err = store_prepare(s, "UPDATE job_steps SET status = ?2, "
	    "outcome = ?3, error = ?4, ended_at = ?5 WHERE id = ?1", &st,
	    reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, step_id);
	store_bind_text(st, 2, job_step_names[status]);
	store_bind_text(st, 3, outcome);
	store_bind_text(st, 4, error);
	sqlite3_bind_int64(st, 5, store_now_ms());
	err = store_exec(s, st, reterr);
out:
	return store_tx_end(s, err, reterr);
}

static enum dr_err
job_check_refs(const struct store_target_refs *r, struct dr_error *reterr)
{
	enum dr_err	err;

	if ((err = store_check_text("image", r->image, false, reterr)) !=
	    DR_OK ||
	    (err = store_check_text("old image id", r->old_image_id, false,
	    reterr)) != DR_OK ||
	    (err = store_check_text("old digest", r->old_digest, false,
	    reterr)) != DR_OK ||
	    (err = store_check_text("new digest", r->new_digest, false,
	    reterr)) != DR_OK ||
	    (err = store_check_text("old tag", r->old_tag, false, reterr)) !=
	    DR_OK ||
	    (err = store_check_text("new tag", r->new_tag, false, reterr)) !=
	    DR_OK)
		return err;
	return DR_OK;
}

/* Binds refs to parameters first .. first + 5. */
static void
job_bind_refs(sqlite3_stmt *st, int first, const struct store_target_refs *r)
{
	store_bind_text(st, first, r->image);
	store_bind_text(st, first + 1, r->old_image_id);
	store_bind_text(st, first + 2, r->old_digest);
	store_bind_text(st, first + 3, r->new_digest);
	store_bind_text(st, first + 4, r->old_tag);
	store_bind_text(st, first + 5, r->new_tag);
}

/* DR_OK when target id exists and its job is unfinished. */
static enum dr_err
job_target_check_open(struct store *s, int64_t id, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	int		 rc;

	if ((err = store_prepare(s, "SELECT job_id FROM job_targets "
	    "WHERE id = ?1", &st, reterr)) != DR_OK)
		return err;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = store_step(s, st)) == SQLITE_ROW) {
		int64_t	job = job_col_int(st, 0);

		store_done(st);
		return job_check_open(s, job, reterr);
	}
	err = rc == SQLITE_DONE ? dr_fail(reterr, DR_ENOTFOUND, "no target "
	    "%lld", (long long)id) : store_fail(s, rc, reterr);
	store_done(st);
	return err;
}

enum dr_err
store_job_target_add(struct store *s, int64_t job_id,
    const struct store_target_spec *t, int64_t *ret_id,
    struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;

	*ret_id = 0;
	if ((unsigned)t->swap >= STORE_SWAP_COUNT)
		return dr_fail(reterr, DR_EINVAL, "bad swap kind %d",
		    (int)t->swap);
	if ((err = store_check_text("stack", t->stack, false, reterr)) !=
	    DR_OK ||
	    (err = store_check_text("service", t->service, true, reterr)) !=
	    DR_OK ||
	    (err = job_check_refs(&t->refs, reterr)) != DR_OK)
		return err;
	if (t->stack != NULL && *t->stack == '\0')
		return dr_fail(reterr, DR_EINVAL, "stack is empty");
	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if ((err = job_check_open(s, job_id, reterr)) != DR_OK)
		goto out;
	if ((err = store_prepare(s, "INSERT INTO job_targets (job_id, stack, "
	    "service, swap, image, old_image_id, old_digest, new_digest, "
	    "old_tag, new_tag, updated_at) VALUES (?1, COALESCE(?2, ''), ?3, "
	    "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", &st, reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, job_id);
	store_bind_text(st, 2, t->stack);
	store_bind_text(st, 3, t->service);
	store_bind_text(st, 4, job_swap_names[t->swap]);
	job_bind_refs(st, 5, &t->refs);
	sqlite3_bind_int64(st, 11, store_now_ms());
	if ((err = store_exec(s, st, reterr)) == DR_OK)
		*ret_id = store_last_insert_id(s);
	else if (err == DR_ECONFLICT)
		err = dr_fail(reterr, DR_ECONFLICT, "job %lld already has "
		    "that target", (long long)job_id);
out:
	if ((err = store_tx_end(s, err, reterr)) != DR_OK)
		*ret_id = 0;
	return err;
}

enum dr_err
store_job_target_update(struct store *s, int64_t target_id,
    const struct store_target_refs *refs, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;

	if ((err = job_check_refs(refs, reterr)) != DR_OK)
		return err;
	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if ((err = job_target_check_open(s, target_id, reterr)) != DR_OK)
		goto out;
	if ((err = store_prepare(s, "UPDATE job_targets SET "
	    "image = COALESCE(?2, image), "
	    "old_image_id = COALESCE(?3, old_image_id), "
	    "old_digest = COALESCE(?4, old_digest), "
	    "new_digest = COALESCE(?5, new_digest), "
	    "old_tag = COALESCE(?6, old_tag), "
	    "new_tag = COALESCE(?7, new_tag), updated_at = ?8 WHERE id = ?1",
	    &st, reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, target_id);
	job_bind_refs(st, 2, refs);
	sqlite3_bind_int64(st, 8, store_now_ms());
	err = store_exec(s, st, reterr);
out:
	return store_tx_end(s, err, reterr);
}

enum dr_err
store_job_target_result(struct store *s, int64_t target_id,
    enum store_target_result result, const char *error,
    struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;

	if ((unsigned)result >= STORE_TARGET_RESULT_COUNT)
		return dr_fail(reterr, DR_EINVAL, "bad target result %d",
		    (int)result);
	if ((err = store_check_text("target error", error, false, reterr)) !=
	    DR_OK)
		return err;
	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if ((err = job_target_check_open(s, target_id, reterr)) != DR_OK)
		goto out;
	if ((err = store_prepare(s, "UPDATE job_targets SET result = ?2, "
	    "error = ?3, updated_at = ?4 WHERE id = ?1", &st, reterr)) !=
	    DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, target_id);
	store_bind_text(st, 2, job_result_names[result]);
	store_bind_text(st, 3, error);
	sqlite3_bind_int64(st, 4, store_now_ms());
	err = store_exec(s, st, reterr);
out:
	return store_tx_end(s, err, reterr);
}

/* The log counters of a job, as stored in its row. */
struct job_log_count {
	int64_t	lines;
	int64_t	bytes;
	int64_t	dropped_lines;
	int64_t	dropped_bytes;
	bool	truncated;
};

static enum dr_err
job_log_insert(struct store *s, int64_t job_id, int64_t now,
    enum store_log_stream stream, const char *p, size_t len, bool clipped,
    struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;

	if ((err = store_prepare(s, "INSERT INTO job_logs (job_id, ts, "
	    "stream, line, clipped) VALUES (?1, ?2, ?3, ?4, ?5)", &st,
	    reterr)) != DR_OK)
		return err;
	sqlite3_bind_int64(st, 1, job_id);
	sqlite3_bind_int64(st, 2, now);
	store_bind_text(st, 3, job_stream_names[stream]);
	sqlite3_bind_text(st, 4, len ? p : "", (int)len, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, clipped ? 1 : 0);
	return store_exec(s, st, reterr);
}

enum dr_err
store_job_log_append(struct store *s, int64_t job_id,
    const struct store_log_entry *lines, size_t n, struct dr_error *reterr)
{
	struct job_log_count	 c;
	sqlite3_stmt		*st;
	enum dr_err		 err;
	int64_t			 now = store_now_ms();
	size_t			 i, len;
	char			 marker[160];
	int			 rc, state;

	for (i = 0; i < n; i++)
		if ((unsigned)lines[i].stream >= STORE_LOG_STREAM_COUNT)
			return dr_fail(reterr, DR_EINVAL, "bad log stream");
	/* Lazy: a log line may be lost with a power cut, never a step. */
	if ((err = store_tx_begin_lazy(s, reterr)) != DR_OK)
		return err;
	if ((err = store_prepare(s, "SELECT state, log_lines, log_bytes, "
	    "log_dropped_lines, log_dropped_bytes, log_truncated FROM jobs "
	    "WHERE id = ?1", &st, reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, job_id);
	if ((rc = store_step(s, st)) != SQLITE_ROW) {
		err = rc == SQLITE_DONE ? dr_fail(reterr, DR_ENOTFOUND,
		    "no job %lld", (long long)job_id) :
		    store_fail(s, rc, reterr);
		store_done(st);
		goto out;
	}
	err = job_col_enum(st, 0, job_state_names, STORE_JOB_STATE_COUNT,
	    &state, reterr);
	c.lines = job_col_int(st, 1);
	c.bytes = job_col_int(st, 2);
	c.dropped_lines = job_col_int(st, 3);
	c.dropped_bytes = job_col_int(st, 4);
	c.truncated = sqlite3_column_int(st, 5) != 0;
	store_done(st);
	if (err != DR_OK)
		goto out;
	if (store_job_state_terminal((enum store_job_state)state)) {
		err = dr_fail(reterr, DR_ECONFLICT, "job %lld is %s and cannot "
		    "change", (long long)job_id, job_state_names[state]);
		goto out;
	}
	for (i = 0; i < n; i++) {
		len = lines[i].text.len;
		if (len > STORE_LOG_LINE_MAX)
			len = STORE_LOG_LINE_MAX;
		if (!c.truncated && (c.lines + 1 > STORE_LOG_MAX_LINES ||
		    c.bytes + (int64_t)len > STORE_LOG_MAX_BYTES)) {
			snprintf(marker, sizeof(marker), "dockrev: log "
			    "truncated after %lld lines and %lld bytes; later "
			    "lines are counted, not kept", (long long)c.lines,
			    (long long)c.bytes);
			if ((err = job_log_insert(s, job_id, now,
			    STORE_LOG_DOCKREV, marker, strlen(marker), false,
			    reterr)) != DR_OK)
				goto out;
			c.truncated = true;
		}
		if (c.truncated) {
			c.dropped_lines++;
			c.dropped_bytes += (int64_t)lines[i].text.len;
			continue;
		}
		if ((err = job_log_insert(s, job_id, now, lines[i].stream,
		    lines[i].text.p, len, len < lines[i].text.len,
		    reterr)) != DR_OK)
			goto out;
		c.lines++;
		c.bytes += (int64_t)len;
	}
	if ((err = store_prepare(s, "UPDATE jobs SET log_lines = ?2, "
	    "log_bytes = ?3, log_dropped_lines = ?4, log_dropped_bytes = ?5, "
	    "log_truncated = ?6, updated_at = ?7 WHERE id = ?1", &st,
	    reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, job_id);
	sqlite3_bind_int64(st, 2, c.lines);
	sqlite3_bind_int64(st, 3, c.bytes);
	sqlite3_bind_int64(st, 4, c.dropped_lines);
	sqlite3_bind_int64(st, 5, c.dropped_bytes);
	sqlite3_bind_int(st, 6, c.truncated ? 1 : 0);
	sqlite3_bind_int64(st, 7, now);
	err = store_exec(s, st, reterr);
out:
	return store_tx_end(s, err, reterr);
}

void
store_log_page_done(struct store_log_page *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		free(p->lines[i].text);
	free(p->lines);
	memset(p, 0, sizeof(*p));
}

static enum dr_err
job_log_rows(struct store *s, int64_t job_id, int64_t after_id, size_t limit,
    struct store_log_page *p, struct dr_error *reterr)
{
	struct store_log_line	*l;
	sqlite3_stmt		*st;
	const void		*text;
	enum dr_err		 err;
	size_t			 cap = 0;
	int			 rc, stream;

	if ((err = store_prepare(s, "SELECT id, ts, stream, line, clipped "
	    "FROM job_logs WHERE job_id = ?1 AND id > ?2 ORDER BY id "
	    "LIMIT ?3", &st, reterr)) != DR_OK)
		return err;
	sqlite3_bind_int64(st, 1, job_id);
	sqlite3_bind_int64(st, 2, after_id);
	sqlite3_bind_int64(st, 3, (int64_t)limit + 1);
	while ((rc = store_step(s, st)) == SQLITE_ROW) {
		if (p->n == limit) {
			p->more = true;
			break;
		}
		if ((err = job_col_enum(st, 2, job_stream_names,
		    STORE_LOG_STREAM_COUNT, &stream, reterr)) != DR_OK)
			goto out;
		if (p->n == cap) {
			cap = cap ? cap * 2 : 64;
			p->lines = xreallocarray(p->lines, cap,
			    sizeof(*p->lines));
		}
		l = &p->lines[p->n++];
		l->id = job_col_int(st, 0);
		l->ts = job_col_int(st, 1);
		l->stream = (enum store_log_stream)stream;
		text = sqlite3_column_text(st, 3);
		l->len = (size_t)sqlite3_column_bytes(st, 3);
		l->text = xmalloc(l->len + 1);
		if (l->len > 0)
			memcpy(l->text, text, l->len);
		l->text[l->len] = '\0';
		l->clipped = sqlite3_column_int(st, 4) != 0;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = store_fail(s, rc, reterr);
out:
	store_done(st);
	return err;
}

enum dr_err
store_job_log_page(struct store *s, int64_t job_id, int64_t after_id,
    size_t limit, struct store_log_page *ret, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	int		 rc;

	memset(ret, 0, sizeof(*ret));
	ret->next_after = after_id;
	if (limit == 0 || limit > STORE_LOG_PAGE_MAX)
		limit = STORE_LOG_PAGE_MAX;
	if ((err = store_tx_begin_read(s, reterr)) != DR_OK)
		return err;
	if ((err = store_prepare(s, "SELECT log_lines, log_dropped_lines, "
	    "log_truncated FROM jobs WHERE id = ?1", &st, reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, job_id);
	if ((rc = store_step(s, st)) == SQLITE_ROW) {
		ret->total_lines = job_col_int(st, 0);
		ret->dropped_lines = job_col_int(st, 1);
		ret->truncated = sqlite3_column_int(st, 2) != 0;
	} else
		err = rc == SQLITE_DONE ? dr_fail(reterr, DR_ENOTFOUND,
		    "no job %lld", (long long)job_id) :
		    store_fail(s, rc, reterr);
	store_done(st);
	if (err != DR_OK)
		goto out;
	err = job_log_rows(s, job_id, after_id, limit, ret, reterr);
	if (err == DR_OK && ret->n > 0)
		ret->next_after = ret->lines[ret->n - 1].id;
out:
	if ((err = store_tx_end(s, err, reterr)) != DR_OK)
		store_log_page_done(ret);
	return err;
}

enum dr_err
store_job_lock(struct store *s, int64_t job_id, const char *stack,
    struct dr_error *reterr)
{
	enum store_job_state	 hstate;
	sqlite3_stmt		*st;
	enum dr_err		 err;
	int64_t			 holder = 0;
	int			 rc;

	if ((err = store_check_text("stack", stack, true, reterr)) != DR_OK)
		return err;
	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if ((err = job_check_open(s, job_id, reterr)) != DR_OK)
		goto out;
	if ((err = store_prepare(s, "SELECT l.job_id, j.state FROM "
	    "stack_locks l JOIN jobs j ON j.id = l.job_id WHERE l.stack = ?1",
	    &st, reterr)) != DR_OK)
		goto out;
	store_bind_text(st, 1, stack);
	if ((rc = store_step(s, st)) == SQLITE_ROW) {
		holder = job_col_int(st, 0);
		if (!store_job_state_parse((const char *)sqlite3_column_text(st,
		    1), &hstate))
			err = dr_fail(reterr, DR_EIO, "database holds an "
			    "unknown job state");
		else if (holder != job_id && !store_job_state_terminal(hstate))
			err = dr_fail(reterr, DR_ECONFLICT, "stack %s is "
			    "locked by job %lld", stack, (long long)holder);
	} else if (rc != SQLITE_DONE)
		err = store_fail(s, rc, reterr);
	store_done(st);
	if (err != DR_OK || holder == job_id)
		goto out;
	/* Free, or stale (its job is terminal): take it. */
	if ((err = store_prepare(s, "INSERT INTO stack_locks (stack, job_id, "
	    "acquired_at) VALUES (?1, ?2, ?3) ON CONFLICT (stack) DO UPDATE "
	    "SET job_id = excluded.job_id, acquired_at = excluded.acquired_at",
	    &st, reterr)) != DR_OK)
		goto out;
	store_bind_text(st, 1, stack);
	sqlite3_bind_int64(st, 2, job_id);
	sqlite3_bind_int64(st, 3, store_now_ms());
	err = store_exec(s, st, reterr);
out:
	return store_tx_end(s, err, reterr);
}

enum dr_err
store_job_unlock(struct store *s, int64_t job_id, const char *stack,
    struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;

	if ((err = store_check_text("stack", stack, true, reterr)) != DR_OK)
		return err;
	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if ((err = store_prepare(s, "DELETE FROM stack_locks WHERE "
	    "stack = ?1 AND job_id = ?2", &st, reterr)) != DR_OK)
		goto out;
	store_bind_text(st, 1, stack);
	sqlite3_bind_int64(st, 2, job_id);
	err = store_exec(s, st, reterr);
out:
	return store_tx_end(s, err, reterr);
}

enum dr_err
store_job_lock_holder(struct store *s, const char *stack, int64_t *ret_job_id,
    struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	int		 rc;

	*ret_job_id = 0;
	if ((err = store_check_text("stack", stack, true, reterr)) != DR_OK)
		return err;
	if ((err = store_prepare(s, "SELECT l.job_id FROM stack_locks l "
	    "JOIN jobs j ON j.id = l.job_id WHERE l.stack = ?1 "
	    "AND j.state IN ('queued', 'running')", &st, reterr)) != DR_OK)
		return err;
	store_bind_text(st, 1, stack);
	if ((rc = store_step(s, st)) == SQLITE_ROW)
		*ret_job_id = job_col_int(st, 0);
	else if (rc != SQLITE_DONE)
		err = store_fail(s, rc, reterr);
	store_done(st);
	return err;
}

enum dr_err
store_job_prune(struct store *s, int64_t before_ms, int64_t *ret_count,
    struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	int64_t		 n = 0;

	if (ret_count != NULL)
		*ret_count = 0;
	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if ((err = store_prepare(s, "DELETE FROM jobs WHERE state NOT IN "
	    "('queued', 'running') AND finished_at < ?1", &st, reterr)) !=
	    DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, before_ms);
	if ((err = store_exec(s, st, reterr)) == DR_OK)
		n = store_changes(s);
out:
	if ((err = store_tx_end(s, err, reterr)) == DR_OK && ret_count != NULL)
		*ret_count = n;
	return err;
}
