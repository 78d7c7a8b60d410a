/*
 * faultproxy: an HTTP reverse proxy for the test rig that sits in front of
 * a registry and injects faults on demand (429 / 500 answers, a dropped
 * Docker-Content-Digest header, truncated manifests, tag lists served in
 * pages with relative and absolute Link headers, or looping, Docker Hub
 * RateLimit headers).  Faults are set with
 * POST /_fault?key=value&... and counters read with GET /_fault/stats; those
 * two paths are never forwarded.  Invariant: without an armed fault, every
 * request is forwarded verbatim (method, raw path and query, headers, body)
 * and every answer is returned verbatim apart from hop-by-hop headers.
 *
 * usage: faultproxy -u UPSTREAM_URL [-a ADDR] [-p PORT] [-l LOGFILE]
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>

#define FP_BODY_MAX		(512u * 1024 * 1024) /* request or answer */
#define FP_HEADERS_MAX		64	/* upstream answer headers kept */
#define FP_URI_MAX		8192
#define FP_LOG_LINE_MAX		(FP_URI_MAX + 256)
#define FP_COUNT_MAX		1000000	/* bound for armed fault counts */

/* Owned, growable byte buffer, always NUL-terminated when non-empty. */
struct fp_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	bool	 overflow;
};

struct fp_header {
	char	*name;
	char	*value;
};

/* One client request, from the URI log callback to request completion. */
struct fp_request {
	char		*uri;		/* raw path and query */
	struct fp_buf	 body;
	bool		 started;
};

/* What the upstream answered. */
struct fp_answer {
	long		 status;
	struct fp_header headers[FP_HEADERS_MAX];
	size_t		 nheaders;
	long long	 content_length; /* -1 when absent */
	struct fp_buf	 body;
};

/* Armed faults and counters, shared by all connection threads. */
struct fp_state {
	pthread_mutex_t	 lock;
	long		 nodigest;	/* 0 or 1 */
	long		 status429;
	long		 retry_after;
	long		 status500;
	long		 badmanifest;
	long		 tagpage;	/* page tag lists by N; 0 off */
	long		 tagloop;	/* the last page links to the first */
	long		 ratelimit;	/* send RateLimit headers: N left; -1 off */
	long		 pages;		/* tag-list pages served */
	long		 seen;
	long		 forwarded;
	long		 sent429;
	long		 sent500;
	long		 sentbad;
	long		 stripped;
	long		 errors;
	long		 manifest_get;
	long		 manifest_head;
	long		 blob_get;
	long		 blob_head;
};

enum fp_fault {
	FP_FAULT_NONE,
	FP_FAULT_429,
	FP_FAULT_500,
};

static const char *upstream;
static int log_fd = -1;
static struct fp_state state = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.retry_after = 1,
	.ratelimit = -1,
};

/* Headers that describe one hop, never copied across the proxy. */
static const char *const hop_headers[] = {
	"Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding",
	"TE", "Trailer", "Upgrade", "Content-Length", "Expect", "Date",
};

static void
die(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fputs("faultproxy: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL)
		abort();
	return p;
}

static char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if ((p = strndup(s, n)) == NULL)
		abort();
	return p;
}

/* Appends LEN bytes; past FP_BODY_MAX it only sets the sticky overflow. */
static void
buf_add(struct fp_buf *b, const void *p, size_t len)
{
	size_t	ncap;

	if (b->overflow || len > FP_BODY_MAX - b->len) {
		b->overflow = true;
		return;
	}
	if (b->len + len + 1 > b->cap) {
		ncap = b->cap == 0 ? 4096 : b->cap;
		while (ncap < b->len + len + 1)
			ncap *= 2;
		b->data = xrealloc(b->data, ncap);
		b->cap = ncap;
	}
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
}

static void
buf_free(struct fp_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

static bool
is_hop_header(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof hop_headers / sizeof hop_headers[0]; i++)
		if (strcasecmp(name, hop_headers[i]) == 0)
			return true;
	return false;
}

/* True when PATH (without query) names a manifest or blob: /v2/NAME/KIND/. */
static bool
path_is(const char *uri, const char *kind)
{
	const char	*q, *hit;

	if (strncmp(uri, "/v2/", 4) != 0)
		return false;
	hit = strstr(uri, kind);
	q = strchr(uri, '?');
	return hit != NULL && (q == NULL || hit < q);
}

