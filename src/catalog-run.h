/*
 * catalog-run: the catalog inside the daemon.  One runner thread owns
 * every check (on start, srv->check, inventory refreshes from Docker
 * events) so two never run at once; an events thread watches the engine
 * and asks for a debounced inventory refresh.  The current view (snapshot
 * + rule book + the rendered /api/v1/stacks bytes) is swapped under a
 * lock; readers take a reference and never see it change.
 */
#ifndef CATALOG_RUN_H
#define CATALOG_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "err.h"
#include "serve.h"
#include "store.h"

#define CATALOG_DEBOUNCE_MS	1000	/* events → inventory refresh */
#define CATALOG_BACKOFF_MAX_MS	30000	/* events reconnect */
#define CATALOG_EVENTS_SLICE_MS	2000	/* one /events request */
#define CATALOG_NEW_MAX		8	/* new services checked alone */

/* What readers hold: immutable, reference-counted. */
struct catalog_view {
	int			 refs;		/* atomic */
	struct catalog_snap	*snap;
	struct catalog_rules	*rules;
	char			*doc;		/* GET /api/v1/stacks */
	size_t			 len;
	unsigned char		*gz;		/* the same, gzip; NULL: none */
	size_t			 gzlen;
};

/*
 * Starts the catalog of srv: loads the persisted snapshot and the rules
 * from the store (served at once), starts the runner and events threads,
 * queues a full check unless DOCKREV_CHECK_ON_START is "0" or "false",
 * and sets srv->catalog and srv->check.  DR_EIO and the like when the
 * store cannot be read.
 */
enum dr_err	 catalog_run_start(struct serve *, struct dr_error *reterr);
/* Stops the threads and frees everything; idempotent. */
void		 catalog_run_stop(struct serve *);

/* The current view, referenced (catalog_view_unref); never NULL once
 * started. */
struct catalog_view *catalog_run_view(struct serve *);
void		 catalog_view_unref(struct catalog_view *);
/* The same as a void * release callback for http_resp_static. */
void		 catalog_view_release(void *);

/*
 * srv->check: scope "all", "stack" (target STACK) or "service" (target
 * STACK/SERVICE).  Waits for the next run of the runner, which serves
 * every caller queued before it started (several scopes become "all").
 * DR_EINVAL for a bad scope or target, DR_ENOTFOUND when the service or
 * stack asked for is not running, or the check's own error.
 */
enum dr_err	 catalog_run_check(struct serve *, const char *scope,
		    const char *target, struct dr_error *reterr);

/* Re-reads the rules and settings from st and publishes a new view (after
 * a rule or settings change: the effect is visible at once). */
enum dr_err	 catalog_run_reload(struct serve *, struct store *st,
		    struct dr_error *reterr);

/* Counters for metrics: finished checks by result. */
void		 catalog_run_counts(struct serve *, uint64_t *ret_ok,
		    uint64_t *ret_failed);

#endif
