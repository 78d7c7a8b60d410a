/*
 * test-store-job: the journal.  Every legal and illegal state transition
 * (table-driven), intent-then-done steps seen by another connection,
 * targets, listing with filters and keyset pages, log clipping, caps and
 * pages, stack locks between two connections and two processes, a child
 * that dies between intent and done, hostile strings and size limits.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <ftw.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "store-job.h"
#include "store.h"
#include "xmalloc.h"

static char	 tmpdir[] = "/tmp/test-store-job.XXXXXX";
static char	*dbpath;

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static struct store *
open_store(void)
{
	struct store	*s = NULL;
	struct dr_error	 e;

	if (store_open(dbpath, &s, &e) != DR_OK) {
		fprintf(stderr, "store_open: %s\n", e.msg);
		exit(1);
	}
	return s;
}

static int64_t
job_for(struct store *s, enum store_job_scope scope, const char *stack,
    const char *target)
{
	struct store_job_spec	spec = {
		.kind = STORE_JOB_UPDATE,
		.scope = scope,
		.stack = stack,
		.target = target,
		.trigger = STORE_TRIGGER_CLI,
		.trigger_params = "{\"to\":\"1.2.3\"}",
	};
	int64_t			id = 0;
	struct dr_error		e;

	if (store_job_create(s, &spec, &id, &e) != DR_OK)
		fprintf(stderr, "store_job_create: %s\n", e.msg);
	return id;
}

static int64_t
stack_job(struct store *s, const char *stack)
{
	return job_for(s, STORE_SCOPE_STACK, stack, stack);
}

static enum store_job_state
state_of(struct store *s, int64_t id)
{
	struct store_job	*j = NULL;
	enum store_job_state	 st = STORE_JOB_STATE_COUNT;

	if (store_job_get(s, id, &j, NULL) == DR_OK)
		st = j->state;
	store_job_free(j);
	return st;
}

/* The legal transitions, written out independently of store-job.c. */
static const struct {
	enum store_job_state	from, to;
} legal[] = {
	{ STORE_JOB_QUEUED, STORE_JOB_RUNNING },
	{ STORE_JOB_QUEUED, STORE_JOB_FAILED },
	{ STORE_JOB_RUNNING, STORE_JOB_SUCCEEDED },
	{ STORE_JOB_RUNNING, STORE_JOB_ROLLED_BACK },
	{ STORE_JOB_RUNNING, STORE_JOB_FAILED },
	{ STORE_JOB_RUNNING, STORE_JOB_ROLLBACK_FAILED },
};

/* How to reach each state from queued. */
static const struct {
	enum store_job_state	state;
	size_t			n;
	enum store_job_state	path[2];
} reach[] = {
	{ STORE_JOB_QUEUED, 0, { 0 } },
	{ STORE_JOB_RUNNING, 1, { STORE_JOB_RUNNING } },
	{ STORE_JOB_SUCCEEDED, 2, { STORE_JOB_RUNNING, STORE_JOB_SUCCEEDED } },
	{ STORE_JOB_ROLLED_BACK, 2,
	    { STORE_JOB_RUNNING, STORE_JOB_ROLLED_BACK } },
	{ STORE_JOB_FAILED, 1, { STORE_JOB_FAILED } },
	{ STORE_JOB_ROLLBACK_FAILED, 2,
	    { STORE_JOB_RUNNING, STORE_JOB_ROLLBACK_FAILED } },
};

static bool
is_legal(enum store_job_state from, enum store_job_state to)
{
	size_t	i;

	for (i = 0; i < sizeof(legal) / sizeof(legal[0]); i++)
		if (legal[i].from == from && legal[i].to == to)
			return true;
	return false;
}

static void
test_transitions(void)
{
	struct store		*s = open_store();
	struct store_job	*j;
	struct dr_error		 e;
	size_t			 r, k;
	int			 to, nlegal = 0, nillegal = 0;
	int64_t			 id, other;

	CHECK_INTEQ(sizeof(reach) / sizeof(reach[0]), STORE_JOB_STATE_COUNT);
	for (r = 0; r < STORE_JOB_STATE_COUNT; r++) {
		for (to = 0; to < STORE_JOB_STATE_COUNT; to++) {
			enum store_job_state	from = reach[r].state;
			bool			ok = is_legal(from, to);

			CHECK(store_job_transition_legal(from, to) == ok);
			id = stack_job(s, "trans");
			CHECK(id > 0);
			CHECK_INTEQ(store_job_lock(s, id, "trans", &e), DR_OK);
			for (k = 0; k < reach[r].n; k++)
				CHECK_INTEQ(store_job_set_state(s, id,
				    reach[r].path[k], NULL, &e), DR_OK);
			CHECK_INTEQ(state_of(s, id), from);
			CHECK_INTEQ(store_job_set_state(s, id, to, "why", &e),
			    ok ? DR_OK : DR_ECONFLICT);
			if (!ok)
				CHECK(strstr(e.msg, "legal") != NULL);
			CHECK_INTEQ(state_of(s, id), ok ? to : (int)from);
			if (ok)
				nlegal++;
			else
				nillegal++;
			/* Whatever state it is in now: timestamps and lock. */
			j = NULL;
			CHECK_INTEQ(store_job_get(s, id, &j, &e), DR_OK);
			if (j != NULL) {
				bool	ran = ok && to == STORE_JOB_RUNNING;

				for (k = 0; k < reach[r].n; k++)
					if (reach[r].path[k] ==
					    STORE_JOB_RUNNING)
						ran = true;
				CHECK((j->started_at != 0) == ran);
				CHECK((j->finished_at != 0) ==
				    store_job_state_terminal(j->state));
				CHECK(j->finished_at == 0 ||
				    j->finished_at >= j->created_at);
				if (ok)
					CHECK_STREQ(j->summary, "why");
				if (store_job_state_terminal(j->state)) {
					CHECK_INTEQ(store_job_lock_holder(s,
					    "trans", &other, &e), DR_OK);
					CHECK_INTEQ(other, 0);
				}
				/* Finish it so the next round can lock. */
				if (j->state == STORE_JOB_QUEUED)
					store_job_set_state(s, id,
					    STORE_JOB_FAILED, NULL, NULL);
				else if (j->state == STORE_JOB_RUNNING)
					store_job_set_state(s, id,
					    STORE_JOB_SUCCEEDED, NULL, NULL);
			}
			store_job_free(j);
		}
	}
	CHECK_INTEQ(nlegal, 6);
	CHECK_INTEQ(nillegal, 30);

	/* A terminal job never changes again, whatever the call. */
	for (r = 0; r < STORE_JOB_STATE_COUNT; r++) {
		struct store_target_spec	 t = {
			.stack = "x", .service = "y",
			.swap = STORE_SWAP_COMPOSE,
		};
		struct store_target_refs	 refs = { .new_tag = "2" };
		struct store_log_entry		 line = {
			STORE_LOG_STDOUT, SPAN_LIT("late")
		};
		int64_t				 step = 0, target = 0, sid;

		if (!store_job_state_terminal(reach[r].state))
			continue;
		/* Running, with an open step and a target, then terminal
		 * (running reaches every terminal state). */
		id = stack_job(s, "frozen");
		CHECK_INTEQ(store_job_set_state(s, id, STORE_JOB_RUNNING, NULL,
		    &e), DR_OK);
		CHECK_INTEQ(store_job_step_begin(s, id, "open", NULL, &step,
		    &e), DR_OK);
		CHECK_INTEQ(store_job_target_add(s, id, &t, &target, &e),
		    DR_OK);
		CHECK_INTEQ(store_job_set_state(s, id, reach[r].state, NULL,
		    &e), DR_OK);
		for (to = 0; to < STORE_JOB_STATE_COUNT; to++)
			CHECK_INTEQ(store_job_set_state(s, id, to, NULL, &e),
			    DR_ECONFLICT);
		CHECK_INTEQ(store_job_step_begin(s, id, "late", NULL, &sid,
		    &e), DR_ECONFLICT);
		CHECK_INTEQ(sid, 0);
		CHECK_INTEQ(store_job_step_end(s, step, STORE_STEP_DONE, NULL,
		    NULL, &e), DR_ECONFLICT);
		CHECK_INTEQ(store_job_target_add(s, id, &t, &sid, &e),
		    DR_ECONFLICT);
		CHECK_INTEQ(store_job_target_update(s, target, &refs, &e),
		    DR_ECONFLICT);
		CHECK_INTEQ(store_job_target_result(s, target,
		    STORE_TARGET_UPDATED, NULL, &e), DR_ECONFLICT);
		CHECK_INTEQ(store_job_log_append(s, id, &line, 1, &e),
		    DR_ECONFLICT);
		CHECK_INTEQ(store_job_lock(s, id, "frozen", &e), DR_ECONFLICT);
		CHECK_INTEQ(store_job_claim(s, id, NULL, "me", &e),
		    DR_ECONFLICT);
		CHECK_INTEQ(state_of(s, id), reach[r].state);
	}

	/* The schema's triggers refuse it too, for SQL that skips C. */
	{
		sqlite3	*db;
		char	*sql;

		CHECK(sqlite3_open(dbpath, &db) == SQLITE_OK);
		sql = xasprintf("UPDATE jobs SET state = 'running' WHERE "
		    "id = %lld", (long long)id);
		CHECK_INTEQ(sqlite3_exec(db, sql, NULL, NULL, NULL),
		    SQLITE_CONSTRAINT);
		free(sql);
		sql = xasprintf("INSERT INTO job_logs (job_id, ts, stream, "
		    "line) VALUES (%lld, 0, 'stdout', 'x')", (long long)id);
		CHECK_INTEQ(sqlite3_exec(db, sql, NULL, NULL, NULL),
		    SQLITE_CONSTRAINT);
		free(sql);
		sql = xasprintf("UPDATE job_steps SET status = 'done' WHERE "
		    "job_id = %lld", (long long)id);
		CHECK_INTEQ(sqlite3_exec(db, sql, NULL, NULL, NULL),
		    SQLITE_CONSTRAINT);
		free(sql);
		sqlite3_close(db);
	}

	/* Unknown jobs and bad arguments. */
	CHECK_INTEQ(store_job_set_state(s, 999999, STORE_JOB_RUNNING, NULL,
	    &e), DR_ENOTFOUND);
	CHECK_INTEQ(store_job_set_state(s, id, STORE_JOB_STATE_COUNT, NULL,
	    &e), DR_EINVAL);
	CHECK(!store_job_transition_legal(STORE_JOB_STATE_COUNT,
	    STORE_JOB_RUNNING));
	j = (struct store_job *)1;
	CHECK_INTEQ(store_job_get(s, 999999, &j, &e), DR_ENOTFOUND);
	CHECK(j == NULL);
	store_close(s);
}

