/*
 * store-job: the journal of the apply half.  A job (an update or a
 * rollback of one service, one stack or everything) moves through a state
 * machine enforced here; it records each step *before* the Docker call it
 * describes ("intent") and marks it done or failed afterwards, the old and
 * new image of every service it touches, and the output of the commands
 * it runs.  Per-stack locks make one job per stack at a time, across
 * processes.
 *
 * Invariants: each write is its own BEGIN IMMEDIATE transaction, committed
 * before the function returns (unless the caller wrapped it in
 * store_tx_begin: do not, for steps); a job in a terminal state never
 * changes again, nor do its steps, targets or logs (DR_ECONFLICT).
 *
 * States and legal transitions:
 *	queued  -> running | failed
 *	running -> succeeded | rolled_back | failed | rollback_failed
 * succeeded, rolled_back, failed ("nothing changed") and rollback_failed
 * ("needs a human") are terminal.
 */
#ifndef STORE_JOB_H
#define STORE_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "span.h"
#include "store.h"

/* Job logs: what one job keeps; lines past either cap are counted only. */
#define STORE_LOG_MAX_LINES	10000
#define STORE_LOG_MAX_BYTES	(4 * 1024 * 1024)
/* A longer line is clipped to this many bytes and flagged. */
#define STORE_LOG_LINE_MAX	(8 * 1024)
#define STORE_LOG_PAGE_MAX	1000
#define STORE_JOB_PAGE_DEFAULT	50
#define STORE_JOB_PAGE_MAX	500

enum store_job_state {
	STORE_JOB_QUEUED,
	STORE_JOB_RUNNING,
	STORE_JOB_SUCCEEDED,
	STORE_JOB_ROLLED_BACK,
	STORE_JOB_FAILED,		/* nothing changed */
	STORE_JOB_ROLLBACK_FAILED,	/* needs a human */
	STORE_JOB_STATE_COUNT
};

/* Bit of a state in store_job_filter.states. */
#define STORE_JOB_STATE_BIT(s)	(1u << (s))

enum store_job_kind {
	STORE_JOB_UPDATE,
	STORE_JOB_ROLLBACK,
	STORE_JOB_KIND_COUNT
};

enum store_job_scope {
	STORE_SCOPE_SERVICE,	/* one service, or one standalone container */
	STORE_SCOPE_STACK,
	STORE_SCOPE_ALL,
	STORE_SCOPE_COUNT
};

enum store_step_status {
	STORE_STEP_INTENT,	/* recorded, the action may or may not have run */
	STORE_STEP_DONE,
	STORE_STEP_FAILED,
	STORE_STEP_STATUS_COUNT
};

/* How a target is swapped. */
enum store_swap {
	STORE_SWAP_COMPOSE,
	STORE_SWAP_RECREATE,
	STORE_SWAP_SWARM,
	STORE_SWAP_COUNT
};

enum store_target_result {
	STORE_TARGET_PENDING,
	STORE_TARGET_UPDATED,
	STORE_TARGET_UNCHANGED,
	STORE_TARGET_ROLLED_BACK,
	STORE_TARGET_FAILED,
	STORE_TARGET_ROLLBACK_FAILED,
	STORE_TARGET_SKIPPED,
	STORE_TARGET_RESULT_COUNT
};

enum store_log_stream {
	STORE_LOG_STDOUT,
	STORE_LOG_STDERR,
	STORE_LOG_DOCKREV,	/* Dockrev's own notes and the truncation marker */
	STORE_LOG_STREAM_COUNT
};

/* What store_job_create() records.  Strings are borrowed for the call. */
struct store_job_spec {
	enum store_job_kind	 kind;
	enum store_job_scope	 scope;
	/*
	 * The stack the job is for: required for STORE_SCOPE_STACK, NULL
	 * for STORE_SCOPE_ALL and for a standalone container.
	 */
	const char		*stack;
	/* "stack/service", "stack", a container name, or "*" for all. */
	const char		*target;
	enum store_trigger	 trigger;
	const char		*trigger_params;	/* JSON object; NULL: {} */
	bool			 dry_run;
	/* Opaque id of the process running the job (see store_job_claim);
	 * NULL when none yet. */
	const char		*owner;
};

/* The images of a target.  NULL fields are unknown (or, for
 * store_job_target_update, unchanged). */
struct store_target_refs {
	const char	*image;		/* repository, no tag or digest */
	const char	*old_image_id;
	const char	*old_digest;
	const char	*new_digest;
	const char	*old_tag;
	const char	*new_tag;
};

struct store_target_spec {
	const char		*stack;		/* NULL: standalone container */
	const char		*service;	/* service or container name */
	enum store_swap		 swap;
	struct store_target_refs refs;
};

/* One line to append to a job log; the bytes are borrowed for the call
 * and need not be NUL-terminated. */
struct store_log_entry {
	enum store_log_stream	 stream;
	struct span		 text;
};

