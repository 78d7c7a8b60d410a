/*
 * serve: the daemon's lifecycle (start, recovery, modules, server, signals,
 * stop), the per-thread store handles and the core endpoints (/healthz,
 * /readyz, /metrics, /api/v1/me).  Invariant: the server listens only
 * after the store opened, interrupted jobs were driven to a terminal
 * state and every module started; on SIGTERM/SIGINT it stops accepting,
 * the modules stop in reverse order, then the server closes.
 */
#include "serve.h"

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api-error.h"
#include "auth.h"
#include "buf.h"
#include "compose-cli.h"
#include "config.h"
#include "docker-client.h"
#include "dockercfg.h"
#include "job.h"
#include "log.h"
#include "metrics.h"
#include "platform.h"
#include "store.h"
#include "xmalloc.h"

#define SERVE_PING_EVERY_S	5	/* engine /_ping period */
#define SERVE_READY_WINDOW_S	10	/* a ping older than this: not ready */
#define SERVE_METRICS_MAX	(4 * 1024 * 1024)

/* The readiness watch: a thread pinging the engine. */
struct serve_core {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	pthread_t	 thread;
	bool		 started;
	bool		 stopping;
	struct timespec	 last_ok;	/* CLOCK_MONOTONIC; 0: never */
	char		 last_err[256];
};

/* ---- per-thread store handles -------------------------------------------- */

struct serve_tls {
	struct store	*st;
	char		*path;
};

static pthread_key_t	serve_tls_key;
static pthread_once_t	serve_tls_once = PTHREAD_ONCE_INIT;

static void
serve_tls_free(void *p)
{
	struct serve_tls	*t = p;

	if (t == NULL)
		return;
	store_close(t->st);
	free(t->path);
	free(t);
}

static void
serve_tls_init(void)
{
	if (pthread_key_create(&serve_tls_key, serve_tls_free) != 0)
		abort();
}

struct store *
serve_store(struct serve *srv, struct dr_error *reterr)
{
	struct serve_tls	*t;

	pthread_once(&serve_tls_once, serve_tls_init);
	if (srv->store_path == NULL) {
		dr_fail(reterr, DR_EINTERNAL, "no state file configured");
		return NULL;
	}
	t = pthread_getspecific(serve_tls_key);
	if (t != NULL && t->st != NULL && strcmp(t->path, srv->store_path) == 0)
		return t->st;
	if (t == NULL) {
		t = xcalloc(1, sizeof(*t));
		pthread_setspecific(serve_tls_key, t);
	}
	store_close(t->st);
	t->st = NULL;
	free(t->path);
	t->path = xstrdup(srv->store_path);
	if (store_open(srv->store_path, &t->st, reterr) != DR_OK) {
		t->st = NULL;
		return NULL;
	}
	return t->st;
}

void
serve_store_release(void)
{
	struct serve_tls	*t;

	pthread_once(&serve_tls_once, serve_tls_init);
	if ((t = pthread_getspecific(serve_tls_key)) == NULL)
		return;
	pthread_setspecific(serve_tls_key, NULL);
	serve_tls_free(t);
}

/* ---- engine watch ------------------------------------------------------------ */