static void
test_names(void)
{
	enum store_job_state	st;
	enum store_job_kind	k;
	enum store_job_scope	sc;
	int			i;

	for (i = 0; i < STORE_JOB_STATE_COUNT; i++) {
		CHECK(store_job_state_parse(store_job_state_name(i), &st));
		CHECK_INTEQ(st, i);
	}
	CHECK_STREQ(store_job_state_name(STORE_JOB_ROLLBACK_FAILED),
	    "rollback_failed");
	CHECK(!store_job_state_parse("done", &st));
	for (i = 0; i < STORE_JOB_KIND_COUNT; i++) {
		CHECK(store_job_kind_parse(store_job_kind_name(i), &k));
		CHECK_INTEQ(k, i);
	}
	for (i = 0; i < STORE_SCOPE_COUNT; i++) {
		CHECK(store_job_scope_parse(store_job_scope_name(i), &sc));
		CHECK_INTEQ(sc, i);
	}
	CHECK_STREQ(store_step_status_name(STORE_STEP_INTENT), "intent");
	CHECK_STREQ(store_swap_name(STORE_SWAP_RECREATE), "recreate");
	CHECK_STREQ(store_target_result_name(STORE_TARGET_ROLLED_BACK),
	    "rolled_back");
	CHECK_STREQ(store_log_stream_name(STORE_LOG_STDERR), "stderr");
	CHECK_STREQ(store_swap_name(STORE_SWAP_COUNT), "unknown");
}

static void
test_create(void)
{
	struct store		*s = open_store();
	struct store_job	*j = NULL;
	struct dr_error		 e;
	struct store_job_spec	 spec = {
		.kind = STORE_JOB_ROLLBACK,
		.scope = STORE_SCOPE_SERVICE,
		.stack = "shop",
		.target = "shop/web",
		.trigger = STORE_TRIGGER_WEBHOOK,
		.trigger_params = "{\"user\":\"ann\",\"to\":\"sha256:ab\"}",
		.dry_run = true,
		.owner = "host:123:456",
	};
	int64_t			 id;

	CHECK_INTEQ(store_job_create(s, &spec, &id, &e), DR_OK);
	CHECK_INTEQ(store_job_get(s, id, &j, &e), DR_OK);
	if (j != NULL) {
		CHECK_INTEQ(j->id, id);
		CHECK_INTEQ(j->kind, STORE_JOB_ROLLBACK);
		CHECK_INTEQ(j->scope, STORE_SCOPE_SERVICE);
		CHECK_STREQ(j->stack, "shop");
		CHECK_STREQ(j->target, "shop/web");
		CHECK_INTEQ(j->trigger, STORE_TRIGGER_WEBHOOK);
		CHECK_STREQ(j->trigger_params, spec.trigger_params);
		CHECK(j->dry_run);
		CHECK_INTEQ(j->state, STORE_JOB_QUEUED);
		CHECK(j->summary == NULL);
		CHECK_STREQ(j->owner, "host:123:456");
		CHECK(j->created_at > 0 && j->created_at == j->updated_at);
		CHECK_INTEQ(j->started_at, 0);
		CHECK_INTEQ(j->finished_at, 0);
		CHECK_INTEQ(j->nsteps, 0);
		CHECK_INTEQ(j->ntargets, 0);
	}
	store_job_free(j);

	/* Defaults: no params is {}, a standalone container has no stack. */
	spec.trigger_params = NULL;
	spec.stack = NULL;
	spec.target = "lonely-container";
	spec.owner = NULL;
	CHECK_INTEQ(store_job_create(s, &spec, &id, &e), DR_OK);
	CHECK_INTEQ(store_job_get(s, id, &j, &e), DR_OK);
	if (j != NULL) {
		CHECK_STREQ(j->trigger_params, "{}");
		CHECK(j->stack == NULL);
		CHECK(j->owner == NULL);
	}
	store_job_free(j);

	/* Scope and stack must agree; fields must be there. */
	spec.scope = STORE_SCOPE_STACK;
	CHECK_INTEQ(store_job_create(s, &spec, &id, &e), DR_EINVAL);
	CHECK_INTEQ(id, 0);
	spec.scope = STORE_SCOPE_ALL;
	spec.stack = "shop";
	CHECK_INTEQ(store_job_create(s, &spec, &id, &e), DR_EINVAL);
	spec.stack = NULL;
	spec.target = "*";
	CHECK_INTEQ(store_job_create(s, &spec, &id, &e), DR_OK);
	spec.target = NULL;
	CHECK_INTEQ(store_job_create(s, &spec, &id, &e), DR_EINVAL);
	spec.target = "";
	CHECK_INTEQ(store_job_create(s, &spec, &id, &e), DR_EINVAL);
	spec.target = "x";
	spec.scope = STORE_SCOPE_SERVICE;
	spec.stack = "";
	CHECK_INTEQ(store_job_create(s, &spec, &id, &e), DR_EINVAL);
	spec.stack = NULL;
	spec.kind = STORE_JOB_KIND_COUNT;
	CHECK_INTEQ(store_job_create(s, &spec, &id, &e), DR_EINVAL);
	spec.kind = STORE_JOB_UPDATE;
	spec.trigger = STORE_TRIGGER_COUNT;
	CHECK_INTEQ(store_job_create(s, &spec, &id, &e), DR_EINVAL);
	spec.trigger = STORE_TRIGGER_CLI;
	spec.trigger_params = "[1,2]";
	CHECK_INTEQ(store_job_create(s, &spec, &id, &e), DR_EINVAL);
	spec.trigger_params = "{\"a\":";
	CHECK_INTEQ(store_job_create(s, &spec, &id, &e), DR_EINVAL);
	CHECK(strstr(e.msg, "trigger parameters") != NULL);
	store_close(s);
}

