/*
 * test-http: the server and router through real HTTP.  Starts http_start
 * on an ephemeral loopback port with a route table of its own and talks
 * to it with libcurl: captures and their decoding, specificity, 404/405
 * with Allow, HEAD, 400 for bad paths, body caps (Content-Length and
 * chunked), 415, auth (missing, twice, underscore variant, untrusted
 * peer), the origin check, queries, error shapes, and streams: several
 * streams waiting at once do not hold the two server threads, and
 * stopping the server ends them.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "mhd-lazy.h"
#include "serve.h"
#include "xmalloc.h"

static unsigned port;

/* ---- the routes under test ---------------------------------------------- */

static struct http_resp *
h_item(struct http_req *req)
{
	return http_resp_json(200, json_pack("{s:s,s:s,s:i,s:s?}", "route",
	    "item", "id", req->capture[0], "n", req->ncaptures, "user",
	    req->user));
}

static struct http_resp *
h_item_sub(struct http_req *req)
{
	return http_resp_json(200, json_pack("{s:s,s:s,s:s}", "route", "sub",
	    "id", req->capture[0], "x", req->capture[1]));
}

static struct http_resp *
h_lit(struct http_req *req)
{
	(void)req;
	return http_resp_json(200, json_pack("{s:s}", "route", "literal"));
}

static struct http_resp *
h_post(struct http_req *req)
{
	struct http_resp	*resp = NULL;
	json_t			*j = http_req_json(req, &resp);

	if (j == NULL)
		return resp;
	return http_resp_json(201, json_pack("{s:s,s:o}", "id",
	    req->capture[0], "body", j));
}

static struct http_resp *
h_files(struct http_req *req)
{
	return http_resp_text(200, "text/plain", req->capture[0],
	    strlen(req->capture[0]));
}

static struct http_resp *
h_small(struct http_req *req)
{
	return http_resp_text(200, "text/plain", req->body ? req->body : "",
	    req->body_len);
}

static struct http_resp *
h_noauth(struct http_req *req)
{
	return http_resp_json(200, json_pack("{s:b}", "user_null",
	    req->user == NULL));
}

static struct http_resp *
h_query(struct http_req *req)
{
	const char	*q = http_req_query(req, "q");

	return http_resp_json(200, json_pack("{s:s?,s:i}", "q", q, "h",
	    http_req_header_count(req, "X-Test")));
}

static struct http_resp *
h_err(struct http_req *req)
{
	struct dr_error	e;

	(void)req;
	dr_fail(&e, DR_ENOTFOUND, "no service shop/web");
	return http_resp_from_err(DR_ENOTFOUND, &e);
}

static struct http_resp *
h_delete(struct http_req *req)
{
	(void)req;
	return http_resp_empty(204);
}

/* A stream of 5 events, each after ~60 ms of "nothing yet". */
struct tstream {
	int		n;
	struct timespec	next_at;
};

static int	streams_done;
static pthread_mutex_t streams_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t streams_cv = PTHREAD_COND_INITIALIZER;

/* streams_done once it reaches want, or after 10 s: a server thread
 * frees a stream after its last byte went out, so the client may have
 * it all before the free ran. */
static int
streams_done_wait(int want)
{
	struct timespec	until;
	int		n;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&streams_mu);
	while (streams_done < want && pthread_cond_timedwait(&streams_cv,
	    &streams_mu, &until) == 0)
		;
	n = streams_done;
	pthread_mutex_unlock(&streams_mu);
	return n;
}

static long
ms_since(const struct timespec *t)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000;
}

static long
ts_next(void *arg, char *out, size_t max)
{
	struct tstream	*s = arg;
	int		 n;

	if (s->n == 5)
		return -1;
	if (ms_since(&s->next_at) < 60)
		return 0;
	n = snprintf(out, max, "event: tick\ndata: %d\n\n", s->n++);
	clock_gettime(CLOCK_MONOTONIC, &s->next_at);
	return n;
}

/* Never produces anything: only stopping the server ends it.  Counts its
 * calls: a stream with nothing to say must not spin a server thread. */
static int	never_calls;

