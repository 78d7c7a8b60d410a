/*
 * http: the daemon's HTTP server on libmicrohttpd (a pool of threads,
 * epoll, suspend/resume for streams) and its router.  Invariant: a
 * handler runs only for a request that matched its route, passed auth and
 * the origin check, and whose whole body (within the route's cap) is read;
 * every request gets exactly one response and one access log line.
 */
#include "http.h"

#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "api-error.h"
#include "auth.h"
#include "buf.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "serve.h"
#include "xmalloc.h"

/* What a body may run past its cap before the connection is dropped
 * instead of answered 413 (a chunked body has no Content-Length). */
#define HTTP_DISCARD_MAX	(1024 * 1024)
#define HTTP_URI_MAX		8192
#define HTTP_STACK_SIZE		(512 * 1024)

enum resp_kind {
	RESP_BUFFER,
	RESP_STREAM,
};

struct http_stream;

struct http_resp {
	int			 status;
	struct MHD_Response	*r;
	struct http_stream	*stream;	/* RESP_STREAM */
};

/* A streamed response; freed by MHD's free callback (stream_free). */
struct http_stream {
	long			(*next)(void *, char *, size_t);
	void			(*done)(void *);
	void			*arg;
	struct http_server	*hs;
	struct MHD_Connection	*conn;
	struct http_stream	*next_suspended;
	bool			 suspended;
};

struct http_server {
	struct MHD_Daemon	*d;
	struct serve		*srv;
	const struct http_route	**routes;
	size_t			 nroutes;
	unsigned		 port;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	pthread_t		 waker;
	bool			 waker_started;
	bool			 stopping;	/* streams end, waker exits */
	bool			 quiesced;
	struct http_stream	*suspended;	/* list, under mu */
	/* Streams queued and not yet freed, under their own lock (taken
	 * from MHD's free callback, so never nested with mu). */
	pthread_mutex_t		 smu;
	pthread_cond_t		 scv;
	int			 nstreams;
};

/* How long http_stop lets ended streams send their last bytes. */
#define HTTP_STOP_DRAIN_MS	2000

/* One request (MHD's con_cls), from the URI callback to completion. */
struct http_ctx {
	struct http_req		 req;
	struct http_server	*hs;
	struct timespec		 start;
	char			*uri;		/* raw, as sent */
	char			*path;		/* decoded */
	char			*log_path;	/* raw path or pattern */
	char			*caps[HTTP_MAX_CAPTURES];
	struct auth_header	 hdrs[HTTP_HEADERS_MAX];
	size_t			 nhdrs;
	bool			 too_many_headers;
	char			*qk[HTTP_QUERY_MAX];
	char			*qv[HTTP_QUERY_MAX];
	size_t			 nq;
	const struct http_route	*route;	/* NULL: answer deferred */
	struct http_resp	*deferred;	/* the 405, after the body */
	struct buf		 body;
	size_t			 body_max;
	size_t			 seen;
	bool			 started;
	bool			 too_big;
	int			 status;	/* 0 until queued */
	char			 peer[64];
	char			*user;
};

/* ---- responses -------------------------------------------------------- */

static struct http_resp *
resp_wrap(int status, struct MHD_Response *r)
{
	struct http_resp	*resp;

	if (r == NULL)
		return NULL;
	resp = xcalloc(1, sizeof(*resp));
	resp->status = status;
	resp->r = r;
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	return resp;
}

static void
resp_free(struct http_resp *resp)
{
	if (resp == NULL)
		return;
	if (resp->r != NULL)
		MHD_destroy_response(resp->r);
	free(resp);
}

struct http_resp *
http_resp_text(int status, const char *content_type, const char *body,
    size_t len)
{
	struct http_resp	*resp;
	void			*copy = xmalloc(len ? len : 1);

	memcpy(copy, body, len);
	resp = resp_wrap(status, MHD_create_response_from_buffer(len, copy,
	    MHD_RESPMEM_MUST_FREE));
	if (resp == NULL) {
		free(copy);
		return NULL;
	}
	if (content_type != NULL)
		MHD_add_response_header(resp->r, "Content-Type", content_type);
	return resp;
}