static void
test_claim(void)
{
	struct store		*s = open_store();
	struct store_job	*j = NULL;
	struct dr_error		 e;
	int64_t			 id = stack_job(s, "claim");

	CHECK_INTEQ(store_job_claim(s, id, NULL, "a", &e), DR_OK);
	CHECK_INTEQ(store_job_claim(s, id, NULL, "b", &e), DR_ECONFLICT);
	CHECK(strstr(e.msg, "owned by a") != NULL);
	CHECK_INTEQ(store_job_claim(s, id, "x", "b", &e), DR_ECONFLICT);
	CHECK_INTEQ(store_job_claim(s, id, "a", "b", &e), DR_OK);
	CHECK_INTEQ(store_job_claim(s, id, "a", "c", &e), DR_ECONFLICT);
	CHECK_INTEQ(store_job_get(s, id, &j, &e), DR_OK);
	if (j != NULL)
		CHECK_STREQ(j->owner, "b");
	store_job_free(j);
	CHECK_INTEQ(store_job_claim(s, id, "b", NULL, &e), DR_OK);
	CHECK_INTEQ(store_job_claim(s, id, NULL, "d", &e), DR_OK);
	CHECK_INTEQ(store_job_claim(s, 999999, NULL, "d", &e), DR_ENOTFOUND);
	store_job_set_state(s, id, STORE_JOB_FAILED, NULL, NULL);
	store_close(s);
}

static void
test_steps(void)
{
	struct store		*a = open_store(), *b = open_store();
	struct store_job	*j = NULL;
	struct dr_error		 e;
	int64_t			 id, s1, s2, s3;
	char			*big;

	id = stack_job(a, "steps");
	CHECK_INTEQ(store_job_set_state(a, id, STORE_JOB_RUNNING, NULL, &e),
	    DR_OK);
	CHECK_INTEQ(store_job_step_begin(a, id, "pull web",
	    "{\"image\":\"reg/web\",\"digest\":\"sha256:01\"}", &s1, &e),
	    DR_OK);
	/* Committed: another connection sees the intent at once. */
	CHECK_INTEQ(store_job_get(b, id, &j, &e), DR_OK);
	if (j != NULL && j->nsteps == 1) {
		CHECK_INTEQ(j->steps[0].id, s1);
		CHECK_INTEQ(j->steps[0].seq, 1);
		CHECK_STREQ(j->steps[0].name, "pull web");
		CHECK_STREQ(j->steps[0].detail,
		    "{\"image\":\"reg/web\",\"digest\":\"sha256:01\"}");
		CHECK_INTEQ(j->steps[0].status, STORE_STEP_INTENT);
		CHECK(j->steps[0].started_at > 0);
		CHECK_INTEQ(j->steps[0].ended_at, 0);
		CHECK(j->steps[0].outcome == NULL);
	} else
		CHECK(!"one step");
	store_job_free(j);

	CHECK_INTEQ(store_job_step_end(a, s1, STORE_STEP_DONE,
	    "{\"pulled\":true}", NULL, &e), DR_OK);
	CHECK_INTEQ(store_job_step_end(a, s1, STORE_STEP_FAILED, NULL, "x",
	    &e), DR_ECONFLICT);
	CHECK(strstr(e.msg, "already ended done") != NULL);
	CHECK_INTEQ(store_job_step_begin(a, id, "stop web", NULL, &s2, &e),
	    DR_OK);
	CHECK_INTEQ(store_job_step_end(a, s2, STORE_STEP_FAILED, NULL,
	    "container did not stop", &e), DR_OK);
	CHECK_INTEQ(store_job_step_begin(a, id, "rollback web", "{}", &s3,
	    &e), DR_OK);

	CHECK_INTEQ(store_job_get(b, id, &j, &e), DR_OK);
	if (j != NULL && j->nsteps == 3) {
		CHECK_INTEQ(j->steps[0].status, STORE_STEP_DONE);
		CHECK_STREQ(j->steps[0].outcome, "{\"pulled\":true}");
		CHECK(j->steps[0].ended_at >= j->steps[0].started_at);
		CHECK_INTEQ(j->steps[1].seq, 2);
		CHECK_INTEQ(j->steps[1].status, STORE_STEP_FAILED);
		CHECK_STREQ(j->steps[1].error, "container did not stop");
		CHECK_STREQ(j->steps[1].detail, "{}");
		CHECK_INTEQ(j->steps[2].seq, 3);
		CHECK_INTEQ(j->steps[2].status, STORE_STEP_INTENT);
	} else
		CHECK(!"three steps");
	store_job_free(j);

	/* Bad input. */
	CHECK_INTEQ(store_job_step_end(a, s3, STORE_STEP_INTENT, NULL, NULL,
	    &e), DR_EINVAL);
	CHECK_INTEQ(store_job_step_end(a, 999999, STORE_STEP_DONE, NULL, NULL,
	    &e), DR_ENOTFOUND);
	CHECK_INTEQ(store_job_step_begin(a, 999999, "x", NULL, &s1, &e),
	    DR_ENOTFOUND);
	CHECK_INTEQ(store_job_step_begin(a, id, NULL, NULL, &s1, &e),
	    DR_EINVAL);
	CHECK_INTEQ(store_job_step_begin(a, id, "x", "[\"not\",\"object\"]",
	    &s1, &e), DR_EINVAL);
	CHECK_INTEQ(store_job_step_end(a, s3, STORE_STEP_DONE, "nope", NULL,
	    &e), DR_EINVAL);
	/* A large inspect fits; a megabyte does not. */
	big = xmalloc(1024 * 1024 + 16);
	memcpy(big, "{\"inspect\":\"", 12);
	memset(big + 12, 'i', 400 * 1024);
	memcpy(big + 12 + 400 * 1024, "\"}", 3);
	CHECK_INTEQ(store_job_step_begin(a, id, "snapshot", big, &s1, &e),
	    DR_OK);
	memset(big + 12, 'i', 1024 * 1024);
	memcpy(big + 12 + 1024 * 1024, "\"}", 3);
	CHECK_INTEQ(store_job_step_begin(a, id, "snapshot", big, &s1, &e),
	    DR_ETOOBIG);
	CHECK_INTEQ(store_job_step_end(a, s3, STORE_STEP_DONE, big, NULL, &e),
	    DR_ETOOBIG);
	big[12 + STORE_TEXT_MAX + 1] = '\0';
	CHECK_INTEQ(store_job_step_begin(a, id, big + 12, NULL, &s1, &e),
	    DR_ETOOBIG);
	CHECK_INTEQ(store_job_step_end(a, s3, STORE_STEP_FAILED, NULL,
	    big + 12, &e), DR_ETOOBIG);
	free(big);
	CHECK_INTEQ(store_job_step_end(a, s3, STORE_STEP_DONE, NULL, NULL,
	    &e), DR_OK);
	store_job_set_state(a, id, STORE_JOB_SUCCEEDED, NULL, NULL);
	store_close(a);
	store_close(b);
}

