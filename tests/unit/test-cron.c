/*
 * test-cron: schedule parsing (each syntax and each error), next fire
 * times across month and year ends, leap years, day-of-month/day-of-week
 * interplay, intervals, time zones with DST, and the jitter helper.
 * Times in the tables are UTC, "YYYY-MM-DD HH:MM:SS".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "cron.h"

static time_t
utc(const char *s)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		abort();
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

static const char *
fmt(time_t t)
{
	static char	out[64];
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(out, sizeof(out), "%Y-%m-%d %H:%M:%S", &tm);
	return out;
}

/* cron_next rows: tz NULL is UTC here (TZ=UTC for the whole test). */
static const struct {
	const char	*expr;
	const char	*tz;
	const char	*after;
	const char	*next;
} nexts[] = {
	/* Basics and each item syntax. */
	{ "* * * * *", "UTC", "2024-01-01 00:00:00", "2024-01-01 00:01:00" },
	{ "* * * * *", "UTC", "2024-01-01 00:00:30", "2024-01-01 00:01:00" },
	{ "* * * * *", "UTC", "2024-01-01 00:00:59", "2024-01-01 00:01:00" },
	{ "* * * * * *", "UTC", "2024-01-01 00:00:00", "2024-01-01 00:00:01" },
	{ "30 * * * * *", "UTC", "2024-01-01 00:00:30", "2024-01-01 00:01:30" },
	{ "*/15 * * * *", "UTC", "2024-01-01 10:07:00", "2024-01-01 10:15:00" },
	{ "*/15 * * * *", "UTC", "2024-01-01 10:45:00", "2024-01-01 11:00:00" },
	{ "5/20 * * * *", "UTC", "2024-01-01 00:26:00", "2024-01-01 00:45:00" },
	{ "5/20 * * * *", "UTC", "2024-01-01 00:45:00", "2024-01-01 01:05:00" },
	{ "0 9-17/4 * * *", "UTC", "2024-01-01 13:00:00",
	  "2024-01-01 17:00:00" },
	{ "0 9-17/4 * * *", "UTC", "2024-01-01 17:00:00",
	  "2024-01-02 09:00:00" },
	{ "0,30 8,20 * * *", "UTC", "2024-01-01 08:30:00",
	  "2024-01-01 20:00:00" },
	{ "0 0 1 JAN,jul *", "UTC", "2024-02-01 00:00:00",
	  "2024-07-01 00:00:00" },
	{ "0 0 1 Mar-May/2 *", "UTC", "2024-03-01 00:00:00",
	  "2024-05-01 00:00:00" },
	{ "  0   0 *\t* *  ", "UTC", "2024-01-01 00:00:00",
	  "2024-01-02 00:00:00" },
	/* Month and year ends, leap years. */
	{ "0 0 * * *", "UTC", "2024-01-31 12:00:00", "2024-02-01 00:00:00" },
	{ "0 0 31 * *", "UTC", "2024-04-01 00:00:00", "2024-05-31 00:00:00" },
	{ "0 0 31 2,4,5 *", "UTC", "2024-01-01 00:00:00",
	  "2024-05-31 00:00:00" },
	{ "0 0 30 * *", "UTC", "2024-01-30 00:00:00", "2024-03-30 00:00:00" },
	{ "0 0 29 2 *", "UTC", "2024-01-01 00:00:00", "2024-02-29 00:00:00" },
	{ "0 0 29 2 *", "UTC", "2024-03-01 00:00:00", "2028-02-29 00:00:00" },
	/* 2100 is not a leap year: eight years to the next Feb 29. */
	{ "0 0 29 2 *", "UTC", "2096-03-01 00:00:00", "2104-02-29 00:00:00" },
	{ "0 0 29 2 *", "UTC", "1999-01-01 00:00:00", "2000-02-29 00:00:00" },
	{ "0 0 1 1 *", "UTC", "2024-01-01 00:00:00", "2025-01-01 00:00:00" },
	{ "59 23 31 12 *", "UTC", "2024-12-31 23:59:00",
	  "2025-12-31 23:59:00" },
	{ "59 59 23 31 12 *", "UTC", "2024-12-31 23:59:58",
	  "2024-12-31 23:59:59" },
	/* Days of week: 2024-01-01 is a Monday. */
	{ "30 6 * * MON-FRI", "UTC", "2024-01-05 07:00:00",
	  "2024-01-08 06:30:00" },
	{ "0 0 * * 7", "UTC", "2024-01-01 00:00:00", "2024-01-07 00:00:00" },
	{ "0 0 * * 0", "UTC", "2024-01-01 00:00:00", "2024-01-07 00:00:00" },
	{ "0 0 * * sun", "UTC", "2024-01-01 00:00:00", "2024-01-07 00:00:00" },
	{ "0 0 * * FRI-SUN", "UTC", "2024-01-06 12:00:00",
	  "2024-01-07 00:00:00" },
	{ "0 0 * * 5-0", "UTC", "2024-01-07 12:00:00", "2024-01-12 00:00:00" },
	{ "0 0 * * 1-7", "UTC", "2024-01-06 12:00:00", "2024-01-07 00:00:00" },
	{ "0 0 * * */2", "UTC", "2024-01-01 00:00:00", "2024-01-02 00:00:00" },
	/* Vixie: both restricted, either matches. */
	{ "0 0 13 * FRI", "UTC", "2024-01-01 00:00:00",
	  "2024-01-05 00:00:00" },
	{ "0 0 13 * FRI", "UTC", "2024-01-12 00:00:00",
	  "2024-01-13 00:00:00" },
	{ "0 0 1 * MON", "UTC", "2024-01-01 00:00:00", "2024-01-08 00:00:00" },
	{ "0 0 1,15 * WED", "UTC", "2024-01-11 00:00:00",
	  "2024-01-15 00:00:00" },
	/* A "*" field (even "*" /2) makes it AND: odd days that are Sat. */
	{ "0 0 */2 * SAT", "UTC", "2024-01-01 00:00:00",
	  "2024-01-13 00:00:00" },
	{ "0 0 1 * *", "UTC", "2024-01-01 00:00:00", "2024-02-01 00:00:00" },
	/* Macros. */
	{ "@hourly", "UTC", "2024-01-01 00:00:00", "2024-01-01 01:00:00" },
	{ "@daily", "UTC", "2024-12-31 23:59:59", "2025-01-01 00:00:00" },
	{ "@midnight", "UTC", "2024-06-01 00:00:00", "2024-06-02 00:00:00" },
	{ "@weekly", "UTC", "2024-01-01 00:00:00", "2024-01-07 00:00:00" },
	{ "@monthly", "UTC", "2024-01-15 00:00:00", "2024-02-01 00:00:00" },
	{ "@yearly", "UTC", "2024-06-01 00:00:00", "2025-01-01 00:00:00" },
	{ "@ANNUALLY", "UTC", "2024-06-01 00:00:00", "2025-01-01 00:00:00" },
	/* Intervals, aligned on the epoch whatever the zone. */
	{ "@every 6h", "UTC", "2024-01-01 05:00:00", "2024-01-01 06:00:00" },
	{ "@every 6h", "UTC", "2024-01-01 06:00:00", "2024-01-01 12:00:00" },
	{ "@every 90m", "UTC", "2024-01-01 00:00:00", "2024-01-01 01:30:00" },
	{ "@every 1h30m", "Europe/Paris", "2024-01-01 00:00:00",
	  "2024-01-01 01:30:00" },
	{ "@every 7d", "UTC", "2024-01-01 00:00:00", "2024-01-04 00:00:00" },
	{ "@every 1s", "UTC", "2024-01-01 00:00:00", "2024-01-01 00:00:01" },
	{ "@every 45s", "UTC", "2024-01-01 00:00:44", "2024-01-01 00:00:45" },
	/* Zones: Paris is UTC+1, +2 from 2024-03-31 01:00 UTC to
	 * 2024-10-27 01:00 UTC. */
	{ "0 12 * * *", "Europe/Paris", "2024-01-10 00:00:00",
	  "2024-01-10 11:00:00" },
	{ "0 12 * * *", "Europe/Paris", "2024-03-31 00:00:00",
	  "2024-03-31 10:00:00" },
	{ "0 0 * * *", "America/New_York", "2024-07-01 00:00:00",
	  "2024-07-01 04:00:00" },
	{ "0 0 1 * *", "Asia/Tokyo", "2024-01-31 12:00:00",
	  "2024-01-31 15:00:00" },
	/* Spring forward: 02:30 does not exist on March 31, skipped. */
	{ "30 2 * * *", "Europe/Paris", "2024-03-30 00:00:00",
	  "2024-03-30 01:30:00" },
	{ "30 2 * * *", "Europe/Paris", "2024-03-30 01:30:00",
	  "2024-04-01 00:30:00" },
	{ "*/20 * * * *", "Europe/Paris", "2024-03-31 00:50:00",
	  "2024-03-31 01:00:00" },
	{ "0 2 * * *", "America/New_York", "2024-03-09 12:00:00",
	  "2024-03-11 06:00:00" },
	/* Fall back: 02:30 happens twice on October 27, fires once at its
	 * first occurrence (CEST), then the next day. */
	{ "30 2 * * *", "Europe/Paris", "2024-10-26 12:00:00",
	  "2024-10-27 00:30:00" },
	{ "30 2 * * *", "Europe/Paris", "2024-10-27 00:30:00",
	  "2024-10-28 01:30:00" },
	{ "15 2 * * *", "Europe/Paris", "2024-10-27 01:10:00",
	  "2024-10-28 01:15:00" },
	{ "*/30 * * * *", "Europe/Paris", "2024-10-27 00:00:00",
	  "2024-10-27 00:30:00" },
	{ "*/30 * * * *", "Europe/Paris", "2024-10-27 00:30:00",
	  "2024-10-27 02:00:00" },
	{ "0 3 * * *", "Europe/Paris", "2024-10-26 12:00:00",
	  "2024-10-27 02:00:00" },
};

