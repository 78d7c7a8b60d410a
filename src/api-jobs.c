/*
 * api-jobs: triggers of updates and the jobs they make, over HTTP.  The
 * SSE stream polls the store every API_EVENTS_POLL_MS and ends with
 * `event: end` once the job is terminal and its log is drained.
 */
#include "api-jobs.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "job.h"
#include "store-job.h"
#include "trigger.h"
#include "xmalloc.h"

#define API_EVENTS_POLL_MS	200
#define API_EVENTS_LOG_PAGE	200
#define API_EVENTS_BUF_MAX	(4 * 1024 * 1024)

struct http_resp *
api_resp_err(const struct dr_error *e)
{
	switch (e->code) {
	case DR_ENET:
	case DR_EIO:
	case DR_EUNSUPPORTED:
	case DR_ETIMEOUT:
		return http_resp_error("unavailable", "%s", e->msg);
	case DR_EDENIED:
		return http_resp_error("unauthorized", "%s", e->msg);
	case DR_ETOOBIG:
		return http_resp_error("payload_too_large", "%s", e->msg);
	case DR_EINVAL:
		return http_resp_error("bad_request", "%s", e->msg);
	case DR_ENOTFOUND:
		return http_resp_error("not_found", "%s", e->msg);
	case DR_ECONFLICT:
		return http_resp_error("conflict", "%s", e->msg);
	default:
		return http_resp_from_err(e->code, e);
	}
}

bool
api_query_int(const struct http_req *req, const char *key, int64_t lo,
    int64_t hi, int64_t dflt, int64_t *ret, struct http_resp **ret_resp)
{
	const char	*s = http_req_query(req, key);
	char		*end;
	long long	 v;

	*ret = dflt;
	if (s == NULL || *s == '\0')
		return true;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v < lo || v > hi) {
		*ret_resp = http_resp_error("bad_request", "%s must be an "
		    "integer from %lld to %lld", key, (long long)lo,
		    (long long)hi);
		return false;
	}
	*ret = v;
	return true;
}

static json_t *
api_ms(int64_t ms)
{
	return ms > 0 ? json_integer(ms) : json_null();
}

json_t *
api_job_json(struct store *st, const struct store_job *j, bool detail)
{
	json_t	*o = job_to_json(st, j, false), *p;

	json_object_set_new(o, "stack", j->stack ? json_string(j->stack) :
	    json_null());
	json_object_set_new(o, "trigger_source",
	    json_string(store_trigger_name(j->trigger)));
	p = json_object_get(o, "trigger_params");
	json_object_set(o, "actor", json_object_get(p, "actor") ?
	    json_object_get(p, "actor") : json_null());
	json_object_set_new(o, "created_at", api_ms(j->created_at));
	json_object_set_new(o, "started_at", api_ms(j->started_at));
	json_object_set_new(o, "finished_at", api_ms(j->finished_at));
	json_object_del(o, "owner");
	if (!detail)
		json_object_del(o, "steps");
	return o;
}

struct http_resp *
api_jobs_accepted(const struct trigger_jobs *jobs)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < jobs->n; i++)
		json_array_append_new(a, json_integer(jobs->ids[i]));
	return http_resp_json(202, json_pack("{s:o, s:b}", "jobs", a, "joined",
	    jobs->joined));
}