static void
test_targets(void)
{
	struct store			*s = open_store();
	struct store_job		*j = NULL;
	struct dr_error			 e;
	struct store_target_spec	 t = {
		.stack = "shop",
		.service = "web",
		.swap = STORE_SWAP_COMPOSE,
		.refs = {
			.image = "registry:5000/shop/web",
			.old_image_id = "sha256:aaaa",
			.old_digest = "sha256:1111",
			.old_tag = "1.0",
			.new_tag = "1.1",
		},
	};
	struct store_target_refs	 later = {
		.new_digest = "sha256:2222",
	};
	int64_t				 id, t1, t2, t3;

	id = stack_job(s, "shop");
	CHECK_INTEQ(store_job_target_add(s, id, &t, &t1, &e), DR_OK);
	CHECK_INTEQ(store_job_target_add(s, id, &t, &t2, &e), DR_ECONFLICT);
	CHECK_INTEQ(t2, 0);
	t.service = "db";
	t.refs.new_tag = NULL;
	CHECK_INTEQ(store_job_target_add(s, id, &t, &t2, &e), DR_OK);
	t.stack = NULL;
	t.service = "standalone";
	t.swap = STORE_SWAP_RECREATE;
	CHECK_INTEQ(store_job_target_add(s, id, &t, &t3, &e), DR_OK);
	CHECK_INTEQ(store_job_target_update(s, t1, &later, &e), DR_OK);
	CHECK_INTEQ(store_job_target_result(s, t1, STORE_TARGET_UPDATED, NULL,
	    &e), DR_OK);
	CHECK_INTEQ(store_job_target_result(s, t2, STORE_TARGET_FAILED,
	    "pull failed: 429", &e), DR_OK);

	CHECK_INTEQ(store_job_get(s, id, &j, &e), DR_OK);
	if (j != NULL && j->ntargets == 3) {
		CHECK_INTEQ(j->targets[0].id, t1);
		CHECK_STREQ(j->targets[0].stack, "shop");
		CHECK_STREQ(j->targets[0].service, "web");
		CHECK_INTEQ(j->targets[0].swap, STORE_SWAP_COMPOSE);
		CHECK_STREQ(j->targets[0].image, "registry:5000/shop/web");
		CHECK_STREQ(j->targets[0].old_image_id, "sha256:aaaa");
		CHECK_STREQ(j->targets[0].old_digest, "sha256:1111");
		CHECK_STREQ(j->targets[0].new_digest, "sha256:2222");
		CHECK_STREQ(j->targets[0].old_tag, "1.0");
		CHECK_STREQ(j->targets[0].new_tag, "1.1");
		CHECK_INTEQ(j->targets[0].result, STORE_TARGET_UPDATED);
		CHECK(j->targets[0].error == NULL);
		CHECK(j->targets[1].new_tag == NULL);
		CHECK(j->targets[1].new_digest == NULL);
		CHECK_INTEQ(j->targets[1].result, STORE_TARGET_FAILED);
		CHECK_STREQ(j->targets[1].error, "pull failed: 429");
		CHECK(j->targets[2].stack == NULL);
		CHECK_INTEQ(j->targets[2].swap, STORE_SWAP_RECREATE);
		CHECK_INTEQ(j->targets[2].result, STORE_TARGET_PENDING);
	} else
		CHECK(!"three targets");
	store_job_free(j);

	/* A second standalone container of the same name is a repeat. */
	CHECK_INTEQ(store_job_target_add(s, id, &t, &t2, &e), DR_ECONFLICT);
	t.stack = "";
	CHECK_INTEQ(store_job_target_add(s, id, &t, &t2, &e), DR_EINVAL);
	t.stack = "x";
	t.service = NULL;
	CHECK_INTEQ(store_job_target_add(s, id, &t, &t2, &e), DR_EINVAL);
	t.service = "y";
	t.swap = STORE_SWAP_COUNT;
	CHECK_INTEQ(store_job_target_add(s, id, &t, &t2, &e), DR_EINVAL);
	CHECK_INTEQ(store_job_target_add(s, 999999, &t, &t2, &e), DR_EINVAL);
	t.swap = STORE_SWAP_SWARM;
	CHECK_INTEQ(store_job_target_add(s, 999999, &t, &t2, &e),
	    DR_ENOTFOUND);
	CHECK_INTEQ(store_job_target_update(s, 999999, &later, &e),
	    DR_ENOTFOUND);
	CHECK_INTEQ(store_job_target_result(s, t1, STORE_TARGET_RESULT_COUNT,
	    NULL, &e), DR_EINVAL);
	store_job_set_state(s, id, STORE_JOB_FAILED, NULL, NULL);
	store_close(s);
}

