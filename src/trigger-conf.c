/*
 * trigger-conf: the triggers' view of the configuration.
 */
#include "trigger-conf.h"

#include <stdlib.h>
#include <string.h>

#include "trigger.h"

unsigned
trigger_conf_concurrency(struct serve *srv)
{
	const char	*s = getenv("DOCKREV_CONCURRENCY");
	long		 n = s ? strtol(s, NULL, 10) : 0;

	return n >= 1 && n <= TRIGGER_CONCURRENCY_MAX ? (unsigned)n : 2;
}

json_t *
trigger_conf_schedule(struct serve *srv, enum schedule_kind k)
{
	if (k == SCHEDULE_CHECK)
		return json_pack("{s:s, s:s, s:i, s:b}", "expr", "@every 6h",
		    "tz", "UTC", "jitter_s", 60, "enabled", 1);
	return json_pack("{s:n, s:s, s:i, s:b}", "expr", "tz", "UTC",
	    "jitter_s", 0, "enabled", 0);
}

const char *
trigger_conf_api_token(struct serve *srv)
{
	const char	*t = getenv("DOCKREV_HTTP_API_TOKEN");

	if (t == NULL || *t == '\0')
		t = getenv("WATCHTOWER_HTTP_API_TOKEN");
	return t != NULL && *t != '\0' ? t : NULL;
}