static void
log_line(const char *method, const char *uri, long status, size_t bytes,
    const char *tag)
{
	char		 line[FP_LOG_LINE_MAX], stamp[32];
	struct tm	 tm;
	time_t		 now = time(NULL);
	int		 n;

	if (log_fd == -1)
		return;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof line, "%s %s %s %ld %zu %s\n", stamp, method,
	    uri, status, bytes, tag);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line) {
		n = sizeof line - 1;
		line[n - 1] = '\n';
	}
	if (write(log_fd, line, (size_t)n) == -1)
		fprintf(stderr, "faultproxy: log: %s\n", strerror(errno));
}

static enum MHD_Result
queue_buffer(struct MHD_Connection *conn, unsigned int status,
    const char *type, const char *body)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 ret;

	resp = MHD_create_response_from_buffer(strlen(body), (void *)body,
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", type);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* A registry-style error answer, as the upstream would send it. */
static enum MHD_Result
queue_registry_error(struct MHD_Connection *conn, unsigned int status,
    const char *code, const char *msg, long retry_after)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 ret;
	char			*body, ra[32];

	if (asprintf(&body, "{\"errors\":[{\"code\":\"%s\",\"message\":\"%s\","
	    "\"detail\":null}]}\n", code, msg) < 0)
		abort();
	resp = MHD_create_response_from_buffer(strlen(body), body,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type",
	    "application/json; charset=utf-8");
	MHD_add_response_header(resp, "Docker-Distribution-Api-Version",
	    "registry/2.0");
	if (retry_after >= 0) {
		snprintf(ra, sizeof ra, "%ld", retry_after);
		MHD_add_response_header(resp, "Retry-After", ra);
	}
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static json_t *
stats_json(void)
{
	json_t	*j;

	pthread_mutex_lock(&state.lock);
	j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:{s:b, s:I, s:I, s:I, s:I, s:I, s:b}}",
	    "seen", (json_int_t)state.seen,
	    "forwarded", (json_int_t)state.forwarded,
	    "status429", (json_int_t)state.sent429,
	    "status500", (json_int_t)state.sent500,
	    "badmanifest", (json_int_t)state.sentbad,
	    "nodigest", (json_int_t)state.stripped,
	    "errors", (json_int_t)state.errors,
	    "manifest_get", (json_int_t)state.manifest_get,
	    "manifest_head", (json_int_t)state.manifest_head,
	    "blob_get", (json_int_t)state.blob_get,
	    "blob_head", (json_int_t)state.blob_head,
	    "pages", (json_int_t)state.pages,
	    "armed",
	    "nodigest", (int)(state.nodigest != 0),
	    "status429", (json_int_t)state.status429,
	    "retry_after", (json_int_t)state.retry_after,
	    "status500", (json_int_t)state.status500,
	    "badmanifest", (json_int_t)state.badmanifest,
	    "tagpage", (json_int_t)state.tagpage,
	    "tagloop", (int)(state.tagloop != 0));
	pthread_mutex_unlock(&state.lock);
	if (j == NULL)
		abort();
	return j;
}

static enum MHD_Result
queue_stats(struct MHD_Connection *conn, unsigned int status)
{
	json_t		*j = stats_json();
	char		*body;
	enum MHD_Result	 ret;

	if ((body = json_dumps(j, JSON_COMPACT)) == NULL)
		abort();
	json_decref(j);
	ret = queue_buffer(conn, status, "application/json", body);
	free(body);
	return ret;
}

/* One row per control key: where its number goes and its bounds. */
struct fp_control_key {
	const char	*name;
	long		*target;
	long		 min;
	long		 max;
};