static void
test_list(void)
{
	struct store			*s;
	struct store_job_list		 l;
	struct store_job_filter		 f;
	struct store_target_spec	 t = {
		.stack = "beta", .service = "api", .swap = STORE_SWAP_COMPOSE,
	};
	struct dr_error			 e;
	int64_t				 ids[9], tid, before;
	size_t				 i, seen;
	char				*path = dbpath;

	/* A fresh file, so the counts are exact. */
	dbpath = xasprintf("%s/list.db", tmpdir);
	s = open_store();
	for (i = 0; i < 9; i++)
		ids[i] = stack_job(s, i % 3 == 0 ? "alpha" : "gamma");
	/* An all-stacks job that touches beta through a target. */
	ids[8] = job_for(s, STORE_SCOPE_ALL, NULL, "*");
	CHECK_INTEQ(store_job_target_add(s, ids[8], &t, &tid, &e), DR_OK);
	store_job_set_state(s, ids[1], STORE_JOB_RUNNING, NULL, NULL);
	store_job_set_state(s, ids[2], STORE_JOB_RUNNING, NULL, NULL);
	store_job_set_state(s, ids[2], STORE_JOB_SUCCEEDED, NULL, NULL);
	store_job_set_state(s, ids[3], STORE_JOB_FAILED, NULL, NULL);

	CHECK_INTEQ(store_job_list(s, NULL, &l, &e), DR_OK);
	CHECK_INTEQ(l.n, 10);
	CHECK(!l.more);
	for (i = 1; i < l.n; i++)
		CHECK(l.jobs[i - 1].id > l.jobs[i].id);
	CHECK(l.n == 0 || l.jobs[0].steps == NULL);
	store_job_list_done(&l);

	memset(&f, 0, sizeof(f));
	f.states = STORE_JOB_STATE_BIT(STORE_JOB_RUNNING) |
	    STORE_JOB_STATE_BIT(STORE_JOB_SUCCEEDED);
	CHECK_INTEQ(store_job_list(s, &f, &l, &e), DR_OK);
	CHECK_INTEQ(l.n, 2);
	if (l.n == 2) {
		CHECK_INTEQ(l.jobs[0].id, ids[2]);
		CHECK_INTEQ(l.jobs[1].id, ids[1]);
	}
	store_job_list_done(&l);

	memset(&f, 0, sizeof(f));
	f.stack = "alpha";
	CHECK_INTEQ(store_job_list(s, &f, &l, &e), DR_OK);
	CHECK_INTEQ(l.n, 3);
	store_job_list_done(&l);
	f.stack = "beta";
	CHECK_INTEQ(store_job_list(s, &f, &l, &e), DR_OK);
	CHECK_INTEQ(l.n, 1);
	if (l.n == 1) {
		CHECK_INTEQ(l.jobs[0].id, ids[8]);
		CHECK_INTEQ(l.jobs[0].scope, STORE_SCOPE_ALL);
	}
	store_job_list_done(&l);
	f.stack = "alpha";
	f.states = STORE_JOB_STATE_BIT(STORE_JOB_FAILED);
	CHECK_INTEQ(store_job_list(s, &f, &l, &e), DR_OK);
	CHECK_INTEQ(l.n, 1);
	if (l.n == 1)
		CHECK_INTEQ(l.jobs[0].id, ids[3]);
	store_job_list_done(&l);
	f.stack = "'; DROP TABLE jobs; --";
	f.states = 0;
	CHECK_INTEQ(store_job_list(s, &f, &l, &e), DR_OK);
	CHECK_INTEQ(l.n, 0);
	store_job_list_done(&l);

	/* Keyset pages of 4: 4, 4, 2, no repeats, no gaps. */
	memset(&f, 0, sizeof(f));
	f.limit = 4;
	seen = 0;
	before = 0;
	for (i = 0; i < 5; i++) {
		f.before_id = before;
		CHECK_INTEQ(store_job_list(s, &f, &l, &e), DR_OK);
		CHECK_INTEQ(l.n, i < 2 ? 4 : 2);
		CHECK(l.more == (i < 2));
		if (l.n > 0 && before != 0)
			CHECK(l.jobs[0].id < before);
		seen += l.n;
		before = l.next_before;
		if (!l.more) {
			CHECK_INTEQ(l.next_before, 0);
			store_job_list_done(&l);
			break;
		}
		CHECK_INTEQ(l.next_before, l.jobs[l.n - 1].id);
		store_job_list_done(&l);
	}
	CHECK_INTEQ(seen, 10);
	f.limit = 100000;
	CHECK_INTEQ(store_job_list(s, &f, &l, &e), DR_OK);
	store_job_list_done(&l);

	/* Unfinished: queued or running, oldest first. */
	CHECK_INTEQ(store_job_unfinished(s, &l, &e), DR_OK);
	CHECK_INTEQ(l.n, 8);
	for (i = 1; i < l.n; i++)
		CHECK(l.jobs[i - 1].id < l.jobs[i].id);
	for (i = 0; i < l.n; i++)
		CHECK(!store_job_state_terminal(l.jobs[i].state));
	store_job_list_done(&l);
	store_job_list_done(NULL);

	/* Prune: only terminal jobs that finished before the cut. */
	{
		int64_t	n = -1;

		CHECK_INTEQ(store_job_prune(s, 1, &n, &e), DR_OK);
		CHECK_INTEQ(n, 0);
		CHECK_INTEQ(store_job_prune(s, store_now_ms() + 1000, &n, &e),
		    DR_OK);
		CHECK_INTEQ(n, 2);
		CHECK_INTEQ(store_job_list(s, NULL, &l, &e), DR_OK);
		CHECK_INTEQ(l.n, 8);
		store_job_list_done(&l);
	}
	for (i = 0; i < 9; i++) {
		store_job_set_state(s, ids[i], STORE_JOB_FAILED, NULL, NULL);
		store_job_set_state(s, ids[i], STORE_JOB_SUCCEEDED, NULL,
		    NULL);
	}
	store_close(s);
	free(dbpath);
	dbpath = path;
}

