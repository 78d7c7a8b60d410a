/*
 * test-buf: the bounded buffer keeps its limit, stays NUL-terminated, and
 * its error is sticky.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "err.h"

int
main(void)
{
	struct buf	 b;
	char		*s;
	int		 i;

	buf_init(&b, 10);
	CHECK_STREQ(buf_str(&b), "");
	CHECK(buf_adds(&b, "hello"));
	CHECK(buf_printf(&b, "%d", 1234));
	CHECK_STREQ(buf_str(&b), "hello1234");
	CHECK(buf_addc(&b, '!'));
	CHECK_INTEQ(b.len, 10);
	CHECK(!buf_addc(&b, 'x'));		/* over max */
	CHECK(buf_failed(&b));
	CHECK(!buf_adds(&b, ""));		/* sticky */
	CHECK_STREQ(buf_str(&b), "hello1234!");
	buf_reset(&b);
	CHECK(!buf_failed(&b));
	CHECK_STREQ(buf_str(&b), "");
	CHECK(!buf_printf(&b, "%s", "this is far too long"));
	CHECK_STREQ(buf_str(&b), "");
	buf_done(&b);

	buf_init(&b, 1 << 20);
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "%04d", i);
	CHECK_INTEQ(b.len, 4000);
	CHECK(memcmp(b.p + 3996, "0999", 4) == 0);
	CHECK(span_eq(span_sub(buf_span(&b), 0, 8), SPAN_LIT("00000001")));
	s = buf_steal(&b);
	CHECK_INTEQ(strlen(s), 4000);
	CHECK_INTEQ(b.len, 0);
	free(s);
	buf_done(&b);
	buf_done(NULL);

	/* span helpers */
	CHECK(span_starts(SPAN_LIT("HTTP/1.1 200"), "HTTP/"));
	CHECK_INTEQ(span_find(SPAN_LIT("a:b"), ':'), 1);
	CHECK_INTEQ(span_find(SPAN_LIT("ab"), ':'), 2);
	CHECK(span_eq_str(span_sub(SPAN_LIT("abc"), 1, 99), "bc"));

	/* the error table: every code has a name and an HTTP status */
	for (i = 0; i < DR_ERR_COUNT; i++) {
		CHECK(dr_err_name(i) != NULL && strcmp(dr_err_name(i),
		    "unknown") != 0);
		CHECK(dr_err_http_status(i) >= 200);
	}
	{
		struct dr_error	e;

		CHECK_INTEQ(dr_fail(&e, DR_EPROTO, "x=%d", 5), DR_EPROTO);
		CHECK_STREQ(e.msg, "x=5");
		CHECK_INTEQ(dr_err_http_status(DR_ENOTFOUND), 404);
		CHECK_STREQ(dr_err_name(DR_ERR_COUNT), "unknown");
	}
	return check_summary("buf");
}
