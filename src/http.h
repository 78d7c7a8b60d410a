/*
 * http: the daemon's HTTP server (libmicrohttpd) and route tables.
 *
 * Modules describe their endpoints as a table of struct http_route; the
 * server matches method and path (segments, "{name}" captures one
 * segment, a final "*" the rest), reads the body up to the route's cap,
 * runs auth (auth.h) unless the route says otherwise, calls the handler
 * on one of the server's threads, and sends what it returns.  Handlers
 * never see a request they are not entitled to.
 *
 * Contract shared by serve, catalog, triggers and ui: change it only with
 * all of them in mind.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sys/socket.h>

#include "err.h"

struct serve;
struct http_resp;

#define HTTP_MAX_CAPTURES	4
#define HTTP_BODY_MAX		(64 * 1024)	/* default cap on a body */

/* Route flags. */
#define HTTP_NOAUTH	0x1	/* no forward auth (healthz, webhooks: own auth) */
#define HTTP_NOORIGIN	0x2	/* no Origin check on a state change (webhooks) */
#define HTTP_REDACT	0x4	/* the path holds a secret (/hooks/t/{token}):
				   the access log shows the pattern instead */

struct http_req {
	struct serve	*srv;
	const char	*method;	/* "GET", "POST", ... */
	const char	*path;		/* decoded, without the query */
	const char	*capture[HTTP_MAX_CAPTURES];	/* "{name}" values, in order */
	int		 ncaptures;
	const char	*body;		/* NUL-terminated; NULL when none */
	size_t		 body_len;
	const char	*peer;		/* remote address, text ("127.0.0.1") */
	const char	*user;		/* authenticated user; NULL on HTTP_NOAUTH routes */
	void		*conn;		/* the server's connection (http.c only) */
};

typedef struct http_resp *(*http_handler)(struct http_req *);

struct http_route {
	const char	*method;
	const char	*pattern;	/* "/api/v1/services/{stack}/{service}" */
	http_handler	 handler;
	unsigned	 flags;
	size_t		 body_max;	/* 0: HTTP_BODY_MAX */
};

/* Request accessors: the first value of a header (case-insensitive name),
 * how many times it was sent, and a decoded query parameter. */
const char	*http_req_header(const struct http_req *, const char *name);
int		 http_req_header_count(const struct http_req *, const char *name);
const char	*http_req_query(const struct http_req *, const char *key);
/* Parses the body as a JSON object; NULL (with *ret_resp a 400/415 error
 * response) when it is not one. */
json_t		*http_req_json(const struct http_req *, struct http_resp **ret_resp);

/* Responses.  Each returns NULL only when out of memory (the server then
 * answers 500).  http_resp_json steals the reference to v. */
struct http_resp *http_resp_json(int status, json_t *v);
struct http_resp *http_resp_text(int status, const char *content_type,
		    const char *body, size_t len);	/* copies body */
/* body stays owned by the caller and must outlive the response (static
 * assets, cached documents held by a reference the callback drops). */
struct http_resp *http_resp_static(int status, const char *content_type,
		    const void *body, size_t len,
		    void (*release)(void *), void *release_arg);
struct http_resp *http_resp_empty(int status);	/* 204 and the like */
/* The unified error body {"error":{"code","message"}}; code is one of
 * docs/api.md's codes and decides the status (api-error.c). */
struct http_resp *http_resp_error(const char *code, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* The same from a dr_err and its detail. */
struct http_resp *http_resp_from_err(enum dr_err, const struct dr_error *);
bool		  http_resp_header(struct http_resp *, const char *name,
		    const char *value);

/*
 * A streamed response (server-sent events).  next is called on a server
 * thread whenever the client can take more: it writes at most max bytes
 * to out and returns how many, 0 to be called again after a short wait,
 * or -1 to end the stream.  done is called once at the end.
 */
struct http_resp *http_resp_stream(const char *content_type,
		    long (*next)(void *arg, char *out, size_t max),
		    void (*done)(void *arg), void *arg);

/*
 * The server (serve.c, and unit tests with route tables of their own).
 *
 * http_start() listens on addr with a pool of HTTP_THREADS threads (epoll)
 * and serves the route tables (each ends with a {NULL} entry; several
 * tables may share a pattern for different methods), with srv->cfg for
 * auth.  Matching: literal segments before "{name}" captures before a
 * final "*", position by position; HEAD runs GET routes.  Segments are
 * percent-decoded one by one ("%2F" stays inside its capture); a bad
 * escape, a NUL, "." or ".." segment is 400.  A path no route has is 404
 * (the UI's catch-all GET route, pattern "/" then "*", never makes it
 * exist for other methods).  Then auth (401) unless HTTP_NOAUTH, the
 * origin check (403) unless HTTP_NOORIGIN, Content-Length over the cap
 * (413) before reading the body, and the streamed
 * size too; only then a path that routes have for other methods only is
 * 405 with Allow.  Stores the server in srv->server.  DR_EIO when it cannot
 * listen (the message says why).
 */
#define HTTP_THREADS		2
#define HTTP_CONN_MAX		256	/* open connections */
#define HTTP_TIMEOUT_S		60	/* idle connection */
#define HTTP_HEADERS_MAX	64	/* header lines of a request */
#define HTTP_SEGMENTS_MAX	32	/* path segments */
#define HTTP_QUERY_MAX		32	/* query parameters */
#define HTTP_STREAM_POLL_MS	100	/* retry of a stream that had nothing */

enum dr_err	 http_start(struct serve *, const struct sockaddr *addr,
		    socklen_t addrlen, const struct http_route *const *tables,
		    size_t ntables, struct dr_error *reterr);
/* The bound port (useful after listening on port 0). */
unsigned	 http_port(const struct serve *);
/* Stops accepting connections and ends every stream (next is not called
 * again); requests in flight finish.  Idempotent. */
void		 http_quiesce(struct serve *);
/* Quiesces, closes every connection, joins the threads, frees the server.
 * NULL server is fine. */
void		 http_stop(struct serve *);

#endif