/* cron_parse errors: the code and a piece of the message. */
static const struct {
	const char	*expr;
	enum dr_err	 code;
	const char	*msg;
} errors[] = {
	{ "", DR_EINVAL, "empty expression" },
	{ "   \t ", DR_EINVAL, "empty expression" },
	{ "* * * *", DR_EINVAL, "expected 5 or 6 fields (seconds optional), got 4" },
	{ "*", DR_EINVAL, "got 1" },
	{ "* * * * * * *", DR_EINVAL, "too many fields" },
	{ "0 0 * * * * extra", DR_EINVAL, "trailing \"extra\"" },
	{ "60 * * * *", DR_EINVAL, "minute: \"60\" is out of range 0-59" },
	{ "* 24 * * *", DR_EINVAL, "hour: \"24\" is out of range 0-23" },
	{ "* * 0 * *", DR_EINVAL, "day-of-month: \"0\" is out of range" },
	{ "* * 32 * *", DR_EINVAL, "day-of-month: \"32\"" },
	{ "* * * 0 *", DR_EINVAL, "month: \"0\" is out of range 1-12" },
	{ "* * * 13 *", DR_EINVAL, "month: \"13\"" },
	{ "* * * * 8", DR_EINVAL, "day-of-week: \"8\" is out of range 0-7" },
	{ "60 * * * * *", DR_EINVAL, "second: \"60\"" },
	{ "1-60 * * * *", DR_EINVAL, "minute: \"1-60\" is out of range" },
	{ "99999999999 * * * *", DR_EINVAL, "out of range" },
	{ "1,,2 * * * *", DR_EINVAL, "minute: empty list item" },
	{ ",1 * * * *", DR_EINVAL, "minute: empty list item" },
	{ "1, * * * *", DR_EINVAL, "minute: empty list item after \"1,\"" },
	{ "*/0 * * * *", DR_EINVAL, "minute: step in \"*/0\" must be 1-60" },
	{ "*/61 * * * *", DR_EINVAL, "must be 1-60" },
	{ "* * * * */9", DR_EINVAL, "day-of-week: step" },
	{ "*/ * * * *", DR_EINVAL, "minute: bad item \"*/\"" },
	{ "*/x * * * *", DR_EINVAL, "bad item \"*/x\"" },
	{ "*5 * * * *", DR_EINVAL, "bad item \"*5\"" },
	{ "5-3 * * * *", DR_EINVAL, "minute: range \"5-3\" is backwards" },
	{ "* * * * 7-1", DR_EINVAL, "backwards" },
	{ "* * * DEC-JAN *", DR_EINVAL, "month: range \"DEC-JAN\"" },
	{ "1-2-3 * * * *", DR_EINVAL, "bad item \"1-2-3\"" },
	{ "-1 * * * *", DR_EINVAL, "bad item \"-1\"" },
	{ "1- * * * *", DR_EINVAL, "bad item \"1-\"" },
	{ "a * * * *", DR_EINVAL, "minute: bad item \"a\"" },
	{ "JAN * * * *", DR_EINVAL, "minute: bad item \"JAN\"" },
	{ "* * * FOO *", DR_EINVAL, "month: bad item \"FOO\"" },
	{ "* * * JANUARY *", DR_EINVAL, "month: bad item" },
	{ "* * * * MONDAY", DR_EINVAL, "day-of-week: bad item \"MONDAY\"" },
	{ "* * * * MON-", DR_EINVAL, "bad item \"MON-\"" },
	{ "* * * * 1/2/3", DR_EINVAL, "bad item" },
	{ "* * * * garbage", DR_EINVAL, "day-of-week: bad item \"garbage\"" },
	{ "0 0 30 2 *", DR_EINVAL, "day-of-month \"30\" never occurs in "
	  "month \"2\"" },
	{ "0 0 31 4,6,9,11 *", DR_EINVAL, "never occurs" },
	{ "0 0 30,31 FEB *", DR_EINVAL, "never occurs" },
	{ "@every", DR_EINVAL, "needs a duration" },
	{ "@every   ", DR_EINVAL, "needs a duration" },
	{ "@every 0s", DR_EINVAL, "between 1s and 365d" },
	{ "@every 366d", DR_EINVAL, "between" },
	{ "@every 8761h", DR_EINVAL, "between" },
	{ "@every 99999999999999999999s", DR_EINVAL, "between" },
	{ "@every 1x", DR_EINVAL, "bad duration \"1x\"" },
	{ "@every 10", DR_EINVAL, "bad duration" },
	{ "@every h", DR_EINVAL, "bad duration" },
	{ "@every 30m1h", DR_EINVAL, "bad duration" },
	{ "@every 1h1h", DR_EINVAL, "bad duration" },
	{ "@every 1h 30m", DR_EINVAL, "bad duration" },
	{ "@every -5m", DR_EINVAL, "bad duration" },
	{ "@fortnightly", DR_EINVAL, "unknown schedule \"@fortnightly\"" },
	{ "@", DR_EINVAL, "unknown schedule" },
	{ "@daily extra", DR_EINVAL, "trailing \"extra\" after \"@daily\"" },
	{ "@every6h", DR_EINVAL, "unknown schedule" },
	{ "* * * * *\x01", DR_EINVAL, "unexpected byte 0x01 at offset 9" },
	{ "* * * * *\n", DR_EINVAL, "unexpected byte 0x0a" },
	{ "0 0 * * \xc3\xa9", DR_EINVAL, "unexpected byte 0xc3" },
};

