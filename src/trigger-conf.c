/*
 * trigger-conf: the triggers' view of the configuration (config.h).
 */
#include "trigger-conf.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "trigger.h"

unsigned
trigger_conf_concurrency(struct serve *srv)
{
	int	n = srv->cfg != NULL ? srv->cfg->concurrency : 0;

	return n >= 1 && n <= TRIGGER_CONCURRENCY_MAX ? (unsigned)n : 2;
}

json_t *
trigger_conf_schedule(struct serve *srv, enum schedule_kind k)
{
	const struct config_schedule	*c = NULL;

	if (srv->cfg != NULL)
		c = k == SCHEDULE_CHECK ? &srv->cfg->schedule_check :
		    &srv->cfg->schedule_update;
	if (c == NULL)
		return json_pack("{s:n, s:s, s:i, s:b}", "expr", "tz", "UTC",
		    "jitter_s", 0, "enabled", 0);
	return json_pack("{s:s?, s:s, s:i, s:b}", "expr", c->expr, "tz",
	    c->tz != NULL && *c->tz != '\0' ? c->tz : "UTC", "jitter_s",
	    (int)c->jitter_s, "enabled", c->enabled && c->expr != NULL);
}

const char *
trigger_conf_api_token(struct serve *srv)
{
	const char	*t = srv->cfg != NULL ? srv->cfg->http_api_token : NULL;

	return t != NULL && *t != '\0' ? t : NULL;
}