struct store_job_step {
	int64_t			 id;
	int			 seq;		/* 1, 2, ... within the job */
	char			*name;
	char			*detail;	/* JSON object */
	enum store_step_status	 status;
	char			*outcome;	/* JSON object or NULL */
	char			*error;		/* NULL unless failed */
	int64_t			 started_at;
	int64_t			 ended_at;	/* 0 while an intent */
};

struct store_job_target {
	int64_t			 id;
	char			*stack;		/* NULL: standalone container */
	char			*service;
	enum store_swap		 swap;
	char			*image;		/* these six: NULL when unknown */
	char			*old_image_id;
	char			*old_digest;
	char			*new_digest;
	char			*old_tag;
	char			*new_tag;
	enum store_target_result result;
	char			*error;
	int64_t			 updated_at;
};

struct store_job {
	int64_t			 id;
	enum store_job_kind	 kind;
	enum store_job_scope	 scope;
	char			*stack;		/* NULL when none */
	char			*target;
	enum store_trigger	 trigger;
	char			*trigger_params;	/* JSON object */
	bool			 dry_run;
	enum store_job_state	 state;
	char			*summary;	/* NULL until set */
	char			*owner;		/* NULL when none */
	int64_t			 created_at;
	int64_t			 started_at;	/* 0 until running */
	int64_t			 finished_at;	/* 0 until terminal */
	int64_t			 updated_at;
	int64_t			 log_lines;	/* lines kept */
	int64_t			 log_bytes;
	int64_t			 log_dropped_lines;	/* past the caps */
	int64_t			 log_dropped_bytes;
	bool			 log_truncated;
	/* Filled by store_job_get() only; empty in lists. */
	struct store_job_step	*steps;		/* by seq */
	size_t			 nsteps;
	struct store_job_target	*targets;	/* in the order added */
	size_t			 ntargets;
};

struct store_job_filter {
	unsigned	 states;	/* STORE_JOB_STATE_BIT()s; 0: any */
	/* Jobs for this stack, or with a target in it; NULL: any. */
	const char	*stack;
	int64_t		 before_id;	/* keyset: ids below this; 0: newest */
	size_t		 limit;		/* 0: default; capped at the max */
};

struct store_job_list {
	struct store_job	*jobs;
	size_t			 n;
	bool			 more;		/* another page follows */
	int64_t			 next_before;	/* before_id of that page */
};

struct store_log_line {
	int64_t			 id;
	int64_t			 ts;
	enum store_log_stream	 stream;
	char			*text;		/* NUL-terminated, len bytes */
	size_t			 len;
	bool			 clipped;	/* cut at STORE_LOG_LINE_MAX */
};

struct store_log_page {
	struct store_log_line	*lines;
	size_t			 n;
	bool			 more;
	int64_t			 next_after;	/* after_id of the next page */
	/* The job's totals, read in the same transaction. */
	int64_t			 total_lines;
	int64_t			 dropped_lines;
	bool			 truncated;
};

/* Stable lowercase names, as stored and as shown in JSON. */
const char	*store_job_state_name(enum store_job_state);
const char	*store_job_kind_name(enum store_job_kind);
const char	*store_job_scope_name(enum store_job_scope);
const char	*store_step_status_name(enum store_step_status);
const char	*store_swap_name(enum store_swap);
const char	*store_target_result_name(enum store_target_result);
const char	*store_log_stream_name(enum store_log_stream);
/* Parsers of those names; false when unknown. */
bool		 store_job_state_parse(const char *, enum store_job_state *);
bool		 store_job_kind_parse(const char *, enum store_job_kind *);
bool		 store_job_scope_parse(const char *, enum store_job_scope *);

bool		 store_job_state_terminal(enum store_job_state);
/* True when from -> to is a legal transition. */
bool		 store_job_transition_legal(enum store_job_state from,
		    enum store_job_state to);

/*
 * Records a new job in state queued.  Returns DR_OK with its id in
 * *ret_id; DR_EINVAL for a missing field, a stack that does not fit the
 * scope, or parameters that are not a JSON object; DR_ETOOBIG for a value
 * past STORE_TEXT_MAX or STORE_JSON_MAX.
 */
enum dr_err	store_job_create(struct store *, const struct store_job_spec *,
		    int64_t *ret_id, struct dr_error *reterr);

/*
 * Moves job id to state to, recording summary (a line for humans, kept
 * when NULL).  Entering running sets started_at; entering a terminal state
 * sets finished_at and releases every stack lock of the job.  Fails with
 * DR_ENOTFOUND for no such job, DR_ECONFLICT for an illegal transition
 * (including any change of a terminal job).
 */
enum dr_err	store_job_set_state(struct store *, int64_t id,
		    enum store_job_state to, const char *summary,
		    struct dr_error *reterr);