static void
test_logs(void)
{
	struct store		*s = open_store();
	struct store_log_page	 p;
	struct store_job	*j = NULL;
	struct dr_error		 e;
	struct store_log_entry	*batch;
	static const char	 bin[] = "a\0b\x01\xff\xfe'\"\\\n";
	char			*longline;
	int64_t			 id, after, rows;
	size_t			 i, k, disorder = 0;
	bool			 marker;

	id = stack_job(s, "logs");
	{
		struct store_log_entry	l3[] = {
			{ STORE_LOG_DOCKREV, SPAN_LIT("docker-compose -p shop "
			    "-f a.yml up -d web") },
			{ STORE_LOG_STDOUT, SPAN_LIT("Pulling web ... done") },
			{ STORE_LOG_STDERR, { bin, sizeof(bin) - 1 } },
		};

		CHECK_INTEQ(store_job_log_append(s, id, l3, 3, &e), DR_OK);
	}
	CHECK_INTEQ(store_job_log_page(s, id, 0, 2, &p, &e), DR_OK);
	CHECK_INTEQ(p.n, 2);
	CHECK(p.more);
	CHECK_INTEQ(p.total_lines, 3);
	CHECK(!p.truncated);
	if (p.n == 2) {
		CHECK_INTEQ(p.lines[0].stream, STORE_LOG_DOCKREV);
		CHECK_STREQ(p.lines[1].text, "Pulling web ... done");
		CHECK_INTEQ(p.lines[1].stream, STORE_LOG_STDOUT);
		CHECK(p.lines[0].ts > 0);
		CHECK_INTEQ(p.next_after, p.lines[1].id);
	}
	after = p.next_after;
	store_log_page_done(&p);
	CHECK_INTEQ(store_job_log_page(s, id, after, 2, &p, &e), DR_OK);
	CHECK_INTEQ(p.n, 1);
	CHECK(!p.more);
	if (p.n == 1) {
		CHECK_INTEQ(p.lines[0].stream, STORE_LOG_STDERR);
		CHECK_INTEQ(p.lines[0].len, sizeof(bin) - 1);
		CHECK(memcmp(p.lines[0].text, bin, sizeof(bin) - 1) == 0);
		CHECK(!p.lines[0].clipped);
		after = p.next_after;
	}
	store_log_page_done(&p);
	/* Past the end: empty, next_after stays. */
	CHECK_INTEQ(store_job_log_page(s, id, after, 0, &p, &e), DR_OK);
	CHECK_INTEQ(p.n, 0);
	CHECK_INTEQ(p.next_after, after);
	store_log_page_done(&p);
	CHECK_INTEQ(store_job_log_page(s, 999999, 0, 10, &p, &e),
	    DR_ENOTFOUND);

	/* A long line is clipped, not refused. */
	longline = xmalloc(1024 * 1024);
	memset(longline, 'L', 1024 * 1024);
	{
		struct store_log_entry	one = {
			STORE_LOG_STDOUT, { longline, 1024 * 1024 }
		};

		CHECK_INTEQ(store_job_log_append(s, id, &one, 1, &e), DR_OK);
	}
	CHECK_INTEQ(store_job_log_page(s, id, after, 10, &p, &e), DR_OK);
	CHECK_INTEQ(p.n, 1);
	if (p.n == 1) {
		CHECK_INTEQ(p.lines[0].len, STORE_LOG_LINE_MAX);
		CHECK(p.lines[0].clipped);
	}
	store_log_page_done(&p);

	/* The line cap: 10,050 lines keep 10,000, a marker, count 50 more;
	 * the job is not failed. */
	batch = xcalloc(1000, sizeof(*batch));
	for (i = 0; i < 1000; i++) {
		batch[i].stream = i % 2 ? STORE_LOG_STDERR : STORE_LOG_STDOUT;
		batch[i].text = SPAN_LIT("0123456789");
	}
	for (k = 0; k < 10; k++)
		CHECK_INTEQ(store_job_log_append(s, id, batch, 1000, &e),
		    DR_OK);
	CHECK_INTEQ(store_job_log_append(s, id, batch, 46, &e), DR_OK);
	CHECK_INTEQ(store_job_get(s, id, &j, &e), DR_OK);
	if (j != NULL) {
		CHECK_INTEQ(j->state, STORE_JOB_QUEUED);
		CHECK_INTEQ(j->log_lines, STORE_LOG_MAX_LINES);
		CHECK_INTEQ(j->log_dropped_lines, 10050 - STORE_LOG_MAX_LINES);
		CHECK_INTEQ(j->log_dropped_bytes,
		    (10050 - STORE_LOG_MAX_LINES) * 10);
		CHECK(j->log_truncated);
		CHECK_INTEQ(j->log_bytes, (int64_t)(STORE_LOG_MAX_LINES - 4) *
		    10 + (int64_t)(sizeof(bin) - 1) + STORE_LOG_LINE_MAX +
		    (int64_t)strlen("docker-compose -p shop -f a.yml up -d "
		    "web") + (int64_t)strlen("Pulling web ... done"));
	}
	store_job_free(j);
	/* Read it all back in pages. */
	after = 0;
	rows = 0;
	marker = false;
	for (;;) {
		CHECK_INTEQ(store_job_log_page(s, id, after, 0, &p, &e),
		    DR_OK);
		CHECK(p.n <= STORE_LOG_PAGE_MAX);
		for (i = 0; i < p.n; i++) {
			if (p.lines[i].id <= after)
				disorder++;
			after = p.lines[i].id;
			if (p.lines[i].stream == STORE_LOG_DOCKREV &&
			    strstr(p.lines[i].text, "truncated") != NULL) {
				marker = true;
				CHECK(!p.more && i == p.n - 1);
			}
		}
		rows += (int64_t)p.n;
		CHECK(p.truncated);
		CHECK_INTEQ(p.dropped_lines, 50);
		if (!p.more) {
			store_log_page_done(&p);
			break;
		}
		store_log_page_done(&p);
	}
	CHECK_INTEQ(rows, STORE_LOG_MAX_LINES + 1);
	CHECK_INTEQ(disorder, 0);
	CHECK(marker);
	/* More after the cap: counted only. */
	CHECK_INTEQ(store_job_log_append(s, id, batch, 5, &e), DR_OK);
	CHECK_INTEQ(store_job_get(s, id, &j, &e), DR_OK);
	if (j != NULL)
		CHECK_INTEQ(j->log_dropped_lines, 55);
	store_job_free(j);

	/* The byte cap: 600 lines of 8000 bytes keep 524 of them. */
	id = stack_job(s, "logbytes");
	memset(longline, 'B', 8000);
	for (i = 0; i < 600; i++)
		batch[i].text = span_make(longline, 8000);
	CHECK_INTEQ(store_job_log_append(s, id, batch, 600, &e), DR_OK);
	CHECK_INTEQ(store_job_get(s, id, &j, &e), DR_OK);
	if (j != NULL) {
		CHECK_INTEQ(j->log_lines, STORE_LOG_MAX_BYTES / 8000);
		CHECK(j->log_bytes <= STORE_LOG_MAX_BYTES);
		CHECK_INTEQ(j->log_dropped_lines,
		    600 - STORE_LOG_MAX_BYTES / 8000);
		CHECK(j->log_truncated);
	}
	store_job_free(j);

	/* Bad stream; terminal job. */
	batch[0].stream = STORE_LOG_STREAM_COUNT;
	CHECK_INTEQ(store_job_log_append(s, id, batch, 1, &e), DR_EINVAL);
	batch[0].stream = STORE_LOG_STDOUT;
	CHECK_INTEQ(store_job_log_append(s, 999999, batch, 1, &e),
	    DR_ENOTFOUND);
	CHECK_INTEQ(store_job_log_append(s, id, batch, 0, &e), DR_OK);
	store_job_set_state(s, id, STORE_JOB_FAILED, NULL, NULL);
	CHECK_INTEQ(store_job_log_append(s, id, batch, 1, &e), DR_ECONFLICT);
	free(batch);
	free(longline);
	store_log_page_done(NULL);
	store_close(s);
}

