/*
 * docker-client: the Docker Engine API over a unix socket or tcp(+TLS).
 * unix:// and plain tcp:// go through httpc, our own HTTP/1.1 client (a
 * process that never speaks TLS to the engine needs no libcurl); only
 * tcp:// with DOCKER_TLS_VERIFY uses libcurl for https.  The API version
 * is negotiated once with the daemon (/_ping, else /version): we speak
 * min(DOCKER_API_MAX, daemon's ApiVersion), never a fixed version, so old
 * (20.10: 1.41) and new (29: >= 1.44) engines both work.
 */
#ifndef DOCKER_CLIENT_H
#define DOCKER_CLIENT_H

#include <jansson.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"
#include "span.h"

#define DOCKER_API_MAX		"1.47"	/* newest API we know */
#define DOCKER_API_MIN		"1.24"	/* oldest we can speak */
#define DOCKER_BODY_MAX		(64 * 1024 * 1024)
#define DOCKER_TIMEOUT_MS	60000
#define DOCKER_LINE_MAX		(64 * 1024)	/* one streamed line */

struct docker;

struct docker_version {
	char	api[16];	/* negotiated, e.g. "1.41" */
	char	engine[64];	/* daemon's Version, e.g. "20.10.24" */
	char	os[32];		/* "linux" */
	char	arch[32];	/* GOARCH, e.g. "amd64" */
};

/*
 * Connects (lazily) to host: "unix:///path", "tcp://h:p", or NULL for
 * $DOCKER_HOST, else unix:///var/run/docker.sock.  With tcp and
 * $DOCKER_TLS_VERIFY set, uses https with $DOCKER_CERT_PATH/{ca,cert,key}.pem.
 * DR_EINVAL for an unusable host string.  Then negotiates the API version
 * (DR_ENET when no engine answers, DR_EUNSUPPORTED when the daemon is too
 * old).  The caller frees with docker_free.
 */
enum dr_err	docker_open(const char *host, struct docker **ret,
		    struct dr_error *reterr);
void		docker_free(struct docker *);
const struct docker_version *docker_version(struct docker *);
/* Takes the engine version and platform from a /version answer the caller
 * already has (a concurrent batch), so docker_version needs no round trip. */
void		 docker_version_learn(struct docker *, const json_t *version);
/* The negotiated API version ("1.41"), without asking the engine. */
const char	*docker_version_api(const struct docker *);
/* The pid of the process serving the unix socket (SO_PEERCRED, in our pid
 * namespace), or 0 when unknown (tcp, or not visible from here). */
pid_t		 docker_peer_pid(const struct docker *);
/* The daemon's address as given or defaulted (for messages). */
const char	*docker_host(const struct docker *);

/*
 * Sends one request to /v<api><path> (path starts with '/', query
 * included) with an optional JSON body; on 2xx parses the answer as JSON
 * into *ret (a new reference, or NULL for an empty body).  Engine errors
 * (4xx/5xx) give DR_EDOCKER (DR_ENOTFOUND for 404, DR_ECONFLICT for 409)
 * with the engine's "message" in reterr.
 */
enum dr_err	docker_call(struct docker *, const char *method,
		    const char *path, const json_t *body, json_t **ret,
		    struct dr_error *reterr);
/* GET shorthand. */
enum dr_err	docker_get(struct docker *, const char *path, json_t **ret,
		    struct dr_error *reterr);

/*
 * The API version to speak with a daemon that offers `daemon` and accepts
 * down to `daemon_min` (NULL when it does not say): min(DOCKER_API_MAX,
 * daemon).  NULL, with DR_EUNSUPPORTED in reterr, when there is none.
 * Returns daemon or a static string.
 */
const char	*docker_api_pick(const char *daemon, const char *daemon_min,
		    struct dr_error *reterr);
struct docker_batch {
	const char	*path;		/* in: as for docker_get */
	json_t		*ret;		/* out: new reference, or NULL */
	enum dr_err	 err;		/* out */
	struct dr_error	 error;		/* out: detail when err */
};

/*
 * Performs n GETs concurrently (on up to 8 connections, one worker thread
 * each, taking the entries in turn) and fills each entry's ret or err.  Returns DR_OK when all
 * succeeded, else the first entry's error code; entries are independent.
 */
enum dr_err	docker_get_batch(struct docker *, struct docker_batch *,
		    size_t n);

/*
 * Called with each line of a streamed answer (without the newline).
 * Returns true to go on reading, false to stop the stream.
 */
typedef bool	docker_line_fn(struct span line, void *arg);

/*
 * GETs path and hands every line of the answer to fn as it arrives, until
 * fn returns false (DR_OK), timeout_ms passes (DR_ETIMEOUT), or the engine
 * ends the stream (DR_OK).  Lines over DOCKER_LINE_MAX fail with
 * DR_ETOOBIG.  For /events.
 */
enum dr_err	docker_stream(struct docker *, const char *path,
		    long timeout_ms, docker_line_fn *fn, void *arg,
		    struct dr_error *reterr);

/* The same with any method and one extra request header (NULL: none),
 * which is wiped from memory afterwards (it may hold credentials). */
enum dr_err	docker_stream_req(struct docker *, const char *method,
		    const char *path, const char *header, long timeout_ms,
		    docker_line_fn *fn, void *arg, struct dr_error *reterr);

/* s percent-encoded for a URL path segment or query value (new string). */
char		*docker_escape(const char *s);

/* Compares dotted API versions "1.41" < "1.44": <0, 0, >0. */
int		docker_api_cmp(const char *, const char *);

#endif