/*
 * Sets the owner of an unfinished job to owner when its current owner is
 * expect (NULL matches no owner): recovery uses it to take over the jobs
 * of a dead process exactly once.  DR_ECONFLICT when the owner differs or
 * the job is terminal, DR_ENOTFOUND when there is no such job.
 */
enum dr_err	store_job_claim(struct store *, int64_t id, const char *expect,
		    const char *owner, struct dr_error *reterr);

/*
 * Reads job id with its steps and targets into *ret (free with
 * store_job_free).  DR_ENOTFOUND when there is no such job.
 */
enum dr_err	store_job_get(struct store *, int64_t id,
		    struct store_job **ret, struct dr_error *reterr);
void		store_job_free(struct store_job *);

/*
 * Lists jobs matching f (NULL: all), newest first, one page at a time, into
 * *ret (release with store_job_list_done), without steps or targets.
 */
enum dr_err	store_job_list(struct store *, const struct store_job_filter *f,
		    struct store_job_list *ret, struct dr_error *reterr);
/* Every queued or running job, oldest first: what recovery must finish. */
enum dr_err	store_job_unfinished(struct store *, struct store_job_list *ret,
		    struct dr_error *reterr);
void		store_job_list_done(struct store_job_list *);

/*
 * Journal steps.  store_job_step_begin() commits an intent step (name,
 * detail: a JSON object with everything needed to undo it, NULL: {}) to
 * unfinished job job_id and returns its id; call it before the action.
 * store_job_step_end() marks the intent done or failed (status), with an
 * optional outcome JSON object and error text, and the end time.
 * DR_ECONFLICT when the job is terminal or the step already ended,
 * DR_ENOTFOUND for no such job or step.
 */
enum dr_err	store_job_step_begin(struct store *, int64_t job_id,
		    const char *name, const char *detail, int64_t *ret_id,
		    struct dr_error *reterr);
enum dr_err	store_job_step_end(struct store *, int64_t step_id,
		    enum store_step_status status, const char *outcome,
		    const char *error, struct dr_error *reterr);

/*
 * Targets: the services a job changes.  store_job_target_add() records
 * one (a job has each stack/service once: DR_ECONFLICT otherwise) and
 * returns its id; store_job_target_update() replaces the refs that are not
 * NULL in refs; store_job_target_result() sets the result and error text.
 * DR_ECONFLICT when the job is terminal.
 */
enum dr_err	store_job_target_add(struct store *, int64_t job_id,
		    const struct store_target_spec *, int64_t *ret_id,
		    struct dr_error *reterr);
enum dr_err	store_job_target_update(struct store *, int64_t target_id,
		    const struct store_target_refs *, struct dr_error *reterr);
enum dr_err	store_job_target_result(struct store *, int64_t target_id,
		    enum store_target_result, const char *error,
		    struct dr_error *reterr);

/*
 * Appends n lines to the log of unfinished job job_id in one transaction.
 * Lines longer than STORE_LOG_LINE_MAX are clipped; once the job holds
 * STORE_LOG_MAX_LINES lines or STORE_LOG_MAX_BYTES bytes, one marker line
 * is added and later lines are only counted.  The caps never fail the
 * call; DR_ECONFLICT when the job is terminal, DR_ENOTFOUND when absent.
 */
enum dr_err	store_job_log_append(struct store *, int64_t job_id,
		    const struct store_log_entry *, size_t n,
		    struct dr_error *reterr);

/*
 * Reads up to limit (capped at STORE_LOG_PAGE_MAX; 0: the max) lines of
 * job job_id with ids above after_id, oldest first, into *ret (release
 * with store_log_page_done).  DR_ENOTFOUND when there is no such job.
 */
enum dr_err	store_job_log_page(struct store *, int64_t job_id,
		    int64_t after_id, size_t limit, struct store_log_page *ret,
		    struct dr_error *reterr);
void		store_log_page_done(struct store_log_page *);

/*
 * Per-stack locks.  store_job_lock() gives stack to unfinished job job_id
 * unless another unfinished job holds it (DR_ECONFLICT, naming the job);
 * a lock left by a terminal job is stale and is taken over; taking a lock
 * the job already holds is fine.  Locks are released when the job reaches
 * a terminal state, or earlier by store_job_unlock() (a no-op when job_id
 * does not hold stack).  store_job_lock_holder() gives the unfinished job
 * holding stack, or 0.
 */
enum dr_err	store_job_lock(struct store *, int64_t job_id,
		    const char *stack, struct dr_error *reterr);
enum dr_err	store_job_unlock(struct store *, int64_t job_id,
		    const char *stack, struct dr_error *reterr);
enum dr_err	store_job_lock_holder(struct store *, const char *stack,
		    int64_t *ret_job_id, struct dr_error *reterr);

/*
 * Deletes terminal jobs that finished before before_ms, with their steps,
 * targets and logs; *ret_count (may be NULL) says how many.
 */
enum dr_err	store_job_prune(struct store *, int64_t before_ms,
		    int64_t *ret_count, struct dr_error *reterr);

#endif