struct http_resp *
api_jobs_update(struct http_req *req)
{
	struct trigger_who	 who = { STORE_TRIGGER_API, req->user,
				    req->peer };
	struct trigger_update	 u = { 0 };
	struct trigger_jobs	 jobs;
	struct http_resp	*resp = NULL;
	struct dr_error		 e;
	json_t			*body, *x, *plan;
	bool			 dry;

	if ((body = http_req_json(req, &resp)) == NULL)
		return resp;
	u.scope = json_string_value(json_object_get(body, "scope"));
	u.target = json_string_value(json_object_get(body, "target"));
	u.to = json_string_value(json_object_get(body, "to"));
	if (((x = json_object_get(body, "dry_run")) != NULL &&
	    !json_is_boolean(x)) || ((x = json_object_get(body,
	    "allow_arch_mismatch")) != NULL && !json_is_boolean(x)) ||
	    ((x = json_object_get(body, "to")) != NULL && !json_is_null(x) &&
	    !json_is_string(x))) {
		resp = http_resp_error("bad_request", "dry_run and "
		    "allow_arch_mismatch are booleans, to a string");
		goto out;
	}
	dry = json_is_true(json_object_get(body, "dry_run"));
	u.allow_arch_mismatch = json_is_true(json_object_get(body,
	    "allow_arch_mismatch"));
	if (dry) {
		if (trigger_plan(req->srv, &who, &u, &plan, &e) != DR_OK)
			resp = api_resp_err(&e);
		else
			resp = http_resp_json(200, json_pack("{s:b, s:o}",
			    "dry_run", 1, "plan", plan));
		goto out;
	}
	if (trigger_update(req->srv, &who, &u, &jobs, &e) != DR_OK) {
		resp = api_resp_err(&e);
		goto out;
	}
	resp = api_jobs_accepted(&jobs);
	trigger_jobs_done(&jobs);
out:
	json_decref(body);
	return resp;
}

/* True when job j matches the service and source filters. */
static bool
api_job_match(const struct store_job *j, const char *service,
    const char *source)
{
	const char	*slash;

	if (source != NULL && strcmp(store_trigger_name(j->trigger), source) !=
	    0)
		return false;
	if (service == NULL)
		return true;
	if (j->target == NULL)
		return false;
	if (strcmp(j->target, service) == 0)
		return true;
	if (strncmp(service, "_/", 2) == 0 && strcmp(j->target, service + 2) ==
	    0)
		return true;
	slash = strchr(j->target, '/');
	return strchr(service, '/') == NULL && slash != NULL &&
	    strcmp(slash + 1, service) == 0;
}

struct http_resp *
api_jobs_list(struct http_req *req)
{
	struct store_job_filter	 f = { 0 };
	struct store_job_list	 l;
	struct store_job	*j;
	struct http_resp	*resp = NULL;
	struct dr_error		 e;
	struct store		*st;
	enum store_job_state	 state;
	const char		*s, *service, *source;
	json_t			*a;
	int64_t			 limit, before, next = 0;
	size_t			 i;
	bool			 more = true;

	if (!api_query_int(req, "limit", 1, STORE_JOB_PAGE_MAX, 50, &limit,
	    &resp) || !api_query_int(req, "before", 0, INT64_MAX, 0, &before,
	    &resp))
		return resp;
	if ((s = http_req_query(req, "state")) != NULL && *s != '\0') {
		if (!store_job_state_parse(s, &state))
			return http_resp_error("bad_request", "unknown state");
		f.states = STORE_JOB_STATE_BIT(state);
	}
	source = http_req_query(req, "source");
	if (source != NULL && *source == '\0')
		source = NULL;
	if (source != NULL) {
		enum store_trigger	tr;

		if (!store_trigger_parse(source, &tr))
			return http_resp_error("bad_request", "unknown source");
	}
	service = http_req_query(req, "service");
	if (service != NULL && *service == '\0')
		service = NULL;
	f.stack = http_req_query(req, "stack");
	if (f.stack != NULL && *f.stack == '\0')
		f.stack = NULL;
	if ((st = serve_store(req->srv, &e)) == NULL)
		return api_resp_err(&e);
	a = json_array();
	f.before_id = before;
	/* Filters the store cannot apply run here: read pages until the
	 * page is full or the jobs end. */
	while ((int64_t)json_array_size(a) < limit && more) {
		f.limit = (size_t)limit;
		if (store_job_list(st, &f, &l, &e) != DR_OK) {
			json_decref(a);
			return api_resp_err(&e);
		}
		for (i = 0; i < l.n && (int64_t)json_array_size(a) < limit;
		    i++) {
			next = l.jobs[i].id;
			if (!api_job_match(&l.jobs[i], service, source))
				continue;
			j = NULL;
			if (store_job_get(st, l.jobs[i].id, &j, NULL) == DR_OK)
				json_array_append_new(a, api_job_json(st, j,
				    false));
			store_job_free(j);
		}
		more = l.more || i < l.n;
		f.before_id = next;
		store_job_list_done(&l);
	}
	return http_resp_json(200, json_pack("{s:o, s:o}", "jobs", a, "next",
	    more && next > 0 ? json_integer(next) : json_null()));
}