struct http_resp *
http_resp_static(int status, const char *content_type, const void *body,
    size_t len, void (*release)(void *), void *release_arg)
{
	struct http_resp	*resp;
	struct MHD_Response	*r;

	if (release != NULL)
		r = MHD_create_response_from_buffer_with_free_callback_cls(len,
		    (void *)(uintptr_t)body, release, release_arg);
	else
		r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
		    MHD_RESPMEM_PERSISTENT);
	if ((resp = resp_wrap(status, r)) == NULL) {
		if (release != NULL)
			release(release_arg);
		return NULL;
	}
	if (content_type != NULL)
		MHD_add_response_header(resp->r, "Content-Type", content_type);
	return resp;
}

struct http_resp *
http_resp_json(int status, json_t *v)
{
	struct http_resp	*resp;
	char			*text;

	if (v == NULL)
		return NULL;
	text = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	if (text == NULL)
		return NULL;
	resp = resp_wrap(status, MHD_create_response_from_buffer(strlen(text),
	    text, MHD_RESPMEM_MUST_FREE));
	if (resp == NULL) {
		free(text);
		return NULL;
	}
	MHD_add_response_header(resp->r, "Content-Type",
	    "application/json; charset=utf-8");
	MHD_add_response_header(resp->r, "Cache-Control", "no-store");
	return resp;
}

struct http_resp *
http_resp_empty(int status)
{
	return resp_wrap(status, MHD_create_response_from_buffer(0, NULL,
	    MHD_RESPMEM_PERSISTENT));
}

static struct http_resp *
resp_error_v(const char *code, const char *fmt, va_list ap)
{
	char	msg[DR_ERROR_MSG_MAX];

	if (!api_error_known(code))
		code = "internal";
	vsnprintf(msg, sizeof(msg), fmt, ap);
	return http_resp_json(api_error_status(code), json_pack("{s:{s:s,s:s}}",
	    "error", "code", code, "message", msg));
}

struct http_resp *
http_resp_error(const char *code, const char *fmt, ...)
{
	struct http_resp	*resp;
	va_list			 ap;

	va_start(ap, fmt);
	resp = resp_error_v(code, fmt, ap);
	va_end(ap);
	return resp;
}

struct http_resp *
http_resp_from_err(enum dr_err err, const struct dr_error *e)
{
	const char	*msg = e != NULL && e->msg[0] != '\0' ? e->msg :
	    dr_err_text(err);

	return http_resp_error(api_error_code_of(err), "%s", msg);
}

bool
http_resp_header(struct http_resp *resp, const char *name, const char *value)
{
	if (resp == NULL || resp->r == NULL)
		return false;
	/* Ours win: a handler replaces a default such as Cache-Control. */
	MHD_del_response_header(resp->r, name, MHD_get_response_header(resp->r,
	    name));
	return MHD_add_response_header(resp->r, name, value) == MHD_YES;
}

/* ---- streams ----------------------------------------------------------- */

