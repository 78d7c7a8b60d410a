/*
 * fuzz-httpc: the input's first byte picks HEAD (bit 0) and a cut stride
 * (the rest); the remaining bytes are an answer.  Feeds it whole, cut
 * every stride bytes, and one byte at a time, and checks that all three
 * agree on everything (status, headers, body, error, keep-alive, bytes
 * left over), that every call consumes within its input and never stalls,
 * and the framing invariants (no body for HEAD/204/304, a Content-Length
 * body is exactly that long).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "httpc.h"
#include "xmalloc.h"

#define FUZZ_ASSERT(c)	do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fuzz_result {
	enum dr_err	err;
	int		status;
	bool		keep;
	size_t		leftover;
	struct buf	body;
	struct buf	hdrs;
};

static void
fuzz_feed(struct span in, bool head, size_t stride, struct fuzz_result *r)
{
	struct httpc_parser	*p = xmalloc(sizeof(*p));
	struct httpc_event	 ev;
	struct dr_error		 e = { 0 };
	size_t			 from = 0, used, calls;
	bool			 done = false, failed = false;

	memset(r, 0, sizeof(*r));
	buf_init(&r->body, 1 << 24);
	buf_init(&r->hdrs, 1 << 24);
	httpc_parser_init(p, head);
	while (!done && !failed && from < in.len) {
		size_t		n = in.len - from < stride ? in.len - from : stride;
		struct span	piece = span_sub(in, from, n);

		from += n;
		for (calls = 0;; calls++) {
			enum httpc_ev	x;

			FUZZ_ASSERT(calls <= 4 * n + 16);	/* no stall */
			x = httpc_parse(p, piece, &used, &ev, &e);
			FUZZ_ASSERT(used <= piece.len);
			piece = span_sub(piece, used, piece.len);
			if (x == HTTPC_EV_MORE) {
				FUZZ_ASSERT(piece.len == 0);
				break;
			}
			if (x == HTTPC_EV_ERROR) {
				FUZZ_ASSERT(e.code == DR_EPROTO ||
				    e.code == DR_ETOOBIG);
				failed = true;
				break;
			}
			if (x == HTTPC_EV_HEADER) {
				FUZZ_ASSERT(ev.name.len > 0);
				buf_addspan(&r->hdrs, ev.name);
				buf_addc(&r->hdrs, '\0');
				buf_addspan(&r->hdrs, ev.value);
				buf_addc(&r->hdrs, '\n');
			} else if (x == HTTPC_EV_HEAD_DONE) {
				FUZZ_ASSERT(p->status >= 100 && p->status <= 599);
				r->status = p->status;
			} else if (x == HTTPC_EV_BODY) {
				FUZZ_ASSERT(ev.data.len > 0 && used > 0);
				FUZZ_ASSERT(r->status != 0);
				buf_addspan(&r->body, ev.data);
			} else if (x == HTTPC_EV_DONE) {
				done = true;
				r->leftover = piece.len + (in.len - from);
				break;
			}
		}
	}
	if (!done && !failed)
		done = httpc_parse_eof(p, &e) == HTTPC_EV_DONE;
	if (done) {
		r->keep = p->keepalive;
		FUZZ_ASSERT(r->status >= 200);
		if (head || r->status == 204 || r->status == 304)
			FUZZ_ASSERT(r->body.len == 0);
		if (p->body == HTTPC_BODY_LENGTH)
			FUZZ_ASSERT(r->body.len == p->length);
		if (p->body == HTTPC_BODY_CLOSE)
			FUZZ_ASSERT(!p->keepalive && r->leftover == 0);
	} else
		r->err = e.code ? e.code : DR_EINTERNAL;
	free(p);
}

static void
fuzz_same(const struct fuzz_result *a, const struct fuzz_result *b)
{
	FUZZ_ASSERT(a->err == b->err);
	if (a->err != DR_OK)
		return;
	FUZZ_ASSERT(a->status == b->status && a->keep == b->keep &&
	    a->leftover == b->leftover);
	FUZZ_ASSERT(span_eq(buf_span(&a->body), buf_span(&b->body)));
	FUZZ_ASSERT(span_eq(buf_span(&a->hdrs), buf_span(&b->hdrs)));
}

static void
fuzz_result_done(struct fuzz_result *r)
{
	buf_done(&r->body);
	buf_done(&r->hdrs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_result	whole, cut, bytes;
	struct span		in;
	bool			head;
	size_t			stride;

	if (size < 1)
		return 0;
	head = data[0] & 1;
	stride = (data[0] >> 1) + 1;
	in = span_make(data + 1, size - 1);
	fuzz_feed(in, head, in.len > 0 ? in.len : 1, &whole);
	fuzz_feed(in, head, stride, &cut);
	fuzz_feed(in, head, 1, &bytes);
	fuzz_same(&whole, &cut);
	fuzz_same(&whole, &bytes);
	fuzz_result_done(&whole);
	fuzz_result_done(&cut);
	fuzz_result_done(&bytes);
	return 0;
}