static const struct {
	const char	*expr;
	long		 every;
} everys[] = {
	{ "@every 1s", 1 },
	{ "@every 45s", 45 },
	{ "@every 90m", 5400 },
	{ "@every 6h", 21600 },
	{ "@every 1h30m", 5400 },
	{ "@every 1H30M", 5400 },
	{ "@EVERY 2d", 172800 },
	{ "@every 1d2h3m4s", 93784 },
	{ "@every   365d", CRON_EVERY_MAX },
	{ "@every 8760h", CRON_EVERY_MAX },
	{ "  @every 5m  ", 300 },
	{ "@daily", 0 },
	{ "0 0 * * *", 0 },
};

static const struct {
	const char	*tz;
	enum dr_err	 code;
} zones[] = {
	{ NULL, DR_OK },
	{ "", DR_OK },
	{ "Local", DR_OK },
	{ "UTC", DR_OK },
	{ "Europe/Paris", DR_OK },
	{ "America/Argentina/Buenos_Aires", DR_OK },
	{ "Etc/GMT+5", DR_OK },
	{ "Nowhere/City", DR_ENOTFOUND },
	{ "Europe", DR_ENOTFOUND },		/* a directory */
	{ "../../etc/passwd", DR_EINVAL },
	{ "/etc/localtime", DR_EINVAL },
	{ "Europe/../UTC", DR_EINVAL },
	{ "Europe/./Paris", DR_EINVAL },
	{ "Europe//Paris", DR_EINVAL },
	{ "Europe/Paris/", DR_EINVAL },
	{ "zone.tab", DR_EINVAL },
	{ "Europe/Paris ", DR_EINVAL },
	{ "Europe\\Paris", DR_EINVAL },
};