static ssize_t
stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct http_stream	*s = cls;
	struct http_server	*hs = s->hs;
	long			 n;

	(void)pos;
	if (hs == NULL || s->conn == NULL)
		return MHD_CONTENT_READER_END_OF_STREAM;
	pthread_mutex_lock(&hs->mu);
	if (hs->stopping) {
		pthread_mutex_unlock(&hs->mu);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	pthread_mutex_unlock(&hs->mu);
	n = s->next(s->arg, out, max);
	if (n < 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n > 0)
		return (ssize_t)(n > (long)max ? (long)max : n);
	/*
	 * Nothing yet.  Returning 0 alone would make MHD call again at once
	 * (a busy loop holding one of the pool's threads), so park the
	 * connection; the waker resumes it after HTTP_STREAM_POLL_MS.  The
	 * lock makes parking and http_quiesce's resume-all exclusive, so no
	 * connection stays suspended when the daemon stops.
	 */
	pthread_mutex_lock(&hs->mu);
	if (hs->stopping) {
		pthread_mutex_unlock(&hs->mu);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	s->suspended = true;
	s->next_suspended = hs->suspended;
	hs->suspended = s;
	MHD_suspend_connection(s->conn);
	pthread_mutex_unlock(&hs->mu);
	return 0;
}

static void
stream_free(void *cls)
{
	struct http_stream	*s = cls;
	struct http_server	*hs = s->hs;

	if (s->done != NULL)
		s->done(s->arg);
	free(s);
	if (hs != NULL) {
		pthread_mutex_lock(&hs->smu);
		hs->nstreams--;
		pthread_cond_broadcast(&hs->scv);
		pthread_mutex_unlock(&hs->smu);
	}
}

struct http_resp *
http_resp_stream(const char *content_type,
    long (*next)(void *arg, char *out, size_t max), void (*done)(void *arg),
    void *arg)
{
	struct http_stream	*s = xcalloc(1, sizeof(*s));
	struct http_resp	*resp;
	struct MHD_Response	*r;

	s->next = next;
	s->done = done;
	s->arg = arg;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
	    stream_read, s, stream_free);
	if (r == NULL) {
		stream_free(s);
		return NULL;
	}
	resp = resp_wrap(200, r);
	resp->stream = s;
	if (content_type != NULL)
		MHD_add_response_header(r, "Content-Type", content_type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	/* Tell nginx-style proxies not to buffer the stream. */
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	return resp;
}

/* Resumes every parked stream (under hs->mu). */
static void
resume_all_locked(struct http_server *hs)
{
	struct http_stream	*s;

	while ((s = hs->suspended) != NULL) {
		hs->suspended = s->next_suspended;
		s->next_suspended = NULL;
		s->suspended = false;
		MHD_resume_connection(s->conn);
	}
}

static void *
waker_main(void *arg)
{
	struct http_server	*hs = arg;
	struct timespec		 until;

	pthread_mutex_lock(&hs->mu);
	while (!hs->stopping) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += HTTP_STREAM_POLL_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&hs->cv, &hs->mu, &until);
		resume_all_locked(hs);
	}
	pthread_mutex_unlock(&hs->mu);
	return NULL;
}

/* ---- requests ---------------------------------------------------------- */

const char *
http_req_header(const struct http_req *req, const char *name)
{
	const struct http_ctx	*x = req->conn;
	size_t			 i;

	for (i = 0; x != NULL && i < x->nhdrs; i++)
		if (strcasecmp(x->hdrs[i].name, name) == 0)
			return x->hdrs[i].value;
	return NULL;
}

int
http_req_header_count(const struct http_req *req, const char *name)
{
	const struct http_ctx	*x = req->conn;
	size_t			 i;
	int			 n = 0;

	for (i = 0; x != NULL && i < x->nhdrs; i++)
		if (strcasecmp(x->hdrs[i].name, name) == 0)
			n++;
	return n;
}

const char *
http_req_query(const struct http_req *req, const char *key)
{
	const struct http_ctx	*x = req->conn;
	size_t			 i;

	for (i = 0; x != NULL && i < x->nq; i++)
		if (strcmp(x->qk[i], key) == 0)
			return x->qv[i];
	return NULL;
}

json_t *
http_req_json(const struct http_req *req, struct http_resp **ret_resp)
{
	const char	*ct = http_req_header(req, "Content-Type");
	size_t		 n;
	json_t		*j;
	json_error_t	 jerr;

	*ret_resp = NULL;
	n = ct ? strcspn(ct, "; \t") : 0;
	if (ct == NULL || n != strlen("application/json") ||
	    strncasecmp(ct, "application/json", n) != 0) {
		*ret_resp = http_resp_error("unsupported_media_type",
		    "the body must be application/json");
		return NULL;
	}
	if (req->body == NULL || req->body_len == 0) {
		*ret_resp = http_resp_error("bad_request",
		    "a JSON object body is required");
		return NULL;
	}
	j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		*ret_resp = http_resp_error("bad_request", "malformed JSON at "
		    "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		*ret_resp = http_resp_error("bad_request",
		    "the body must be a JSON object");
		return NULL;
	}
	return j;
}

/* ---- routing ------------------------------------------------------------ */

/* Percent-decodes s[0..n) into a new string; NULL for a bad escape or a
 * NUL.  plus: '+' means a space (query strings). */
