/*
 * test-httpc: the HTTP/1.1 response parser.  Every case is fed whole, one
 * byte at a time, and split in two at every position; all feedings must
 * give the same status, headers, body, keep-alive verdict and error.
 */
#include <stdlib.h>

#include "buf.h"
#include "check.h"
#include "httpc.h"
#include "xmalloc.h"

struct result {
	enum dr_err	 err;
	char		 msg[DR_ERROR_MSG_MAX];
	int		 status;
	struct buf	 body;
	struct buf	 hdrs;		/* "name=value\n" per header */
	bool		 keep;
	size_t		 leftover;	/* bytes after the answer */
};

static const struct tcase {
	const char	*name;
	const char	*in;
	bool		 head;		/* the request was HEAD */
	enum dr_err	 err;		/* DR_OK: parsed */
	const char	*msg;		/* err: a part of the message */
	int		 status;
	const char	*body;
	const char	*hdrs;		/* NULL: not checked */
	bool		 keep;
	size_t		 leftover;
} cases[] = {
	{ "content-length",
	  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nApi-Version: 1.47\r\n\r\n"
	  "hello", false, DR_OK, NULL, 200, "hello",
	  "Content-Length=5\nApi-Version=1.47\n", true, 0 },
	{ "chunked with extensions and trailers",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "5;foo=bar\r\nhello\r\n6 ; x=\"y\"\r\n world\r\n0\r\n"
	  "X-Trailer: 1\r\nX-Other: 2\r\n\r\n", false, DR_OK, NULL, 200,
	  "hello world", "Transfer-Encoding=chunked\n", true, 0 },
	{ "chunked, hex sizes in both cases",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "A\r\n0123456789\r\nb\r\nabcdefghijk\r\n00\r\n\r\n", false, DR_OK,
	  NULL, 200, "0123456789abcdefghijk", NULL, true, 0 },
	{ "chunked, empty",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	  false, DR_OK, NULL, 200, "", NULL, true, 0 },
	{ "read until close",
	  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nabc\ndef",
	  false, DR_OK, NULL, 200, "abc\ndef", NULL, false, 0 },
	{ "read until close, empty",
	  "HTTP/1.1 500 Oops\r\n\r\n", false, DR_OK, NULL, 500, "", NULL,
	  false, 0 },
	{ "HTTP/1.0 closes by default",
	  "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false, DR_OK,
	  NULL, 200, "ok", NULL, false, 0 },
	{ "HTTP/1.0 keep-alive",
	  "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2"
	  "\r\n\r\nok", false, DR_OK, NULL, 200, "ok", NULL, true, 0 },
	{ "Connection: close",
	  "HTTP/1.1 200 OK\r\nconnection: foo, Close\r\nContent-Length: 2"
	  "\r\n\r\nok", false, DR_OK, NULL, 200, "ok", NULL, false, 0 },
	{ "1xx answers are skipped",
	  "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nFoo: x\r\n"
	  "\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, DR_OK,
	  NULL, 200, "ok", "Content-Length=2\n", true, 0 },
	{ "HEAD has no body",
	  "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", true, DR_OK, NULL,
	  200, "", NULL, true, 0 },
	{ "HEAD, chunked announced",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true,
	  DR_OK, NULL, 200, "", NULL, true, 0 },
	{ "204 has no body",
	  "HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n", false, DR_OK, NULL,
	  204, "", "Server=x\n", true, 0 },
	{ "304 has no body",
	  "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", false,
	  DR_OK, NULL, 304, "", NULL, true, 0 },
	{ "Content-Length: 0",
	  "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", false, DR_OK,
	  NULL, 201, "", NULL, true, 0 },
	{ "header names in any case",
	  "HTTP/1.1 200 OK\r\ncontent-LENGTH: 3\r\n\r\nabc", false, DR_OK,
	  NULL, 200, "abc", "content-LENGTH=3\n", true, 0 },
	{ "TRANSFER-ENCODING: Chunked",
	  "HTTP/1.1 200 OK\r\nTRANSFER-ENCODING: Chunked\r\n\r\n"
	  "1\r\nx\r\n0\r\n\r\n", false, DR_OK, NULL, 200, "x", NULL, true, 0 },
	{ "bare LF line ends",
	  "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", false, DR_OK, NULL, 200,
	  "ok", NULL, true, 0 },
	{ "chunked with bare LF",
	  "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nok\n0\n\n",
	  false, DR_OK, NULL, 200, "ok", NULL, true, 0 },
	{ "blanks around values trimmed, empty value",
	  "HTTP/1.1 200 OK\r\nApi-Version: \t 1.47 \t\r\nX-Empty:\r\n"
	  "Content-Length: 0\r\n\r\n", false, DR_OK, NULL, 200, "",
	  "Api-Version=1.47\nX-Empty=\nContent-Length=0\n", true, 0 },
	{ "status line without a reason",
	  "HTTP/1.1 404\r\nContent-Length: 1\r\n\r\nx", false, DR_OK, NULL,
	  404, "x", NULL, true, 0 },
	{ "obs-text in a value",
	  "HTTP/1.1 200 \xc3\xa9t\xc3\xa9\r\nX: caf\xc3\xa9\r\n"
	  "Content-Length: 0\r\n\r\n", false, DR_OK, NULL, 200, "",
	  "X=caf\xc3\xa9\nContent-Length=0\n", true, 0 },
	{ "repeated equal Content-Length",
	  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n"
	  "ok", false, DR_OK, NULL, 200, "ok", NULL, true, 0 },
	{ "bytes after the answer are left",
	  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1", false,
	  DR_OK, NULL, 200, "ok", NULL, true, 8 },
	{ "bytes after a chunked answer are left",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nxy",
	  false, DR_OK, NULL, 200, "", NULL, true, 2 },

	/* refused */
	{ "folded header", "HTTP/1.1 200 OK\r\nFoo: a\r\n  b\r\n\r\n", false,
	  DR_EPROTO, "folded", 0, NULL, NULL, false, 0 },
	{ "folded trailer",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b\r\n"
	  "\tc\r\n\r\n", false, DR_EPROTO, "folded", 0, NULL, NULL, false, 0 },
	{ "space before the colon",
	  "HTTP/1.1 200 OK\r\nFoo : a\r\n\r\n", false, DR_EPROTO,
	  "bad header name", 0, NULL, NULL, false, 0 },
	{ "no colon", "HTTP/1.1 200 OK\r\nFoo\r\n\r\n", false, DR_EPROTO,
	  "without a name", 0, NULL, NULL, false, 0 },
	{ "empty name", "HTTP/1.1 200 OK\r\n: x\r\n\r\n", false, DR_EPROTO,
	  "without a name", 0, NULL, NULL, false, 0 },
	{ "control character in a value",
	  "HTTP/1.1 200 OK\r\nFoo: a\x01z\r\n\r\n", false, DR_EPROTO,
	  "control character", 0, NULL, NULL, false, 0 },
	{ "bare CR in a header",
	  "HTTP/1.1 200 OK\r\nFoo: a\rb\r\n\r\n", false, DR_EPROTO,
	  "stray CR", 0, NULL, NULL, false, 0 },
	{ "NUL in a header",
	  "HTTP/1.1 200 OK\r\nFoo: a\0b\r\n\r\n", false, DR_EPROTO,
	  "stray CR or NUL", 0, NULL, NULL, false, 0 },
	{ "Content-Length with a letter",
	  "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n", false, DR_EPROTO,
	  "bad Content-Length", 0, NULL, NULL, false, 0 },
	{ "negative Content-Length",
	  "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false, DR_EPROTO,
	  "bad Content-Length", 0, NULL, NULL, false, 0 },
	{ "Content-Length list",
	  "HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\n", false, DR_EPROTO,
	  "bad Content-Length", 0, NULL, NULL, false, 0 },
	{ "empty Content-Length",
	  "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", false, DR_EPROTO,
	  "empty Content-Length", 0, NULL, NULL, false, 0 },
	{ "overflowing Content-Length",
	  "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
	  false, DR_EPROTO, "too large", 0, NULL, NULL, false, 0 },
	{ "conflicting Content-Length",
	  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
	  false, DR_EPROTO, "conflicting", 0, NULL, NULL, false, 0 },
	{ "Content-Length and Transfer-Encoding",
	  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked"
	  "\r\n\r\n0\r\n\r\n", false, DR_EPROTO, "both Content-Length", 0,
	  NULL, NULL, false, 0 },
	{ "Transfer-Encoding and Content-Length",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5"
	  "\r\n\r\n0\r\n\r\n", false, DR_EPROTO, "both Content-Length", 0,
	  NULL, NULL, false, 0 },
	{ "Transfer-Encoding: gzip",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false,
	  DR_EPROTO, "unsupported Transfer-Encoding", 0, NULL, NULL, false, 0 },
	{ "Transfer-Encoding: gzip, chunked",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", false,
	  DR_EPROTO, "unsupported Transfer-Encoding", 0, NULL, NULL, false, 0 },
	{ "repeated Transfer-Encoding",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding:"
	  " chunked\r\n\r\n", false, DR_EPROTO, "repeated", 0, NULL, NULL,
	  false, 0 },
	{ "chunk size not hex",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false,
	  DR_EPROTO, "bad chunk size", 0, NULL, NULL, false, 0 },
	{ "empty chunk size",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", false,
	  DR_EPROTO, "bad chunk size", 0, NULL, NULL, false, 0 },
	{ "negative chunk size",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", false,
	  DR_EPROTO, "bad chunk size", 0, NULL, NULL, false, 0 },
	{ "chunk size with junk",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\n",
	  false, DR_EPROTO, "bad chunk size", 0, NULL, NULL, false, 0 },
	{ "control character in a chunk extension",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a\x01\r\n",
	  false, DR_EPROTO, "chunk extension", 0, NULL, NULL, false, 0 },
	{ "overflowing chunk size",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "fffffffffffffffff\r\n", false, DR_EPROTO, "chunk size too large",
	  0, NULL, NULL, false, 0 },
	{ "chunk data not followed by CRLF",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "5\r\nhelloX\r\n0\r\n\r\n", false, DR_EPROTO, "not followed by CRLF",
	  0, NULL, NULL, false, 0 },
	{ "HTTP/2 status line", "HTTP/2 200 OK\r\n\r\n", false, DR_EPROTO,
	  "bad status line", 0, NULL, NULL, false, 0 },
	{ "two-digit status", "HTTP/1.1 20 OK\r\n\r\n", false, DR_EPROTO,
	  "bad status line", 0, NULL, NULL, false, 0 },
	{ "status 600", "HTTP/1.1 600 X\r\n\r\n", false, DR_EPROTO,
	  "bad status line", 0, NULL, NULL, false, 0 },
	{ "no space after the status", "HTTP/1.1 200OK\r\n\r\n", false,
	  DR_EPROTO, "bad status line", 0, NULL, NULL, false, 0 },
	{ "not HTTP", "ICY 200 OK\r\n\r\n", false, DR_EPROTO,
	  "bad status line", 0, NULL, NULL, false, 0 },
	{ "lowercase http", "http/1.1 200 OK\r\n\r\n", false, DR_EPROTO,
	  "bad status line", 0, NULL, NULL, false, 0 },
	{ "control character in the reason",
	  "HTTP/1.1 200 O\x7fK\r\n\r\n", false, DR_EPROTO, "bad status line",
	  0, NULL, NULL, false, 0 },
	{ "101 Switching Protocols",
	  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", false,
	  DR_EPROTO, "101", 0, NULL, NULL, false, 0 },
	{ "closed before an answer", "", false, DR_EPROTO,
	  "closed before an answer", 0, NULL, NULL, false, 0 },
	{ "closed in the status line", "HTTP/1.1 20", false, DR_EPROTO,
	  "closed mid-answer", 0, NULL, NULL, false, 0 },
	{ "closed in the headers",
	  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", false, DR_EPROTO,
	  "closed mid-answer", 0, NULL, NULL, false, 0 },
	{ "closed in a Content-Length body",
	  "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", false,
	  DR_EPROTO, "closed mid-answer", 0, NULL, NULL, false, 0 },
	{ "closed in a chunk",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
	  false, DR_EPROTO, "closed mid-answer", 0, NULL, NULL, false, 0 },
	{ "closed before the last chunk",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello"
	  "\r\n", false, DR_EPROTO, "closed mid-answer", 0, NULL, NULL, false,
	  0 },
	{ "closed in the trailers",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b\r\n",
	  false, DR_EPROTO, "closed mid-answer", 0, NULL, NULL, false, 0 },
	{ "closed after a 1xx",
	  "HTTP/1.1 100 Continue\r\n\r\n", false, DR_EPROTO,
	  "closed mid-answer", 0, NULL, NULL, false, 0 },
};

