/*
 * sched: the daemon's two schedules, "check" and "update" (issue #4).
 * Pure logic over an injectable clock: sched_due() is given "now" and says
 * which schedules fire; the caller (trigger.c's scheduler thread) does the
 * firing.  Invariant: a schedule fires at most once per sched_due() call
 * and its next fire time is always computed from now, so runs missed
 * while the daemon was down (or the clock jumped) are not replayed in a
 * burst.  cron_next() is not thread-safe for IANA zones: call sched_set()
 * and sched_due() from one thread.
 */
#ifndef SCHED_H
#define SCHED_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

enum sched_kind {
	SCHED_CHECK,
	SCHED_UPDATE,
	SCHED_KIND_COUNT
};

#define SCHED_BIT(k)		(1u << (k))
#define SCHED_JITTER_MAX	86400	/* jitter_s at most */
#define SCHED_EXPR_MAX		256

/* One schedule as configured (strings borrowed for the call). */
struct sched_conf {
	const char	*expr;		/* cron.h syntax; NULL: none */
	const char	*tz;		/* NULL or "": UTC */
	unsigned	 jitter_s;
	bool		 enabled;
};

struct sched;

/*
 * The clock: a function giving now (unix seconds).  sched_clock_real is
 * time(); sched_clock_file reads the epoch seconds held in the file named
 * by arg (a NUL-terminated path) and falls back to time() when it cannot
 * be read: the daemon's test clock (DOCKREV_CLOCK_FILE).
 */
typedef time_t	(*sched_clock_fn)(void *arg);
time_t		sched_clock_real(void *arg);
time_t		sched_clock_file(void *arg);

struct sched	*sched_new(void);
void		 sched_free(struct sched *);

/* The kind's name, "check" or "update"; and its parser. */
const char	*sched_kind_name(enum sched_kind);
bool		 sched_kind_parse(const char *, enum sched_kind *);

/*
 * Checks a schedule without touching any sched: the expression parses
 * (an enabled schedule needs one), the zone exists, the jitter is at most
 * SCHED_JITTER_MAX.  DR_EINVAL / DR_ENOTFOUND with the reason.
 */
enum dr_err	 sched_conf_check(const struct sched_conf *,
		    struct dr_error *reterr);

/*
 * Replaces schedule kind by c (copied) and computes its next fire time
 * after now.  On failure the schedule is left as it was.  A disabled
 * schedule, or one without an expression, never fires.
 */
enum dr_err	 sched_set(struct sched *, enum sched_kind,
		    const struct sched_conf *c, time_t now,
		    struct dr_error *reterr);

/*
 * The schedules due at now, as SCHED_BIT()s; each one returned gets its
 * next fire time recomputed strictly after now (jitter added), so a
 * second call with the same now returns 0.
 */
unsigned	 sched_due(struct sched *, time_t now);

/* The next fire time of kind, 0 when it never fires. */
time_t		 sched_next(const struct sched *, enum sched_kind);

#endif