static void
test_nexts(void)
{
	size_t	i;

	for (i = 0; i < sizeof(nexts) / sizeof(nexts[0]); i++) {
		struct cron	*c = NULL;
		struct dr_error	 err;
		time_t		 t = 0;
		enum dr_err	 e;

		e = cron_parse(nexts[i].expr, &c, &err);
		CHECK_INTEQ(e, DR_OK);
		if (e != DR_OK) {
			fprintf(stderr, "  %s: %s\n", nexts[i].expr, err.msg);
			continue;
		}
		e = cron_next(c, utc(nexts[i].after), nexts[i].tz, &t, &err);
		CHECK_INTEQ(e, DR_OK);
		if (e != DR_OK)
			fprintf(stderr, "  %s: %s\n", nexts[i].expr, err.msg);
		CHECK_STREQ(fmt(t), nexts[i].next);
		if (strcmp(fmt(t), nexts[i].next) != 0)
			fprintf(stderr, "  row %zu: \"%s\" %s after %s\n", i,
			    nexts[i].expr, nexts[i].tz, nexts[i].after);
		cron_free(c);
	}
}

static void
test_errors(void)
{
	size_t	i;

	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		struct cron	*c = (struct cron *)&c;	/* must be reset */
		struct dr_error	 err;
		enum dr_err	 e;

		memset(&err, 0, sizeof(err));
		e = cron_parse(errors[i].expr, &c, &err);
		CHECK_INTEQ(e, errors[i].code);
		CHECK_INTEQ(err.code, errors[i].code);
		CHECK(c == NULL);
		CHECK(strstr(err.msg, errors[i].msg) != NULL);
		if (strstr(err.msg, errors[i].msg) == NULL)
			fprintf(stderr, "  \"%s\": got \"%s\"\n",
			    errors[i].expr, err.msg);
		if (e == DR_OK)
			cron_free(c);
	}
	/* NULL error record is fine. */
	{
		struct cron	*c = NULL;

		CHECK_INTEQ(cron_parse("bad", &c, NULL), DR_EINVAL);
	}
}

