/*
 * job: the apply half.  Runs one update or rollback of one service as a
 * journaled job: every step is committed to the store before the Docker
 * call it describes, the new image is pulled and verified before anything
 * stops, the old container is kept (parked, stopped) until the health
 * gate passes, and a failed gate rolls back to the old image ID.  A job
 * ends succeeded, rolled_back, failed (nothing changed) or rollback_failed
 * (needs a human; a rollback is never rolled back) only once Docker shows
 * it.  job_recover() finishes the jobs of processes that died.
 */
#ifndef JOB_H
#define JOB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "docker-client.h"
#include "dockercfg.h"
#include "err.h"
#include "health.h"
#include "platform.h"
#include "store-job.h"
#include "store.h"

struct job_ctx {
	struct docker		*docker;
	struct store		*store;
	struct dockercfg	*creds;		/* may be NULL */
	struct platform		 host;
	struct health_opts	 health;
	/* After a failed health gate: 0 the dockrev.rollback label decides
	 * (default: roll back), 1 always roll back, -1 never (the job ends
	 * failed with the new version left running). */
	int			 rollback;
	/* Where progress lines go besides the job log (may be NULL). */
	void			(*echo)(const char *line, void *arg);
	void			*echo_arg;
	/*
	 * A queued job (recorded by the daemon) for the next job_start() to
	 * claim and run instead of recording a new one; job_start() resets
	 * it to 0.  0: record a new job.
	 */
	int64_t			 claim;
};

/*
 * Where the image to run comes from: NULL, pull new_ref; an image ID
 * ("sha256:..." of a local image), tag it as new_ref without the
 * registry; another reference (repo@digest), pull it, then tag it as
 * new_ref.  A rollback uses the latter two.
 */

/* What to update: one standalone container, to new_ref. */
struct job_update {
	enum store_job_kind kind;	/* update (0) or rollback */
	const char	*container;	/* name */
	const char	*new_ref;	/* full reference to run */
	const char	*source;	/* see above; NULL: pull new_ref */
	const char	*want_digest;	/* what the check saw, or NULL */
	const char	*old_tag;	/* for the record */
	const char	*new_tag;
	enum store_trigger trigger;
	const char	*trigger_params;	/* JSON object or NULL */
};

/* What to update: one service of a Compose project. */
struct job_compose_update {
	enum store_job_kind kind;	/* update (0) or rollback */
	const char	*project;
	const char	*service;
	const char	*const *files;	/* the project's -f files, in order */
	size_t		 nfiles;
	const char	*env_file;	/* NULL: none */
	const char	*container;	/* a container of the service now */
	const char	*new_ref;	/* full reference to run */
	const char	*source;	/* see above; NULL: pull new_ref */
	const char	*want_digest;
	const char	*old_tag;
	const char	*new_tag;
	enum store_trigger trigger;
	const char	*trigger_params;
};

/*
 * Updates a Compose service: pull and verify, edit only the image value
 * in the compose file (or the .env variable it reads) when the tag
 * changes, `up -d --no-deps` the service, health gate; rollback restores
 * the file byte for byte, re-tags the old image ID to the old reference
 * and runs `up` without pulling.
 */
enum dr_err	job_run_compose_update(struct job_ctx *,
		    const struct job_compose_update *, int64_t *ret_id,
		    enum store_job_state *ret_state, struct dr_error *reterr);

/* What to update: one Swarm service (replicated or global). */
struct job_swarm_update {
	const char	*stack;		/* com.docker.stack.namespace or NULL */
	const char	*service;	/* the service's full name */
	const char	*service_id;	/* com.docker.swarm.service.id */
	const char	*container;	/* a task container of it now */
	const char	*new_ref;	/* full reference, with a tag */
	const char	*want_digest;	/* what the check saw, or NULL */
	const char	*old_tag;
	const char	*new_tag;
	enum store_trigger trigger;
	const char	*trigger_params;
};