static char *
pct_decode(const char *s, size_t n, bool plus)
{
	char	*out = xmalloc(n + 1), *o = out;
	size_t	 i;
	int	 h, l;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n)
				goto bad;
			if ((h = span_hexval(s[i + 1])) < 0 ||
			    (l = span_hexval(s[i + 2])) < 0 || (h == 0 && l == 0))
				goto bad;
			*o++ = (char)(h * 16 + l);
			i += 2;
		} else if (s[i] == '+' && plus)
			*o++ = ' ';
		else if (s[i] == '\0')
			goto bad;
		else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

struct http_path {
	char	*seg[HTTP_SEGMENTS_MAX];
	size_t	 n;
};

static void
path_done(struct http_path *p)
{
	size_t	i;

	for (i = 0; i < p->n; i++)
		free(p->seg[i]);
	p->n = 0;
}

/* Splits the raw path into decoded segments; false (with a reason) when
 * it cannot be routed. */
static bool
path_split(const char *raw, size_t len, struct http_path *p,
    const char **ret_why)
{
	size_t	i = 1, j;

	p->n = 0;
	if (len == 0 || raw[0] != '/') {
		*ret_why = "the path must start with '/'";
		return false;
	}
	if (len == 1)
		return true;	/* "/": no segments */
	for (;;) {
		for (j = i; j < len && raw[j] != '/'; j++)
			;
		if (p->n == HTTP_SEGMENTS_MAX) {
			*ret_why = "too many path segments";
			return false;
		}
		if ((p->seg[p->n] = pct_decode(raw + i, j - i, false)) ==
		    NULL) {
			*ret_why = "a bad percent escape or a NUL in the path";
			return false;
		}
		if (strcmp(p->seg[p->n], ".") == 0 ||
		    strcmp(p->seg[p->n], "..") == 0) {
			p->n++;
			*ret_why = "a \".\" or \"..\" path segment";
			return false;
		}
		p->n++;
		if (j >= len)
			break;
		i = j + 1;
	}
	return true;
}

/*
 * Matches pattern against the path; on a match returns true with a
 * specificity score per position in score[] (2 literal, 1 capture, 0
 * wildcard), ncaps and the capture texts (new strings) in caps.
 */
static bool
route_match(const char *pattern, const struct http_path *p,
    unsigned char *score, char **caps, int *ret_ncaps)
{
	const char	*s = pattern;
	size_t		 i = 0, k;
	int		 nc = 0;
	struct buf	 rest;

	*ret_ncaps = 0;
	if (*s == '/')
		s++;
	memset(score, 0, HTTP_SEGMENTS_MAX + 1);
	while (*s != '\0') {
		const char	*e = strchr(s, '/');
		size_t		 sl = e ? (size_t)(e - s) : strlen(s);

		if (sl == 1 && s[0] == '*' && e == NULL) {
			if (nc >= HTTP_MAX_CAPTURES)
				goto nomatch;
			buf_init(&rest, HTTP_URI_MAX);
			for (k = i; k < p->n; k++) {
				if (k > i)
					buf_addc(&rest, '/');
				buf_adds(&rest, p->seg[k]);
			}
			caps[nc++] = buf_steal(&rest);
			if (caps[nc - 1] == NULL)
				caps[nc - 1] = xstrdup("");
			*ret_ncaps = nc;
			return true;
		}
		if (i >= p->n)
			goto nomatch;
		if (sl >= 2 && s[0] == '{' && s[sl - 1] == '}') {
			if (p->seg[i][0] == '\0' || nc >= HTTP_MAX_CAPTURES)
				goto nomatch;
			caps[nc++] = xstrdup(p->seg[i]);
			score[i] = 1;
		} else {
			if (strlen(p->seg[i]) != sl ||
			    memcmp(p->seg[i], s, sl) != 0)
				goto nomatch;
			score[i] = 2;
		}
		i++;
		s += sl;
		if (*s == '/')
			s++;
	}
	if (i != p->n)
		goto nomatch;
	*ret_ncaps = nc;
	return true;
nomatch:
	while (nc > 0)
		free(caps[--nc]);
	return false;
}

