/*
 * trigger: queued jobs run by child processes, the dispatcher and
 * scheduler threads, settings.  The container endpoints are in
 * trigger-ctr.c.
 */
#include "trigger.h"

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api-audit.h"
#include "api-containers.h"
#include "api-jobs.h"
#include "api-settings.h"
#include "api-webhooks.h"
#include "buf.h"
#include "job.h"
#include "log.h"
#include "schedule.h"
#include "store-audit.h"
#include "store-job.h"
#include "store-settings.h"
#include "trigger-conf.h"
#include "trigger-hook.h"
#include "xmalloc.h"

extern char	**environ;

#define TRIG_TICK_MS		100	/* dispatcher: reap and start */
#define TRIG_SCHED_TICK_MS	250	/* scheduler: read the clock */

/* A job of this daemon: queued (pid 0) or run by child pid. */
struct trig_job {
	int64_t	 id;		/* 0: a recovery helper, not a job */
	char	*group;		/* its lock: a stack or "container:NAME" */
	pid_t	 pid;
};

struct trigger {
	struct serve		*srv;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	pthread_t		 disp, schd;
	bool			 disp_up, schd_up, stop;
	struct trig_job		*q;
	size_t			 nq;
	unsigned		 concurrency;
	char			*owner;		/* job_owner_self() */
	char			*state_env;	/* DOCKREV_STATE_DIR=... */
	unsigned		 schedule_gen;	/* bumped by a settings change */
	schedule_clock_fn		 clock;
	void			*clock_arg;
	struct trigger_hooks	*hooks;
};


struct trigger *
trigger_of(struct serve *srv)
{
	return srv != NULL ? srv->triggers : NULL;
}

void
trigger_jobs_done(struct trigger_jobs *j)
{
	free(j->ids);
	memset(j, 0, sizeof(*j));
}

/* The daemon's log (the edges log): one info line, "triggers: ...". */
#define trig_log(...)	log_info("triggers: " __VA_ARGS__)

void
trigger_audit(struct serve *srv, const struct trigger_who *who,
    const char *action, const char *target, json_t *params, bool ok,
    bool denied, const char *summary, int64_t job_id)
{
	struct store_audit_spec	 a = { 0 };
	struct dr_error		 e;
	struct store		*st;
	char			*p = params ? json_dumps(params, JSON_COMPACT |
				    JSON_SORT_KEYS) : NULL;

	a.actor = who->actor ? who->actor : "anonymous";
	a.trigger = who->source;
	a.origin = who->origin;
	a.action = action;
	a.target = target;
	a.params = p;
	a.result = denied ? STORE_AUDIT_DENIED : ok ? STORE_AUDIT_OK :
	    STORE_AUDIT_FAILED;
	a.summary = summary;
	a.job_id = job_id;
	if ((st = serve_store(srv, &e)) == NULL ||
	    store_audit_add(st, &a, NULL, &e) != DR_OK)
		trig_log("audit: %s", e.msg);
	free(p);
}

/* ---- child processes ---- */

/*
 * Starts SELF with args (argv[0] is filled in), stdin and stderr on
 * /dev/null, stdout on out_fd (or /dev/null when < 0), in its own session
 * so the daemon's death or signals never reach it.  0 on failure.
 */
static pid_t
trig_spawn(struct trigger *t, const char **args, int out_fd)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 at;
	sigset_t			 none, def;
	const char			*argv[16];
	char				**envp;
	size_t				 n, i, k;
	pid_t				 pid = 0;
	int				 rc;

	argv[0] = t->srv->self_exe;
	for (i = 0; args[i] != NULL && i + 2 < 16; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	for (n = 0; environ[n] != NULL; n++)
		;
	envp = xcalloc(n + 2, sizeof(*envp));
	for (i = 0, k = 0; i < n; i++)
		if (t->state_env == NULL || strncmp(environ[i],
		    "DOCKREV_STATE_DIR=", 18) != 0)
			envp[k++] = environ[i];
	if (t->state_env != NULL)
		envp[k++] = t->state_env;
	envp[k] = NULL;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY,
		    0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGCHLD);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGHUP);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(&pid, t->srv->self_exe, &fa, &at,
	    (char *const *)argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	free(envp);
	if (rc != 0) {
		trig_log("cannot start %s: %s", t->srv->self_exe,
		    strerror(rc));
		return 0;
	}
	return pid;
}