/*
 * Updates a Swarm service: pull and verify, then POST the service's spec
 * as read with only TaskTemplate.ContainerSpec.Image changed, pinned to
 * repo:tag@digest (the verified digest), wait for Swarm to finish, health
 * gate on every new task container.  A rollback Swarm does on its own
 * ends rolled_back; a paused update, a timeout or a failed gate puts the
 * old spec image back (same way) and verifies it.  DR_EINVAL, before
 * anything runs, for a hostile service name or ID.
 */
enum dr_err	job_run_swarm_update(struct job_ctx *,
		    const struct job_swarm_update *, int64_t *ret_id,
		    enum store_job_state *ret_state, struct dr_error *reterr);

/*
 * Runs the update as a job and returns its id and final state.  Errors
 * that prevent creating the job (store, lock held: DR_ECONFLICT) are
 * returned; everything after is in the job's state and summary.
 */
enum dr_err	job_run_update(struct job_ctx *, const struct job_update *,
		    int64_t *ret_id, enum store_job_state *ret_state,
		    struct dr_error *reterr);

/*
 * Finishes every unfinished job whose process is gone, from what Docker
 * shows: the service ends serving the old or the new version and the job
 * reaches the terminal state that says which.  Returns how many it
 * finished.
 */
enum dr_err	job_recover(struct job_ctx *, int *ret_count,
		    struct dr_error *reterr);

/* A job as JSON: id, state, summary, times, targets (old/new digests and
 * tags), steps; with its log when with_log. */
json_t		*job_to_json(struct store *, const struct store_job *,
		    bool with_log);

/*
 * For job-*.c only: one running job and the journaling helpers.
 */
struct recreate_plan;
struct jrun {
	struct job_ctx	*ctx;
	int64_t		 job;
	int64_t		 target;
	char		*lock;
	/* Recreate: the containers sharing the target's namespaces or
	 * linking to it, planned before the swap. */
	struct recreate_plan **deps;
	size_t		 ndeps;
};
void		job_log(struct jrun *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
void		job_pull_log(const char *line, void *arg);
void		job_crash_seam(const char *step);
void		job_finish(struct jrun *, enum store_job_state,
		    enum store_target_result, const char *summary);
enum dr_err	job_gate(struct jrun *, const char *step, const char *name,
		    struct health_report *rep, struct dr_error *reterr);
struct imageref;
struct pull_result;
/* The "pull" step: pull (or take from source, see job_update) and verify,
 * record the new digest; on failure the job ends failed (nothing changed)
 * and the error is returned. */
enum dr_err	job_pull_step(struct jrun *, const char *detail,
		    const struct imageref *ref, const char *source,
		    const char *want_digest, struct pull_result *ret);
/*
 * Records the job of spec (its id in r->job and *ret_id), takes the lock
 * `lock` (a stack or "container:NAME") and moves it to running.  A lock
 * held elsewhere ends the job failed and returns DR_ECONFLICT.
 */
enum dr_err	job_start(struct jrun *, const struct store_job_spec *,
		    const char *lock, int64_t *ret_id, struct dr_error *reterr);
/* The state of job id into *ret (left alone when it cannot be read). */
void		job_state_of(struct store *, int64_t id,
		    enum store_job_state *ret);
/* The job's last step called name, or NULL. */
const struct store_job_step *job_find_step(const struct store_job *,
		    const char *name);
/* Compose recovery (job-compose.c): drives an interrupted compose job. */
void		job_compose_recover(struct jrun *, const struct store_job *);
/* Swarm recovery (job-swarm.c): drives an interrupted Swarm job. */
void		job_swarm_recover(struct jrun *, const struct store_job *);

/* This process's owner id for store_job_claim ("pid:N:starttime"). */
const char	*job_owner_self(void);
/* True when the process named by an owner id is still alive. */
bool		 job_owner_alive(const char *owner);

#endif