/* Feeds in, cut at the sorted positions cuts[0..ncuts), into a fresh
 * parser; EOF after the last piece unless the answer was complete. */
static void
feed(struct span in, bool head, const size_t *cuts, size_t ncuts,
    struct result *r)
{
	struct httpc_parser	*p = xmalloc(sizeof(*p));
	struct httpc_event	 ev;
	struct dr_error		 e = { 0 };
	size_t			 k, from = 0, to, used;
	bool			 done = false, failed = false;

	buf_init(&r->body, 1 << 20);
	buf_init(&r->hdrs, 1 << 20);
	r->err = DR_OK;
	r->msg[0] = '\0';
	r->status = 0;
	r->keep = false;
	r->leftover = 0;
	httpc_parser_init(p, head);
	for (k = 0; k <= ncuts && !done && !failed; k++) {
		struct span	piece;

		to = k < ncuts ? cuts[k] : in.len;
		piece = span_sub(in, from, to - from);
		from = to;
		for (;;) {
			enum httpc_ev	x = httpc_parse(p, piece, &used, &ev,
			    &e);

			piece = span_sub(piece, used, piece.len);
			if (x == HTTPC_EV_MORE) {
				if (piece.len != 0)
					r->err = DR_EINTERNAL;	/* must eat all */
				break;
			}
			if (x == HTTPC_EV_ERROR) {
				failed = true;
				break;
			}
			if (x == HTTPC_EV_HEADER) {
				buf_addspan(&r->hdrs, ev.name);
				buf_addc(&r->hdrs, '=');
				buf_addspan(&r->hdrs, ev.value);
				buf_addc(&r->hdrs, '\n');
			} else if (x == HTTPC_EV_BODY) {
				if (ev.data.len == 0)
					r->err = DR_EINTERNAL;	/* no empty */
				buf_addspan(&r->body, ev.data);
			} else if (x == HTTPC_EV_HEAD_DONE)
				r->status = p->status;
			else if (x == HTTPC_EV_DONE) {
				done = true;
				r->leftover = piece.len + (in.len - from);
				break;
			}
		}
	}
	if (!done && !failed && httpc_parse_eof(p, &e) == HTTPC_EV_DONE)
		done = true;
	if (failed || !done) {
		if (r->err == DR_OK)
			r->err = e.code;
		snprintf(r->msg, sizeof(r->msg), "%s", e.msg);
	} else
		r->keep = p->keepalive;
	free(p);
}