/* After child j exited: a job it left unfinished is ended or recovered. */
static void
trig_after(struct trigger *t, struct store *st, const struct trig_job *j)
{
	struct store_job	*job = NULL;
	const char		*args[] = { "jobs", NULL };
	struct trig_job		 h = { 0 };

	if (j->id <= 0 || st == NULL ||
	    store_job_get(st, j->id, &job, NULL) != DR_OK)
		return;
	if (store_job_state_terminal(job->state))
		goto out;
	if (job->state == STORE_JOB_QUEUED && job->owner != NULL &&
	    strcmp(job->owner, t->owner) == 0) {
		store_job_set_state(st, j->id, STORE_JOB_FAILED, "the job "
		    "process ended before it started; nothing changed", NULL);
		goto out;
	}
	/* Its process died mid-job: `dockrev jobs` runs the recovery. */
	trig_log("job %lld: its process died; recovering", (long long)j->id);
	if ((h.pid = trig_spawn(t, args, -1)) > 0) {
		t->q = xreallocarray(t->q, t->nq + 1, sizeof(*t->q));
		t->q[t->nq++] = h;
	}
out:
	store_job_free(job);
}

/* Reaps the children that ended (t->mu held). */
static void
trig_reap(struct trigger *t, struct store *st)
{
	size_t	i;
	int	status;
	pid_t	r;

	for (i = 0; i < t->nq;) {
		struct trig_job	j = t->q[i];

		if (j.pid <= 0) {
			i++;
			continue;
		}
		r = waitpid(j.pid, &status, WNOHANG);
		if (r == 0 || (r < 0 && errno == EINTR)) {
			i++;
			continue;
		}
		/* Gone (or reaped elsewhere: ECHILD). */
		memmove(&t->q[i], &t->q[i + 1], (t->nq - i - 1) *
		    sizeof(*t->q));
		t->nq--;
		trig_after(t, st, &j);
		free(j.group);
	}
}

/* Starts the queued jobs that may run now (t->mu held). */
static void
trig_launch(struct trigger *t, struct store *st)
{
	size_t		 i, k, running = 0;
	int64_t		 holder;
	char		 idbuf[24];
	const char	*args[] = { "update", "--job", idbuf, NULL };
	bool		 busy;

	for (i = 0; i < t->nq; i++)
		if (t->q[i].pid > 0 && t->q[i].id > 0)
			running++;
	for (i = 0; i < t->nq && running < t->concurrency; i++) {
		struct trig_job	*j = &t->q[i];

		if (j->pid != 0)
			continue;
		/* One job per stack: an earlier one of the group first. */
		for (k = 0, busy = false; k < i && !busy; k++)
			busy = t->q[k].group != NULL && j->group != NULL &&
			    strcmp(t->q[k].group, j->group) == 0;
		if (busy)
			continue;
		/* Held by a job of another process (the CLI, an orphan). */
		holder = 0;
		if (st != NULL && store_job_lock_holder(st, j->group, &holder,
		    NULL) == DR_OK && holder != 0 && holder != j->id)
			continue;
		snprintf(idbuf, sizeof(idbuf), "%lld", (long long)j->id);
		if ((j->pid = trig_spawn(t, args, -1)) <= 0) {
			j->pid = 0;
			if (st != NULL)
				store_job_set_state(st, j->id, STORE_JOB_FAILED,
				    "cannot start the job process; nothing "
				    "changed", NULL);
			free(j->group);
			memmove(j, j + 1, (t->nq - i - 1) * sizeof(*t->q));
			t->nq--;
			i--;
			continue;
		}
		running++;
	}
}