static enum MHD_Result
apply_control(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	const struct fp_control_key keys[] = {
		{ "nodigest", &state.nodigest, 0, 1 },
		{ "status429", &state.status429, 0, FP_COUNT_MAX },
		{ "retry_after", &state.retry_after, 0, 3600 },
		{ "status500", &state.status500, 0, FP_COUNT_MAX },
		{ "badmanifest", &state.badmanifest, 0, FP_COUNT_MAX },
		{ "tagpage", &state.tagpage, 0, FP_COUNT_MAX },
		{ "tagloop", &state.tagloop, 0, 1 },
		{ "ratelimit", &state.ratelimit, -1, 100 },
	};
	bool		*bad = cls;
	char		*end;
	long		 v;
	size_t		 i;

	if (strcmp(key, "reset") == 0 || strcmp(key, "clear_stats") == 0)
		return MHD_YES;	/* handled before the other keys */
	if (value == NULL || *value == '\0') {
		*bad = true;
		return MHD_YES;
	}
	errno = 0;
	v = strtol(value, &end, 10);
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (strcmp(key, keys[i].name) != 0)
			continue;
		if (errno != 0 || *end != '\0' || v < keys[i].min ||
		    v > keys[i].max) {
			*bad = true;
			return MHD_YES;
		}
		*keys[i].target = v;
		return MHD_YES;
	}
	*bad = true;
	return MHD_YES;
}

static enum MHD_Result
handle_control(struct MHD_Connection *conn, const char *method)
{
	const char	*reset, *clear;
	bool		 bad = false;

	if (strcmp(method, "GET") == 0)
		return queue_stats(conn, 200);
	if (strcmp(method, "POST") != 0)
		return queue_buffer(conn, 405, "text/plain",
		    "use POST /_fault?key=value or GET /_fault/stats\n");
	reset = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    "reset");
	clear = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    "clear_stats");
	pthread_mutex_lock(&state.lock);
	if (reset != NULL && strcmp(reset, "0") != 0) {
		state.nodigest = 0;
		state.status429 = 0;
		state.retry_after = 1;
		state.status500 = 0;
		state.badmanifest = 0;
		state.tagpage = 0;
		state.tagloop = 0;
		state.ratelimit = -1;
	}
	if (clear != NULL && strcmp(clear, "0") != 0) {
		state.seen = state.forwarded = state.errors = 0;
		state.sent429 = state.sent500 = state.sentbad = 0;
		state.stripped = 0;
		state.pages = 0;
		state.manifest_get = state.manifest_head = 0;
		state.blob_get = state.blob_head = 0;
	}
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, apply_control,
	    &bad);
	pthread_mutex_unlock(&state.lock);
	if (bad)
		return queue_buffer(conn, 400, "text/plain", "bad fault key or "
		    "value; keys: nodigest=0|1 status429=N retry_after=S "
		    "status500=N badmanifest=N tagpage=N tagloop=0|1 ratelimit=N reset=1 "
		    "clear_stats=1\n");
	return queue_stats(conn, 200);
}

static size_t
on_body(char *p, size_t size, size_t n, void *cls)
{
	struct fp_answer	*a = cls;

	buf_add(&a->body, p, size * n);
	return a->body.overflow ? 0 : size * n;
}

static size_t
on_header(char *p, size_t size, size_t n, void *cls)
{
	struct fp_answer	*a = cls;
	size_t			 len = size * n, i, nlen;
	const char		*colon, *v, *end;
	char			*cl;

	/* A new status line (after a 100 Continue) starts the set again. */
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		for (i = 0; i < a->nheaders; i++) {
			free(a->headers[i].name);
			free(a->headers[i].value);
		}
		a->nheaders = 0;
		a->content_length = -1;
		return len;
	}
	if ((colon = memchr(p, ':', len)) == NULL)
		return len;
	nlen = (size_t)(colon - p);
	v = colon + 1;
	end = p + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
	    end[-1] == ' '))
		end--;
	if (nlen == 14 && strncasecmp(p, "Content-Length", 14) == 0) {
		cl = xstrndup(v, (size_t)(end - v));
		a->content_length = strtoll(cl, NULL, 10);
		free(cl);
	}
	if (a->nheaders == FP_HEADERS_MAX)
		return len;
	a->headers[a->nheaders].name = xstrndup(p, nlen);
	a->headers[a->nheaders].value = xstrndup(v, (size_t)(end - v));
	a->nheaders++;
	return len;
}

struct fp_header_walk {
	struct curl_slist	*list;
	bool			 has_type;
	bool			 has_accept;
};

static enum MHD_Result
copy_request_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct fp_header_walk	*w = cls;
	struct curl_slist	*l;
	char			*line;

	if (is_hop_header(key))
		return MHD_YES;
	if (strcasecmp(key, "Content-Type") == 0)
		w->has_type = true;
	if (strcasecmp(key, "Accept") == 0)
		w->has_accept = true;
	if (asprintf(&line, "%s: %s", key, value != NULL ? value : "") < 0)
		abort();
	if ((l = curl_slist_append(w->list, line)) == NULL)
		abort();
	w->list = l;
	free(line);
	return MHD_YES;
}