static bool
method_fits(const char *route_method, const char *method)
{
	if (strcmp(route_method, method) == 0)
		return true;
	return strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0;
}

/* The fallback route, pattern "/" then "*" (the UI), answers GET only; it
 * never makes a path "exist" for other methods. */
static bool
route_is_fallback(const struct http_route *r)
{
	return strcmp(r->pattern, "/*") == 0;
}

/* True when the Allow list already names method. */
static bool
allow_has(const struct buf *allow, const char *method)
{
	const char	*s = buf_str(allow);
	size_t		 n = strlen(method);

	while ((s = strstr(s, method)) != NULL) {
		if ((s == buf_str(allow) || s[-1] == ' ') &&
		    (s[n] == '\0' || s[n] == ','))
			return true;
		s += n;
	}
	return false;
}

/*
 * Finds the route for method and path.  Returns it (captures moved into
 * x->caps) or NULL with *ret_resp the 404/405 answer.
 */
static const struct http_route *
route_find(struct http_ctx *x, const struct http_path *p, const char *method,
    struct http_resp **ret_resp, unsigned *ret_flags, size_t *ret_cap)
{
	struct http_server	*hs = x->hs;
	const struct http_route	*best = NULL;
	unsigned char		 best_score[HTTP_SEGMENTS_MAX + 1];
	unsigned char		 score[HTTP_SEGMENTS_MAX + 1];
	char			*caps[HTTP_MAX_CAPTURES];
	int			 nc, best_nc = 0, i;
	size_t			 r;
	struct buf		 allow;

	buf_init(&allow, 256);
	*ret_flags = ~0u;
	*ret_cap = 0;
	for (r = 0; r < hs->nroutes; r++) {
		const struct http_route	*rt = hs->routes[r];

		if (!route_match(rt->pattern, p, score, caps, &nc))
			continue;
		if (!method_fits(rt->method, method)) {
			if (!route_is_fallback(rt)) {
				/* What the path's routes demand of any
				 * method: the strictest checks, the largest
				 * cap. */
				*ret_flags &= rt->flags;
				if ((rt->body_max ? rt->body_max :
				    HTTP_BODY_MAX) > *ret_cap)
					*ret_cap = rt->body_max ?
					    rt->body_max : HTTP_BODY_MAX;
			}
			if (!route_is_fallback(rt) && !allow_has(&allow,
			    rt->method)) {
				if (allow.len > 0)
					buf_adds(&allow, ", ");
				buf_adds(&allow, rt->method);
				if (strcmp(rt->method, "GET") == 0)
					buf_adds(&allow, ", HEAD");
			}
			while (nc > 0)
				free(caps[--nc]);
			continue;
		}
		if (best == NULL || memcmp(score, best_score,
		    sizeof(score)) > 0) {
			for (i = 0; i < best_nc; i++) {
				free(x->caps[i]);
				x->caps[i] = NULL;
			}
			best = rt;
			memcpy(best_score, score, sizeof(score));
			memcpy(x->caps, caps, sizeof(caps[0]) * (size_t)nc);
			best_nc = nc;
		} else
			while (nc > 0)
				free(caps[--nc]);
	}
	if (best != NULL) {
		x->req.ncaptures = best_nc;
		for (i = 0; i < best_nc; i++)
			x->req.capture[i] = x->caps[i];
	} else if (allow.len > 0) {
		*ret_resp = http_resp_error("method_not_allowed",
		    "%s is not allowed here", method);
		http_resp_header(*ret_resp, "Allow", buf_str(&allow));
	} else
		*ret_resp = http_resp_error("not_found", "no such endpoint");
	buf_done(&allow);
	return best;
}

/* Parses the query into x->qk/qv; false when malformed. */
static bool
query_parse(struct http_ctx *x, const char *q)
{
	const char	*amp, *eq;
	size_t		 len;

	while (*q != '\0') {
		amp = strchr(q, '&');
		len = amp ? (size_t)(amp - q) : strlen(q);
		if (len > 0) {
			if (x->nq == HTTP_QUERY_MAX)
				return false;
			eq = memchr(q, '=', len);
			x->qk[x->nq] = pct_decode(q, eq ? (size_t)(eq - q) : len,
			    true);
			x->qv[x->nq] = eq ? pct_decode(eq + 1, len -
			    (size_t)(eq - q) - 1, true) : xstrdup("");
			if (x->qk[x->nq] == NULL || x->qv[x->nq] == NULL) {
				free(x->qk[x->nq]);
				free(x->qv[x->nq]);
				return false;
			}
			x->nq++;
		}
		if (amp == NULL)
			break;
		q = amp + 1;
	}
	return true;
}