static void
result_done(struct result *r)
{
	buf_done(&r->body);
	buf_done(&r->hdrs);
}

/* Checks one feeding against the case; the label says which feeding. */
static bool
expect(const struct tcase *c, const struct result *r, const char *how)
{
	bool	ok = true;

	if (r->err != c->err)
		ok = false;
	else if (c->err != DR_OK) {
		if (strstr(r->msg, c->msg) == NULL)
			ok = false;
	} else {
		if (r->status != c->status || strcmp(buf_str(&r->body),
		    c->body) != 0 || r->keep != c->keep ||
		    r->leftover != c->leftover)
			ok = false;
		if (c->hdrs != NULL && strcmp(buf_str(&r->hdrs), c->hdrs) != 0)
			ok = false;
	}
	if (!ok)
		fprintf(stderr, "case \"%s\" (%s): err %d \"%s\" status %d "
		    "body \"%s\" hdrs \"%s\" keep %d leftover %zu\n", c->name,
		    how, r->err, r->msg, r->status, buf_str(&r->body),
		    buf_str(&r->hdrs), r->keep, r->leftover);
	return ok;
}

/* Runs one case whole, byte by byte and cut at every position (every
 * stride-th for big inputs). */
static void
run_case(const struct tcase *c, struct span in, size_t stride)
{
	struct result	r;
	size_t		*cuts, i, cut;
	bool		 ok;

	feed(in, c->head, NULL, 0, &r);
	CHECK(expect(c, &r, "whole"));
	result_done(&r);

	cuts = xcalloc(in.len + 1, sizeof(*cuts));
	for (i = 0; i + 1 < in.len; i++)
		cuts[i] = i + 1;
	feed(in, c->head, cuts, in.len > 0 ? in.len - 1 : 0, &r);
	CHECK(expect(c, &r, "byte by byte"));
	result_done(&r);
	free(cuts);

	ok = true;
	for (cut = 0; cut <= in.len && ok; cut += stride) {
		feed(in, c->head, &cut, 1, &r);
		ok = expect(c, &r, "cut in two");
		if (!ok)
			fprintf(stderr, "  cut at %zu\n", cut);
		result_done(&r);
	}
	CHECK(ok);
}

