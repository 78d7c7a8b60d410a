/*
 * schedule: the daemon's two schedules, "check" and "update" (issue #4).
 * Pure logic over an injectable clock: schedule_due() is given "now" and says
 * which schedules fire; the caller (trigger.c's scheduler thread) does the
 * firing.  Invariant: a schedule fires at most once per schedule_due() call
 * and its next fire time is always computed from now, so runs missed
 * while the daemon was down (or the clock jumped) are not replayed in a
 * burst.  cron_next() is not thread-safe for IANA zones: call schedule_set()
 * and schedule_due() from one thread.
 */
#ifndef SCHEDULE_H
#define SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

enum schedule_kind {
	SCHEDULE_CHECK,
	SCHEDULE_UPDATE,
	SCHEDULE_KIND_COUNT
};

#define SCHEDULE_BIT(k)		(1u << (k))
#define SCHEDULE_JITTER_MAX	86400	/* jitter_s at most */
#define SCHEDULE_EXPR_MAX		256

/* One schedule as configured (strings borrowed for the call). */
struct schedule_conf {
	const char	*expr;		/* cron.h syntax; NULL: none */
	const char	*tz;		/* NULL or "": UTC */
	unsigned	 jitter_s;
	bool		 enabled;
};

struct schedule;

/*
 * The clock: a function giving now (unix seconds).  schedule_clock_real is
 * time(); schedule_clock_file reads the epoch seconds held in the file named
 * by arg (a NUL-terminated path): the daemon's test clock
 * (DOCKREV_CLOCK_FILE).  A clock answers (time_t)-1 when it cannot tell
 * (the file is missing, empty or caught mid-write); the caller skips that
 * tick rather than jump to the real time.
 */
typedef time_t	(*schedule_clock_fn)(void *arg);
time_t		schedule_clock_real(void *arg);
time_t		schedule_clock_file(void *arg);

struct schedule	*schedule_new(void);
void		 schedule_free(struct schedule *);

/* The kind's name, "check" or "update"; and its parser. */
const char	*schedule_kind_name(enum schedule_kind);
bool		 schedule_kind_parse(const char *, enum schedule_kind *);

/*
 * Checks a schedule without touching any sched: the expression parses
 * (an enabled schedule needs one), the zone exists, the jitter is at most
 * SCHEDULE_JITTER_MAX.  DR_EINVAL / DR_ENOTFOUND with the reason.
 */
enum dr_err	 schedule_conf_check(const struct schedule_conf *,
		    struct dr_error *reterr);

/*
 * Replaces schedule kind by c (copied) and computes its next fire time
 * after now.  On failure the schedule is left as it was.  A disabled
 * schedule, or one without an expression, never fires.
 */
enum dr_err	 schedule_set(struct schedule *, enum schedule_kind,
		    const struct schedule_conf *c, time_t now,
		    struct dr_error *reterr);

/*
 * The schedules due at now, as SCHEDULE_BIT()s; each one returned gets its
 * next fire time recomputed strictly after now (jitter added), so a
 * second call with the same now returns 0.
 */
unsigned	 schedule_due(struct schedule *, time_t now);

/* The next fire time of kind, 0 when it never fires. */
time_t		 schedule_next(const struct schedule *, enum schedule_kind);

#endif
