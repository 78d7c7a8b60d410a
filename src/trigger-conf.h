/*
 * trigger-conf: what the daemon's configuration says about triggers: the
 * default concurrency, the default schedules and the Watchtower API
 * token.  Settings stored through PUT /api/v1/settings override the first
 * two (trigger.c).
 */
#ifndef TRIGGER_CONF_H
#define TRIGGER_CONF_H

#include <jansson.h>

#include "schedule.h"
#include "serve.h"

/* The configured concurrency, 1..TRIGGER_CONCURRENCY_MAX. */
unsigned	 trigger_conf_concurrency(struct serve *);

/* The configured schedule of kind as {"expr","tz","jitter_s","enabled"}
 * (a new reference).  Default: check "@every 6h", update disabled. */
json_t		*trigger_conf_schedule(struct serve *, enum schedule_kind);

/* The Watchtower API token, or NULL when none is configured (the endpoint
 * is then disabled).  Borrowed from the configuration. */
const char	*trigger_conf_api_token(struct serve *);

#endif
