/*
 * test-schedule: the scheduler over a clock the test drives: a schedule fires
 * once when now passes its time, not again for the same now, missed runs
 * are not replayed (next computed from now), disabled and expression-less
 * schedules never fire, jitter stays in bounds, zones apply, bad
 * configurations are refused and leave the old schedule, and the file
 * clock reads the epoch seconds of DOCKREV_CLOCK_FILE.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "schedule.h"

/* 2026-01-01T00:00:00Z */
#define T0	((time_t)1767225600)

static void
test_fire_once(void)
{
	struct schedule		*s = schedule_new();
	struct schedule_conf	 c = { "@every 1h", NULL, 0, true };
	struct dr_error		 e;

	CHECK(schedule_set(s, SCHEDULE_CHECK, &c, T0 + 10, &e) == DR_OK);
	CHECK_INTEQ(schedule_next(s, SCHEDULE_CHECK), T0 + 3600);
	CHECK_INTEQ(schedule_next(s, SCHEDULE_UPDATE), 0);
	CHECK_INTEQ(schedule_due(s, T0 + 3599), 0);
	CHECK_INTEQ(schedule_due(s, T0 + 3600), SCHEDULE_BIT(SCHEDULE_CHECK));
	CHECK_INTEQ(schedule_due(s, T0 + 3600), 0);
	CHECK_INTEQ(schedule_next(s, SCHEDULE_CHECK), T0 + 7200);
	/* A jump of ten hours: one fire, the next one after the new now. */
	CHECK_INTEQ(schedule_due(s, T0 + 36000 + 5), SCHEDULE_BIT(SCHEDULE_CHECK));
	CHECK_INTEQ(schedule_due(s, T0 + 36000 + 6), 0);
	CHECK_INTEQ(schedule_next(s, SCHEDULE_CHECK), T0 + 39600);
	schedule_free(s);
}

static void
test_both_and_disabled(void)
{
	struct schedule		*s = schedule_new();
	struct schedule_conf	 chk = { "0 3 * * *", "UTC", 0, true };
	struct schedule_conf	 upd = { "30 3 * * *", "UTC", 0, false };
	struct schedule_conf	 none = { NULL, NULL, 0, false };
	struct dr_error		 e;

	CHECK(schedule_set(s, SCHEDULE_CHECK, &chk, T0, &e) == DR_OK);
	CHECK(schedule_set(s, SCHEDULE_UPDATE, &upd, T0, &e) == DR_OK);
	CHECK_INTEQ(schedule_next(s, SCHEDULE_CHECK), T0 + 3 * 3600);
	CHECK_INTEQ(schedule_next(s, SCHEDULE_UPDATE), 0);
	CHECK_INTEQ(schedule_due(s, T0 + 86400 * 3), SCHEDULE_BIT(SCHEDULE_CHECK));
	upd.enabled = true;
	CHECK(schedule_set(s, SCHEDULE_UPDATE, &upd, T0, &e) == DR_OK);
	CHECK_INTEQ(schedule_next(s, SCHEDULE_UPDATE), T0 + 3 * 3600 + 1800);
	CHECK_INTEQ(schedule_due(s, T0 + 4 * 3600), SCHEDULE_BIT(SCHEDULE_UPDATE));
	CHECK(schedule_set(s, SCHEDULE_UPDATE, &none, T0, &e) == DR_OK);
	CHECK_INTEQ(schedule_next(s, SCHEDULE_UPDATE), 0);
	CHECK_INTEQ(schedule_due(s, T0 + 86400 * 30) & SCHEDULE_BIT(SCHEDULE_UPDATE),
	    0);
	schedule_free(s);
}

static void
test_zone_jitter(void)
{
	struct schedule		*s = schedule_new();
	struct schedule_conf	 c = { "0 9 * * *", "Europe/Paris", 0, true };
	struct dr_error		 e;
	time_t			 n;

	CHECK(schedule_set(s, SCHEDULE_CHECK, &c, T0, &e) == DR_OK);
	/* 09:00 in Paris in January is 08:00 UTC. */
	CHECK_INTEQ(schedule_next(s, SCHEDULE_CHECK), T0 + 8 * 3600);
	c.jitter_s = 600;
	CHECK(schedule_set(s, SCHEDULE_CHECK, &c, T0, &e) == DR_OK);
	n = schedule_next(s, SCHEDULE_CHECK);
	CHECK(n >= T0 + 8 * 3600 && n <= T0 + 8 * 3600 + 600);
	schedule_free(s);
}

static void
test_bad(void)
{
	struct schedule		*s = schedule_new();
	struct schedule_conf	 good = { "@daily", NULL, 0, true };
	struct schedule_conf	 bad[] = {
		{ "61 * * * *", NULL, 0, true },
		{ "@daily", "Mars/Olympus", 0, true },
		{ "@daily", "../etc/passwd", 0, true },
		{ "@daily", NULL, SCHEDULE_JITTER_MAX + 1, true },
		{ NULL, NULL, 0, true },
		{ "@every 0s", NULL, 0, true },
	};
	struct dr_error		 e;
	enum schedule_kind		 k;
	size_t			 i;

	CHECK(schedule_set(s, SCHEDULE_CHECK, &good, T0, &e) == DR_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(schedule_conf_check(&bad[i], &e) != DR_OK);
		CHECK(schedule_set(s, SCHEDULE_CHECK, &bad[i], T0, &e) != DR_OK);
		CHECK_INTEQ(schedule_next(s, SCHEDULE_CHECK), T0 + 86400);
	}
	CHECK(schedule_kind_parse("update", &k) && k == SCHEDULE_UPDATE);
	CHECK(!schedule_kind_parse("nope", &k));
	CHECK_STREQ(schedule_kind_name(SCHEDULE_CHECK), "check");
	schedule_free(s);
}

static void
test_clock_file(void)
{
	char	 path[] = "/tmp/test-schedule.XXXXXX";
	int	 fd = mkstemp(path);
	time_t	 now = time(NULL);

	CHECK(fd >= 0);
	CHECK(write(fd, "1767225600\n", 11) == 11);
	close(fd);
	CHECK_INTEQ(schedule_clock_file(path), T0);
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(write(fd, "junk", 4) == 4);
	close(fd);
	CHECK_INTEQ(schedule_clock_file(path), -1);
	fd = open(path, O_WRONLY | O_TRUNC);	/* caught mid-write: empty */
	close(fd);
	CHECK_INTEQ(schedule_clock_file(path), -1);
	unlink(path);
	CHECK_INTEQ(schedule_clock_file(path), -1);
	CHECK(schedule_clock_real(NULL) >= now);
}

int
main(void)
{
	test_fire_once();
	test_both_and_disabled();
	test_zone_jitter();
	test_bad();
	test_clock_file();
	return check_summary("schedule");
}
