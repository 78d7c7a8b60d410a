/*
 * fuzz-webhook: webhook_verify() on arbitrary headers and body.
 * Input: one flags byte (low 3 bits: accepted schemes, 0 means all;
 * bit 3: small body cap), one byte of clock skew, then "Name:value"
 * lines up to an empty line, then the body.  Secret "fuzz-secret".
 * Invariants: never crash; a why matches the code; an accepted request
 * is refused as a replay the second time; the secret never shows up in
 * an error message; webhook_token_ok() is reflexive only on valid tokens.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webhook-auth.h"

#define FUZZ_ASSERT(x)	do { if (!(x)) abort(); } while (0)
#define FUZZ_SECRET	"fuzz-secret"
#define FUZZ_HEADERS	32

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct webhook_secret	*s;
	struct webhook_replay		*c;
	struct webhook_header		 h[FUZZ_HEADERS];
	struct webhook_request		 req;
	struct dr_error			 err;
	enum webhook_why		 why;
	struct span			 in, line;
	enum dr_err			 rc;
	size_t				 n, colon;
	unsigned			 flags;

	if (size < 2)
		return 0;
	if (s == NULL &&
	    webhook_secret_from(SPAN_LIT(FUZZ_SECRET), &s, NULL) != DR_OK)
		abort();
	flags = data[0];
	webhook_secret_allow(s, (flags & 7) ? (flags & 7) :
	    WEBHOOK_SCHEME_ALL);
	memset(&req, 0, sizeof(req));
	req.now = 1700000000 + (int8_t)data[1] * 4;
	req.body_max = (flags & 8) ? 64 : 0;
	req.headers = h;
	in = span_make(data + 2, size - 2);
	while (in.len > 0) {
		n = span_find(in, '\n');
		line = span_sub(in, 0, n);
		in = span_sub(in, n + 1, in.len);
		if (line.len == 0)
			break;
		if (req.nheaders == FUZZ_HEADERS)
			continue;
		colon = span_find(line, ':');
		h[req.nheaders].name = span_sub(line, 0, colon);
		h[req.nheaders].value = span_sub(line, colon + 1, line.len);
		req.nheaders++;
	}
	req.body = in;

	c = webhook_replay_new(8);
	dr_error_clear(&err);
	rc = webhook_verify(s, &req, c, &why, &err);
	FUZZ_ASSERT((rc == DR_OK) == (why == WEBHOOK_OK));
	FUZZ_ASSERT(strstr(err.msg, FUZZ_SECRET) == NULL);
	if (rc == DR_OK) {
		FUZZ_ASSERT(webhook_replay_count(c, req.now) >= 1);
		rc = webhook_verify(s, &req, c, &why, &err);
		FUZZ_ASSERT(rc == DR_ECONFLICT && why == WEBHOOK_REPLAY);
	}
	webhook_replay_free(c);

	if (webhook_token_ok(req.body, req.body))
		FUZZ_ASSERT(req.body.len >= WEBHOOK_TOKEN_MIN &&
		    req.body.len <= WEBHOOK_TOKEN_MAX);
	return 0;
}
