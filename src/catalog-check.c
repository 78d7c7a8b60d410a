/*
 * catalog-check: both ends of a check in a child process — the child's
 * detect run and documents, the parent's spawn and strict reading of
 * them.  Invariant: the parent gets a snapshot only from a child that
 * exited 0 with a result document the snapshot loader accepted.
 */
#include "catalog-check.h"

#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "detect.h"
#include "docker-client.h"
#include "proc.h"
#include "store.h"
#include "xmalloc.h"

enum dr_err
catalog_check_scope_valid(const char *scope, const char *target,
    struct dr_error *reterr)
{
	const char	*slash;

	if (scope == NULL || strcmp(scope, "all") == 0)
		return target == NULL ? DR_OK : dr_fail(reterr, DR_EINVAL,
		    "scope all takes no target");
	if (strcmp(scope, "stack") == 0) {
		if (target == NULL || *target == '\0' || strchr(target, '/'))
			return dr_fail(reterr, DR_EINVAL, "scope stack needs a "
			    "target STACK");
		return DR_OK;
	}
	if (strcmp(scope, "service") == 0) {
		if (target == NULL || (slash = strchr(target, '/')) == NULL ||
		    slash == target || slash[1] == '\0' || strchr(slash + 1,
		    '/') != NULL)
			return dr_fail(reterr, DR_EINVAL, "scope service needs "
			    "a target STACK/SERVICE");
		return DR_OK;
	}
	return dr_fail(reterr, DR_EINVAL, "scope must be all, stack or "
	    "service");
}

enum dr_err
catalog_check_local(const char *scope, const char *target,
    struct catalog_snap **ret, unsigned *ret_requests,
    struct dr_error *reterr)
{
	struct detect_opts	 o = { 0 };
	struct detect_result	*res = NULL;
	struct docker		*d = NULL;
	char			*stack = NULL, *slash;
	enum dr_err		 err;

	*ret = NULL;
	*ret_requests = 0;
	if ((err = catalog_check_scope_valid(scope, target, reterr)) != DR_OK)
		return err;
	o.label_enable = detect_label_enable_env();
	/* Standalone containers have no stack to filter on: the whole run,
	 * of which the parent keeps its scope. */
	if (scope != NULL && strcmp(scope, "stack") == 0) {
		if (strcmp(target, CATALOG_STANDALONE) != 0)
			o.only_stack = target;
	} else if (scope != NULL && strcmp(scope, "service") == 0) {
		stack = xstrdup(target);
		slash = strchr(stack, '/');
		*slash = '\0';
		o.only = strcmp(stack, CATALOG_STANDALONE) == 0 ? target +
		    (slash - stack) + 1 : target;
	}
	if ((err = docker_open(NULL, &d, reterr)) != DR_OK ||
	    (err = detect_run(d, &o, &res, reterr)) != DR_OK)
		goto out;
	*ret = catalog_snap_from_detect(res, store_now_ms());
	*ret_requests = res->registry_requests;
out:
	detect_result_free(res);
	docker_free(d);
	free(stack);
	return err;
}

json_t *
catalog_check_result_json(const struct catalog_snap *s,
    unsigned registry_requests)
{
	return json_pack("{s:I, s:o}", "registry_requests",
	    (json_int_t)registry_requests, "snapshot",
	    catalog_snap_to_json(s));
}

json_t *
catalog_check_error_json(enum dr_err code, const char *message)
{
	return json_pack("{s:{s:s, s:s}}", "error", "code", dr_err_name(code),
	    "message", message != NULL ? message : "");
}

/* The code called name, DR_OK excluded; DR_OK when none is. */
static enum dr_err
check_code(const char *name)
{
	int	i;

	for (i = DR_OK + 1; i < DR_ERR_COUNT; i++)
		if (strcmp(dr_err_name((enum dr_err)i), name) == 0)
			return (enum dr_err)i;
	return DR_OK;
}