static void
test_locks_two_connections(void)
{
	struct store	*a = open_store(), *b = open_store();
	struct dr_error	 e;
	int64_t		 j1, j2, j3, h;
	char		*sql, want[64];

	j1 = stack_job(a, "web");
	j2 = stack_job(b, "web");
	CHECK_INTEQ(store_job_lock(a, j1, "web", &e), DR_OK);
	CHECK_INTEQ(store_job_lock(b, j2, "web", &e), DR_ECONFLICT);
	snprintf(want, sizeof(want), "locked by job %lld", (long long)j1);
	CHECK(strstr(e.msg, want) != NULL);
	CHECK_INTEQ(store_job_lock(b, j2, "db", &e), DR_OK);
	CHECK_INTEQ(store_job_lock(a, j1, "db", &e), DR_ECONFLICT);
	CHECK_INTEQ(store_job_lock(a, j1, "web", &e), DR_OK);	/* again */
	CHECK_INTEQ(store_job_lock_holder(b, "web", &h, &e), DR_OK);
	CHECK_INTEQ(h, j1);
	CHECK_INTEQ(store_job_lock_holder(b, "nothing", &h, &e), DR_OK);
	CHECK_INTEQ(h, 0);

	/* Released when j1 ends. */
	CHECK_INTEQ(store_job_set_state(a, j1, STORE_JOB_RUNNING, NULL, &e),
	    DR_OK);
	CHECK_INTEQ(store_job_lock(b, j2, "web", &e), DR_ECONFLICT);
	CHECK_INTEQ(store_job_set_state(a, j1, STORE_JOB_ROLLED_BACK, NULL,
	    &e), DR_OK);
	CHECK_INTEQ(store_job_lock_holder(b, "web", &h, &e), DR_OK);
	CHECK_INTEQ(h, 0);
	CHECK_INTEQ(store_job_lock(b, j2, "web", &e), DR_OK);

	/* Early release, only by the holder. */
	CHECK_INTEQ(store_job_unlock(a, j1, "db", &e), DR_OK);
	CHECK_INTEQ(store_job_lock_holder(a, "db", &h, &e), DR_OK);
	CHECK_INTEQ(h, j2);
	CHECK_INTEQ(store_job_unlock(b, j2, "db", &e), DR_OK);
	CHECK_INTEQ(store_job_lock_holder(a, "db", &h, &e), DR_OK);
	CHECK_INTEQ(h, 0);

	/* A stale lock row of a terminal job (left by hand) is ignored. */
	sql = xasprintf("INSERT INTO stack_locks VALUES ('cache', %lld, 0)",
	    (long long)j1);
	{
		sqlite3	*db;

		CHECK(sqlite3_open(dbpath, &db) == SQLITE_OK);
		CHECK_INTEQ(sqlite3_exec(db, sql, NULL, NULL, NULL),
		    SQLITE_OK);
		sqlite3_close(db);
	}
	free(sql);
	CHECK_INTEQ(store_job_lock_holder(a, "cache", &h, &e), DR_OK);
	CHECK_INTEQ(h, 0);
	j3 = stack_job(a, "cache");
	CHECK_INTEQ(store_job_lock(a, j3, "cache", &e), DR_OK);
	CHECK_INTEQ(store_job_lock_holder(b, "cache", &h, &e), DR_OK);
	CHECK_INTEQ(h, j3);

	/* Terminal or unknown jobs take no lock. */
	CHECK_INTEQ(store_job_lock(a, j1, "other", &e), DR_ECONFLICT);
	CHECK_INTEQ(store_job_lock(a, 999999, "other", &e), DR_ENOTFOUND);
	CHECK_INTEQ(store_job_lock(a, j3, "", &e), DR_EINVAL);
	CHECK_INTEQ(store_job_lock(a, j3, NULL, &e), DR_EINVAL);

	store_job_set_state(a, j2, STORE_JOB_FAILED, NULL, NULL);
	store_job_set_state(a, j3, STORE_JOB_FAILED, NULL, NULL);
	store_close(a);
	store_close(b);
}