static void
trig_deadline(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *
trig_dispatch(void *arg)
{
	struct trigger	*t = arg;
	struct timespec	 ts;
	struct store	*st;

	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		st = serve_store(t->srv, NULL);
		trig_reap(t, st);
		trig_launch(t, st);
		trig_deadline(&ts, TRIG_TICK_MS);
		pthread_cond_timedwait(&t->cv, &t->mu, &ts);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

/* ---- recording jobs ---- */

/* Queues job id of group (t->mu held). */
static void
trig_enqueue(struct trigger *t, int64_t id, const char *group)
{
	t->q = xreallocarray(t->q, t->nq + 1, sizeof(*t->q));
	t->q[t->nq].id = id;
	t->q[t->nq].group = xstrdup(group);
	t->q[t->nq].pid = 0;
	t->nq++;
	pthread_cond_broadcast(&t->cv);
}

/*
 * The job of one service: target "stack/service" (stack set) or a
 * container name (stack NULL).  Joins an unfinished update of the same
 * target.  t->mu held.
 */
static enum dr_err
trig_job_one(struct trigger *t, struct store *st, const char *stack,
    const char *target, json_t *params, int64_t *ret_id, bool *ret_joined,
    struct dr_error *reterr)
{
	struct store_job_list	 l;
	struct store_job_spec	 spec = { 0 };
	enum store_trigger	 src = STORE_TRIGGER_API;
	char			*p = NULL, *group;
	const char		*s;
	size_t			 i;
	enum dr_err		 err;

	*ret_id = 0;
	*ret_joined = false;
	if ((err = store_job_unfinished(st, &l, reterr)) != DR_OK)
		return err;
	for (i = 0; i < l.n && *ret_id == 0; i++) {
		if (l.jobs[i].kind == STORE_JOB_UPDATE && l.jobs[i].target &&
		    strcmp(l.jobs[i].target, target) == 0) {
			*ret_id = l.jobs[i].id;
			*ret_joined = true;
		}
	}
	store_job_list_done(&l);
	if (*ret_id != 0)
		return DR_OK;
	if ((s = json_string_value(json_object_get(params, "source"))) != NULL)
		store_trigger_parse(s, &src);
	p = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
	spec.kind = STORE_JOB_UPDATE;
	spec.scope = STORE_SCOPE_SERVICE;
	spec.stack = stack;
	spec.target = target;
	spec.trigger = src;
	spec.trigger_params = p;
	spec.owner = t->owner;
	err = store_job_create(st, &spec, ret_id, reterr);
	free(p);
	if (err != DR_OK)
		return err;
	group = stack != NULL ? xstrdup(stack) : xasprintf("container:%s",
	    target);
	trig_enqueue(t, *ret_id, group);
	free(group);
	return DR_OK;
}

/* Splits an API target "stack/service" or "_/name" into the job's stack
 * (NULL: standalone) and target; false when malformed. */
static bool
trig_split(const char *target, char **ret_stack, char **ret_target)
{
	const char	*slash;

	*ret_stack = *ret_target = NULL;
	if (target == NULL || (slash = strchr(target, '/')) == NULL ||
	    slash == target || slash[1] == '\0' ||
	    strchr(slash + 1, '/') != NULL || strlen(target) > 512)
		return false;
	if (slash - target == 1 && target[0] == '_') {
		*ret_target = xstrdup(slash + 1);
		return true;
	}
	*ret_stack = xstrndup(target, (size_t)(slash - target));
	*ret_target = xstrdup(target);
	return true;
}

bool
trigger_name_ok(const char *s)
{
	size_t	i;

	if (s == NULL || *s == '\0' || strlen(s) > 255 || s[0] == '-')
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '-' || s[i] == '.' || s[i] == '/'))
			return false;
	return true;
}

/*
 * The job parameters: who asked and what, and the health gate's times
 * when the daemon's environment sets them (DOCKREV_HEALTH_DEADLINE_S,
 * DOCKREV_SETTLE_S; `update --job` reads them).
 */
static json_t *
trig_params(const struct trigger_who *who, const struct trigger_update *u)
{
	json_t		*p;
	const char	*v;
	long		 n;

	p = json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s?, s:b}",
	    "source", store_trigger_name(who->source),
	    "actor", who->actor ? who->actor : "anonymous",
	    "origin", who->origin, "scope", u->scope, "target", u->target,
	    "to", u->to, "allow_arch_mismatch", u->allow_arch_mismatch);
	if ((v = getenv("DOCKREV_HEALTH_DEADLINE_S")) != NULL &&
	    (n = strtol(v, NULL, 10)) > 0 && n <= 3600)
		json_object_set_new(p, "health_deadline_s", json_integer(n));
	if ((v = getenv("DOCKREV_SETTLE_S")) != NULL &&
	    (n = strtol(v, NULL, 10)) > 0 && n <= 600)
		json_object_set_new(p, "settle_s", json_integer(n));
	return p;
}

/*
 * Runs SELF with args, its stdout collected into *ret (cap
 * TRIGGER_PLAN_MAX); the exit status in *ret_status.
 */