/* ---- MHD callbacks ------------------------------------------------------ */

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct http_ctx	*x = xcalloc(1, sizeof(*x));
	const union MHD_ConnectionInfo *ci;

	(void)conn;
	x->hs = cls;
	clock_gettime(CLOCK_MONOTONIC, &x->start);
	x->uri = xstrndup(uri, HTTP_URI_MAX);
	x->req.srv = x->hs->srv;
	x->req.conn = x;
	x->req.peer = x->peer;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL)
		auth_peer_text(ci->client_addr, x->peer, sizeof(x->peer));
	buf_init(&x->body, HTTP_BODY_MAX);
	return x;
}

static enum MHD_Result
collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct http_ctx	*x = cls;

	(void)kind;
	if (x->nhdrs == HTTP_HEADERS_MAX) {
		x->too_many_headers = true;
		return MHD_NO;
	}
	x->hdrs[x->nhdrs].name = key;
	x->hdrs[x->nhdrs].value = value ? value : "";
	x->nhdrs++;
	return MHD_YES;
}

static enum MHD_Result
queue(struct http_ctx *x, struct MHD_Connection *conn, struct http_resp *resp)
{
	enum MHD_Result	rc;

	if (resp == NULL)
		resp = http_resp_error("internal", "out of memory");
	if (resp == NULL)
		return MHD_NO;
	if (resp->stream != NULL) {
		resp->stream->hs = x->hs;
		resp->stream->conn = conn;
		pthread_mutex_lock(&x->hs->smu);
		x->hs->nstreams++;
		pthread_mutex_unlock(&x->hs->smu);
	}
	x->status = resp->status;
	rc = MHD_queue_response(conn, (unsigned)resp->status, resp->r);
	resp_free(resp);
	return rc;
}

/* Everything decided from the headers alone: the route, auth, origin,
 * the declared body size.  Returns an early response or NULL. */
static struct http_resp *
request_begin(struct http_ctx *x, struct MHD_Connection *conn,
    const char *method)
{
	struct http_server	*hs = x->hs;
	const struct config	*cfg = hs->srv->cfg;
	const union MHD_ConnectionInfo *ci;
	struct http_path	 p = { .n = 0 };
	struct http_resp	*resp = NULL, *early = NULL;
	const char		*why = NULL, *user = NULL, *q, *cl;
	unsigned		 flags = 0;
	size_t			 plen, i;
	struct buf		 dp;
	char			*end;
	unsigned long long	 declared;

	x->req.method = method;
	MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, x);
	q = strchr(x->uri, '?');
	plen = q ? (size_t)(q - x->uri) : strlen(x->uri);
	x->log_path = xstrndup(x->uri, plen > 256 ? 256 : plen);
	if (x->too_many_headers)
		return http_resp_error("bad_request", "too many headers");
	if (!path_split(x->uri, plen, &p, &why)) {
		resp = http_resp_error("bad_request", "%s", why);
		goto out;
	}
	if (q != NULL && !query_parse(x, q + 1)) {
		resp = http_resp_error("bad_request", "a malformed query");
		goto out;
	}
	buf_init(&dp, HTTP_URI_MAX);
	for (i = 0; i < p.n; i++) {
		buf_addc(&dp, '/');
		buf_adds(&dp, p.seg[i]);
	}
	x->path = dp.len ? buf_steal(&dp) : xstrdup("/");
	buf_done(&dp);
	x->req.path = x->path;
	/*
	 * A path no route has is 404 at once.  A path routes have for other
	 * methods passes the same gates as a request they would take (auth,
	 * origin, size) before its 405: the answer then tells an outsider
	 * nothing about the API.
	 */
	x->route = route_find(x, &p, method, &early, &flags, &x->body_max);
	if (x->route == NULL && (flags == ~0u || early == NULL)) {
		resp = early;
		early = NULL;
		goto out;
	}
	if (x->route != NULL) {
		flags = x->route->flags;
		x->body_max = x->route->body_max ? x->route->body_max :
		    HTTP_BODY_MAX;
	}
	if (flags & HTTP_REDACT) {
		free(x->log_path);
		x->log_path = xstrdup(x->route ? x->route->pattern : "-");
	}
	if (!(flags & HTTP_NOAUTH)) {
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (auth_user(cfg, ci ? ci->client_addr : NULL, x->hdrs,
		    x->nhdrs, &user, &why) != AUTH_OK) {
			resp = http_resp_error("unauthorized", "%s", why);
			goto out;
		}
		x->user = xstrdup(user);
		x->req.user = x->user;
	}
	if (!(flags & HTTP_NOORIGIN) && auth_origin(cfg, method, x->hdrs,
	    x->nhdrs, &why) != AUTH_OK) {
		resp = http_resp_error("forbidden", "%s", why);
		goto out;
	}
	if ((cl = http_req_header(&x->req, "Content-Length")) != NULL) {
		errno = 0;
		declared = strtoull(cl, &end, 10);
		if (errno == 0 && *end == '\0' && declared > x->body_max) {
			resp = http_resp_error("payload_too_large", "the body "
			    "is larger than %zu bytes", x->body_max);
			goto out;
		}
	}
	/* A 405 waits for the body too: an oversized one is 413 first. */
	if (x->route == NULL) {
		x->deferred = early;
		early = NULL;
	}
	buf_done(&x->body);
	buf_init(&x->body, x->body_max);