/* A child process holds the lock while the parent asks for it. */
static void
test_locks_fork(void)
{
	struct store	*s = open_store();
	struct dr_error	 e;
	int		 up[2], down[2], status;
	int64_t		 mine, theirs = 0, h;
	pid_t		 pid;
	char		 c = 'g';

	CHECK(pipe(up) == 0 && pipe(down) == 0);
	if ((pid = fork()) == 0) {
		struct store	*cs;
		int64_t		 id;

		close(up[0]);
		close(down[1]);
		cs = open_store();
		id = stack_job(cs, "forked");
		if (id == 0 || store_job_lock(cs, id, "forked", NULL) != DR_OK ||
		    store_job_set_state(cs, id, STORE_JOB_RUNNING, NULL,
		    NULL) != DR_OK)
			_exit(1);
		if (write(up[1], &id, sizeof(id)) != sizeof(id) ||
		    read(down[0], &c, 1) != 1)
			_exit(2);
		if (store_job_set_state(cs, id, STORE_JOB_SUCCEEDED, NULL,
		    NULL) != DR_OK)
			_exit(3);
		store_close(cs);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	CHECK(read(up[0], &theirs, sizeof(theirs)) == sizeof(theirs));
	mine = stack_job(s, "forked");
	CHECK_INTEQ(store_job_lock(s, mine, "forked", &e), DR_ECONFLICT);
	CHECK_INTEQ(store_job_lock_holder(s, "forked", &h, &e), DR_OK);
	CHECK_INTEQ(h, theirs);
	CHECK(write(down[1], &c, 1) == 1);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_INTEQ(store_job_lock(s, mine, "forked", &e), DR_OK);
	store_job_set_state(s, mine, STORE_JOB_FAILED, NULL, NULL);
	close(up[0]);
	close(down[1]);
	store_close(s);
}

/*
 * Crash between intent and done: the child records an intent step and
 * dies without closing anything.  The parent reopens and finds the job
 * unfinished, the intent open, the lock held; recovery claims the job
 * and drives it to a terminal state, which frees the stack.
 */
static void
test_crash_after_intent(void)
{
	struct store		*s;
	struct store_job_list	 l;
	struct store_job	*j = NULL;
	struct dr_error		 e;
	int			 status;
	int64_t			 id = 0, other, h;
	size_t			 i;
	pid_t			 pid;

	if ((pid = fork()) == 0) {
		struct store			*cs = open_store();
		struct store_job_spec		 spec = {
			.kind = STORE_JOB_UPDATE,
			.scope = STORE_SCOPE_SERVICE,
			.stack = "crash",
			.target = "crash/web",
			.trigger = STORE_TRIGGER_SCHEDULE,
			.owner = "child",
		};
		struct store_target_spec	 t = {
			.stack = "crash", .service = "web",
			.swap = STORE_SWAP_RECREATE,
			.refs = { .old_image_id = "sha256:old",
			    .old_digest = "sha256:d0" },
		};
		int64_t				 jid, sid, tid;

		if (store_job_create(cs, &spec, &jid, NULL) != DR_OK ||
		    store_job_lock(cs, jid, "crash", NULL) != DR_OK ||
		    store_job_set_state(cs, jid, STORE_JOB_RUNNING, NULL,
		    NULL) != DR_OK ||
		    store_job_target_add(cs, jid, &t, &tid, NULL) != DR_OK ||
		    store_job_step_begin(cs, jid, "pull", NULL, &sid, NULL) !=
		    DR_OK ||
		    store_job_step_end(cs, sid, STORE_STEP_DONE, NULL, NULL,
		    NULL) != DR_OK ||
		    store_job_step_begin(cs, jid, "stop old",
		    "{\"container\":\"web\",\"inspect\":{\"Id\":\"c0\"}}", &sid,
		    NULL) != DR_OK)
			_exit(1);
		/* ...the Docker call would be here. */
		_exit(9);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 9);

	s = open_store();
	CHECK_INTEQ(store_job_unfinished(s, &l, &e), DR_OK);
	for (i = 0; i < l.n; i++)
		if (l.jobs[i].stack != NULL &&
		    strcmp(l.jobs[i].stack, "crash") == 0)
			id = l.jobs[i].id;
	store_job_list_done(&l);
	CHECK(id > 0);
	CHECK_INTEQ(store_job_get(s, id, &j, &e), DR_OK);
	if (j != NULL) {
		CHECK_INTEQ(j->state, STORE_JOB_RUNNING);
		CHECK_STREQ(j->owner, "child");
		CHECK_INTEQ(j->nsteps, 2);
		if (j->nsteps == 2) {
			CHECK_INTEQ(j->steps[0].status, STORE_STEP_DONE);
			CHECK_STREQ(j->steps[1].name, "stop old");
			CHECK_INTEQ(j->steps[1].status, STORE_STEP_INTENT);
			CHECK_INTEQ(j->steps[1].ended_at, 0);
			CHECK(strstr(j->steps[1].detail, "\"c0\"") != NULL);
		}
		CHECK_INTEQ(j->ntargets, 1);
		if (j->ntargets == 1)
			CHECK_STREQ(j->targets[0].old_image_id, "sha256:old");
	}
	/* The stack stays locked until recovery finishes the job. */
	other = stack_job(s, "crash");
	CHECK_INTEQ(store_job_lock(s, other, "crash", &e), DR_ECONFLICT);
	CHECK_INTEQ(store_job_claim(s, id, "child", "recovery", &e), DR_OK);
	CHECK_INTEQ(store_job_claim(s, id, "child", "second", &e),
	    DR_ECONFLICT);
	if (j != NULL && j->nsteps == 2)
		CHECK_INTEQ(store_job_step_end(s, j->steps[1].id,
		    STORE_STEP_FAILED, NULL, "interrupted; old container "
		    "found running", &e), DR_OK);
	store_job_free(j);
	CHECK_INTEQ(store_job_set_state(s, id, STORE_JOB_ROLLED_BACK,
	    "recovered after a crash", &e), DR_OK);
	CHECK_INTEQ(store_job_lock_holder(s, "crash", &h, &e), DR_OK);
	CHECK_INTEQ(h, 0);
	CHECK_INTEQ(store_job_lock(s, other, "crash", &e), DR_OK);
	store_job_set_state(s, other, STORE_JOB_FAILED, NULL, NULL);
	CHECK_INTEQ(store_job_unfinished(s, &l, &e), DR_OK);
	for (i = 0; i < l.n; i++)
		CHECK(l.jobs[i].id != id);
	store_job_list_done(&l);
	store_close(s);
}

static void
test_hostile(void)
{
	struct store		*s = open_store();
	struct store_job	*j = NULL;
	struct dr_error		 e;
	char			 bin[256], *big;
	static const char *const evil[] = {
		"'; DROP TABLE jobs; --",
		"\" OR 1=1 --",
		"back\\slash and 'quotes' \"both\"",
		"line\nbreak\r\ttab",
		"%s%n%x %99999999d",
		"-rf --help",
		"$(id) `id` ;id",
		"\xc3\xa9t\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x90\xb3",
	};
	size_t			 i;
	int64_t			 id;
	struct store_job_spec	 spec = {
		.kind = STORE_JOB_UPDATE,
		.scope = STORE_SCOPE_SERVICE,
		.trigger = STORE_TRIGGER_API,
	};

	for (i = 1; i < 256; i++)
		bin[i - 1] = (char)i;
	bin[255] = '\0';
	for (i = 0; i < sizeof(evil) / sizeof(evil[0]) + 1; i++) {
		const char	*v = i < sizeof(evil) / sizeof(evil[0]) ?
		    evil[i] : bin;

		spec.stack = v;
		spec.target = v;
		spec.owner = v;
		CHECK_INTEQ(store_job_create(s, &spec, &id, &e), DR_OK);
		CHECK_INTEQ(store_job_lock(s, id, v, &e), DR_OK);
		CHECK_INTEQ(store_job_get(s, id, &j, &e), DR_OK);
		if (j != NULL) {
			CHECK_STREQ(j->stack, v);
			CHECK_STREQ(j->target, v);
			CHECK_STREQ(j->owner, v);
		}
		store_job_free(j);
		j = NULL;
		CHECK_INTEQ(store_job_set_state(s, id, STORE_JOB_FAILED, v,
		    &e), DR_OK);
	}
	/* JSON with hostile content round-trips byte for byte. */
	spec.stack = NULL;
	spec.target = "json";
	spec.owner = NULL;
	spec.trigger_params = "{\"q\":\"'; DROP TABLE jobs; --\","
	    "\"u\":\"\\u00e9\\\"\\\\\",\"n\":[1e308,-0,null]}";
	CHECK_INTEQ(store_job_create(s, &spec, &id, &e), DR_OK);
	CHECK_INTEQ(store_job_get(s, id, &j, &e), DR_OK);
	if (j != NULL)
		CHECK_STREQ(j->trigger_params, spec.trigger_params);
	store_job_free(j);
	store_job_set_state(s, id, STORE_JOB_FAILED, NULL, NULL);

	/* Sizes: at the limit fine, a megabyte refused. */
	big = xmalloc(1024 * 1024 + 1);
	memset(big, 'x', 1024 * 1024);
	big[1024 * 1024] = '\0';
	spec.trigger_params = NULL;
	spec.target = big;
	CHECK_INTEQ(store_job_create(s, &spec, &id, &e), DR_ETOOBIG);
	CHECK(strstr(e.msg, "target") != NULL);
	spec.target = "t";
	spec.owner = big;
	CHECK_INTEQ(store_job_create(s, &spec, &id, &e), DR_ETOOBIG);
	spec.owner = NULL;
	spec.stack = big;
	CHECK_INTEQ(store_job_create(s, &spec, &id, &e), DR_ETOOBIG);
	spec.stack = NULL;
	memcpy(big, "{\"a\":\"", 6);
	memcpy(big + 1024 * 1024 - 2, "\"}", 2);
	spec.trigger_params = big;
	CHECK_INTEQ(store_job_create(s, &spec, &id, &e), DR_ETOOBIG);
	spec.trigger_params = NULL;
	CHECK_INTEQ(store_job_create(s, &spec, &id, &e), DR_OK);
	CHECK_INTEQ(store_job_set_state(s, id, STORE_JOB_FAILED, big, &e),
	    DR_ETOOBIG);
	CHECK_INTEQ(store_job_lock(s, id, big, &e), DR_ETOOBIG);
	CHECK_INTEQ(store_job_claim(s, id, NULL, big, &e), DR_ETOOBIG);
	{
		struct store_target_spec	t = {
			.stack = "s", .service = big,
			.swap = STORE_SWAP_COMPOSE,
		};
		struct store_target_refs	r = { .new_digest = big };
		int64_t				tid;

		CHECK_INTEQ(store_job_target_add(s, id, &t, &tid, &e),
		    DR_ETOOBIG);
		t.service = "svc";
		t.refs.old_tag = big;
		CHECK_INTEQ(store_job_target_add(s, id, &t, &tid, &e),
		    DR_ETOOBIG);
		t.refs.old_tag = NULL;
		CHECK_INTEQ(store_job_target_add(s, id, &t, &tid, &e), DR_OK);
		CHECK_INTEQ(store_job_target_update(s, tid, &r, &e),
		    DR_ETOOBIG);
		CHECK_INTEQ(store_job_target_result(s, tid,
		    STORE_TARGET_FAILED, big, &e), DR_ETOOBIG);
	}
	big[STORE_TEXT_MAX] = '\0';
	memset(big, 'y', STORE_TEXT_MAX);
	CHECK_INTEQ(store_job_set_state(s, id, STORE_JOB_FAILED, big, &e),
	    DR_OK);
	CHECK_INTEQ(store_job_get(s, id, &j, &e), DR_OK);
	if (j != NULL)
		CHECK_INTEQ(strlen(j->summary), STORE_TEXT_MAX);
	store_job_free(j);
	free(big);
	/* Still a healthy database. */
	{
		struct store_job_list	l;

		CHECK_INTEQ(store_job_list(s, NULL, &l, &e), DR_OK);
		CHECK(l.n > 0);
		store_job_list_done(&l);
	}
	store_close(s);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	dbpath = xasprintf("%s/jobs.db", tmpdir);
	test_names();
	test_transitions();
	test_create();
	test_claim();
	test_steps();
	test_targets();
	test_list();
	test_logs();
	test_locks_two_connections();
	test_locks_fork();
	test_crash_after_intent();
	test_hostile();
	free(dbpath);
	CHECK(nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0);
	return check_summary("store-job");
}