static long
ts_never(void *arg, char *out, size_t max)
{
	(void)arg;
	(void)out;
	(void)max;
	__atomic_add_fetch(&never_calls, 1, __ATOMIC_RELAXED);
	return 0;
}

static void
ts_done(void *arg)
{
	free(arg);
	pthread_mutex_lock(&streams_mu);
	streams_done++;
	pthread_cond_broadcast(&streams_cv);
	pthread_mutex_unlock(&streams_mu);
}

static struct http_resp *
h_stream(struct http_req *req)
{
	struct tstream	*s = xcalloc(1, sizeof(*s));

	(void)req;
	clock_gettime(CLOCK_MONOTONIC, &s->next_at);
	return http_resp_stream("text/event-stream", ts_next, ts_done, s);
}

static struct http_resp *
h_forever(struct http_req *req)
{
	(void)req;
	return http_resp_stream("text/event-stream", ts_never, ts_done,
	    xcalloc(1, sizeof(struct tstream)));
}

static const struct http_route routes_a[] = {
	{ "GET", "/t/items/{id}", h_item, 0, 0 },
	{ "POST", "/t/items/{id}", h_post, 0, 0 },
	{ "GET", "/t/items/{id}/sub/{x}", h_item_sub, 0, 0 },
	{ "GET", "/t/{a}/x", h_item, 0, 0 },
	{ "GET", "/t/lit/x", h_lit, 0, 0 },
	{ "GET", "/t/files/*", h_files, 0, 0 },
	{ "POST", "/t/small", h_small, 0, 16 },
	{ NULL, NULL, NULL, 0, 0 },
};

static const struct http_route routes_b[] = {
	{ "GET", "/t/noauth", h_noauth, HTTP_NOAUTH, 0 },
	{ "POST", "/t/hook", h_noauth, HTTP_NOAUTH | HTTP_NOORIGIN, 0 },
	{ "GET", "/t/query", h_query, 0, 0 },
	{ "GET", "/t/err", h_err, 0, 0 },
	{ "DELETE", "/t/items/{id}", h_delete, 0, 0 },
	{ "GET", "/t/stream", h_stream, 0, 0 },
	{ "GET", "/t/forever", h_forever, 0, 0 },
	{ NULL, NULL, NULL, 0, 0 },
};

/* ---- the client ----------------------------------------------------------- */

struct reply {
	long		status;
	struct buf	body;
	struct buf	headers;
};

struct upload {
	const char	*p;
	size_t		 left;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	buf_add(arg, p, size * n);
	return size * n;
}

static size_t
on_read(char *out, size_t size, size_t n, void *arg)
{
	struct upload	*u = arg;
	size_t		 k = size * n < u->left ? size * n : u->left;

	memcpy(out, u->p, k);
	u->p += k;
	u->left -= k;
	return k;
}

/*
 * One request.  hdrs: NULL-terminated header lines; body NULL for none;
 * chunked sends the body without a Content-Length; iface binds the
 * client to that local address.
 */
static void
req(struct reply *r, const char *method, const char *path,
    const char *const *hdrs, const char *body, bool chunked,
    const char *iface)
{
	CURL			*c = curl_easy_init();
	struct curl_slist	*l = NULL;
	struct upload		 u;
	char			 url[512];

	memset(r, 0, sizeof(*r));
	buf_init(&r->body, 1 << 20);
	buf_init(&r->headers, 1 << 16);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	/* Send "." and ".." segments as they are: the server must refuse
	 * them, not the client tidy them away. */
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	for (; hdrs != NULL && *hdrs != NULL; hdrs++)
		l = curl_slist_append(l, *hdrs);
	if (body != NULL && chunked) {
		u.p = body;
		u.left = strlen(body);
		l = curl_slist_append(l, "Transfer-Encoding: chunked");
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, &u);
	} else if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	/* No "Expect: 100-continue" pause. */
	l = curl_slist_append(l, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, l);
	if (iface != NULL)
		curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	else
		r->status = -1;
	curl_slist_free_all(l);
	curl_easy_cleanup(c);
}

static void
reply_done(struct reply *r)
{
	buf_done(&r->body);
	buf_done(&r->headers);
}