static enum dr_err
trig_capture(struct trigger *t, const char **args, struct buf *out,
    int *ret_status, struct dr_error *reterr)
{
	char	 b[8192];
	int	 fds[2], status = -1;
	ssize_t	 r;
	pid_t	 pid;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return dr_fail(reterr, DR_EIO, "pipe: %s", strerror(errno));
	pid = trig_spawn(t, args, fds[1]);
	close(fds[1]);
	if (pid <= 0) {
		close(fds[0]);
		return dr_fail(reterr, DR_EIO, "cannot start %s",
		    t->srv->self_exe);
	}
	while ((r = read(fds[0], b, sizeof(b))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		buf_add(out, b, (size_t)r);
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (buf_failed(out))
		return dr_fail(reterr, DR_ETOOBIG, "the plan is too big");
	return DR_OK;
}

/* The raw dry-run array of u from a child (a new reference). */
static enum dr_err
trig_dry_run(struct trigger *t, const struct trigger_update *u,
    json_t **ret, struct dr_error *reterr)
{
	struct buf	 out;
	const char	*args[8];
	char		*stack = NULL, *target = NULL;
	size_t		 n = 0;
	int		 status;
	enum dr_err	 err;

	*ret = NULL;
	buf_init(&out, TRIGGER_PLAN_MAX);
	args[n++] = "update";
	if (strcmp(u->scope, "all") == 0)
		args[n++] = "--all";
	else if (strcmp(u->scope, "stack") == 0) {
		if (!trigger_name_ok(u->target) || strchr(u->target, '/')) {
			err = dr_fail(reterr, DR_EINVAL, "bad stack name");
			goto out;
		}
		args[n++] = "--stack";
		args[n++] = u->target;
	} else {
		if (!trig_split(u->target, &stack, &target) ||
		    !trigger_name_ok(target)) {
			err = dr_fail(reterr, DR_EINVAL, "target must be "
			    "STACK/SERVICE or _/CONTAINER");
			goto out;
		}
		args[n++] = "--service";
		args[n++] = target;
		if (u->to != NULL) {
			args[n++] = "--to";
			args[n++] = u->to;
		}
	}
	args[n++] = "--dry-run";
	args[n++] = "--json";
	args[n] = NULL;
	if ((err = trig_capture(t, args, &out, &status, reterr)) != DR_OK)
		goto out;
	*ret = json_loads(buf_str(&out), JSON_REJECT_DUPLICATES, NULL);
	if (*ret != NULL && json_is_array(*ret))
		goto out;
	json_decref(*ret);
	*ret = NULL;
	if (status == 0) {	/* "X is up to date" */
		*ret = json_array();
		goto out;
	}
	err = dr_fail(reterr, DR_ENOTFOUND, "no running container of %s %s",
	    u->scope, u->target ? u->target : "*");
out:
	free(stack);
	free(target);
	buf_done(&out);
	return err;
}

/* The stack of an API scope/target for the audit and checks. */
static enum dr_err
trig_check_update(const struct trigger_update *u, struct dr_error *reterr)
{
	if (u->scope == NULL || (strcmp(u->scope, "service") != 0 &&
	    strcmp(u->scope, "stack") != 0 && strcmp(u->scope, "all") != 0))
		return dr_fail(reterr, DR_EINVAL, "scope must be service, "
		    "stack or all");
	if (strcmp(u->scope, "all") != 0 && !trigger_name_ok(u->target))
		return dr_fail(reterr, DR_EINVAL, "bad or missing target");
	if (u->to != NULL && strcmp(u->scope, "service") != 0)
		return dr_fail(reterr, DR_EINVAL, "\"to\" needs scope service");
	if (u->to != NULL && (!trigger_name_ok(u->to) || strchr(u->to, '/')))
		return dr_fail(reterr, DR_EINVAL, "bad \"to\" tag");
	return DR_OK;
}

enum dr_err
trigger_plan(struct serve *srv, const struct trigger_who *who,
    const struct trigger_update *u, json_t **ret, struct dr_error *reterr)
{
	struct trigger	*t = trigger_of(srv);
	json_t		*raw = NULL, *plan, *x, *params;
	const char	*svc, *name, *stack;
	size_t		 i;
	enum dr_err	 err;

	*ret = NULL;
	if (t == NULL)
		return dr_fail(reterr, DR_EUNSUPPORTED, "triggers are not "
		    "running");
	if ((err = trig_check_update(u, reterr)) != DR_OK ||
	    (err = trig_dry_run(t, u, &raw, reterr)) != DR_OK)
		goto out;
	plan = json_array();
	json_array_foreach(raw, i, x) {
		svc = json_string_value(json_object_get(x, "service"));
		name = json_string_value(json_object_get(x, "name"));
		stack = json_string_value(json_object_get(x, "stack"));
		json_array_append_new(plan, json_pack("{s:s, s:s?, s:[s?], "
		    "s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}",
		    "stack", stack ? stack : "_", "service", name ? name : svc,
		    "containers", json_string_value(json_object_get(x,
		    "container")), "swap", json_object_get(x, "swap"),
		    "image", json_object_get(x, "image"),
		    "from_tag", json_object_get(x, "from_tag"),
		    "to_tag", json_object_get(x, "to_tag"),
		    "from_digest", json_object_get(x, "from_digest"),
		    "to_digest", json_object_get(x, "new_digest"),
		    "kind", json_object_get(x, "kind")));
	}
	*ret = plan;
out:
	params = trig_params(who, u);
	json_object_set_new(params, "dry_run", json_true());
	trigger_audit(srv, who, "update", u->target, params, err == DR_OK,
	    false, err == DR_OK ? "dry run" : reterr->msg, 0);
	json_decref(params);
	json_decref(raw);
	return err;
}

/* The pairs (stack, target) of the services of u to update. */
struct trig_svc {
	char	*stack;
	char	*target;
};

enum dr_err
trigger_update(struct serve *srv, const struct trigger_who *who,
    const struct trigger_update *u, struct trigger_jobs *ret,
    struct dr_error *reterr)
{
	struct trigger	*t = trigger_of(srv);
	struct trig_svc	*svcs = NULL;
	struct store	*st;
	struct buf	 sum;
	json_t		*raw = NULL, *x, *params = NULL;
	const char	*s, *k;
	size_t		 nsvcs = 0, i;
	enum dr_err	 err;
	bool		 joined;

	memset(ret, 0, sizeof(*ret));
	buf_init(&sum, 256);
	if (t == NULL)
		return dr_fail(reterr, DR_EUNSUPPORTED, "triggers are not "
		    "running");
	if ((err = trig_check_update(u, reterr)) != DR_OK)
		goto out;
	params = trig_params(who, u);
	if (strcmp(u->scope, "service") == 0) {
		svcs = xcalloc(1, sizeof(*svcs));
		if (!trig_split(u->target, &svcs[0].stack, &svcs[0].target)) {
			err = dr_fail(reterr, DR_EINVAL, "target must be "
			    "STACK/SERVICE or _/CONTAINER");
			goto out;
		}
		nsvcs = 1;
		if ((err = trigger_container_target(srv, svcs[0].target, NULL,
		    reterr)) != DR_OK)
			goto out;
	} else {
		/* The services with an update, in the CLI's order. */
		if ((err = trig_dry_run(t, u, &raw, reterr)) != DR_OK)
			goto out;
		svcs = xcalloc(json_array_size(raw) + 1, sizeof(*svcs));
		json_array_foreach(raw, i, x) {
			s = json_string_value(json_object_get(x, "service"));
			k = json_string_value(json_object_get(x, "stack"));
			if (s == NULL)
				continue;
			svcs[nsvcs].stack = k ? xstrdup(k) : NULL;
			svcs[nsvcs].target = xstrdup(s);
			nsvcs++;
		}
	}
	if ((st = serve_store(srv, reterr)) == NULL) {
		err = DR_EIO;
		goto out;
	}
	ret->ids = xcalloc(nsvcs + 1, sizeof(*ret->ids));
	pthread_mutex_lock(&t->mu);
	for (i = 0; i < nsvcs && err == DR_OK; i++) {
		err = trig_job_one(t, st, svcs[i].stack, svcs[i].target,
		    params, &ret->ids[ret->n], &joined, reterr);
		if (err == DR_OK) {
			ret->joined |= joined;
			buf_printf(&sum, "%s%s job %lld", i ? "," : "",
			    joined ? "joined" : "queued",
			    (long long)ret->ids[ret->n]);
			ret->n++;
		}
	}
	pthread_mutex_unlock(&t->mu);
	if (nsvcs == 0)
		buf_adds(&sum, "nothing to update");
out:
	if (params == NULL)
		params = trig_params(who, u);
	trigger_audit(srv, who, "update", u->target ? u->target : "*", params,
	    err == DR_OK, false, err == DR_OK ? buf_str(&sum) : reterr->msg,
	    ret->n > 0 ? ret->ids[0] : 0);
	if (err != DR_OK)
		trigger_jobs_done(ret);
	for (i = 0; i < nsvcs; i++) {
		free(svcs[i].stack);
		free(svcs[i].target);
	}
	free(svcs);
	json_decref(params);
	json_decref(raw);
	buf_done(&sum);
	return err;
}

enum dr_err
trigger_check(struct serve *srv, const struct trigger_who *who,
    const char *scope, const char *target, struct dr_error *reterr)
{
	json_t		*params;
	enum dr_err	 err;

	params = json_pack("{s:s, s:s, s:s?, s:s?}", "source",
	    store_trigger_name(who->source), "scope", scope ? scope : "all",
	    "target", target, "origin", who->origin);
	if (srv->check == NULL)
		err = dr_fail(reterr, DR_EUNSUPPORTED, "the catalog is not "
		    "running");
	else
		err = srv->check(srv, scope ? scope : "all", target, reterr);
	trigger_audit(srv, who, "check", target ? target : "*", params,
	    err == DR_OK, false, err == DR_OK ? "checked" : reterr->msg, 0);
	json_decref(params);
	return err;
}

/* ---- settings ---- */

/* The effective schedule kind (stored override, else configured). */
static void
trig_sched_conf(struct serve *srv, enum schedule_kind k, json_t **ret)
{
	struct store	*st = serve_store(srv, NULL);
	char		 key[32], *v = NULL;

	*ret = NULL;
	snprintf(key, sizeof(key), "schedules.%s", schedule_kind_name(k));
	if (st != NULL && store_setting_get(st, key, &v, NULL) == DR_OK &&
	    v != NULL)
		*ret = json_loads(v, 0, NULL);
	free(v);
	if (*ret == NULL)
		*ret = trigger_conf_schedule(srv, k);
}

static unsigned
trig_concurrency(struct serve *srv)
{
	struct store	*st = serve_store(srv, NULL);
	char		*v = NULL;
	long long	 n = 0;

	if (st != NULL && store_setting_get(st, "concurrency", &v, NULL) ==
	    DR_OK && v != NULL)
		n = strtoll(v, NULL, 10);
	free(v);
	if (n < 1 || n > TRIGGER_CONCURRENCY_MAX)
		n = trigger_conf_concurrency(srv);
	return (unsigned)n;
}

json_t *
trigger_settings(struct serve *srv)
{
	json_t	*s, *o = json_object();
	size_t	 k;

	json_object_set_new(o, "concurrency",
	    json_integer(trig_concurrency(srv)));
	s = json_object();
	for (k = 0; k < SCHEDULE_KIND_COUNT; k++) {
		json_t	*c;

		trig_sched_conf(srv, (enum schedule_kind)k, &c);
		json_object_set_new(s, schedule_kind_name((enum schedule_kind)k), c);
	}
	json_object_set_new(o, "schedules", s);
	return o;
}

/* A schedule object from JSON into c (borrowing its strings). */
static enum dr_err
trig_sched_parse(const json_t *j, struct schedule_conf *c,
    struct dr_error *reterr)
{
	const json_t	*x;

	memset(c, 0, sizeof(*c));
	if (!json_is_object(j))
		return dr_fail(reterr, DR_EINVAL, "a schedule is an object");
	if ((x = json_object_get(j, "expr")) != NULL && !json_is_null(x) &&
	    !json_is_string(x))
		return dr_fail(reterr, DR_EINVAL, "expr is a string or null");
	c->expr = json_string_value(x);
	if ((x = json_object_get(j, "tz")) != NULL && !json_is_null(x) &&
	    !json_is_string(x))
		return dr_fail(reterr, DR_EINVAL, "tz is a string");
	c->tz = json_string_value(x);
	if ((x = json_object_get(j, "jitter_s")) != NULL &&
	    (!json_is_integer(x) || json_integer_value(x) < 0 ||
	    json_integer_value(x) > SCHEDULE_JITTER_MAX))
		return dr_fail(reterr, DR_EINVAL, "jitter_s is 0 to %d",
		    SCHEDULE_JITTER_MAX);
	c->jitter_s = x ? (unsigned)json_integer_value(x) : 0;
	if ((x = json_object_get(j, "enabled")) != NULL && !json_is_boolean(x))
		return dr_fail(reterr, DR_EINVAL, "enabled is a boolean");
	c->enabled = x ? json_is_true(x) : c->expr != NULL;
	return schedule_conf_check(c, reterr);
}

enum dr_err
trigger_settings_parse(const json_t *body, struct trigger_settings *ret,
    struct dr_error *reterr)
{
	const json_t		*conc, *scheds, *x;
	const char		*key;
	enum schedule_kind	 k;
	enum dr_err		 err;

	memset(ret, 0, sizeof(*ret));
	if (!json_is_object(body))
		return dr_fail(reterr, DR_EINVAL, "settings are an object");
	json_object_foreach((json_t *)body, key, x) {
		if (strcmp(key, "concurrency") != 0 &&
		    strcmp(key, "schedules") != 0)
			return dr_fail(reterr, DR_EINVAL, "unknown setting "
			    "%.64s", key);
	}
	conc = json_object_get(body, "concurrency");
	if (conc != NULL && (!json_is_integer(conc) ||
	    json_integer_value(conc) < 1 ||
	    json_integer_value(conc) > TRIGGER_CONCURRENCY_MAX))
		return dr_fail(reterr, DR_EINVAL, "concurrency is 1 to %d",
		    TRIGGER_CONCURRENCY_MAX);
	ret->concurrency = conc ? (unsigned)json_integer_value(conc) : 0;
	if ((scheds = json_object_get(body, "schedules")) == NULL)
		return DR_OK;
	if (!json_is_object(scheds))
		return dr_fail(reterr, DR_EINVAL, "schedules is an object");
	json_object_foreach((json_t *)scheds, key, x) {
		if (!schedule_kind_parse(key, &k))
			return dr_fail(reterr, DR_EINVAL, "unknown schedule "
			    "%.64s", key);
		if ((err = trig_sched_parse(x, &ret->sched[k], reterr)) !=
		    DR_OK)
			return err;
		ret->have[k] = true;
	}
	return DR_OK;
}

enum dr_err
trigger_settings_put(struct serve *srv, const json_t *body,
    struct dr_error *reterr)
{
	struct trigger		*t = trigger_of(srv);
	struct trigger_settings	 ts;
	struct store		*st;
	struct schedule_conf	*c = ts.sched;
	char			*v[SCHEDULE_KIND_COUNT] = { NULL }, skey[32];
	size_t			 i;
	enum dr_err		 err = DR_OK;
	bool			*have = ts.have;

	if ((err = trigger_settings_parse(body, &ts, reterr)) != DR_OK)
		return err;
	if ((st = serve_store(srv, reterr)) == NULL)
		return DR_EIO;
	if ((err = store_tx_begin(st, reterr)) != DR_OK)
		return err;
	if (ts.concurrency > 0) {
		char	n[24];

		snprintf(n, sizeof(n), "%u", ts.concurrency);
		err = store_setting_set(st, "concurrency", n, reterr);
	}
	for (i = 0; i < SCHEDULE_KIND_COUNT && err == DR_OK; i++) {
		json_t	*o;

		if (!have[i])
			continue;
		o = json_pack("{s:s?, s:s, s:i, s:b}", "expr", c[i].expr,
		    "tz", c[i].tz && *c[i].tz ? c[i].tz : "UTC", "jitter_s",
		    (int)c[i].jitter_s, "enabled", c[i].enabled);
		v[i] = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
		snprintf(skey, sizeof(skey), "schedules.%s",
		    schedule_kind_name((enum schedule_kind)i));
		err = store_setting_set(st, skey, v[i], reterr);
	}
	err = store_tx_end(st, err, reterr);
	for (i = 0; i < SCHEDULE_KIND_COUNT; i++)
		free(v[i]);
	if (err != DR_OK || t == NULL)
		return err;
	pthread_mutex_lock(&t->mu);
	if (ts.concurrency > 0)
		t->concurrency = ts.concurrency;
	t->schedule_gen++;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	return DR_OK;
}

/* ---- the scheduler ---- */

/* Loads the effective schedules into s (scheduler thread). */
static void
trig_sched_load(struct trigger *t, struct schedule *s, time_t now)
{
	struct schedule_conf	 c;
	struct dr_error		 e;
	json_t			*j;
	size_t			 k;

	for (k = 0; k < SCHEDULE_KIND_COUNT; k++) {
		trig_sched_conf(t->srv, (enum schedule_kind)k, &j);
		if (trig_sched_parse(j, &c, &e) != DR_OK ||
		    schedule_set(s, (enum schedule_kind)k, &c, now, &e) != DR_OK)
			trig_log("schedule %s: %s",
			    schedule_kind_name((enum schedule_kind)k), e.msg);
		json_decref(j);
	}
}

static void *
trig_scheduler(void *arg)
{
	struct trigger		*t = arg;
	struct trigger_who	 who = { STORE_TRIGGER_SCHEDULE, "scheduler",
				    NULL };
	struct trigger_update	 u = { "all", NULL, NULL, false };
	struct trigger_jobs	 jobs;
	struct schedule		*s = schedule_new();
	struct dr_error		 e;
	struct timespec		 ts;
	unsigned		 gen = 0, due;
	time_t			 now;
	bool			 loaded = false;

	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		now = t->clock(t->clock_arg);
		if (now == (time_t)-1) {
			trig_deadline(&ts, TRIG_SCHED_TICK_MS);
			pthread_cond_timedwait(&t->cv, &t->mu, &ts);
			continue;
		}
		if (!loaded || gen != t->schedule_gen) {
			gen = t->schedule_gen;
			pthread_mutex_unlock(&t->mu);
			trig_sched_load(t, s, now);
			pthread_mutex_lock(&t->mu);
			loaded = true;
		}
		due = schedule_due(s, now);
		pthread_mutex_unlock(&t->mu);
		if (due & SCHEDULE_BIT(SCHEDULE_CHECK)) {
			trig_log("schedule check fires");
			if (trigger_check(t->srv, &who, "all", NULL, &e) !=
			    DR_OK)
				trig_log("scheduled check: %s", e.msg);
		}
		if (due & SCHEDULE_BIT(SCHEDULE_UPDATE)) {
			trig_log("schedule update fires");
			if (trigger_update(t->srv, &who, &u, &jobs, &e) !=
			    DR_OK)
				trig_log("scheduled update: %s", e.msg);
			trigger_jobs_done(&jobs);
		}
		pthread_mutex_lock(&t->mu);
		if (t->stop)
			break;
		trig_deadline(&ts, TRIG_SCHED_TICK_MS);
		pthread_cond_timedwait(&t->cv, &t->mu, &ts);
	}
	pthread_mutex_unlock(&t->mu);
	schedule_free(s);
	return NULL;
}

/* ---- module life ---- */

/* Takes over the queued jobs a previous daemon left (owner dead). */
static void
trig_adopt(struct trigger *t, struct store *st)
{
	struct store_job_list	 l;
	char			*group;
	size_t			 i;

	if (store_job_unfinished(st, &l, NULL) != DR_OK)
		return;
	for (i = 0; i < l.n; i++) {
		struct store_job	*j = &l.jobs[i];

		if (j->state != STORE_JOB_QUEUED || j->kind !=
		    STORE_JOB_UPDATE || j->scope != STORE_SCOPE_SERVICE ||
		    job_owner_alive(j->owner) || store_job_claim(st, j->id,
		    j->owner, t->owner, NULL) != DR_OK)
			continue;
		group = j->stack ? xstrdup(j->stack) :
		    xasprintf("container:%s", j->target);
		trig_enqueue(t, j->id, group);
		free(group);
		trig_log("job %lld: queued again after a restart",
		    (long long)j->id);
	}
	store_job_list_done(&l);
}

static void trig_stop(struct serve *);

static enum dr_err
trig_start(struct serve *srv, struct dr_error *reterr)
{
	struct trigger		*t;
	struct store		*st;
	pthread_condattr_t	 ca;
	const char		*clk, *slash;

	if ((st = serve_store(srv, reterr)) == NULL)
		return DR_EIO;
	t = xcalloc(1, sizeof(*t));
	t->srv = srv;
	pthread_mutex_init(&t->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	t->owner = xstrdup(job_owner_self());
	if (srv->store_path != NULL &&
	    (slash = strrchr(srv->store_path, '/')) != NULL &&
	    strcmp(slash + 1, STORE_FILE_NAME) == 0)
		t->state_env = xasprintf("DOCKREV_STATE_DIR=%.*s",
		    (int)(slash - srv->store_path), srv->store_path);
	t->clock = schedule_clock_real;
	if ((clk = getenv("DOCKREV_CLOCK_FILE")) != NULL && *clk != '\0') {
		t->clock = schedule_clock_file;
		t->clock_arg = xstrdup(clk);
		trig_log("the scheduler's clock is the file %s (tests)", clk);
	}
	t->hooks = trigger_hooks_new();
	srv->triggers = t;
	t->concurrency = trig_concurrency(srv);
	pthread_mutex_lock(&t->mu);
	trig_adopt(t, st);
	pthread_mutex_unlock(&t->mu);
	if (pthread_create(&t->disp, NULL, trig_dispatch, t) != 0 ||
	    !(t->disp_up = true) ||
	    pthread_create(&t->schd, NULL, trig_scheduler, t) != 0) {
		trig_stop(srv);
		return dr_fail(reterr, DR_EIO, "cannot start the trigger "
		    "threads");
	}
	t->schd_up = true;
	return DR_OK;
}

static void
trig_stop(struct serve *srv)
{
	struct trigger	*t = trigger_of(srv);
	size_t		 i;

	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop = true;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	if (t->disp_up)
		pthread_join(t->disp, NULL);
	if (t->schd_up)
		pthread_join(t->schd, NULL);
	/* Running children go on (their own sessions); queued jobs are
	 * taken over by the next daemon (trig_adopt). */
	for (i = 0; i < t->nq; i++)
		free(t->q[i].group);
	free(t->q);
	trigger_hooks_free(t->hooks);
	free(t->owner);
	free(t->state_env);
	free(t->clock_arg);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	srv->triggers = NULL;
	free(t);
}

struct trigger_hooks *
trigger_hooks_of(struct serve *srv)
{
	struct trigger	*t = trigger_of(srv);

	return t != NULL ? t->hooks : NULL;
}

static const struct http_route trig_routes[] = {
	{ "POST", "/api/v1/update", api_jobs_update, 0, 0 },
	{ "GET", "/api/v1/jobs", api_jobs_list, 0, 0 },
	{ "GET", "/api/v1/jobs/{id}", api_jobs_get, 0, 0 },
	{ "GET", "/api/v1/jobs/{id}/logs", api_jobs_logs, 0, 0 },
	{ "GET", "/api/v1/jobs/{id}/events", api_jobs_events, 0, 0 },
	{ "GET", "/api/v1/containers", api_containers_list, 0, 0 },
	{ "POST", "/api/v1/containers/update", api_containers_update_many, 0,
	    0 },
	{ "POST", "/api/v1/containers/{name}/update", api_containers_update,
	    0, 0 },
	{ "POST", "/api/v1/containers/{name}/start", api_containers_start, 0,
	    0 },
	{ "POST", "/api/v1/containers/{name}/stop", api_containers_stop, 0,
	    0 },
	{ "DELETE", "/api/v1/containers/{name}", api_containers_delete, 0, 0 },
	{ "GET", "/api/v1/audit", api_audit_list, 0, 0 },
	{ "GET", "/api/v1/settings", api_settings_get, 0, 0 },
	{ "PUT", "/api/v1/settings", api_settings_put, 0, 0 },
	{ "GET", "/api/v1/webhooks", api_webhooks_list, 0, 0 },
	{ "POST", "/api/v1/webhooks", api_webhooks_create, 0, 0 },
	{ "DELETE", "/api/v1/webhooks/{id}", api_webhooks_delete, 0, 0 },
	{ "POST", "/hooks/t/{token}", api_webhooks_deliver_token,
	    HTTP_NOAUTH | HTTP_NOORIGIN | HTTP_REDACT, TRIGGER_HOOK_BODY_MAX },
	{ "POST", "/hooks/{id}", api_webhooks_deliver,
	    HTTP_NOAUTH | HTTP_NOORIGIN, TRIGGER_HOOK_BODY_MAX },
	{ "POST", "/v1/update", api_webhooks_watchtower,
	    HTTP_NOAUTH | HTTP_NOORIGIN, 0 },
	{ NULL, NULL, NULL, 0, 0 },
};

const struct serve_module trigger_module = {
	.name = "triggers",
	.routes = trig_routes,
	.start = trig_start,
	.stop = trig_stop,
};
