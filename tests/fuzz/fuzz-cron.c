/*
 * fuzz-cron: the input is up to three lines: a schedule expression, an
 * optional decimal "after" time (default 2024-03-01 00:00:00 UTC) and an
 * optional zone name (default UTC).  Checks that cron_parse() either
 * fails with a message or gives a schedule whose fire times from `after`
 * strictly increase, and that from one second before a fire time the next
 * one is that fire time; every call must end (the search is bounded).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "span.h"
#include "xmalloc.h"

#define FUZZ_ASSERT(c)	do { if (!(c)) abort(); } while (0)
#define FUZZ_STEPS	8	/* fire times walked per input */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Copies line n (0-based) of in to a new NUL-terminated string, or NULL. */
static char *
fuzz_line(struct span in, int n)
{
	size_t	nl;

	for (;;) {
		nl = span_find(in, '\n');
		if (n-- == 0)
			return xstrndup(in.p, nl);
		if (nl == in.len)
			return NULL;
		in = span_sub(in, nl + 1, in.len);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct span	 in = span_make(data, size);
	char		*expr = NULL, *after_s = NULL, *tz = NULL, *end;
	struct cron	*c = NULL;
	struct dr_error	 err;
	time_t		 after = 1709251200, t, again;
	enum dr_err	 e;
	int		 i;

	expr = fuzz_line(in, 0);
	after_s = fuzz_line(in, 1);
	tz = fuzz_line(in, 2);
	if (after_s != NULL && after_s[0] != '\0') {
		long long	v = strtoll(after_s, &end, 10);

		if (*end != '\0' || v < 0 || v >= CRON_TIME_MAX)
			goto out;
		after = (time_t)v;
	}
	/* "Local" would depend on the machine; keep runs reproducible. */
	if (tz == NULL || strcmp(tz, "Local") == 0 || tz[0] == '\0') {
		free(tz);
		tz = xstrdup("UTC");
	}

	memset(&err, 0, sizeof(err));
	e = cron_parse(expr, &c, &err);
	if (e != DR_OK) {
		FUZZ_ASSERT(c == NULL);
		FUZZ_ASSERT(err.code == e && err.msg[0] != '\0');
		goto out;
	}
	FUZZ_ASSERT(c != NULL);
	FUZZ_ASSERT(cron_every(c) >= 0 && cron_every(c) <= CRON_EVERY_MAX);
	for (i = 0; i < FUZZ_STEPS; i++) {
		if (cron_next(c, after, tz, &t, &err) != DR_OK)
			break;
		FUZZ_ASSERT(t > after);
		if (cron_every(c) > 0)
			FUZZ_ASSERT(t - after <= cron_every(c));
		if (t >= CRON_TIME_MAX)
			break;
		FUZZ_ASSERT(cron_next(c, t - 1, tz, &again, &err) == DR_OK);
		FUZZ_ASSERT(again == t);
		/* Jitter stays in its window. */
		FUZZ_ASSERT(cron_jitter(t, 600, (uint64_t)i) - t <= 600);
		after = t;
	}
out:
	cron_free(c);
	free(expr);
	free(after_s);
	free(tz);
	return 0;
}