/* The "error.code" of a JSON error body, or "". */
static const char *
err_code(struct reply *r, char *out, size_t size)
{
	json_t		*j = json_loads(buf_str(&r->body), 0, NULL);
	const char	*c = NULL;

	json_unpack(j, "{s:{s:s}}", "error", "code", &c);
	snprintf(out, size, "%s", c ? c : "");
	json_decref(j);
	return out;
}

static const char *
jstr(struct reply *r, const char *key, char *out, size_t size)
{
	json_t		*j = json_loads(buf_str(&r->body), 0, NULL);
	json_t		*v = json_object_get(j, key);

	if (json_is_string(v))
		snprintf(out, size, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, size, "%lld", (long long)json_integer_value(v));
	else if (json_is_true(v))
		snprintf(out, size, "true");
	else if (json_is_false(v))
		snprintf(out, size, "false");
	else
		snprintf(out, size, "(none)");
	json_decref(j);
	return out;
}

#define USER	"X-Forwarded-User: alice"
static const char *const as_alice[] = { USER, NULL };

/* ---- the tests -------------------------------------------------------------- */

static void
test_routing(void)
{
	struct reply	r;
	char		s[256];

	req(&r, "GET", "/t/items/42", as_alice, NULL, false, NULL);
	CHECK_INTEQ(r.status, 200);
	CHECK_STREQ(jstr(&r, "id", s, sizeof(s)), "42");
	CHECK_STREQ(jstr(&r, "user", s, sizeof(s)), "alice");
	CHECK(strstr(buf_str(&r.headers), "application/json") != NULL);
	reply_done(&r);

	/* %2F stays inside the capture; other escapes decode. */
	req(&r, "GET", "/t/items/a%2Fb%20c", as_alice, NULL, false, NULL);
	CHECK_INTEQ(r.status, 200);
	CHECK_STREQ(jstr(&r, "id", s, sizeof(s)), "a/b c");
	reply_done(&r);

	req(&r, "GET", "/t/items/7/sub/y", as_alice, NULL, false, NULL);
	CHECK_INTEQ(r.status, 200);
	CHECK_STREQ(jstr(&r, "route", s, sizeof(s)), "sub");
	CHECK_STREQ(jstr(&r, "x", s, sizeof(s)), "y");
	reply_done(&r);

	/* A literal segment beats a capture, whatever the table order. */
	req(&r, "GET", "/t/lit/x", as_alice, NULL, false, NULL);
	CHECK_STREQ(jstr(&r, "route", s, sizeof(s)), "literal");
	reply_done(&r);
	req(&r, "GET", "/t/other/x", as_alice, NULL, false, NULL);
	CHECK_STREQ(jstr(&r, "route", s, sizeof(s)), "item");
	reply_done(&r);

	req(&r, "GET", "/t/files/a/b/c.js", as_alice, NULL, false, NULL);
	CHECK_INTEQ(r.status, 200);
	CHECK_STREQ(buf_str(&r.body), "a/b/c.js");
	reply_done(&r);

	req(&r, "GET", "/t/nothing/here", as_alice, NULL, false, NULL);
	CHECK_INTEQ(r.status, 404);
	CHECK_STREQ(err_code(&r, s, sizeof(s)), "not_found");
	reply_done(&r);

	/* A trailing slash is another path. */
	req(&r, "GET", "/t/items/42/", as_alice, NULL, false, NULL);
	CHECK_INTEQ(r.status, 404);
	reply_done(&r);

	/* The path exists for other methods: 405 with every one of them. */
	req(&r, "PUT", "/t/items/1", as_alice, "{}", false, NULL);
	CHECK_INTEQ(r.status, 405);
	CHECK_STREQ(err_code(&r, s, sizeof(s)), "method_not_allowed");
	CHECK(strstr(buf_str(&r.headers), "Allow: GET, HEAD, POST, DELETE") !=
	    NULL);
	reply_done(&r);

	/* ...but only for a request that passes the gates a request of an
	 * allowed method would: auth, origin, size come first. */
	req(&r, "PUT", "/t/items/1", NULL, "{}", false, NULL);
	CHECK_INTEQ(r.status, 401);
	CHECK(strstr(buf_str(&r.headers), "Allow:") == NULL);
	reply_done(&r);
	{
		static const char *const evil[] = { USER,
		    "Origin: http://evil.example", NULL };
		char	*big = xmalloc(HTTP_BODY_MAX + 2);

		req(&r, "PUT", "/t/items/1", evil, "{}", false, NULL);
		CHECK_INTEQ(r.status, 403);
		reply_done(&r);
		memset(big, 'x', HTTP_BODY_MAX + 1);
		big[HTTP_BODY_MAX + 1] = '\0';
		req(&r, "PUT", "/t/items/1", as_alice, big, false, NULL);
		CHECK_INTEQ(r.status, 413);
		reply_done(&r);
		req(&r, "PUT", "/t/items/1", as_alice, big, true, NULL);
		CHECK_INTEQ(r.status, 413);
		reply_done(&r);
		req(&r, "PUT", "/t/items/1", as_alice, "{}", true, NULL);
		CHECK_INTEQ(r.status, 405);
		reply_done(&r);
		free(big);
	}
	/* A path with no route at all is 404 without auth. */
	req(&r, "PUT", "/t/nothing", NULL, "{}", false, NULL);
	CHECK_INTEQ(r.status, 404);
	reply_done(&r);

	req(&r, "HEAD", "/t/items/1", as_alice, NULL, false, NULL);
	CHECK_INTEQ(r.status, 200);
	CHECK_INTEQ(r.body.len, 0);
	reply_done(&r);

	req(&r, "DELETE", "/t/items/1", as_alice, NULL, false, NULL);
	CHECK_INTEQ(r.status, 204);
	reply_done(&r);

	/* Paths that cannot be routed. */
	{
		static const char *const bad[] = {
			"/t/items/..", "/t/items/%2e%2e", "/t/items/.",
			"/t/items/a%00b", "/t/items/%zz", "/t/items/%2",
			"/t/../t/items/1",
		};
		size_t	i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			req(&r, "GET", bad[i], as_alice, NULL, false, NULL);
			CHECK_INTEQ(r.status, 400);
			CHECK_STREQ(err_code(&r, s, sizeof(s)), "bad_request");
			reply_done(&r);
		}
	}
}

