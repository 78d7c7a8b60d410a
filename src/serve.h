/*
 * serve: the daemon (`dockrev serve`).  One struct serve is shared by every
 * module of the daemon; a module registers in serve-modules.c with its
 * route table and optional start/stop hooks.
 *
 * Contract shared by serve, catalog, triggers and ui: change it only with
 * all of them in mind.
 */
#ifndef SERVE_H
#define SERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "http.h"

struct config;
struct store;

struct serve {
	const struct config	*cfg;
	const char		*store_path;	/* the SQLite state file */
	const char		*self_exe;	/* this binary (for job children) */

	/*
	 * Refresh the candidates (catalog module).  scope "all", "stack" or
	 * "service"; target NULL, "STACK" or "STACK/SERVICE".  Blocks until
	 * the check ran; concurrent calls share one run.  NULL until the
	 * catalog module started.
	 */
	enum dr_err	(*check)(struct serve *, const char *scope,
			    const char *target, struct dr_error *reterr);

	void		*catalog;	/* owned by the catalog module */
	void		*triggers;	/* owned by the triggers module */
	void		*server;	/* owned by http.c */
	void		*core;		/* owned by serve.c (readiness) */
};

/*
 * The store handle of the calling thread, opened on first use against
 * srv->store_path (SQLite handles are not shared between threads).  NULL
 * with reterr filled when it cannot be opened.
 */
struct store	*serve_store(struct serve *, struct dr_error *reterr);

struct serve_module {
	const char		*name;
	const struct http_route	*routes;	/* ends with a {NULL} entry */
	enum dr_err		(*start)(struct serve *, struct dr_error *);
	void			(*stop)(struct serve *);
};

/* serve-modules.c: every module of the daemon, in start order, ending
 * with NULL.  Modules start after the store is open and interrupted jobs
 * are recovered, before the server listens; they stop in reverse order
 * after it stopped accepting connections and before it closes them. */
extern const struct serve_module *const serve_modules[];

/* serve.c: /healthz, /readyz, /metrics, /api/v1/me. */
extern const struct serve_module serve_core_module;

/*
 * Runs the daemon with cfg (validated) until SIGTERM or SIGINT: logging,
 * the store, job recovery, the engine watch for /readyz, the modules, the
 * server.  Returns the exit status: 0 after a clean stop, 1 when it could
 * not start (the reason is logged).
 */
int		 serve_run(const struct config *cfg);

/*
 * Closes the calling thread's store handle now (threads that end close
 * theirs by themselves).
 */
void		 serve_store_release(void);

#endif