out:
	resp_free(early);
	path_done(&p);
	return resp;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_ctx		*x = *con_cls;
	struct http_resp	*resp;

	(void)cls;
	(void)url;
	(void)version;
	if (x == NULL)
		return MHD_NO;
	if (!x->started) {
		x->started = true;
		if ((resp = request_begin(x, conn, method)) != NULL)
			return queue(x, conn, resp);
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		x->seen += *upload_data_size;
		if (x->seen > x->body_max)
			x->too_big = true;
		else
			buf_add(&x->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		/* Past this, drop the connection rather than read on. */
		return x->seen > x->body_max + HTTP_DISCARD_MAX ? MHD_NO :
		    MHD_YES;
	}
	if (x->too_big || buf_failed(&x->body))
		return queue(x, conn, http_resp_error("payload_too_large",
		    "the body is larger than %zu bytes", x->body_max));
	if (x->deferred != NULL) {
		resp = x->deferred;
		x->deferred = NULL;
		return queue(x, conn, resp);
	}
	if (x->seen > 0) {
		x->req.body = buf_str(&x->body);
		x->req.body_len = x->body.len;
	}
	return queue(x, conn, x->route->handler(&x->req));
}

static void
ctx_free(struct http_ctx *x)
{
	size_t	i;

	for (i = 0; i < HTTP_MAX_CAPTURES; i++)
		free(x->caps[i]);
	for (i = 0; i < x->nq; i++) {
		free(x->qk[i]);
		free(x->qv[i]);
	}
	resp_free(x->deferred);
	buf_done(&x->body);
	free(x->uri);
	free(x->path);
	free(x->log_path);
	free(x->user);
	free(x);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_ctx	*x = *con_cls;
	struct timespec	 now;
	long long	 us;
	char		 code[24];

	(void)cls;
	(void)conn;
	(void)toe;
	if (x == NULL)
		return;
	*con_cls = NULL;
	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (long long)(now.tv_sec - x->start.tv_sec) * 1000000 +
	    (now.tv_nsec - x->start.tv_nsec) / 1000;
	if (x->req.method != NULL)
		log_request(x->req.method, x->log_path ? x->log_path : "-",
		    x->status, us, x->req.user, x->peer);
	if (x->status != 0) {
		snprintf(code, sizeof(code), "code=%d", x->status);
		metrics_counter_add("dockrev_http_requests_total", code, 1);
	}
	ctx_free(x);
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	msg[512];
	size_t	n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_kv(LOG_LEVEL_WARN, "http server", "detail", msg, LOG_END);
}

