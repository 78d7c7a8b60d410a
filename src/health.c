/*
 * health: a level-based gate.  Each turn reads the container's state, decides
 * if it can, and otherwise sleeps on the engine's event stream for this
 * container until something happens or the next time limit.
 */
#include "health.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xmalloc.h"

struct health_state {
	bool		 exists;
	bool		 running;
	bool		 has_hc;
	const char	*status;	/* "running", "exited", ... */
	const char	*health;	/* "starting", "healthy", "unhealthy" */
	long		 restarts;
	long		 exit_code;
};

const char *
health_result_name(enum health_result r)
{
	static const char	*names[] = {
		[HEALTH_OK] = "healthy",
		[HEALTH_UNHEALTHY] = "unhealthy",
		[HEALTH_EXITED] = "exited",
		[HEALTH_RESTARTED] = "restarted",
		[HEALTH_TIMEOUT] = "timeout",
	};

	return names[r];
}

static long
health_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the state; *ret points into *ret_json (caller decrefs). */
static enum dr_err
health_read(struct docker *d, const char *id, struct health_state *ret,
    json_t **ret_json, struct dr_error *reterr)
{
	json_t		*j = NULL, *st, *test;
	char		*path;
	enum dr_err	 err;

	memset(ret, 0, sizeof(*ret));
	*ret_json = NULL;
	path = xasprintf("/containers/%s/json", id);
	err = docker_get(d, path, &j, reterr);
	free(path);
	if (err == DR_ENOTFOUND)
		return DR_OK;		/* gone: exists stays false */
	if (err != DR_OK)
		return err;
	st = json_object_get(j, "State");
	ret->exists = true;
	ret->running = json_is_true(json_object_get(st, "Running"));
	ret->status = json_string_value(json_object_get(st, "Status"));
	ret->health = json_string_value(json_object_get(json_object_get(st,
	    "Health"), "Status"));
	ret->exit_code = (long)json_integer_value(json_object_get(st,
	    "ExitCode"));
	ret->restarts = (long)json_integer_value(json_object_get(j,
	    "RestartCount"));
	test = json_object_get(json_object_get(json_object_get(j, "Config"),
	    "Healthcheck"), "Test");
	ret->has_hc = json_array_size(test) > 0 && !(json_array_size(test) ==
	    1 && strcmp(json_string_value(json_array_get(test, 0)) ?
	    json_string_value(json_array_get(test, 0)) : "", "NONE") == 0);
	*ret_json = j;
	return DR_OK;
}

static bool
health_any_event(struct span line, void *arg)
{
	return false;	/* anything about the container: look again */
}

/* Sleeps until an event about id or timeout_ms; both mean "look again". */
static enum dr_err
health_sleep(struct docker *d, const char *id, const char *since,
    long timeout_ms, struct dr_error *reterr)
{
	char		*path, *filters, *esc;
	json_t		*f;
	enum dr_err	 err;

	f = json_pack("{s:[s], s:[s]}", "container", id, "type", "container");
	filters = json_dumps(f, JSON_COMPACT);
	json_decref(f);
	esc = docker_escape(filters);
	path = xasprintf("/events?since=%s&filters=%s", since, esc);
	err = docker_stream(d, path, timeout_ms, health_any_event, NULL,
	    reterr);
	if (err != DR_OK && err != DR_ETIMEOUT) {
		/* A broken stream is no verdict: look again shortly. */
		usleep(HEALTH_RETRY_MS * 1000);
	}
	err = DR_OK;
	free(path);
	free(esc);
	free(filters);
	return err;
}

enum dr_err
health_wait(struct docker *d, const char *id, const struct health_opts *o,
    struct health_report *ret, struct dr_error *reterr)
{
	struct health_state	 s;
	json_t			*j = NULL;
	struct timespec		 wall;
	char			 since[64];
	long			 t0, now, deadline, settle, healthy_at = -1;
	long			 first_restarts = -1, wait;
	enum dr_err		 err;

	memset(ret, 0, sizeof(*ret));
	ret->healthy_after_ms = -1;
	deadline = o && o->deadline_ms > 0 ? o->deadline_ms : HEALTH_DEADLINE_MS;
	settle = o && o->settle_ms > 0 ? o->settle_ms : HEALTH_SETTLE_MS;
	t0 = health_now_ms();
	for (;;) {
		/* Events after this instant wake us; earlier ones are in
		 * the state we are about to read. */
		clock_gettime(CLOCK_REALTIME, &wall);
		snprintf(since, sizeof(since), "%lld.%09ld",
		    (long long)wall.tv_sec, wall.tv_nsec);
		json_decref(j);
		j = NULL;
		if ((err = health_read(d, id, &s, &j, reterr)) != DR_OK) {
			/* The engine did not answer: no verdict yet; keep
			 * asking until the deadline (and the settle time). */
			if (health_now_ms() - t0 < deadline + settle) {
				usleep(HEALTH_RETRY_MS * 1000);
				continue;
			}
			goto out;
		}
		now = health_now_ms() - t0;
		ret->elapsed_ms = now;
		ret->has_healthcheck = s.has_hc;
		if (!s.exists) {
			ret->result = HEALTH_EXITED;
			snprintf(ret->detail, sizeof(ret->detail), "container "
			    "%s is gone", id);
			break;
		}
		if (first_restarts < 0)
			first_restarts = s.restarts;
		if (s.restarts != first_restarts) {
			ret->result = HEALTH_RESTARTED;
			snprintf(ret->detail, sizeof(ret->detail), "restarted "
			    "%ld times (last exit code %ld)", s.restarts -
			    first_restarts, s.exit_code);
			break;
		}
		if (!s.running) {
			ret->result = HEALTH_EXITED;
			snprintf(ret->detail, sizeof(ret->detail), "%s with exit "
			    "code %ld", s.status ? s.status : "stopped",
			    s.exit_code);
			break;
		}
		if (s.has_hc && s.health != NULL &&
		    strcmp(s.health, "unhealthy") == 0) {
			ret->result = HEALTH_UNHEALTHY;
			snprintf(ret->detail, sizeof(ret->detail), "Docker "
			    "reports unhealthy after %ld ms", now);
			break;
		}
		if (!s.has_hc || (s.health != NULL && strcmp(s.health,
		    "healthy") == 0)) {
			if (healthy_at < 0) {
				healthy_at = now;
				ret->healthy_after_ms = now;
			}
			if (now - healthy_at >= settle) {
				ret->result = HEALTH_OK;
				snprintf(ret->detail, sizeof(ret->detail), "%s "
				    "for %ld ms", s.has_hc ? "healthy" :
				    "running (no healthcheck)", now -
				    healthy_at);
				break;
			}
			wait = settle - (now - healthy_at);
		} else {
			healthy_at = -1;
			if (now >= deadline) {
				ret->result = HEALTH_TIMEOUT;
				snprintf(ret->detail, sizeof(ret->detail), "not "
				    "healthy within %ld ms (status %s)",
				    deadline, s.health ? s.health : "none");
				break;
			}
			wait = deadline - now;
		}
		if ((err = health_sleep(d, id, since, wait, reterr)) != DR_OK)
			goto out;
	}
	err = DR_OK;
out:
	json_decref(j);
	return err;
}
