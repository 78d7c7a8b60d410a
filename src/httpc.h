/*
 * httpc: a strict, incremental HTTP/1.1 response parser for the Docker
 * Engine client.  Pure: no I/O, no allocation, no global state.  The
 * caller feeds bytes as they arrive (split anywhere) and gets one event
 * per call; the parser refuses anything it cannot read unambiguously
 * (folded or oversized headers, bad or overflowing lengths, both
 * Content-Length and Transfer-Encoding) instead of guessing.
 */
#ifndef HTTPC_H
#define HTTPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "span.h"

#define HTTPC_LINE_MAX		8192		/* one status/header/chunk line */
#define HTTPC_HEAD_MAX		(64 * 1024)	/* status line + headers */

enum httpc_ev {
	HTTPC_EV_MORE,		/* all input used: feed more (or EOF) */
	HTTPC_EV_HEADER,	/* ev.name, ev.value: one header of the answer */
	HTTPC_EV_HEAD_DONE,	/* headers over; p->status is final */
	HTTPC_EV_BODY,		/* ev.data: body bytes (chunking removed) */
	HTTPC_EV_DONE,		/* the answer is complete */
	HTTPC_EV_ERROR,		/* malformed; reterr says why; stays so */
};

struct httpc_event {
	struct span	name;	/* HEADER */
	struct span	value;	/* HEADER, without surrounding blanks */
	struct span	data;	/* BODY */
};

enum httpc_body {
	HTTPC_BODY_NONE,	/* HEAD, 204, 304, Content-Length: 0 */
	HTTPC_BODY_LENGTH,	/* Content-Length */
	HTTPC_BODY_CHUNKED,	/* Transfer-Encoding: chunked */
	HTTPC_BODY_CLOSE,	/* neither: until the peer closes */
};

/* Fields are read-only for callers; the ones below are valid after
 * HTTPC_EV_HEAD_DONE. */
struct httpc_parser {
	int		 state;
	bool		 head;		/* the request was HEAD */
	int		 status;	/* 100..599 */
	int		 minor;		/* HTTP/1.<minor> */
	bool		 keepalive;	/* the connection may be reused */
	enum httpc_body	 body;
	bool		 started;	/* a byte of the answer was used */
	bool		 have_cl, have_te, conn_close, conn_keep;
	uint64_t	 length;	/* Content-Length */
	uint64_t	 left;		/* of the body or current chunk */
	size_t		 head_len;	/* bytes of head (or trailer) so far */
	size_t		 line_len;
	char		 line[HTTPC_LINE_MAX];
};

/* Starts a parser for the answer to one request (head: it was HEAD). */
void		httpc_parser_init(struct httpc_parser *, bool head);

/*
 * Consumes a prefix of in and returns the next event; *ret_used says how
 * many bytes were consumed (the caller passes the rest next time).  The
 * spans in ret_ev point into in or into the parser and are valid until
 * the next call.  After HTTPC_EV_DONE, bytes left in in are not part of
 * this answer.  HTTPC_EV_ERROR (DR_EPROTO, or DR_ETOOBIG for a head or
 * line over its cap) is final.
 */
enum httpc_ev	httpc_parse(struct httpc_parser *, struct span in,
		    size_t *ret_used, struct httpc_event *ret_ev,
		    struct dr_error *reterr);

/*
 * The peer closed the connection: HTTPC_EV_DONE when that ends a
 * read-until-close body (or the answer was already complete), else
 * HTTPC_EV_ERROR ("connection closed mid-answer").
 */
enum httpc_ev	httpc_parse_eof(struct httpc_parser *,
		    struct dr_error *reterr);

/* True once an answer has begun: any byte of it was consumed. */
bool		httpc_started(const struct httpc_parser *);

#endif