static struct curl_slist *
slist_add(struct curl_slist *list, const char *line)
{
	struct curl_slist	*l;

	if ((l = curl_slist_append(list, line)) == NULL)
		abort();
	return l;
}

/* Sends the request upstream; false (with A->status 0) when it failed. */
static bool
forward(struct MHD_Connection *conn, const char *method,
    struct fp_request *req, struct fp_answer *a)
{
	CURL			*c;
	struct fp_header_walk	 w = { NULL, false, false };
	char			*url = NULL;
	CURLcode		 rc;

	if ((c = curl_easy_init()) == NULL)
		abort();
	if (asprintf(&url, "%s%s", upstream, req->uri) < 0)
		abort();
	MHD_get_connection_values(conn, MHD_HEADER_KIND, copy_request_header,
	    &w);
	/* Stop curl adding headers the client did not send. */
	w.list = slist_add(w.list, "Expect:");
	if (!w.has_type)
		w.list = slist_add(w.list, "Content-Type:");
	if (!w.has_accept)
		w.list = slist_add(w.list, "Accept:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, w.list);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") == 0 && req->body.len == 0)
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	else {
		if (req->body.len > 0 || strcmp(method, "PUT") == 0 ||
		    strcmp(method, "POST") == 0 ||
		    strcmp(method, "PATCH") == 0) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS,
			    req->body.data != NULL ? req->body.data : "");
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)req->body.len);
		}
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
	else {
		fprintf(stderr, "faultproxy: %s %s: %s\n", method, req->uri,
		    curl_easy_strerror(rc));
		a->status = 0;
	}
	curl_slist_free_all(w.list);
	curl_easy_cleanup(c);
	free(url);
	return rc == CURLE_OK;
}

static ssize_t
no_body(void *cls, uint64_t pos, char *buf, size_t max)
{
	return MHD_CONTENT_READER_END_OF_STREAM;
}

/*
 * Queues the upstream answer.  For HEAD the body is empty but the client
 * must see the upstream Content-Length, so the response is a callback one
 * of that size whose callback MHD never calls for HEAD.
 */