/* The job of the URL's {id} into *ret; NULL or an error response. */
static struct http_resp *
api_job_load(struct http_req *req, struct store **ret_st,
    struct store_job **ret)
{
	struct dr_error	 e;
	char		*end;
	long long	 id;

	*ret = NULL;
	id = strtoll(req->capture[0], &end, 10);
	if (id <= 0 || *end != '\0')
		return http_resp_error("bad_request", "bad job id");
	if ((*ret_st = serve_store(req->srv, &e)) == NULL)
		return api_resp_err(&e);
	if (store_job_get(*ret_st, id, ret, &e) != DR_OK)
		return api_resp_err(&e);
	return NULL;
}

struct http_resp *
api_jobs_get(struct http_req *req)
{
	struct store_job	*j;
	struct store		*st;
	struct http_resp	*resp;

	if ((resp = api_job_load(req, &st, &j)) != NULL)
		return resp;
	resp = http_resp_json(200, api_job_json(st, j, true));
	store_job_free(j);
	return resp;
}

static json_t *
api_log_line(const struct store_log_line *l)
{
	return json_pack("{s:I, s:I, s:s, s:s%}", "id", (json_int_t)l->id,
	    "ts", (json_int_t)l->ts, "stream", store_log_stream_name(l->stream),
	    "line", l->text, l->len);
}

struct http_resp *
api_jobs_logs(struct http_req *req)
{
	struct store_log_page	 p;
	struct store_job	*j;
	struct store		*st;
	struct http_resp	*resp = NULL;
	struct dr_error		 e;
	json_t			*a;
	int64_t			 after, limit;
	size_t			 i;
	bool			 done;

	if (!api_query_int(req, "after", 0, INT64_MAX, 0, &after, &resp) ||
	    !api_query_int(req, "limit", 1, STORE_LOG_PAGE_MAX, 500, &limit,
	    &resp))
		return resp;
	if ((resp = api_job_load(req, &st, &j)) != NULL)
		return resp;
	done = store_job_state_terminal(j->state);
	if (store_job_log_page(st, j->id, after, (size_t)limit, &p, &e) !=
	    DR_OK) {
		store_job_free(j);
		return api_resp_err(&e);
	}
	a = json_array();
	for (i = 0; i < p.n; i++)
		json_array_append_new(a, api_log_line(&p.lines[i]));
	resp = http_resp_json(200, json_pack("{s:o, s:o, s:b}", "lines", a,
	    "next", p.more ? json_integer(p.next_after) : json_null(), "done",
	    done && !p.more));
	store_log_page_done(&p);
	store_job_free(j);
	return resp;
}

/* ---- server-sent events ---- */

struct api_events {
	struct serve		*srv;
	int64_t			 id;
	int64_t			 last_log;
	enum store_job_state	 state;
	bool			 state_sent;
	int			*step_status;	/* by seq - 1; -1: not sent */
	size_t			 nsteps;
	struct buf		 out;		/* events not yet written */
	size_t			 pos;
	struct timespec		 polled;
	bool			 ended;
	bool			 last;		/* `end` queued */
};

static void
api_event(struct api_events *ev, const char *name, json_t *data)
{
	char	*s = json_dumps(data, JSON_COMPACT);

	buf_printf(&ev->out, "event: %s\ndata: %s\n\n", name, s ? s : "{}");
	free(s);
	json_decref(data);
}