static void
test_bodies(void)
{
	static const char *const json_alice[] = {
		USER, "Content-Type: application/json", NULL
	};
	static const char *const text_alice[] = {
		USER, "Content-Type: text/plain", NULL
	};
	struct reply	r;
	char		s[256];

	req(&r, "POST", "/t/items/9", json_alice, "{\"a\":1}", false, NULL);
	CHECK_INTEQ(r.status, 201);
	CHECK(strstr(buf_str(&r.body), "\"body\":{\"a\":1}") != NULL);
	reply_done(&r);

	req(&r, "POST", "/t/items/9", json_alice, "{\"a\":1}", true, NULL);
	CHECK_INTEQ(r.status, 201);
	reply_done(&r);

	req(&r, "POST", "/t/items/9", text_alice, "{\"a\":1}", false, NULL);
	CHECK_INTEQ(r.status, 415);
	CHECK_STREQ(err_code(&r, s, sizeof(s)), "unsupported_media_type");
	reply_done(&r);

	req(&r, "POST", "/t/items/9", json_alice, "[1]", false, NULL);
	CHECK_INTEQ(r.status, 400);
	reply_done(&r);
	req(&r, "POST", "/t/items/9", json_alice, "{\"a\":", false, NULL);
	CHECK_INTEQ(r.status, 400);
	CHECK_STREQ(err_code(&r, s, sizeof(s)), "bad_request");
	reply_done(&r);
	req(&r, "POST", "/t/items/9", json_alice, "{\"a\":1,\"a\":2}", false,
	    NULL);
	CHECK_INTEQ(r.status, 400);
	reply_done(&r);

	/* Cap 16: exactly 16 passes, 17 is refused, declared or streamed. */
	req(&r, "POST", "/t/small", as_alice, "0123456789abcdef", false, NULL);
	CHECK_INTEQ(r.status, 200);
	CHECK_STREQ(buf_str(&r.body), "0123456789abcdef");
	reply_done(&r);
	req(&r, "POST", "/t/small", as_alice, "0123456789abcdefX", false,
	    NULL);
	CHECK_INTEQ(r.status, 413);
	CHECK_STREQ(err_code(&r, s, sizeof(s)), "payload_too_large");
	reply_done(&r);
	req(&r, "POST", "/t/small", as_alice, "0123456789abcdef", true, NULL);
	CHECK_INTEQ(r.status, 200);
	reply_done(&r);
	req(&r, "POST", "/t/small", as_alice, "0123456789abcdefX", true, NULL);
	CHECK_INTEQ(r.status, 413);
	reply_done(&r);

	/* The default cap (HTTP_BODY_MAX) applies to routes without one. */
	{
		char	*big = xmalloc(HTTP_BODY_MAX + 2);

		memset(big, ' ', HTTP_BODY_MAX + 1);
		big[0] = '{';
		big[HTTP_BODY_MAX] = '}';
		big[HTTP_BODY_MAX + 1] = '\0';
		req(&r, "POST", "/t/items/1", json_alice, big, false, NULL);
		CHECK_INTEQ(r.status, 413);
		reply_done(&r);
		big[HTTP_BODY_MAX - 1] = '}';
		big[HTTP_BODY_MAX] = '\0';
		req(&r, "POST", "/t/items/1", json_alice, big, false, NULL);
		CHECK_INTEQ(r.status, 201);
		reply_done(&r);
		free(big);
	}
}

