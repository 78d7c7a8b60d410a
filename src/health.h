/*
 * health: the gate an updated container must pass.  With a Docker
 * HEALTHCHECK: "healthy" before a deadline, then still healthy (and never
 * restarted) for a settle time.  Without one: running, with RestartCount
 * unchanged, for the settle time.  It watches the engine's event stream,
 * so it reacts as soon as Docker changes the status, and re-reads the
 * container's state after each event (level-based: a missed event only
 * delays the answer until the next one or the deadline).
 */
#ifndef HEALTH_H
#define HEALTH_H

#include <stdbool.h>

#include "docker-client.h"
#include "err.h"

#define HEALTH_DEADLINE_MS	(120 * 1000)
#define HEALTH_SETTLE_MS	(10 * 1000)
#define HEALTH_RETRY_MS		250	/* after an engine error */

enum health_result {
	HEALTH_OK,		/* passed the gate */
	HEALTH_UNHEALTHY,	/* Docker said unhealthy */
	HEALTH_EXITED,		/* stopped, or gone */
	HEALTH_RESTARTED,	/* RestartCount moved: crash loop */
	HEALTH_TIMEOUT,		/* not healthy before the deadline */
};

struct health_opts {
	long	deadline_ms;	/* to become healthy; 0: HEALTH_DEADLINE_MS */
	long	settle_ms;	/* to stay so; 0: HEALTH_SETTLE_MS */
};

struct health_report {
	enum health_result	result;
	bool			has_healthcheck;
	long			elapsed_ms;	/* from the call to the verdict */
	long			healthy_after_ms;	/* -1 when never */
	char			detail[256];	/* for logs */
};

/*
 * Watches container `id` (name or ID) until it passes or fails the gate
 * and fills ret.  The verdict is in ret->result; the return value is an
 * error only when the engine could not be asked (DR_ENET, ...).
 */
enum dr_err	health_wait(struct docker *, const char *id,
		    const struct health_opts *, struct health_report *ret,
		    struct dr_error *reterr);
const char	*health_result_name(enum health_result);

#endif
