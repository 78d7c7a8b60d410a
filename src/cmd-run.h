/*
 * cmd-run: running swaps from the CLI, shared by `update` and `rollback`.
 * The commands plan a list of run_items (one service each); run_items()
 * runs them as journaled jobs: the items of one group (a stack, or one
 * standalone container) one after the other, different groups in
 * parallel child processes, at most `parallel` at once.  Each process has
 * its own engine connection and store handle (SQLite handles never cross
 * a fork).
 */
#ifndef CMD_RUN_H
#define CMD_RUN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "docker-client.h"
#include "dockercfg.h"
#include "health.h"
#include "inventory.h"
#include "job.h"
#include "store.h"

/* Default and ceiling of concurrently updated stacks. */
#define RUN_PARALLEL_DEFAULT	2
#define RUN_PARALLEL_MAX	16

struct run_env {
	struct docker		*docker;
	struct store		*store;
	struct dockercfg	*creds;
	struct job_ctx		 ctx;
};

/*
 * Opens the engine, the store and the credentials; when recover, first
 * finishes the jobs of processes that died.  Progress lines go to stderr
 * unless quiet.  Prints the error and returns -1 on failure.
 */
int	run_env_open(struct run_env *, const char *docker_config, bool quiet,
	    bool recover);
void	run_env_done(struct run_env *);

/* One service to swap, as a command planned it (all strings owned). */
struct run_item {
	enum inv_kind		 kind;
	enum store_job_kind	 job_kind;
	char			*container;	/* a container of it now (ID) */
	char			*name;		/* "stack/service" or a name */
	char			*stack;		/* NULL: standalone */
	char			*service;	/* NULL: standalone */
	char			*image;		/* what runs now, as configured */
	char			*new_ref;
	char			*source;	/* see job_update; NULL: pull */
	char			*want_digest;	/* NULL: not checked */
	char			*old_tag;
	char			*new_tag;
	char			*trigger_params;	/* JSON object or NULL */
	/* Compose: files in order, env file, from the labels (a stack
	 * registered with `dockrev stack add` overrides them). */
	char			**files;
	size_t			 nfiles;
	char			*env_file;
	/* Swarm: the service's full name and ID. */
	char			*swarm_service;
	char			*swarm_service_id;
	/* Per-service settings (store-svc.h) where no flag decides: 0 for
	 * "unset" in health; rollback as job_ctx.rollback. */
	struct health_opts	 health;
	int			 rollback;
};

void	run_item_done(struct run_item *);

/* Fills the place fields of it (kind, container, name, stack, service,
 * image, compose files) from an inventory container. */
void	run_item_from_container(struct run_item *,
	    const struct inv_container *);

struct run_opts {
	const char		*docker_config;
	struct health_opts	 health;
	bool			 quiet;		/* no progress on stderr */
	unsigned		 parallel;	/* groups at once; 0: default */
};

/*
 * The groups of items: those of one stack together (in their order), a
 * standalone container alone; groups in order of first appearance.
 * order[0..n) gets item indexes group by group, gstart[0..ngroups] where
 * each group starts in order (gstart[ngroups] == n).  Returns ngroups.
 */
size_t	run_order(const struct run_item *items, size_t n, size_t *order,
	    size_t *gstart);

/*
 * Runs the n items (grouped by stack or container, order kept within a
 * group) and returns the ids of the jobs they made, in item order, in
 * *ret_ids (free; 0 for an item that made no job, its error printed).
 * Groups run in this process use env (its health options are set from
 * o); worker processes open their own, never touching env.  Returns how
 * many items did not end succeeded.
 */
size_t	run_items(const struct run_opts *, struct run_env *env,
	    struct run_item *items, size_t n, int64_t **ret_ids);

struct store_stack;
/* The registered stack (`dockrev stack add`) called name or whose Compose
 * project is name, or NULL (store_stack_free). */
struct store_stack *run_registered(struct store *, const char *name);

/* Prints job id (one line per service), or its JSON when json. */
void	run_print_job(struct store *, int64_t id, bool json);

/*
 * Lists the items ("VERB NAME: IMAGE -> NEW") and asks on the terminal:
 * 0 to go on, 1 declined ("nothing changed"), 2 when stdin is not a
 * terminal (says to add --yes).
 */
int	run_confirm(const char *verb, const struct run_item *items, size_t n);

/* "update" and "rollback" parse these the same way. */
long	run_seconds(const char *s, const char *what);
unsigned run_parallel(const char *s);

#endif