static void
test_auth(void)
{
	static const char *const twice[] = { USER, "X-Forwarded-User: bob",
	    NULL };
	static const char *const underscore[] = { USER,
	    "X_Forwarded_User: bob", NULL };
	static const char *const underscore_only[] = {
	    "X_Forwarded_User: bob", NULL };
	static const char *const lower[] = { "x-forwarded-user: carol", NULL };
	static const char *const evil[] = { USER,
	    "Origin: http://evil.example", NULL };
	static const char *const same[] = { USER, NULL };
	static const char *const evil_only[] = {
	    "Origin: http://evil.example", NULL };
	static const char *const sfs_same[] = { USER,
	    "Sec-Fetch-Site: same-origin", "Origin: http://evil.example",
	    NULL };
	static const char *const sfs_cross[] = { USER,
	    "Sec-Fetch-Site: cross-site", NULL };
	struct reply	r;
	char		s[256], origin[64];
	const char	*same_origin[3];

	req(&r, "GET", "/t/items/1", NULL, NULL, false, NULL);
	CHECK_INTEQ(r.status, 401);
	CHECK_STREQ(err_code(&r, s, sizeof(s)), "unauthorized");
	reply_done(&r);
	req(&r, "GET", "/t/items/1", twice, NULL, false, NULL);
	CHECK_INTEQ(r.status, 401);
	reply_done(&r);
	req(&r, "GET", "/t/items/1", underscore, NULL, false, NULL);
	CHECK_INTEQ(r.status, 401);
	reply_done(&r);
	req(&r, "GET", "/t/items/1", underscore_only, NULL, false, NULL);
	CHECK_INTEQ(r.status, 401);
	reply_done(&r);
	req(&r, "GET", "/t/items/1", lower, NULL, false, NULL);
	CHECK_INTEQ(r.status, 200);
	CHECK_STREQ(jstr(&r, "user", s, sizeof(s)), "carol");
	reply_done(&r);
	/* 127.0.0.2 is not in the trusted 127.0.0.1/32. */
	req(&r, "GET", "/t/items/1", as_alice, NULL, false, "127.0.0.2");
	CHECK_INTEQ(r.status, 401);
	reply_done(&r);
	/* Routes without auth do not see a user even when one is sent. */
	req(&r, "GET", "/t/noauth", NULL, NULL, false, "127.0.0.2");
	CHECK_INTEQ(r.status, 200);
	CHECK_STREQ(jstr(&r, "user_null", s, sizeof(s)), "true");
	reply_done(&r);

	/* Origin. */
	req(&r, "DELETE", "/t/items/1", evil, NULL, false, NULL);
	CHECK_INTEQ(r.status, 403);
	CHECK_STREQ(err_code(&r, s, sizeof(s)), "forbidden");
	reply_done(&r);
	req(&r, "GET", "/t/items/1", evil, NULL, false, NULL);
	CHECK_INTEQ(r.status, 200);
	reply_done(&r);
	snprintf(origin, sizeof(origin), "Origin: http://127.0.0.1:%u", port);
	same_origin[0] = USER;
	same_origin[1] = origin;
	same_origin[2] = NULL;
	req(&r, "DELETE", "/t/items/1", same_origin, NULL, false, NULL);
	CHECK_INTEQ(r.status, 204);
	reply_done(&r);
	req(&r, "DELETE", "/t/items/1", same, NULL, false, NULL);
	CHECK_INTEQ(r.status, 204);
	reply_done(&r);
	req(&r, "DELETE", "/t/items/1", sfs_same, NULL, false, NULL);
	CHECK_INTEQ(r.status, 204);
	reply_done(&r);
	req(&r, "DELETE", "/t/items/1", sfs_cross, NULL, false, NULL);
	CHECK_INTEQ(r.status, 403);
	reply_done(&r);
	/* Webhook-style routes skip both. */
	req(&r, "POST", "/t/hook", evil_only, "x", false, "127.0.0.2");
	CHECK_INTEQ(r.status, 200);
	reply_done(&r);
}