static void *
core_main(void *arg)
{
	struct serve_core	*c = arg;
	struct docker		*d = NULL;
	struct dr_error		 e;
	struct timespec		 now, until;
	enum dr_err		 err;

	pthread_mutex_lock(&c->mu);
	while (!c->stopping) {
		pthread_mutex_unlock(&c->mu);
		dr_error_clear(&e);
		if (d == NULL && (err = docker_open(NULL, &d, &e)) != DR_OK)
			d = NULL;
		else
			err = docker_call(d, "GET", "/_ping", NULL, NULL, &e);
		if (err != DR_OK && d != NULL) {
			/* Reconnect next time: the engine may have restarted. */
			docker_free(d);
			d = NULL;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		pthread_mutex_lock(&c->mu);
		if (err == DR_OK)
			c->last_ok = now;
		else
			snprintf(c->last_err, sizeof(c->last_err), "%s", e.msg);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += SERVE_PING_EVERY_S;
		if (!c->stopping)
			pthread_cond_timedwait(&c->cv, &c->mu, &until);
	}
	pthread_mutex_unlock(&c->mu);
	docker_free(d);
	return NULL;
}

static enum dr_err
core_start(struct serve *srv, struct dr_error *reterr)
{
	struct serve_core	*c = xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	snprintf(c->last_err, sizeof(c->last_err), "not asked yet");
	srv->core = c;
	if (pthread_create(&c->thread, NULL, core_main, c) != 0)
		return dr_fail(reterr, DR_EIO, "cannot start a thread");
	c->started = true;
	return DR_OK;
}

static void
core_stop(struct serve *srv)
{
	struct serve_core	*c = srv->core;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	c->stopping = true;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (c->started)
		pthread_join(c->thread, NULL);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
	srv->core = NULL;
}

/* ---- core endpoints ------------------------------------------------------------ */

static struct http_resp *
get_healthz(struct http_req *req)
{
	(void)req;
	return http_resp_json(200, json_pack("{s:s}", "status", "ok"));
}

static struct http_resp *
not_ready(const char *reason)
{
	return http_resp_json(503, json_pack("{s:s,s:s}", "status",
	    "not_ready", "reason", reason));
}

static struct http_resp *
get_readyz(struct http_req *req)
{
	struct serve_core	*c = req->srv->core;
	struct store		*st;
	struct dr_error		 e;
	struct timespec		 now;
	char			 why[400];
	int			 v;
	bool			 fresh;

	dr_error_clear(&e);
	if ((st = serve_store(req->srv, &e)) == NULL ||
	    store_schema_version(st, &v, &e) != DR_OK) {
		snprintf(why, sizeof(why), "store: %s", e.msg);
		return not_ready(why);
	}
	if (c == NULL)
		return not_ready("engine: not watched");
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&c->mu);
	fresh = c->last_ok.tv_sec != 0 &&
	    now.tv_sec - c->last_ok.tv_sec < SERVE_READY_WINDOW_S;
	snprintf(why, sizeof(why), "engine: no answer to /_ping in the last "
	    "%d s (%s)", SERVE_READY_WINDOW_S, c->last_err);
	pthread_mutex_unlock(&c->mu);
	if (!fresh)
		return not_ready(why);
	return http_resp_json(200, json_pack("{s:s}", "status", "ready"));
}

static struct http_resp *
get_metrics(struct http_req *req)
{
	struct buf		 out;
	struct http_resp	*resp;

	(void)req;
	buf_init(&out, SERVE_METRICS_MAX);
	metrics_render(&out);
	if (buf_failed(&out)) {
		buf_done(&out);
		return http_resp_error("internal", "metrics too large");
	}
	resp = http_resp_text(200, "text/plain; version=0.0.4; charset=utf-8",
	    buf_str(&out), out.len);
	buf_done(&out);
	return resp;
}

static struct http_resp *
get_me(struct http_req *req)
{
	return http_resp_json(200, json_pack("{s:s,s:s}", "user", req->user,
	    "auth_mode", req->srv->cfg->auth_mode == CONFIG_AUTH_NONE ?
	    "none" : "forward"));
}

static const struct http_route core_routes[] = {
	{ "GET", "/healthz", get_healthz, HTTP_NOAUTH, 0 },
	{ "GET", "/readyz", get_readyz, HTTP_NOAUTH, 0 },
	{ "GET", "/metrics", get_metrics, 0, 0 },
	{ "GET", "/api/v1/me", get_me, 0, 0 },
	{ NULL, NULL, NULL, 0, 0 },
};

const struct serve_module serve_core_module = {
	"core", core_routes, core_start, core_stop,
};

/* ---- lifecycle ------------------------------------------------------------------- */

/* Drives the jobs of dead processes to a terminal state; a failure is
 * logged, never fatal (the CLI's recovery finishes them later). */
static void
serve_recover(struct serve *srv)
{
	struct job_ctx		 ctx;
	struct docker		*d = NULL;
	struct dockercfg	*creds = NULL;
	struct dr_error		 e;
	int			 n = 0;

	memset(&ctx, 0, sizeof(ctx));
	dr_error_clear(&e);
	if ((ctx.store = serve_store(srv, &e)) == NULL) {
		log_kv(LOG_LEVEL_ERROR, "recovery skipped", "error", e.msg,
		    LOG_END);
		return;
	}
	if (docker_open(NULL, &d, &e) != DR_OK) {
		log_kv(LOG_LEVEL_WARN, "recovery skipped: engine unreachable",
		    "error", e.msg, LOG_END);
		return;
	}
	if (dockercfg_load(NULL, &creds, &e) != DR_OK) {
		log_kv(LOG_LEVEL_WARN, "recovery without registry credentials",
		    "error", e.msg, LOG_END);
		creds = NULL;
	}
	ctx.docker = d;
	ctx.creds = creds;
	platform_set(&ctx.host, span_str(docker_version(d)->os),
	    span_str(docker_version(d)->arch), span_make("", 0));
	if (job_recover(&ctx, &n, &e) != DR_OK)
		log_kv(LOG_LEVEL_ERROR, "recovery failed", "error", e.msg, LOG_END);
	else if (n > 0) {
		char	count[16];

		snprintf(count, sizeof(count), "%d", n);
		log_kv(LOG_LEVEL_INFO, "finished interrupted jobs", "count",
		    count, LOG_END);
	}
	dockercfg_free(creds);
	docker_free(d);
}

