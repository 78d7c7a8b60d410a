/*
 * catalog-run: the runner thread (checks and inventory refreshes, one at
 * a time), the events thread, and the current view.  Invariant: rt->view
 * is replaced, never changed, and only under rt->mu.
 */
#include "catalog-run.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <zlib.h>

#include "catalog-check.h"
#include "docker-client.h"
#include "inventory.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

struct catalog_rt {
	struct serve		*srv;
	pthread_mutex_t		 mu;
	pthread_mutex_t		 pub_mu;	/* one publisher at a time */
	pthread_cond_t		 cv;		/* work for the runner */
	pthread_cond_t		 done_cv;	/* a run finished */
	struct catalog_view	*view;
	bool			 stop;
	/* Queued check: scope and target merged across callers. */
	bool			 pending;
	char			*pscope;
	char			*ptarget;
	uint64_t		 started, done;
	enum dr_err		 last_err;
	struct dr_error		 last_e;
	/* Inventory refresh asked by events, after the debounce. */
	bool			 inv_pending;
	int64_t			 last_event_ms;
	uint64_t		 checks_ok, checks_failed;
	pthread_t		 runner, events;
	bool			 have_runner, have_events;
};

static int64_t
now_ms(void)
{
	return store_now_ms();
}

static void
abstime_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* ---- views ------------------------------------------------------------------ */

/* The document gzip-compressed once per view: browsers ask for it, and
 * it is a tenth of the bytes to send on every GET. */
static void
view_gzip(struct catalog_view *v)
{
	z_stream	z;
	size_t		cap = v->len / 2 + 1024;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return;
	cap = deflateBound(&z, v->len);
	v->gz = xmalloc(cap);
	z.next_in = (unsigned char *)v->doc;
	z.avail_in = (uInt)v->len;
	z.next_out = v->gz;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		free(v->gz);
		v->gz = NULL;
	} else
		v->gzlen = cap - z.avail_out;
	deflateEnd(&z);
}

static struct catalog_view *
view_new(struct catalog_snap *snap, struct catalog_rules *rules)
{
	struct catalog_view	*v = xcalloc(1, sizeof(*v));
	json_t			*d;

	v->refs = 1;
	v->snap = catalog_snap_ref(snap);
	v->rules = catalog_rules_ref(rules);
	d = catalog_doc(snap, rules, NULL);
	v->doc = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	if (v->doc == NULL)
		v->doc = xstrdup("{}");
	v->len = strlen(v->doc);
	view_gzip(v);
	return v;
}