static void
test_everys(void)
{
	size_t	i;

	for (i = 0; i < sizeof(everys) / sizeof(everys[0]); i++) {
		struct cron	*c = NULL;

		CHECK_INTEQ(cron_parse(everys[i].expr, &c, NULL), DR_OK);
		if (c == NULL)
			continue;
		CHECK_INTEQ(cron_every(c), everys[i].every);
		cron_free(c);
	}
}

/* Expressions at exactly the cap parse; one byte more is too big. */
static void
test_length(void)
{
	char		 s[CRON_EXPR_MAX + 2];
	struct cron	*c = NULL;
	struct dr_error	 err;

	memset(s, ' ', sizeof(s));
	memcpy(s + CRON_EXPR_MAX - 9, "* * * * *", 9);
	s[CRON_EXPR_MAX] = '\0';
	CHECK_INTEQ(cron_parse(s, &c, &err), DR_OK);
	cron_free(c);
	c = NULL;
	memcpy(s + CRON_EXPR_MAX - 8, "* * * * *", 9);
	s[CRON_EXPR_MAX + 1] = '\0';
	CHECK_INTEQ(cron_parse(s, &c, &err), DR_ETOOBIG);
	CHECK(strstr(err.msg, "longer than 256 bytes") != NULL);
	CHECK(c == NULL);
}