static enum MHD_Result
queue_answer(struct MHD_Connection *conn, const char *method,
    struct fp_answer *a, bool strip_digest, long ratelimit)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 ret;
	size_t			 i;
	char			 v[64];

	if (strcmp(method, "HEAD") == 0 && a->content_length > 0)
		resp = MHD_create_response_from_callback(
		    (uint64_t)a->content_length, 4096, no_body, NULL, NULL);
	else {
		resp = MHD_create_response_from_buffer(a->body.len,
		    a->body.data, MHD_RESPMEM_MUST_FREE);
		if (resp != NULL)
			memset(&a->body, 0, sizeof a->body);
	}
	if (resp == NULL)
		return MHD_NO;
	for (i = 0; i < a->nheaders; i++) {
		if (is_hop_header(a->headers[i].name))
			continue;
		if (strip_digest && strcasecmp(a->headers[i].name,
		    "Docker-Content-Digest") == 0)
			continue;
		MHD_add_response_header(resp, a->headers[i].name,
		    a->headers[i].value);
	}
	if (ratelimit >= 0) {
		/* Docker Hub's headers: a count, then the window. */
		MHD_add_response_header(resp, "RateLimit-Limit",
		    "100;w=21600");
		snprintf(v, sizeof v, "%ld;w=21600", ratelimit);
		MHD_add_response_header(resp, "RateLimit-Remaining", v);
	}
	ret = MHD_queue_response(conn, (unsigned int)a->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
answer_free(struct fp_answer *a)
{
	size_t	i;

	for (i = 0; i < a->nheaders; i++) {
		free(a->headers[i].name);
		free(a->headers[i].value);
	}
	buf_free(&a->body);
}

/*
 * Serves one page of a tag list the upstream answered in full: the tags
 * after ?last= (all when absent), at most `size`, with a Link to the next
 * page.  Even pages link with an absolute URL, odd ones with a relative
 * one, so clients must handle both; with `loop`, the last page links back
 * to the first.
 */
static void
paginate_tags(struct MHD_Connection *conn, struct fp_request *req,
    struct fp_answer *a, long size, bool loop, long pageno)
{
	json_t		*j, *tags, *page;
	const char	*last, *host;
	char		*out, *path, *q, link[FP_URI_MAX + 128];
	size_t		 i, start = 0, n;

	j = json_loadb(a->body.data ? a->body.data : "", a->body.len, 0, NULL);
	tags = json_object_get(j, "tags");
	if (!json_is_array(tags)) {
		json_decref(j);
		return;
	}
	last = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "last");
	if (last != NULL) {
		for (i = 0; i < json_array_size(tags); i++)
			if (strcmp(json_string_value(json_array_get(tags, i)),
			    last) == 0)
				break;
		start = i < json_array_size(tags) ? i + 1 : 0;
	}
	page = json_array();
	n = json_array_size(tags);
	for (i = start; i < n && i < start + (size_t)size; i++)
		json_array_append(page, json_array_get(tags, i));
	path = strdup(req->uri);
	if ((q = strchr(path, '?')) != NULL)
		*q = '\0';
	link[0] = '\0';
	host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
	if (i < n)
		snprintf(link, sizeof link, "<%s%s%s?n=%ld&last=%s>; rel=\"next\"",
		    pageno % 2 == 0 ? "http://" : "",
		    pageno % 2 == 0 ? (host ? host : "") : "", path, size,
		    json_string_value(json_array_get(tags, i - 1)));
	else if (loop)
		snprintf(link, sizeof link, "<%s?n=%ld>; rel=\"next\"", path,
		    size);
	json_object_set_new(j, "tags", page);
	out = json_dumps(j, JSON_COMPACT);
	buf_free(&a->body);
	buf_add(&a->body, out, strlen(out));
	free(out);
	free(path);
	json_decref(j);
	if (link[0] != '\0' && a->nheaders < FP_HEADERS_MAX) {
		a->headers[a->nheaders].name = strdup("Link");
		a->headers[a->nheaders].value = strdup(link);
		a->nheaders++;
	}
}

static enum MHD_Result
handle_proxy(struct MHD_Connection *conn, const char *method,
    struct fp_request *req)
{
	struct fp_answer	 a;
	enum fp_fault		 fault = FP_FAULT_NONE;
	enum MHD_Result		 ret;
	long			 retry_after, ratelimit;
	bool			 manifest, strip = false, truncate = false;
	const char		*tag = "-";
	size_t			 bytes;

	memset(&a, 0, sizeof a);
	a.content_length = -1;
	manifest = path_is(req->uri, "/manifests/");
	pthread_mutex_lock(&state.lock);
	state.seen++;
	if (manifest && strcmp(method, "GET") == 0)
		state.manifest_get++;
	else if (manifest && strcmp(method, "HEAD") == 0)
		state.manifest_head++;
	else if (path_is(req->uri, "/blobs/sha256:") &&
	    strcmp(method, "GET") == 0)
		state.blob_get++;
	else if (path_is(req->uri, "/blobs/sha256:") &&
	    strcmp(method, "HEAD") == 0)
		state.blob_head++;
	if (state.status429 > 0) {
		state.status429--;
		state.sent429++;
		fault = FP_FAULT_429;
	} else if (state.status500 > 0) {
		state.status500--;
		state.sent500++;
		fault = FP_FAULT_500;
	}
	retry_after = state.retry_after;
	pthread_mutex_unlock(&state.lock);

	if (fault == FP_FAULT_429) {
		log_line(method, req->uri, 429, 0, "fault=429");
		return queue_registry_error(conn, 429, "TOOMANYREQUESTS",
		    "too many requests (injected)", retry_after);
	}
	if (fault == FP_FAULT_500) {
		log_line(method, req->uri, 500, 0, "fault=500");
		return queue_registry_error(conn, 500, "UNKNOWN",
		    "internal error (injected)", -1);
	}
	if (!forward(conn, method, req, &a)) {
		pthread_mutex_lock(&state.lock);
		state.errors++;
		pthread_mutex_unlock(&state.lock);
		log_line(method, req->uri, 502, 0, "upstream-error");
		answer_free(&a);
		return queue_buffer(conn, 502, "text/plain",
		    "faultproxy: upstream request failed\n");
	}