static void
test_misc(void)
{
	static const char *const two[] = { USER, "X-Test: 1", "X-Test: 2",
	    NULL };
	struct reply	r;
	char		s[256];

	req(&r, "GET", "/t/query?x=1&q=a%20b+c%2Bd&q=second", two, NULL, false,
	    NULL);
	CHECK_INTEQ(r.status, 200);
	CHECK_STREQ(jstr(&r, "q", s, sizeof(s)), "a b c+d");
	CHECK_STREQ(jstr(&r, "h", s, sizeof(s)), "2");
	reply_done(&r);
	req(&r, "GET", "/t/query", as_alice, NULL, false, NULL);
	CHECK_STREQ(jstr(&r, "q", s, sizeof(s)), "(none)");
	reply_done(&r);
	req(&r, "GET", "/t/query?q=%zz", as_alice, NULL, false, NULL);
	CHECK_INTEQ(r.status, 400);
	reply_done(&r);

	req(&r, "GET", "/t/err", as_alice, NULL, false, NULL);
	CHECK_INTEQ(r.status, 404);
	CHECK_STREQ(buf_str(&r.body), "{\"error\":{\"code\":\"not_found\","
	    "\"message\":\"no service shop/web\"}}");
	reply_done(&r);
}

struct stream_run {
	const char	*path;
	struct reply	 r;
	long		 ms;
};

static void *
stream_thread(void *arg)
{
	struct stream_run	*sr = arg;
	struct timespec		 t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	req(&sr->r, "GET", sr->path, as_alice, NULL, false, NULL);
	sr->ms = ms_since(&t0);
	return NULL;
}

static void
test_streams(void)
{
	struct stream_run	 sr[4];
	pthread_t		 t[4];
	struct reply		 r;
	int			 i;

	/* Four streams at once on a two-thread server, each mostly waiting:
	 * a plain request still gets through (that it is not queued behind
	 * them is proven below with streams that never end). */
	for (i = 0; i < 4; i++) {
		memset(&sr[i], 0, sizeof(sr[i]));
		sr[i].path = "/t/stream";
		pthread_create(&t[i], NULL, stream_thread, &sr[i]);
	}
	usleep(100 * 1000);
	req(&r, "GET", "/t/noauth", NULL, NULL, false, NULL);
	CHECK_INTEQ(r.status, 200);
	reply_done(&r);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CHECK_INTEQ(sr[i].r.status, 200);
		CHECK_STREQ(buf_str(&sr[i].r.body), "event: tick\ndata: 0\n\n"
		    "event: tick\ndata: 1\n\nevent: tick\ndata: 2\n\n"
		    "event: tick\ndata: 3\n\nevent: tick\ndata: 4\n\n");
		CHECK(strstr(buf_str(&sr[i].r.headers),
		    "text/event-stream") != NULL);
		/* 5 events 60 ms apart cannot all come sooner (no upper
		 * bound: the client's own timeout catches a stuck stream, and
		 * a busy machine is not a failure). */
		CHECK(sr[i].ms >= 240);
		reply_done(&sr[i].r);
	}
	CHECK_INTEQ(streams_done_wait(4), 4);
}

