/*
 * trigger: the daemon's jobs from triggers (issue #4).  API requests,
 * webhooks, the Watchtower endpoint and the scheduler ask for a check or
 * an update here; an update becomes one queued job per service in the
 * store, run by a child process `SELF update --job ID` (never a thread of
 * the daemon), at most the concurrency setting at once, one job per stack
 * at a time in stack order.  Every trigger is written to the audit table.
 *
 * Invariants: jobs are recorded under one mutex after looking for an
 * unfinished job of the same target, so a burst of triggers for one
 * service starts one job (the others join it); a queued job is owned by
 * the daemon (job_owner_self()) until its child claims it, so crash
 * recovery never takes a job the daemon still means to run.  This module
 * is also the only one of the daemon's that reaches Docker for the
 * container endpoints (api-*.c do not).
 */
#ifndef TRIGGER_H
#define TRIGGER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "schedule.h"
#include "serve.h"
#include "store.h"

#define TRIGGER_CONCURRENCY_MAX	32	/* as CONFIG_CONCURRENCY_MAX */
#define TRIGGER_PLAN_MAX	(4 * 1024 * 1024)	/* dry-run output */
#define TRIGGER_IMAGES_MAX	64	/* Watchtower ?image= names */

/* Who asked, for the job's trigger_params and the audit entry. */
struct trigger_who {
	enum store_trigger	 source;	/* API, WEBHOOK, SCHEDULE */
	const char		*actor;		/* user, "webhook:NAME", ... */
	const char		*origin;	/* peer address; NULL */
};

/* What to update (borrowed for the call). */
struct trigger_update {
	const char	*scope;		/* "service", "stack", "all" */
	/* "stack/service", "_/container", "stack"; NULL for all. */
	const char	*target;
	const char	*to;		/* a tag (service only); NULL */
	bool		 allow_arch_mismatch;
};

struct trigger_jobs {
	int64_t		*ids;		/* in start order */
	size_t		 n;
	bool		 joined;	/* at least one was already there */
};
void		trigger_jobs_done(struct trigger_jobs *);

/* The module (serve-modules.c). */
extern const struct serve_module trigger_module;

/*
 * Records the jobs of u (service: one; stack or all: one per service with
 * an update, from the dry-run plan) and queues them; a service whose job
 * is queued or running gives that job (ret->joined).  Audited.
 * DR_EINVAL for a bad scope/target, DR_ENOTFOUND for no such service or
 * stack, DR_EUNSUPPORTED when the module is not running.
 */
enum dr_err	trigger_update(struct serve *, const struct trigger_who *,
		    const struct trigger_update *u, struct trigger_jobs *ret,
		    struct dr_error *reterr);

/*
 * The dry-run plan of u as docs/api.md's "plan" array (a new reference),
 * from `SELF update --dry-run --json`; records nothing but the audit.
 */
enum dr_err	trigger_plan(struct serve *, const struct trigger_who *,
		    const struct trigger_update *u, json_t **ret,
		    struct dr_error *reterr);

/* srv->check with the audit; DR_EUNSUPPORTED when there is no catalog. */
enum dr_err	trigger_check(struct serve *, const struct trigger_who *,
		    const char *scope, const char *target,
		    struct dr_error *reterr);

/* Writes one audit entry (errors are logged, not returned). */
void		trigger_audit(struct serve *, const struct trigger_who *,
		    const char *action, const char *target, json_t *params,
		    bool ok, bool denied, const char *summary, int64_t job_id);

/*
 * Containers.  trigger_containers(): docs/api.md's list (a new
 * reference).  trigger_container_target(): the job target of container
 * name ("stack/service" or the name itself) in *ret (free).
 * trigger_container_act(): "start", "stop" or "delete" (DR_ECONFLICT
 * while a job holds its stack or the container; audited).
 */
enum dr_err	trigger_containers(struct serve *, json_t **ret,
		    struct dr_error *reterr);
enum dr_err	trigger_container_target(struct serve *, const char *name,
		    char **ret, struct dr_error *reterr);
enum dr_err	trigger_container_act(struct serve *,
		    const struct trigger_who *, const char *name,
		    const char *action, struct dr_error *reterr);

/*
 * Watchtower: the jobs updating every container, or those whose image
 * repository is one of images[0..n) (with or without a tag).
 */
enum dr_err	trigger_watchtower(struct serve *, const struct trigger_who *,
		    const char *const *images, size_t n,
		    struct trigger_jobs *ret, struct dr_error *reterr);

/* The repository of an image reference, without tag or digest (a new
 * string): what Watchtower's ?image= names are matched against. */
char		*trigger_image_repo(const char *ref);
/* True when s may be passed on as a stack, service or container name
 * (letters, digits, "_-./", not starting with '-', at most 255 bytes). */
bool		 trigger_name_ok(const char *s);

/*
 * Settings: the effective {"concurrency","schedules"} document (a new
 * reference), and a change of any of its members (validated, persisted,
 * applied at once).
 */
json_t		*trigger_settings(struct serve *);
/* A PUT /api/v1/settings body, checked (strings borrowed from body). */
struct trigger_settings {
	unsigned		 concurrency;	/* 0: unchanged */
	bool			 have[SCHEDULE_KIND_COUNT];
	struct schedule_conf	 sched[SCHEDULE_KIND_COUNT];
};
enum dr_err	 trigger_settings_parse(const json_t *body,
		    struct trigger_settings *ret, struct dr_error *reterr);
enum dr_err	 trigger_settings_put(struct serve *, const json_t *body,
		    struct dr_error *reterr);

/* The daemon's module state (srv->triggers), for trigger-hook.c. */
struct trigger	*trigger_of(struct serve *);

#endif