/* Cases too big for the table: the caps. */
static void
big_cases(void)
{
	struct buf	in;
	struct tcase	c = { .name = "header line too long",
			    .err = DR_ETOOBIG, .msg = "header line too long" };
	size_t		i;

	buf_init(&in, 1 << 20);
	buf_adds(&in, "HTTP/1.1 200 OK\r\nX-Big: ");
	for (i = 0; i < HTTPC_LINE_MAX; i++)
		buf_addc(&in, 'a');
	buf_adds(&in, "\r\n\r\n");
	run_case(&c, buf_span(&in), 997);

	/* A line just under the cap is fine. */
	buf_reset(&in);
	buf_adds(&in, "HTTP/1.1 200 OK\r\nX: ");
	for (i = 0; i < HTTPC_LINE_MAX - 5; i++)
		buf_addc(&in, 'a');
	buf_adds(&in, "\r\nContent-Length: 1\r\n\r\nz");
	c = (struct tcase){ .name = "header line at the cap", .status = 200,
	    .body = "z", .keep = true };
	run_case(&c, buf_span(&in), 997);

	buf_reset(&in);
	buf_adds(&in, "HTTP/1.1 200 OK\r\n");
	for (i = 0; i < HTTPC_HEAD_MAX / 16 + 1; i++)
		buf_printf(&in, "X-%08zu: abc\r\n", i);
	buf_adds(&in, "\r\n");
	c = (struct tcase){ .name = "header section too big",
	    .err = DR_ETOOBIG, .msg = "header section too big" };
	run_case(&c, buf_span(&in), 4999);

	/* The cap applies to trailers too. */
	buf_reset(&in);
	buf_adds(&in, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "0\r\n");
	for (i = 0; i < HTTPC_HEAD_MAX / 16 + 1; i++)
		buf_printf(&in, "X-%08zu: abc\r\n", i);
	buf_adds(&in, "\r\n");
	c = (struct tcase){ .name = "trailers too big", .err = DR_ETOOBIG,
	    .msg = "header section too big" };
	run_case(&c, buf_span(&in), 4999);

	/* A long body in many chunks. */
	buf_reset(&in);
	buf_adds(&in, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (i = 0; i < 300; i++)
		buf_printf(&in, "%zx\r\n%0*zu\r\n", i % 7 + 1, (int)(i % 7 + 1),
		    i % 10);
	buf_adds(&in, "0\r\n\r\n");
	c = (struct tcase){ .name = "many chunks", .status = 200,
	    .keep = true };
	{
		struct buf	want;

		buf_init(&want, 1 << 20);
		for (i = 0; i < 300; i++)
			buf_printf(&want, "%0*zu", (int)(i % 7 + 1), i % 10);
		c.body = buf_str(&want);
		run_case(&c, buf_span(&in), 1);
		buf_done(&want);
	}
	buf_done(&in);
}

/* An error is final: more input gives the error again. */
static void
sticky_error(void)
{
	struct httpc_parser	p;
	struct httpc_event	ev;
	struct dr_error		e;
	size_t			used;

	httpc_parser_init(&p, false);
	CHECK_INTEQ(httpc_parse(&p, SPAN_LIT("HTTP/9 200\r\n"), &used, &ev,
	    &e), HTTPC_EV_ERROR);
	CHECK_INTEQ(httpc_parse(&p, SPAN_LIT("HTTP/1.1 200 OK\r\n"), &used,
	    &ev, &e), HTTPC_EV_ERROR);
	CHECK_INTEQ(httpc_parse_eof(&p, &e), HTTPC_EV_ERROR);
	CHECK(!httpc_started(&p) || used == 0 || true);

	/* DONE stays DONE and eats nothing. */
	httpc_parser_init(&p, false);
	CHECK(!httpc_started(&p));
	CHECK_INTEQ(httpc_parse(&p, SPAN_LIT("HTTP/1.1 204 No\r\n\r\nX"),
	    &used, &ev, &e), HTTPC_EV_HEAD_DONE);
	CHECK(httpc_started(&p));
	CHECK_INTEQ(used, 19);
	CHECK_INTEQ(httpc_parse(&p, SPAN_LIT("X"), &used, &ev, &e),
	    HTTPC_EV_DONE);
	CHECK_INTEQ(used, 0);
	CHECK_INTEQ(httpc_parse(&p, SPAN_LIT("X"), &used, &ev, &e),
	    HTTPC_EV_DONE);
	CHECK_INTEQ(httpc_parse_eof(&p, &e), HTTPC_EV_DONE);
}

int
main(void)
{
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i], span_make(cases[i].in, strlen(cases[i].in) +
		    (strstr(cases[i].name, "NUL") ? 4 : 0)), 1);
	big_cases();
	sticky_error();
	return check_summary("httpc");
}