/* Reads the job and queues the events of what changed. */
static void
api_events_poll(struct api_events *ev)
{
	struct store_log_page	 p;
	struct store_job	*j = NULL;
	struct store		*st;
	size_t			 i;
	bool			 drained = true;

	if ((st = serve_store(ev->srv, NULL)) == NULL ||
	    store_job_get(st, ev->id, &j, NULL) != DR_OK) {
		api_event(ev, "end", json_pack("{s:I, s:s}", "id",
		    (json_int_t)ev->id, "error", "the job cannot be read"));
		ev->last = true;
		goto out;
	}
	if (!ev->state_sent || j->state != ev->state) {
		api_event(ev, "state", json_pack("{s:I, s:s, s:s?}", "id",
		    (json_int_t)j->id, "state", store_job_state_name(j->state),
		    "summary", j->summary));
		ev->state = j->state;
		ev->state_sent = true;
	}
	if (j->nsteps > ev->nsteps) {
		ev->step_status = xreallocarray(ev->step_status, j->nsteps,
		    sizeof(int));
		for (i = ev->nsteps; i < j->nsteps; i++)
			ev->step_status[i] = -1;
		ev->nsteps = j->nsteps;
	}
	for (i = 0; i < j->nsteps; i++) {
		const struct store_job_step	*s = &j->steps[i];

		if (ev->step_status[i] == (int)s->status)
			continue;
		ev->step_status[i] = (int)s->status;
		api_event(ev, "step", json_pack("{s:i, s:s, s:s, s:s?}", "seq",
		    s->seq, "name", s->name, "status",
		    store_step_status_name(s->status), "error", s->error));
	}
	if (store_job_log_page(st, ev->id, ev->last_log, API_EVENTS_LOG_PAGE,
	    &p, NULL) == DR_OK) {
		for (i = 0; i < p.n; i++) {
			api_event(ev, "log", api_log_line(&p.lines[i]));
			ev->last_log = p.lines[i].id;
		}
		drained = !p.more;
		store_log_page_done(&p);
	}
	if (store_job_state_terminal(j->state) && drained) {
		api_event(ev, "end", json_pack("{s:I, s:s}", "id",
		    (json_int_t)j->id, "state",
		    store_job_state_name(j->state)));
		ev->last = true;
	}
out:
	store_job_free(j);
}

static long
api_events_next(void *arg, char *out, size_t max)
{
	struct api_events	*ev = arg;
	struct timespec		 now;
	size_t			 n;
	long			 ms;

	if (ev->pos >= buf_span(&ev->out).len) {
		if (ev->last)
			return -1;
		buf_reset(&ev->out);
		ev->pos = 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (now.tv_sec - ev->polled.tv_sec) * 1000 +
		    (now.tv_nsec - ev->polled.tv_nsec) / 1000000;
		if (ev->polled.tv_sec != 0 && ms < API_EVENTS_POLL_MS)
			return 0;
		ev->polled = now;
		api_events_poll(ev);
		if (buf_span(&ev->out).len == 0)
			return 0;
	}
	n = buf_span(&ev->out).len - ev->pos;
	if (n > max)
		n = max;
	memcpy(out, buf_str(&ev->out) + ev->pos, n);
	ev->pos += n;
	return (long)n;
}

static void
api_events_done(void *arg)
{
	struct api_events	*ev = arg;

	buf_done(&ev->out);
	free(ev->step_status);
	free(ev);
}

struct http_resp *
api_jobs_events(struct http_req *req)
{
	struct api_events	*ev;
	struct store_job	*j;
	struct store		*st;
	struct http_resp	*resp;

	if ((resp = api_job_load(req, &st, &j)) != NULL)
		return resp;
	ev = xcalloc(1, sizeof(*ev));
	ev->srv = req->srv;
	ev->id = j->id;
	buf_init(&ev->out, API_EVENTS_BUF_MAX);
	store_job_free(j);
	resp = http_resp_stream("text/event-stream", api_events_next,
	    api_events_done, ev);
	if (resp == NULL)
		api_events_done(ev);
	else
		http_resp_header(resp, "Cache-Control", "no-cache");
	return resp;
}