/* MHD's own unescaping is off: the router decodes segment by segment. */
static size_t
no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

/* ---- server --------------------------------------------------------------- */

static void
server_free(struct http_server *hs)
{
	pthread_mutex_destroy(&hs->mu);
	pthread_cond_destroy(&hs->cv);
	pthread_mutex_destroy(&hs->smu);
	pthread_cond_destroy(&hs->scv);
	free(hs->routes);
	free(hs);
}

enum dr_err
http_start(struct serve *srv, const struct sockaddr *addr, socklen_t addrlen,
    const struct http_route *const *tables, size_t ntables,
    struct dr_error *reterr)
{
	struct http_server		*hs = xcalloc(1, sizeof(*hs));
	const union MHD_DaemonInfo	*di;
	const struct http_route		*r;
	unsigned			 flags;
	size_t				 t;

	(void)addrlen;
	hs->srv = srv;
	for (t = 0; t < ntables; t++)
		for (r = tables[t]; r != NULL && r->method != NULL; r++) {
			hs->routes = xreallocarray(hs->routes, hs->nroutes + 1,
			    sizeof(*hs->routes));
			hs->routes[hs->nroutes++] = r;
		}
	pthread_mutex_init(&hs->mu, NULL);
	pthread_cond_init(&hs->cv, NULL);
	pthread_mutex_init(&hs->smu, NULL);
	pthread_cond_init(&hs->scv, NULL);
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	if (addr->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	hs->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, hs,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, hs,
	    MHD_OPTION_SOCK_ADDR, addr,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTP_THREADS,
	    MHD_OPTION_THREAD_STACK_SIZE, (size_t)HTTP_STACK_SIZE,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONN_MAX,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_TIMEOUT_S,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, hs,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, hs,
	    MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, hs,
	    MHD_OPTION_END);
	if (hs->d == NULL) {
		server_free(hs);
		return dr_fail(reterr, DR_EIO, "cannot listen (address in use, "
		    "or not an address of this host?)");
	}
	di = MHD_get_daemon_info(hs->d, MHD_DAEMON_INFO_BIND_PORT);
	hs->port = di ? di->port : 0;
	if (pthread_create(&hs->waker, NULL, waker_main, hs) != 0) {
		MHD_stop_daemon(hs->d);
		server_free(hs);
		return dr_fail(reterr, DR_EIO, "cannot start a thread");
	}
	hs->waker_started = true;
	srv->server = hs;
	return DR_OK;
}

unsigned
http_port(const struct serve *srv)
{
	const struct http_server	*hs = srv->server;

	return hs ? hs->port : 0;
}

void
http_quiesce(struct serve *srv)
{
	struct http_server	*hs = srv->server;
	MHD_socket		 fd;

	if (hs == NULL)
		return;
	pthread_mutex_lock(&hs->mu);
	hs->stopping = true;
	resume_all_locked(hs);
	pthread_cond_broadcast(&hs->cv);
	pthread_mutex_unlock(&hs->mu);
	if (!hs->quiesced) {
		hs->quiesced = true;
		fd = MHD_quiesce_daemon(hs->d);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
	}
}

void
http_stop(struct serve *srv)
{
	struct http_server	*hs;
	struct timespec		 until;

	if (srv == NULL || (hs = srv->server) == NULL)
		return;
	http_quiesce(srv);
	if (hs->waker_started)
		pthread_join(hs->waker, NULL);
	/* The waker is gone: nothing can be parked any more (stopping). */
	pthread_mutex_lock(&hs->mu);
	resume_all_locked(hs);
	pthread_mutex_unlock(&hs->mu);
	/* Let the resumed streams end properly (their last chunk) before
	 * the connections close. */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += HTTP_STOP_DRAIN_MS / 1000;
	pthread_mutex_lock(&hs->smu);
	while (hs->nstreams > 0 && pthread_cond_timedwait(&hs->scv, &hs->smu,
	    &until) == 0)
		;
	pthread_mutex_unlock(&hs->smu);
	MHD_stop_daemon(hs->d);
	server_free(hs);
	srv->server = NULL;
}