	pthread_mutex_lock(&state.lock);
	state.forwarded++;
	if (state.nodigest != 0) {
		strip = true;
		state.stripped++;
	}
	if (path_is(req->uri, "/tags/list") && strcmp(method, "GET") == 0 &&
	    a.status == 200 && state.tagpage > 0) {
		long	size = state.tagpage, loop = state.tagloop;
		long	pageno = state.pages++;

		pthread_mutex_unlock(&state.lock);
		paginate_tags(conn, req, &a, size, loop != 0, pageno);
		pthread_mutex_lock(&state.lock);
	}
	if (manifest && strcmp(method, "GET") == 0 && a.status == 200 &&
	    state.badmanifest > 0) {
		state.badmanifest--;
		state.sentbad++;
		truncate = true;
	}
	pthread_mutex_unlock(&state.lock);

	if (truncate) {
		/* Half the document: invalid JSON that still looks right. */
		if (a.body.len > 2) {
			a.body.len /= 2;
			a.body.data[a.body.len] = '\0';
		} else {
			buf_free(&a.body);
			buf_add(&a.body, "{", 1);
		}
		tag = "fault=badmanifest";
	} else if (strip)
		tag = "fault=nodigest";
	bytes = strcmp(method, "HEAD") == 0 && a.content_length > 0 ?
	    (size_t)a.content_length : a.body.len;
	log_line(method, req->uri, a.status, bytes, tag);
	pthread_mutex_lock(&state.lock);
	ratelimit = state.ratelimit;
	pthread_mutex_unlock(&state.lock);
	ret = queue_answer(conn, method, &a, strip, ratelimit);
	answer_free(&a);
	return ret;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct fp_request	*req = *con_cls;

	if (req == NULL)
		return MHD_NO;
	if (!req->started) {
		req->started = true;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		buf_add(&req->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/_fault") == 0 || strcmp(url, "/_fault/stats") == 0)
		return handle_control(conn, method);
	if (req->body.overflow)
		return queue_buffer(conn, 413, "text/plain",
		    "faultproxy: request body too large\n");
	return handle_proxy(conn, method, req);
}

/* Keeps the raw URI: MHD hands the handler only the decoded path. */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct fp_request	*req;

	if (strlen(uri) > FP_URI_MAX)
		return NULL;
	if ((req = calloc(1, sizeof *req)) == NULL)
		abort();
	if ((req->uri = strdup(uri)) == NULL)
		abort();
	return req;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct fp_request	*req = *con_cls;

	if (req == NULL)
		return;
	free(req->uri);
	buf_free(&req->body);
	free(req);
	*con_cls = NULL;
}

static void
usage(void)
{
	fprintf(stderr, "usage: faultproxy -u UPSTREAM_URL [-a ADDR] "
	    "[-p PORT] [-l LOGFILE]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct MHD_Daemon	*d;
	struct sockaddr_in	 sin;
	const char		*addr = "127.0.0.1";
	unsigned short		 port = 5005;
	char			*end;
	sigset_t		 set;
	long			 v;
	size_t			 n;
	int			 ch, sig;

	while ((ch = getopt(argc, argv, "a:l:p:u:")) != -1) {
		switch (ch) {
		case 'a':
			addr = optarg;
			break;
		case 'l':
			log_fd = open(optarg,
			    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
			if (log_fd == -1)
				die("%s: %s", optarg, strerror(errno));
			break;
		case 'p':
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v <= 0 || v > 65535)
				usage();
			port = (unsigned short)v;
			break;
		case 'u':
			/* Joined with the raw URI, so no trailing slash. */
			n = strlen(optarg);
			while (n > 0 && optarg[n - 1] == '/')
				optarg[--n] = '\0';
			upstream = optarg;
			break;
		default:
			usage();
		}
	}
	if (upstream == NULL || optind != argc)
		usage();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		die("curl_global_init failed");

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		die("%s: not an IPv4 address", addr);

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG, port,
	    NULL, NULL, handle, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
	    MHD_OPTION_END);
	if (d == NULL)
		die("cannot listen on %s:%u", addr, port);
	fprintf(stderr, "faultproxy: listening on %s:%u, upstream %s\n", addr,
	    port, upstream);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	curl_global_cleanup();
	return 0;
}
