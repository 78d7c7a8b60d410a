/*
 * cron: the schedules of the daemon, parsed from text, and their next fire
 * time.  A schedule is either a cron expression or an interval:
 *
 *	[SEC] MIN HOUR DOM MON DOW	5 fields, or 6 with leading seconds
 *	@yearly @annually @monthly @weekly @daily @midnight @hourly
 *	@every DURATION			"6h", "90m", "1h30m", "2d", "45s"
 *
 * Each field is a comma-separated list of items: "*", N, A-B, "*" /S,
 * A-B/S and A/S (A to the field's maximum, every S).  Ranges are
 * 0-59 (seconds, minutes), 0-23 (hours), 1-31 (day of month), 1-12 or
 * JAN..DEC (month), 0-7 or SUN..SAT (day of week, 0 and 7 are Sunday);
 * names are case-insensitive and may end ranges ("MON-FRI"); a
 * day-of-week range ending on Sunday ("FRI-SUN", "5-0") wraps to 7.
 * Without a seconds field the schedule fires at second 0.  Day of month
 * and day of week follow Vixie cron: when both fields are restricted
 * (neither starts with "*") a day matching either fires; otherwise a day
 * must match both.  A DURATION is one or more NUMBER UNIT pairs, units d,
 * h, m, s, each at most once and in that order, 1 s to 365 d in total.
 * Expressions are at most CRON_EXPR_MAX bytes of printable ASCII, fields
 * separated by blanks (spaces or tabs).
 *
 * Invariant: a parsed struct cron can fire: every field has at least one
 * value and some day of month exists in some selected month, so
 * cron_next() fails only at the end of its search horizon or of time.
 *
 * Missed runs are not replayed in a burst: the daemon asks cron_next()
 * from "now" after each run (and at start), so fire times that passed
 * while it was down or busy are simply skipped.
 */
#ifndef CRON_H
#define CRON_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

#define CRON_EXPR_MAX		256	/* bytes, without the NUL */
#define CRON_EVERY_MIN		1	/* seconds */
#define CRON_EVERY_MAX		(365 * 86400)
#define CRON_SEARCH_YEARS	9	/* covers 2096 -> 2104, both Feb 29 */
#define CRON_TZ_MAX		128	/* bytes of an IANA zone name */
#define CRON_ZONEINFO		"/usr/share/zoneinfo"
/* cron_next() accepts times from the epoch to the end of year 9999. */
#define CRON_TIME_MAX		((time_t)253402300799LL)

struct cron;

/*
 * Parses expr into a new schedule in *ret (free with cron_free()).  Fails
 * with DR_ETOOBIG over CRON_EXPR_MAX bytes and DR_EINVAL otherwise: empty
 * expression, wrong field count, unknown @name, bad duration, empty list
 * item, unknown name, out-of-range value, zero or oversized step,
 * backwards range, a day of month no selected month has ("0 0 30 2 *"),
 * trailing text; the message names the field and quotes the bad text.
 * *ret is NULL on failure.
 */
enum dr_err	cron_parse(const char *expr, struct cron **ret,
		    struct dr_error *reterr);
void		cron_free(struct cron *);

/* The interval of an "@every" schedule in seconds; 0 for cron fields. */
long		cron_every(const struct cron *);

/*
 * Checks a time zone name for cron_next(): NULL, "" and "Local" (the
 * process's zone), "UTC", or an IANA name such as "Europe/Paris" that is
 * a TZif file under CRON_ZONEINFO.  Names with "..", "." or empty path
 * components, a leading "/", or bytes outside [A-Za-z0-9_+-/] are refused
 * before touching the file system.  DR_EINVAL for a bad name,
 * DR_ENOTFOUND when no such zone is installed.
 */
enum dr_err	cron_zone_check(const char *tz, struct dr_error *reterr);

/*
 * Stores in *ret the first fire time of c strictly after `after`, the
 * schedule's wall-clock fields read in zone tz (see cron_zone_check()).
 *
 * "@every D" schedules ignore tz: they fire at the multiples of D seconds
 * since the Unix epoch, so they do not drift with run time and survive
 * restarts ("@every 6h" fires at 00:00, 06:00, ... UTC).
 *
 * Daylight saving time: a wall-clock time that does not exist on a day
 * (inside a spring-forward gap) is skipped and the schedule fires at its
 * next matching time that exists ("30 2 * * *" does not fire in Paris on
 * the last Sunday of March).  A wall-clock time that happens twice (the
 * fall-back hour) fires once, at its first occurrence.
 *
 * IANA zones are applied by setting TZ and calling tzset() around the
 * computation, under a mutex (which Local searches take too), then
 * restoring TZ; this is NOT thread-safe with respect to the rest of the
 * process: another thread using localtime, mktime, strftime, getenv or
 * setenv meanwhile may see the switched zone or race on the environment.
 * Callers must compute schedules from one thread.  UTC needs no switch.
 *
 * Fails with DR_EINVAL when `after` is outside [0, CRON_TIME_MAX) or tz
 * is bad, DR_ENOTFOUND when tz is not installed or nothing fires within
 * CRON_SEARCH_YEARS.  *ret is untouched on failure.
 */
enum dr_err	cron_next(const struct cron *c, time_t after, const char *tz,
		    time_t *ret, struct dr_error *reterr);

/*
 * Delays t by a pseudo-random 0..max_seconds (inclusive), a pure function
 * of (t, max_seconds, seed): one seed per schedule spreads its fire times
 * differently at each t, and tests get the same answer every time.  The
 * result saturates instead of overflowing time_t.
 */
time_t		cron_jitter(time_t t, unsigned max_seconds, uint64_t seed);

#endif
