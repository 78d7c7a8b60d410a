/*
 * catalog-check: a catalog check in a child process.  The daemon never
 * runs registry code itself: its runner starts `dockrev check
 * --catalog-json [--stack S | --service STACK/NAME]` (the same binary),
 * which runs detect and prints one JSON document on stdout, and reads the
 * snapshot back with the validated loader of the persisted one.
 *
 * The child's answer (docs/cli.md, "Internal: check --catalog-json") is
 * exact: exit status 0 and
 *   {"registry_requests": N, "snapshot": <catalog_snap_to_json>}
 * or exit status 1 and
 *   {"error": {"code": "<dr_err_name>", "message": "..."}}
 * Anything else (another status, a signal, a mismatch, a malformed
 * document) is refused and nothing is published.
 */
#ifndef CATALOG_CHECK_H
#define CATALOG_CHECK_H

#include <sys/types.h>

#include <jansson.h>
#include <stdbool.h>

#include "catalog.h"
#include "err.h"
#include "span.h"

/* The child's stdout: a snapshot at CATALOG_DOC_MAX plus the wrapper. */
#define CATALOG_CHECK_OUT_MAX	 (CATALOG_DOC_MAX + 1024 * 1024)
#define CATALOG_CHECK_TIMEOUT_MS (10 * 60 * 1000)	/* one check */
#define CATALOG_CHECK_GRACE_MS	 2000	/* SIGTERM, then SIGKILL */

/*
 * DR_OK when scope ("all", "stack", "service") and target (NULL, "STACK",
 * "STACK/SERVICE") go together; DR_EINVAL saying what is wrong.
 */
enum dr_err	 catalog_check_scope_valid(const char *scope,
		    const char *target, struct dr_error *reterr);

/*
 * The child's work, in this process: detect against the engine of the
 * environment (DOCKER_HOST), label_enable from detect_label_enable_env(),
 * limited to the scope (validated; the standalone stack CATALOG_STANDALONE
 * checks everything, the caller keeps its part), then the snapshot of the
 * result at the current time.  *ret refs 1.  detect's and docker_open's
 * errors.
 */
enum dr_err	 catalog_check_local(const char *scope, const char *target,
		    struct catalog_snap **ret, unsigned *ret_requests,
		    struct dr_error *reterr);

/* The two documents the child prints (new references). */
json_t		*catalog_check_result_json(const struct catalog_snap *,
		    unsigned registry_requests);
json_t		*catalog_check_error_json(enum dr_err, const char *message);

/*
 * Reads what a child that exited with exit_code wrote on stdout.  DR_OK
 * with *ret (refs 1) and *ret_requests for a result with status 0; the
 * child's own code and message for an error document with status 1;
 * DR_EPROTO naming the problem for anything else (*ret NULL).
 */
enum dr_err	 catalog_check_parse(struct span out, int exit_code,
		    struct catalog_snap **ret, unsigned *ret_requests,
		    struct dr_error *reterr);

/* What the parent watches a child with; every member may be NULL. */
struct catalog_check_hooks {
	void		(*on_start)(void *arg, pid_t pid);
	bool		(*cancel)(void *arg);	/* true: kill it now */
	void		*arg;
};

/*
 * Runs `self_exe check --catalog-json` for scope/target (validated) in
 * its own process group with this process's environment, stdout capped
 * at CATALOG_CHECK_OUT_MAX, CATALOG_CHECK_TIMEOUT_MS at most, and parses
 * what it says (catalog_check_parse).  A child killed by a signal is
 * DR_EIO, one over the cap DR_ETOOBIG, over time DR_ETIMEOUT, cancelled
 * DR_EUNSUPPORTED (the group is killed in all three cases); *ret NULL on
 * failure.  *ret_pid (may be NULL): the child's pid, 0 when none started.
 */
enum dr_err	 catalog_check_spawn(const char *self_exe, const char *scope,
		    const char *target, const struct catalog_check_hooks *,
		    struct catalog_snap **ret, unsigned *ret_requests,
		    pid_t *ret_pid, struct dr_error *reterr);

#endif