static void
listen_text(const struct config *cfg, unsigned port, char *out, size_t size)
{
	char	addr[64];

	auth_peer_text((const struct sockaddr *)&cfg->listen_addr, addr,
	    sizeof(addr));
	snprintf(out, size, cfg->listen_addr.ss_family == AF_INET6 ?
	    "[%s]:%u" : "%s:%u", addr, port);
}

int
serve_run(const struct config *cfg)
{
	struct serve		 srv;
	const struct http_route	*tables[32];
	struct dr_error		 e;
	sigset_t		 sigs;
	char			*path = NULL, self[PATH_MAX], where[96];
	ssize_t			 n;
	size_t			 i, started = 0, nt = 0;
	int			 sig, rc = 1;

	memset(&srv, 0, sizeof(srv));
	srv.cfg = cfg;
	log_setup(cfg->log_format, cfg->log_level, 2);
	/* A client that hangs up is an error return, not a death. */
	signal(SIGPIPE, SIG_IGN);
	/* Job children and the CLI read these from the environment. */
	if (cfg->state_dir != NULL)
		setenv("DOCKREV_STATE_DIR", cfg->state_dir, 1);
	if (cfg->compose_bin != NULL)
		setenv(COMPOSE_CLI_ENV_BIN, cfg->compose_bin, 1);
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		srv.self_exe = self;
	}
	dr_error_clear(&e);
	if (store_default_path(&path, &e) != DR_OK) {
		log_kv(LOG_LEVEL_ERROR, "cannot start", "error", e.msg, LOG_END);
		return 1;
	}
	srv.store_path = path;
	if (serve_store(&srv, &e) == NULL) {
		log_kv(LOG_LEVEL_ERROR, "cannot open the state file", "path",
		    path, "error", e.msg, LOG_END);
		goto out;
	}
	serve_recover(&srv);

	/* Every thread started from here on inherits the blocked signals;
	 * this thread takes them with sigwait. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	for (i = 0; serve_modules[i] != NULL; i++) {
		const struct serve_module	*m = serve_modules[i];

		if (m->start != NULL && m->start(&srv, &e) != DR_OK) {
			log_kv(LOG_LEVEL_ERROR, "a module did not start",
			    "module", m->name, "error", e.msg, LOG_END);
			goto stop;
		}
		started = i + 1;
		if (m->routes != NULL && nt < sizeof(tables) / sizeof(tables[0]))
			tables[nt++] = m->routes;
	}
	if (http_start(&srv, (const struct sockaddr *)&cfg->listen_addr,
	    cfg->listen_addrlen, tables, nt, &e) != DR_OK) {
		log_kv(LOG_LEVEL_ERROR, "cannot listen", "listen", cfg->listen,
		    "error", e.msg, LOG_END);
		goto stop;
	}
	listen_text(cfg, http_port(&srv), where, sizeof(where));
	log_kv(LOG_LEVEL_INFO, "listening", "address", where, "auth",
	    cfg->auth_mode == CONFIG_AUTH_NONE ? "none" : "forward", "state",
	    path, LOG_END);
	/* Starting (the configuration, the state file's migrations, the
	 * snapshot's JSON tree, the first view) peaks well above what the
	 * daemon keeps: give the free pages back before idling. */
	malloc_trim(0);
	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_info("SIGHUP ignored: restart to reload the "
			    "configuration");
			continue;
		}
		log_kv(LOG_LEVEL_INFO, "stopping", "signal", sig == SIGTERM ?
		    "TERM" : "INT", LOG_END);
		break;
	}
	rc = 0;
stop:
	http_quiesce(&srv);
	while (started > 0) {
		const struct serve_module	*m = serve_modules[--started];

		if (m->stop != NULL)
			m->stop(&srv);
	}
	http_stop(&srv);
	if (rc == 0)
		log_info("stopped");
out:
	serve_store_release();
	free(path);
	return rc;
}