void
catalog_view_unref(struct catalog_view *v)
{
	if (v == NULL || __atomic_sub_fetch(&v->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	catalog_snap_unref(v->snap);
	catalog_rules_unref(v->rules);
	free(v->doc);
	free(v->gz);
	free(v);
}

void
catalog_view_release(void *arg)
{
	catalog_view_unref(arg);
}

struct catalog_view *
catalog_run_view(struct serve *srv)
{
	struct catalog_rt	*rt = srv->catalog;
	struct catalog_view	*v;

	pthread_mutex_lock(&rt->mu);
	v = rt->view;
	__atomic_add_fetch(&v->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&rt->mu);
	return v;
}

/* Publishes a view of snap (or the current snapshot when NULL) with rules
 * (or the current ones when NULL). */
static void
publish(struct catalog_rt *rt, struct catalog_snap *snap,
    struct catalog_rules *rules)
{
	struct catalog_view	*v, *old, *cur;

	/* Read, build and swap as one step, so a rule change and a check
	 * finishing together both survive; readers only wait for the
	 * pointer swap. */
	pthread_mutex_lock(&rt->pub_mu);
	cur = catalog_run_view(rt->srv);
	v = view_new(snap != NULL ? snap : cur->snap, rules != NULL ? rules :
	    cur->rules);
	catalog_view_unref(cur);
	pthread_mutex_lock(&rt->mu);
	old = rt->view;
	rt->view = v;
	pthread_mutex_unlock(&rt->mu);
	pthread_mutex_unlock(&rt->pub_mu);
	catalog_view_unref(old);
	/* Building a view (and loading what it shows: a snapshot's JSON
	 * tree, the rules) peaks well above what the view keeps: give the
	 * free pages back, or the daemon idles at that peak. */
	malloc_trim(0);
}

enum dr_err
catalog_run_reload(struct serve *srv, struct store *st,
    struct dr_error *reterr)
{
	struct catalog_rt	*rt = srv->catalog;
	struct catalog_rules	*rules;
	enum dr_err		 err;

	if ((err = catalog_rules_load(st, &rules, reterr)) != DR_OK)
		return err;
	publish(rt, NULL, rules);
	catalog_rules_unref(rules);
	return DR_OK;
}

/* ---- checks ----------------------------------------------------------------- */

struct scope {
	const char	*stack;		/* NULL: all */
	const char	*name;		/* NULL: the whole stack */
};

static bool
in_scope(const char *stack, const char *name, void *arg)
{
	const struct scope	*sc = arg;

	if (sc->stack == NULL)
		return true;
	if (strcmp(stack, sc->stack) != 0)
		return false;
	return sc->name == NULL || strcmp(name, sc->name) == 0;
}

/* Persists and publishes snap (the runner's store handle). */
static void
commit_snap(struct catalog_rt *rt, struct catalog_snap *snap)
{
	struct dr_error	 e;
	struct store	*st = serve_store(rt->srv, &e);

	if (st == NULL || catalog_snap_save(st, snap, &e) != DR_OK)
		log_kv(LOG_LEVEL_WARN, "catalog: snapshot not saved", "error",
		    e.msg, LOG_END);
	publish(rt, snap, NULL);
}

struct check_ctx {
	struct catalog_rt	*rt;
	const char		*scope;
	const char		*target;
};

static void
check_started(void *arg, pid_t pid)
{
	struct check_ctx	*cc = arg;
	char			 p[16];

	snprintf(p, sizeof(p), "%d", (int)pid);
	log_kv(LOG_LEVEL_INFO, "check process started", "scope", cc->scope,
	    "target", cc->target, "pid", p, LOG_END);
}

/* The runner's check child is killed once the daemon stops. */
static bool
check_cancel(void *arg)
{
	struct check_ctx	*cc = arg;
	bool			 stop;

	pthread_mutex_lock(&cc->rt->mu);
	stop = cc->rt->stop;
	pthread_mutex_unlock(&cc->rt->mu);
	return stop;
}

/*
 * One check of scope/target (validated) against the engine: detect runs
 * in a child process (catalog-check.h), so the daemon never runs registry
 * code itself; its snapshot is merged into the current one.  *ret_pid:
 * the child's, 0 when none started.
 */
static enum dr_err
run_check(struct catalog_rt *rt, const char *scope, const char *target,
    pid_t *ret_pid, struct dr_error *reterr)
{
	struct check_ctx	 cc = { rt, scope, target };
	struct catalog_check_hooks hooks = { check_started, check_cancel, &cc };
	struct catalog_snap	*fresh = NULL, *merged = NULL;
	struct catalog_view	*cur = NULL;
	struct scope		 sc = { NULL, NULL };
	char			*stack = NULL, *slash;
	unsigned		 requests = 0;
	enum dr_err		 err;

	if (strcmp(scope, "stack") == 0)
		sc.stack = stack = xstrdup(target);
	else if (strcmp(scope, "service") == 0) {
		stack = xstrdup(target);
		slash = strchr(stack, '/');
		*slash = '\0';
		sc.stack = stack;
		sc.name = slash + 1;
	}
	if ((err = catalog_check_spawn(rt->srv->self_exe, scope,
	    strcmp(scope, "all") == 0 ? NULL : target, &hooks, &fresh,
	    &requests, ret_pid, reterr)) != DR_OK)
		goto out;
	metrics_counter_add("dockrev_registry_requests_total", NULL, requests);
	cur = catalog_run_view(rt->srv);
	if (sc.stack == NULL)
		merged = catalog_snap_ref(fresh);
	else {
		merged = catalog_snap_merge(cur->snap, fresh, in_scope, &sc);
		if (sc.name != NULL && catalog_snap_find(merged, sc.stack,
		    sc.name) == NULL)
			err = dr_fail(reterr, DR_ENOTFOUND, "no service %s",
			    target);
	}
	commit_snap(rt, merged);
out:
	catalog_view_unref(cur);
	catalog_snap_unref(fresh);
	catalog_snap_unref(merged);
	free(stack);
	return err;
}

/*
 * The inventory refresh after Docker events: services whose containers
 * are gone disappear, containers lists follow, and a service that was
 * not in the snapshot is checked alone (several: up to CATALOG_NEW_MAX,
 * more become a full check).
 */
static enum dr_err
run_inventory(struct catalog_rt *rt, struct dr_error *reterr)
{
	struct inventory	*inv = NULL;
	struct docker		*d = NULL;
	struct catalog_view	*cur;
	struct catalog_snap	*next;
	char			*fresh[CATALOG_NEW_MAX];
	size_t			 i, nfresh = 0;
	bool			 more, changed;
	enum dr_err		 err;

	if ((err = docker_open(NULL, &d, reterr)) != DR_OK ||
	    (err = inventory_load(d, false, &inv, reterr)) != DR_OK)
		goto out;
	cur = catalog_run_view(rt->srv);
	next = catalog_snap_follow(cur->snap, inv, fresh, CATALOG_NEW_MAX,
	    &nfresh, &more, &changed);
	catalog_view_unref(cur);
	if (changed)
		commit_snap(rt, next);
	catalog_snap_unref(next);
	if (more)
		err = run_check(rt, "all", NULL, NULL, reterr);
	for (i = 0; i < nfresh && !more && err == DR_OK; i++) {
		err = run_check(rt, "service", fresh[i], NULL, reterr);
		/* Gone again before we looked: not an error. */
		if (err == DR_ENOTFOUND)
			err = DR_OK;
	}
out:
	for (i = 0; i < nfresh; i++)
		free(fresh[i]);
	inventory_free(inv);
	docker_free(d);
	return err;
}

static void *
runner_main(void *arg)
{
	struct catalog_rt	*rt = arg;
	struct dr_error		 e;
	struct timespec		 ts;
	char			*scope, *target, pidtext[16];
	enum dr_err		 err;
	int64_t			 wait;
	pid_t			 pid;

	pthread_mutex_lock(&rt->mu);
	while (!rt->stop) {
		if (rt->pending) {
			scope = rt->pscope;
			target = rt->ptarget;
			rt->pscope = rt->ptarget = NULL;
			rt->pending = false;
			rt->started++;
			pthread_mutex_unlock(&rt->mu);
			dr_error_clear(&e);
			err = run_check(rt, scope, target, &pid, &e);
			snprintf(pidtext, sizeof(pidtext), "%d", (int)pid);
			if (err != DR_OK && err != DR_ENOTFOUND)
				log_kv(LOG_LEVEL_WARN, "check failed", "scope",
				    scope, "target", target, "pid", pidtext,
				    "error", e.msg, LOG_END);
			else
				log_kv(LOG_LEVEL_INFO, "check done", "scope",
				    scope, "target", target, "pid", pidtext,
				    LOG_END);
			metrics_counter_add("dockrev_checks_total", err ==
			    DR_OK || err == DR_ENOTFOUND ? "result=ok" :
			    "result=error", 1);
			free(scope);
			free(target);
			/* The registry's answers stay in the check's child,
			 * but reading its snapshot back (a jansson tree of
			 * every service, then the view) peaks too: give the
			 * pages back, or the daemon idles at its peak. */
			malloc_trim(0);
			pthread_mutex_lock(&rt->mu);
			rt->done = rt->started;
			rt->last_err = err;
			rt->last_e = e;
			if (err == DR_OK || err == DR_ENOTFOUND)
				rt->checks_ok++;
			else
				rt->checks_failed++;
			pthread_cond_broadcast(&rt->done_cv);
			continue;
		}
		if (rt->inv_pending) {
			wait = rt->last_event_ms + CATALOG_DEBOUNCE_MS - now_ms();
			if (wait <= 0) {
				rt->inv_pending = false;
				pthread_mutex_unlock(&rt->mu);
				if (run_inventory(rt, &e) != DR_OK)
					log_kv(LOG_LEVEL_WARN, "inventory refresh "
					    "failed", "error", e.msg, LOG_END);
				pthread_mutex_lock(&rt->mu);
				continue;
			}
			abstime_in(&ts, (long)wait);
			pthread_cond_timedwait(&rt->cv, &rt->mu, &ts);
			continue;
		}
		pthread_cond_wait(&rt->cv, &rt->mu);
	}
	pthread_mutex_unlock(&rt->mu);
	return NULL;
}

/* Queues a check (rt->mu held); returns the run that will serve it. */
static uint64_t
queue_check(struct catalog_rt *rt, const char *scope, const char *target)
{
	if (!rt->pending) {
		rt->pending = true;
		rt->pscope = xstrdup(scope);
		rt->ptarget = target != NULL ? xstrdup(target) : NULL;
	} else if (strcmp(rt->pscope, scope) != 0 || (rt->ptarget == NULL) !=
	    (target == NULL) || (target != NULL && strcmp(rt->ptarget,
	    target) != 0)) {
		/* Different asks share one run: check everything. */
		free(rt->pscope);
		free(rt->ptarget);
		rt->pscope = xstrdup("all");
		rt->ptarget = NULL;
	}
	pthread_cond_signal(&rt->cv);
	return rt->started + 1;
}

enum dr_err
catalog_run_check(struct serve *srv, const char *scope, const char *target,
    struct dr_error *reterr)
{
	struct catalog_rt	*rt = srv->catalog;
	const char		*slash;
	enum dr_err		 err;
	uint64_t		 mine;

	if (scope == NULL || strcmp(scope, "all") == 0)
		scope = "all", target = NULL;
	else if (strcmp(scope, "stack") == 0) {
		if (target == NULL || *target == '\0' || strchr(target, '/'))
			return dr_fail(reterr, DR_EINVAL, "scope stack needs a "
			    "target STACK");
	} else if (strcmp(scope, "service") == 0) {
		if (target == NULL || (slash = strchr(target, '/')) == NULL ||
		    slash == target || slash[1] == '\0' || strchr(slash + 1,
		    '/') != NULL)
			return dr_fail(reterr, DR_EINVAL, "scope service needs "
			    "a target STACK/SERVICE");
	} else
		return dr_fail(reterr, DR_EINVAL, "scope must be all, stack "
		    "or service");
	pthread_mutex_lock(&rt->mu);
	if (rt->stop) {
		pthread_mutex_unlock(&rt->mu);
		return dr_fail(reterr, DR_EUNSUPPORTED, "the daemon is "
		    "stopping");
	}
	mine = queue_check(rt, scope, target);
	while (rt->done < mine && !rt->stop)
		pthread_cond_wait(&rt->done_cv, &rt->mu);
	err = rt->done >= mine ? rt->last_err : DR_EUNSUPPORTED;
	if (err != DR_OK && reterr != NULL)
		*reterr = rt->last_e;
	/* A merged run checked more: a missing service is still ours to
	 * report only when we asked for that very one. */
	if (err == DR_ENOTFOUND && strcmp(scope, "service") != 0)
		err = DR_OK;
	pthread_mutex_unlock(&rt->mu);
	if (err == DR_OK && strcmp(scope, "all") != 0) {
		struct catalog_view	*v = catalog_run_view(srv);
		char			*st = xstrdup(target);
		char			*sl = strchr(st, '/');
		bool			 found = false;
		size_t			 i;

		if (sl != NULL)
			*sl = '\0';
		for (i = 0; i < v->snap->nsvcs && !found; i++)
			found = strcmp(v->snap->svcs[i].stack, st) == 0 &&
			    (sl == NULL || strcmp(v->snap->svcs[i].name,
			    sl + 1) == 0);
		catalog_view_unref(v);
		free(st);
		if (!found)
			err = dr_fail(reterr, DR_ENOTFOUND, "no running %s %s",
			    scope, target);
	}
	return err;
}

/* ---- events ----------------------------------------------------------------- */

struct events_ctx {
	struct catalog_rt	*rt;
	int64_t			 since;		/* Unix s of the last event */
};

static bool
on_event(struct span line, void *arg)
{
	struct events_ctx	*ec = arg;
	struct catalog_rt	*rt = ec->rt;
	bool			 go;

	pthread_mutex_lock(&rt->mu);
	rt->inv_pending = true;
	rt->last_event_ms = now_ms();
	pthread_cond_signal(&rt->cv);
	go = !rt->stop;
	pthread_mutex_unlock(&rt->mu);
	return go;
}

static void *
events_main(void *arg)
{
	struct catalog_rt	*rt = arg;
	struct events_ctx	 ec = { rt, 0 };
	struct docker		*d = NULL;
	struct dr_error		 e;
	struct timespec		 ts;
	char			 path[256];
	long			 backoff = 0;
	enum dr_err		 err;
	bool			 stop;

	ec.since = now_ms() / 1000;
	for (;;) {
		pthread_mutex_lock(&rt->mu);
		if (backoff > 0 && !rt->stop) {
			abstime_in(&ts, backoff);
			pthread_cond_timedwait(&rt->done_cv, &rt->mu, &ts);
		}
		stop = rt->stop;
		pthread_mutex_unlock(&rt->mu);
		if (stop)
			break;
		if (d == NULL && docker_open(NULL, &d, &e) != DR_OK) {
			backoff = backoff ? backoff * 2 : 1000;
			if (backoff > CATALOG_BACKOFF_MAX_MS)
				backoff = CATALOG_BACKOFF_MAX_MS;
			continue;
		}
		/* since= replays what happened between two slices. */
		snprintf(path, sizeof(path), "/events?since=%lld&filters="
		    "%%7B%%22type%%22%%3A%%5B%%22container%%22%%5D%%2C"
		    "%%22event%%22%%3A%%5B%%22start%%22%%2C%%22die%%22%%2C"
		    "%%22destroy%%22%%5D%%7D", (long long)ec.since);
		err = docker_stream(d, path, CATALOG_EVENTS_SLICE_MS, on_event,
		    &ec, &e);
		/* The next slice replays from here: at worst the events of
		 * this second again (one more, idempotent refresh). */
		ec.since = now_ms() / 1000;
		if (err == DR_OK || err == DR_ETIMEOUT) {
			backoff = 0;
			continue;
		}
		docker_free(d);
		d = NULL;
		backoff = backoff ? backoff * 2 : 1000;
		if (backoff > CATALOG_BACKOFF_MAX_MS)
			backoff = CATALOG_BACKOFF_MAX_MS;
	}
	docker_free(d);
	return NULL;
}

/* ---- metrics ------------------------------------------------------------------ */

struct collect_ctx {
	struct buf	*out;
	char		 labels[METRICS_LABELS_MAX];
};

static void
collect_one(const char *stack, const char *name, bool update, void *arg)
{
	struct collect_ctx	*cc = arg;

	snprintf(cc->labels, sizeof(cc->labels), "stack=%s,service=%s", stack,
	    name);
	metrics_write_sample(cc->out, "dockrev_update_available", cc->labels,
	    update ? 1 : 0);
}

/* Scrape time: dockrev_update_available{stack,service} from the view
 * (after the rules), dockrev_last_check_timestamp_seconds. */
static void
catalog_collect(struct buf *out, void *arg)
{
	struct serve		*srv = arg;
	struct catalog_view	*v = catalog_run_view(srv);
	struct collect_ctx	 cc = { .out = out };

	metrics_write_family(out, "dockrev_update_available", "gauge",
	    "1 when a service has an update it would take.");
	catalog_updates(v->snap, v->rules, collect_one, &cc);
	if (v->snap->checked_at > 0) {
		metrics_write_family(out,
		    "dockrev_last_check_timestamp_seconds", "gauge",
		    "Unix time of the last finished check.");
		metrics_write_sample(out,
		    "dockrev_last_check_timestamp_seconds", NULL,
		    (double)v->snap->checked_at / 1000.0);
	}
	catalog_view_unref(v);
}

/* ---- lifecycle ---------------------------------------------------------------- */

enum dr_err
catalog_run_start(struct serve *srv, struct dr_error *reterr)
{
	struct catalog_rt	*rt;
	struct catalog_snap	*snap = NULL;
	struct catalog_rules	*rules = NULL;
	struct store		*st;
	const char		*on;
	enum dr_err		 err;

	if ((st = serve_store(srv, reterr)) == NULL)
		return reterr != NULL ? reterr->code : DR_EIO;
	if ((err = catalog_snap_load(st, &snap, reterr)) != DR_OK ||
	    (err = catalog_rules_load(st, &rules, reterr)) != DR_OK) {
		catalog_snap_unref(snap);
		return err;
	}
	rt = xcalloc(1, sizeof(*rt));
	rt->srv = srv;
	pthread_mutex_init(&rt->mu, NULL);
	pthread_mutex_init(&rt->pub_mu, NULL);
	pthread_cond_init(&rt->cv, NULL);
	pthread_cond_init(&rt->done_cv, NULL);
	rt->view = view_new(snap, rules);
	catalog_snap_unref(snap);
	catalog_rules_unref(rules);
	srv->catalog = rt;
	on = getenv("DOCKREV_CHECK_ON_START");
	if (on == NULL || (strcmp(on, "0") != 0 && strcasecmp(on, "false") !=
	    0)) {
		pthread_mutex_lock(&rt->mu);
		queue_check(rt, "all", NULL);
		pthread_mutex_unlock(&rt->mu);
	}
	if (pthread_create(&rt->runner, NULL, runner_main, rt) != 0 ||
	    !(rt->have_runner = true) ||
	    pthread_create(&rt->events, NULL, events_main, rt) != 0) {
		catalog_run_stop(srv);
		return dr_fail(reterr, DR_EIO, "catalog: cannot start threads");
	}
	rt->have_events = true;
	srv->check = catalog_run_check;
	metrics_add_collector(catalog_collect, srv);
	return DR_OK;
}

void
catalog_run_stop(struct serve *srv)
{
	struct catalog_rt	*rt = srv->catalog;

	if (rt == NULL)
		return;
	srv->check = NULL;
	metrics_remove_collector(catalog_collect, srv);
	pthread_mutex_lock(&rt->mu);
	rt->stop = true;
	pthread_cond_broadcast(&rt->cv);
	pthread_cond_broadcast(&rt->done_cv);
	pthread_mutex_unlock(&rt->mu);
	if (rt->have_runner)
		pthread_join(rt->runner, NULL);
	if (rt->have_events)
		pthread_join(rt->events, NULL);
	srv->catalog = NULL;
	catalog_view_unref(rt->view);
	free(rt->pscope);
	free(rt->ptarget);
	pthread_cond_destroy(&rt->cv);
	pthread_cond_destroy(&rt->done_cv);
	pthread_mutex_destroy(&rt->mu);
	pthread_mutex_destroy(&rt->pub_mu);
	free(rt);
}

void
catalog_run_counts(struct serve *srv, uint64_t *ret_ok, uint64_t *ret_failed)
{
	struct catalog_rt	*rt = srv->catalog;

	pthread_mutex_lock(&rt->mu);
	*ret_ok = rt->checks_ok;
	*ret_failed = rt->checks_failed;
	pthread_mutex_unlock(&rt->mu);
}