int
main(void)
{
	struct serve		 srv;
	struct config		*cfg = config_new_default();
	struct dr_error		 e;
	struct sockaddr_in	 sin;
	const struct http_route	*tables[] = { routes_a, routes_b };
	struct stream_run	 fr[4];
	pthread_t		 ft[4];
	struct reply		 r;
	int			 i, logfd, calls;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* The access log goes to a scratch file, checked at the end. */
	logfd = fileno(tmpfile());
	log_setup(LOG_FORMAT_JSON, LOG_LEVEL_INFO, logfd);
	CHECK(config_set(cfg, "auth.trusted_proxies", "127.0.0.1/32", "test",
	    &e) == DR_OK);
	memset(&srv, 0, sizeof(srv));
	srv.cfg = cfg;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000001);
	/* libmicrohttpd is opened by the server's start (mhd-lazy). */
	CHECK(!mhd_lazy_loaded());
	if (http_start(&srv, (struct sockaddr *)&sin, sizeof(sin), tables, 2,
	    &e) != DR_OK) {
		fprintf(stderr, "http_start: %s\n", e.msg);
		return 1;
	}
	port = http_port(&srv);
	CHECK(port != 0);
	CHECK(mhd_lazy_loaded());

	test_routing();
	test_bodies();
	test_auth();
	test_misc();
	test_streams();

	/*
	 * Four streams with nothing to say for a second: each is asked again
	 * about every HTTP_STREAM_POLL_MS (a busy loop would ask thousands of
	 * times), a plain request meanwhile is answered at once, and stopping
	 * the server ends them all.
	 */
	for (i = 0; i < 4; i++) {
		memset(&fr[i], 0, sizeof(fr[i]));
		fr[i].path = "/t/forever";
		pthread_create(&ft[i], NULL, stream_thread, &fr[i]);
	}
	usleep(200 * 1000);
	calls = __atomic_load_n(&never_calls, __ATOMIC_RELAXED);
	usleep(1000 * 1000);
	calls = __atomic_load_n(&never_calls, __ATOMIC_RELAXED) - calls;
	CHECK(calls >= 4 && calls <= 4 * 2 * 1000 / HTTP_STREAM_POLL_MS);
	/* The four streams never end by themselves: an answer at all means
	 * they hold no server thread. */
	req(&r, "GET", "/t/noauth", NULL, NULL, false, NULL);
	CHECK_INTEQ(r.status, 200);
	reply_done(&r);
	http_stop(&srv);
	CHECK(srv.server == NULL);
	for (i = 0; i < 4; i++) {
		pthread_join(ft[i], NULL);
		CHECK_INTEQ(fr[i].r.status, 200);
		reply_done(&fr[i].r);
	}
	CHECK_INTEQ(streams_done_wait(8), 8);

	/* The access log: one JSON line per request, no query string, the
	 * user and never another header's value. */
	{
		FILE	*f = fdopen(dup(logfd), "r");
		char	 line[4096];
		int	 n = 0, bad = 0;

		rewind(f);
		while (fgets(line, sizeof(line), f) != NULL) {
			json_t	*j = json_loads(line, 0, NULL);

			if (j == NULL)
				bad++;
			if (strstr(line, "\"msg\":\"request\"") != NULL)
				n++;
			if (strstr(line, "q=a") != NULL ||
			    strstr(line, "evil.example") != NULL ||
			    strstr(line, "\"bob\"") != NULL)
				bad++;
			json_decref(j);
		}
		fclose(f);
		CHECK(n > 40);
		CHECK_INTEQ(bad, 0);
	}
	config_free(cfg);
	curl_global_cleanup();
	return check_summary("http");
}