enum dr_err
catalog_check_parse(struct span out, int exit_code, struct catalog_snap **ret,
    unsigned *ret_requests, struct dr_error *reterr)
{
	json_error_t	 jerr;
	json_t		*doc = NULL, *e, *n, *snap;
	const char	*name, *msg;
	enum dr_err	 err, code;
	struct dr_error	 se;

	*ret = NULL;
	*ret_requests = 0;
	if (exit_code != 0 && exit_code != 1)
		return dr_fail(reterr, DR_EPROTO, "the check process exited "
		    "with status %d", exit_code);
	if (out.len == 0)
		return dr_fail(reterr, DR_EPROTO, "the check process exited "
		    "with status %d and said nothing", exit_code);
	if ((doc = json_loadb(out.p, out.len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL)
		return dr_fail(reterr, DR_EPROTO, "the check process' answer is "
		    "not JSON: %s (offset %d)", jerr.text, jerr.position);
	if (!json_is_object(doc)) {
		err = dr_fail(reterr, DR_EPROTO, "the check process' answer "
		    "is not an object");
		goto out;
	}
	if ((e = json_object_get(doc, "error")) != NULL) {
		name = json_string_value(json_object_get(e, "code"));
		msg = json_string_value(json_object_get(e, "message"));
		if (!json_is_object(e) || name == NULL || msg == NULL ||
		    (code = check_code(name)) == DR_OK)
			err = dr_fail(reterr, DR_EPROTO, "the check process' "
			    "error has no known code and message");
		else if (exit_code != 1)
			err = dr_fail(reterr, DR_EPROTO, "the check process "
			    "sent an error with exit status %d", exit_code);
		else
			err = dr_fail(reterr, code, "%s", msg);
		goto out;
	}
	if (exit_code != 0) {
		err = dr_fail(reterr, DR_EPROTO, "the check process exited with "
		    "status %d without an error", exit_code);
		goto out;
	}
	n = json_object_get(doc, "registry_requests");
	if (!json_is_integer(n) || json_integer_value(n) < 0 ||
	    json_integer_value(n) > UINT_MAX) {
		err = dr_fail(reterr, DR_EPROTO, "the check process' answer "
		    "has no \"registry_requests\" count");
		goto out;
	}
	if ((snap = json_object_get(doc, "snapshot")) == NULL) {
		err = dr_fail(reterr, DR_EPROTO, "the check process' answer "
		    "has no \"snapshot\"");
		goto out;
	}
	if (catalog_snap_from_json(snap, ret, &se) != DR_OK) {
		err = dr_fail(reterr, DR_EPROTO, "the check process' %s",
		    se.msg);
		goto out;
	}
	*ret_requests = (unsigned)json_integer_value(n);
	err = DR_OK;
out:
	json_decref(doc);
	return err;
}

struct spawn_ctx {
	const struct catalog_check_hooks	*hooks;
	pid_t					 pid;
};

static void
spawn_started(void *arg, pid_t pid)
{
	struct spawn_ctx	*sc = arg;

	sc->pid = pid;
	if (sc->hooks != NULL && sc->hooks->on_start != NULL)
		sc->hooks->on_start(sc->hooks->arg, pid);
}

static bool
spawn_cancel(void *arg)
{
	struct spawn_ctx	*sc = arg;

	return sc->hooks != NULL && sc->hooks->cancel != NULL &&
	    sc->hooks->cancel(sc->hooks->arg);
}

enum dr_err
catalog_check_spawn(const char *self_exe, const char *scope,
    const char *target, const struct catalog_check_hooks *hooks,
    struct catalog_snap **ret, unsigned *ret_requests, pid_t *ret_pid,
    struct dr_error *reterr)
{
	struct proc_opts	 po = { 0 };
	struct proc_result	 pr;
	struct spawn_ctx	 sc = { hooks, 0 };
	struct dr_error		 pe;
	const char		*argv[6];
	size_t			 n = 0;
	enum dr_err		 err;

	*ret = NULL;
	*ret_requests = 0;
	if (ret_pid != NULL)
		*ret_pid = 0;
	if ((err = catalog_check_scope_valid(scope, target, reterr)) != DR_OK)
		return err;
	if (self_exe == NULL)
		return dr_fail(reterr, DR_EINTERNAL, "the daemon does not know "
		    "its own binary: cannot start a check");
	argv[n++] = self_exe;
	argv[n++] = "check";
	argv[n++] = "--catalog-json";
	if (scope != NULL && strcmp(scope, "stack") == 0) {
		argv[n++] = "--stack";
		argv[n++] = target;
	} else if (scope != NULL && strcmp(scope, "service") == 0) {
		argv[n++] = "--service";
		argv[n++] = target;
	}
	argv[n] = NULL;
	po.timeout_ms = CATALOG_CHECK_TIMEOUT_MS;
	po.kill_grace_ms = CATALOG_CHECK_GRACE_MS;
	po.out_max = CATALOG_CHECK_OUT_MAX;
	po.flags = PROC_STDERR_NULL | PROC_OVERFLOW_FAILS;
	po.on_start = spawn_started;
	po.cancel = spawn_cancel;
	po.arg = &sc;
	err = proc_run((char *const *)argv, &po, &pr, &pe);
	if (ret_pid != NULL)
		*ret_pid = sc.pid;
	if (pr.cancelled)
		err = dr_fail(reterr, DR_EUNSUPPORTED, "the check was "
		    "cancelled; its process (pid %d) was killed", (int)sc.pid);
	else if (err == DR_ETIMEOUT)
		err = dr_fail(reterr, err, "the check process (pid %d) did not "
		    "finish within %d s; killed", (int)sc.pid,
		    CATALOG_CHECK_TIMEOUT_MS / 1000);
	else if (err == DR_ETOOBIG)
		err = dr_fail(reterr, err, "the check process (pid %d) wrote "
		    "over %d bytes; killed", (int)sc.pid,
		    CATALOG_CHECK_OUT_MAX);
	else if (err != DR_OK)
		err = dr_fail(reterr, err, "cannot run the check process: %s",
		    pe.msg);
	else if (pr.signal != 0)
		err = dr_fail(reterr, DR_EIO, "the check process (pid %d) was "
		    "killed by signal %d (%s)", (int)sc.pid, pr.signal,
		    sigabbrev_np(pr.signal) != NULL ? sigabbrev_np(pr.signal) :
		    "?");
	else
		err = catalog_check_parse(buf_span(&pr.out),
		    pr.exit_code, ret, ret_requests, reterr);
	proc_result_done(&pr);
	return err;
}