static void
test_zones(void)
{
	size_t		 i;
	struct cron	*c = NULL;
	struct dr_error	 err;
	time_t		 t = 0, a = utc("2024-07-01 00:00:00");

	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		enum dr_err	e = cron_zone_check(zones[i].tz, &err);

		CHECK_INTEQ(e, zones[i].code);
		if (e != zones[i].code)
			fprintf(stderr, "  zone \"%s\": %s\n",
			    zones[i].tz ? zones[i].tz : "(null)", err.msg);
	}

	CHECK_INTEQ(cron_parse("0 12 * * *", &c, NULL), DR_OK);
	/* Bad zones and times fail cron_next and leave *ret alone. */
	t = 42;
	CHECK_INTEQ(cron_next(c, a, "../x", &t, &err), DR_EINVAL);
	CHECK_INTEQ(cron_next(c, a, "Nowhere/City", &t, &err), DR_ENOTFOUND);
	CHECK_INTEQ(cron_next(c, -1, "UTC", &t, &err), DR_EINVAL);
	CHECK_INTEQ(cron_next(c, CRON_TIME_MAX, "UTC", &t, &err), DR_EINVAL);
	CHECK_INTEQ(t, 42);
	CHECK_INTEQ(cron_next(c, CRON_TIME_MAX - 1, "UTC", &t, &err), DR_OK);
	CHECK_STREQ(fmt(t), "10000-01-01 12:00:00");

	/* Local follows TZ; an IANA zone leaves TZ as it found it. */
	setenv("TZ", "Europe/Paris", 1);
	tzset();
	CHECK_INTEQ(cron_next(c, a, "Local", &t, NULL), DR_OK);
	CHECK_STREQ(fmt(t), "2024-07-01 10:00:00");
	CHECK_INTEQ(cron_next(c, a, "America/New_York", &t, NULL), DR_OK);
	CHECK_STREQ(fmt(t), "2024-07-01 16:00:00");
	CHECK_STREQ(getenv("TZ"), "Europe/Paris");
	CHECK_INTEQ(cron_next(c, a, NULL, &t, NULL), DR_OK);
	CHECK_STREQ(fmt(t), "2024-07-01 10:00:00");
	unsetenv("TZ");
	CHECK_INTEQ(cron_next(c, a, "Asia/Tokyo", &t, NULL), DR_OK);
	CHECK_STREQ(fmt(t), "2024-07-01 03:00:00");
	CHECK(getenv("TZ") == NULL);
	setenv("TZ", "UTC", 1);
	tzset();
	CHECK_INTEQ(cron_next(c, a, "", &t, NULL), DR_OK);
	CHECK_STREQ(fmt(t), "2024-07-01 12:00:00");
	cron_free(c);
}

/* Walking a schedule forward gives strictly increasing fire times, and
 * from just before a fire time the answer is that fire time. */
static void
test_walk(void)
{
	static const char *const exprs[] = { "*/7 3-5 * * MON,FRI",
	    "0 0 29 2 *", "15 2 * * *", "0 */5 * * * *", "@every 1h30m" };
	static const char *const tzs[] = { "UTC", "Europe/Paris",
	    "America/New_York" };
	size_t	i, j, k;

	for (i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++)
		for (j = 0; j < sizeof(tzs) / sizeof(tzs[0]); j++) {
			struct cron	*c = NULL;
			time_t		 t = utc("2024-03-01 00:00:00"), n = 0;
			bool		 ok = true;

			CHECK_INTEQ(cron_parse(exprs[i], &c, NULL), DR_OK);
			for (k = 0; k < 200 && ok; k++) {
				time_t	again = 0;

				ok = cron_next(c, t, tzs[j], &n, NULL) ==
				    DR_OK && n > t;
				ok = ok && cron_next(c, n - 1, tzs[j], &again,
				    NULL) == DR_OK && again == n;
				t = n;
			}
			CHECK(ok);
			cron_free(c);
		}
}

static void
test_jitter(void)
{
	time_t		t = utc("2024-01-01 00:00:00"), j;
	unsigned	i, differ = 0, spread[4] = { 0 };

	CHECK_INTEQ(cron_jitter(t, 0, 1), t);
	CHECK_INTEQ(cron_jitter(t, 300, 7), cron_jitter(t, 300, 7));
	for (i = 0; i < 1000; i++) {
		j = cron_jitter(t + i * 60, 300, 7);
		CHECK(j >= t + i * 60 && j <= t + i * 60 + 300);
		spread[(j - (t + i * 60)) * 4 / 301]++;
		if (cron_jitter(t, 300, i) != cron_jitter(t, 300, i + 1))
			differ++;
	}
	CHECK(differ > 900);
	/* Roughly uniform: every quarter of the window gets used. */
	for (i = 0; i < 4; i++)
		CHECK(spread[i] > 150);
	CHECK(cron_jitter(t, 1, 3) - t <= 1);
	CHECK(cron_jitter((time_t)INT64_MAX - 1, 100000, 5) >= INT64_MAX - 1);
	CHECK(cron_jitter((time_t)INT64_MAX, UINT32_MAX, 9) == INT64_MAX);
}

int
main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_nexts();
	test_errors();
	test_everys();
	test_length();
	test_zones();
	test_walk();
	test_jitter();
	return check_summary("cron");
}
