/*
 * httpc-conn: one plain HTTP/1.1 client connection (unix socket or tcp),
 * kept alive between requests, with blocking calls bounded by a deadline.
 * Answers are read with the httpc parser; no TLS (that stays with libcurl
 * in docker-client).  Not thread-safe: one connection per thread.
 */
#ifndef HTTPC_CONN_H
#define HTTPC_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "span.h"

#define HTTPC_CONNECT_MS	5000	/* connect timeout (within the deadline) */

struct httpc_conn;

struct httpc_req {
	const char	*method;	/* "GET" */
	const char	*path;		/* already escaped, from '/' */
	const char	*header;	/* one extra "Name: value", or NULL */
	const char	*body;		/* JSON (Content-Type: application/json),
					 * or NULL */
	size_t		 body_len;
};

/* Where an answer goes.  header may be NULL; body returns false to stop
 * reading (the connection is then closed). */
struct httpc_sink {
	void	(*header)(void *arg, struct span name, struct span value);
	bool	(*body)(void *arg, struct span data);
	void	*arg;
};

/*
 * A connection to the unix socket at unix_path, or else to tcp host
 * ("name:port", "[v6]:port"); nothing is connected until the first
 * request.  The strings are copied.  Free with httpc_conn_free.
 */
struct httpc_conn *httpc_conn_new(const char *unix_path, const char *host);
/* Closes and frees; NULL is fine. */
void		 httpc_conn_free(struct httpc_conn *);
/* Closes the connection (the next request opens a new one). */
void		 httpc_conn_close(struct httpc_conn *);
/* The connected socket, or -1; borrowed. */
int		 httpc_conn_fd(const struct httpc_conn *);

/* CLOCK_MONOTONIC in milliseconds, for deadlines. */
int64_t		 httpc_now_ms(void);

/*
 * Sends req and reads the answer, all before deadline_ms (httpc_now_ms
 * scale): headers and body go to sink, the status to *ret_status, and
 * *ret_stopped says whether sink->body stopped the answer.  Reuses the
 * open connection when it is still alive.  When a reused connection turns
 * out closed by the peer the request is sent again on a new one, but only
 * when it cannot have reached the server (the write failed) or it is a
 * GET or HEAD that got no byte of answer.  Fails with DR_ENET (cannot
 * connect, connection broken), DR_ETIMEOUT, DR_EPROTO (a malformed
 * answer), DR_ETOOBIG (a header section over the parser's caps) or
 * DR_EINVAL (CR or LF in the request line or header).
 */
enum dr_err	 httpc_conn_request(struct httpc_conn *,
		    const struct httpc_req *, int64_t deadline_ms,
		    const struct httpc_sink *, int *ret_status,
		    bool *ret_stopped, struct dr_error *reterr);

#endif
