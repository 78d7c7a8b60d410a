/*
 * test-metrics: counters add up per (name, labels), gauges replace, the
 * exposition groups each family under one HELP/TYPE in name order, label
 * values are escaped, bad names and label texts are dropped and counted,
 * the series cap holds, and collectors write at scrape time.  Every line
 * of the output must be a comment or NAME[{labels}] VALUE.
 */
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "metrics.h"

static int	collected;

static void
collector(struct buf *out, void *arg)
{
	collected++;
	metrics_write_family(out, "dockrev_update_available", "gauge",
	    "1 when a service has an update it would take.");
	metrics_write_sample(out, "dockrev_update_available",
	    "stack=shop,service=web", 1);
	metrics_write_sample(out, "dockrev_update_available",
	    "stack=_,service=we\"ird\\name", 0);
	(void)arg;
}

/* Every line is "# HELP|TYPE ..." or a sample; counts samples. */
static int
valid_exposition(const char *text, int *ret_samples)
{
	regex_t		 re;
	const char	*p = text, *nl;
	char		 line[1024];
	int		 ok = 1;

	regcomp(&re, "^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[a-zA-Z_][a-zA-Z0-9_]*=\""
	    "([^\"\\\\]|\\\\.)*\"(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*"
	    "\")*\\})? (-?[0-9.e+]+|NaN|[+-]Inf)$", REG_EXTENDED | REG_NOSUB);
	*ret_samples = 0;
	while (*p) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			return 0;	/* the last line ends with \n too */
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		if (strncmp(line, "# HELP ", 7) == 0 ||
		    strncmp(line, "# TYPE ", 7) == 0)
			;
		else if (regexec(&re, line, 0, NULL, 0) == 0)
			(*ret_samples)++;
		else {
			fprintf(stderr, "bad line: %s\n", line);
			ok = 0;
		}
		p = nl + 1;
	}
	regfree(&re);
	return ok;
}

int
main(void)
{
	struct buf	out;
	int		samples, i;
	const char	*s, *a, *b;
	char		name[64];

	metrics_counter_add("dockrev_http_requests_total", "code=200", 1);
	metrics_counter_add("dockrev_http_requests_total", "code=200", 2);
	metrics_counter_add("dockrev_http_requests_total", "code=404", 1);
	metrics_counter_add("dockrev_jobs_total", "kind=update,state=succeeded",
	    4);
	metrics_gauge_set("dockrev_last_check_timestamp_seconds", NULL, 5);
	metrics_gauge_set("dockrev_last_check_timestamp_seconds", NULL,
	    1764450000.5);
	metrics_describe("dockrev_custom_total", "counter", "A custom one.");
	metrics_counter_add("dockrev_custom_total", NULL, 7);
	/* Dropped: bad name, bad labels. */
	metrics_counter_add("9bad", NULL, 1);
	metrics_counter_add("dockrev_x_total", "Code=1", 1);
	metrics_counter_add("dockrev_x_total", "code=1,", 1);
	metrics_counter_add("dockrev_x_total", "code", 1);
	CHECK(metrics_add_collector(collector, NULL));

	buf_init(&out, 1 << 20);
	metrics_render(&out);
	s = buf_str(&out);
	CHECK(valid_exposition(s, &samples));
	CHECK_INTEQ(samples, 8);
	CHECK(strstr(s, "dockrev_http_requests_total{code=\"200\"} 3\n") !=
	    NULL);
	CHECK(strstr(s, "dockrev_http_requests_total{code=\"404\"} 1\n") !=
	    NULL);
	CHECK(strstr(s, "dockrev_jobs_total{kind=\"update\",state=\"succeeded\""
	    "} 4\n") != NULL);
	CHECK(strstr(s, "dockrev_last_check_timestamp_seconds 1764450000.5\n") !=
	    NULL);
	CHECK(strstr(s, "# TYPE dockrev_custom_total counter\n"
	    "dockrev_custom_total 7\n") != NULL);
	CHECK(strstr(s, "# HELP dockrev_custom_total A custom one.\n") != NULL);
	CHECK(strstr(s, "dockrev_metrics_dropped_total 4\n") != NULL);
	CHECK(strstr(s, "service=\"we\\\"ird\\\\name\"} 0\n") != NULL);
	CHECK(strstr(s, "9bad") == NULL);
	CHECK_INTEQ(collected, 1);
	/* One TYPE line per family, before its samples. */
	a = strstr(s, "# TYPE dockrev_http_requests_total counter");
	b = strstr(s, "dockrev_http_requests_total{");
	CHECK(a != NULL && b != NULL && a < b);
	CHECK(strstr(a + 1, "# TYPE dockrev_http_requests_total") == NULL);
	buf_done(&out);

	/* The series cap. */
	metrics_reset();
	for (i = 0; i < METRICS_SERIES_MAX + 10; i++) {
		snprintf(name, sizeof(name), "n=%d", i);
		metrics_counter_add("dockrev_many_total", name, 1);
	}
	buf_init(&out, 1 << 20);
	metrics_render(&out);
	CHECK(valid_exposition(buf_str(&out), &samples));
	CHECK_INTEQ(samples, METRICS_SERIES_MAX + 1);
	CHECK(strstr(buf_str(&out), "dockrev_metrics_dropped_total 10\n") !=
	    NULL);
	CHECK_INTEQ(collected, 1);	/* reset removed it */
	buf_done(&out);
	metrics_reset();
	return check_summary("metrics");
}
