/*
 * schedule: next fire times of the check and update schedules, from cron.h.
 */
#include "schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "xmalloc.h"

struct schedule_entry {
	struct cron	*cron;		/* NULL: never fires */
	char		*tz;
	unsigned	 jitter_s;
	uint64_t	 seed;
	time_t		 next;		/* 0: never */
};

struct schedule {
	struct schedule_entry	e[SCHEDULE_KIND_COUNT];
};

static const char *const schedule_kind_names[SCHEDULE_KIND_COUNT] = {
	[SCHEDULE_CHECK] = "check",
	[SCHEDULE_UPDATE] = "update",
};

time_t
schedule_clock_real(void *arg)
{
	return time(NULL);
}

time_t
schedule_clock_file(void *arg)
{
	const char	*path = arg;
	char		 b[32];
	char		*end;
	long long	 v;
	size_t		 n;
	FILE		*f;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return (time_t)-1;
	n = fread(b, 1, sizeof(b) - 1, f);
	fclose(f);
	b[n] = '\0';
	v = strtoll(b, &end, 10);
	if (end == b || v <= 0 || (*end != '\0' && *end != '\n'))
		return (time_t)-1;
	return (time_t)v;
}

struct schedule *
schedule_new(void)
{
	return xcalloc(1, sizeof(struct schedule));
}

static void
schedule_entry_clear(struct schedule_entry *e)
{
	cron_free(e->cron);
	free(e->tz);
	memset(e, 0, sizeof(*e));
}

void
schedule_free(struct schedule *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < SCHEDULE_KIND_COUNT; i++)
		schedule_entry_clear(&s->e[i]);
	free(s);
}

const char *
schedule_kind_name(enum schedule_kind k)
{
	return (unsigned)k < SCHEDULE_KIND_COUNT ? schedule_kind_names[k] : "unknown";
}

bool
schedule_kind_parse(const char *s, enum schedule_kind *ret)
{
	size_t	i;

	for (i = 0; s != NULL && i < SCHEDULE_KIND_COUNT; i++) {
		if (strcmp(s, schedule_kind_names[i]) == 0) {
			*ret = (enum schedule_kind)i;
			return true;
		}
	}
	return false;
}

enum dr_err
schedule_conf_check(const struct schedule_conf *c, struct dr_error *reterr)
{
	struct cron	*cr = NULL;
	enum dr_err	 err;

	if (c->jitter_s > SCHEDULE_JITTER_MAX)
		return dr_fail(reterr, DR_EINVAL, "jitter_s is above %d",
		    SCHEDULE_JITTER_MAX);
	if (c->expr != NULL && strlen(c->expr) > SCHEDULE_EXPR_MAX)
		return dr_fail(reterr, DR_EINVAL, "schedule is longer than %d "
		    "bytes", SCHEDULE_EXPR_MAX);
	if (c->enabled && c->expr == NULL)
		return dr_fail(reterr, DR_EINVAL, "an enabled schedule needs "
		    "an expr");
	if (c->expr != NULL) {
		if ((err = cron_parse(c->expr, &cr, reterr)) != DR_OK)
			return err;
		cron_free(cr);
	}
	if (c->tz != NULL && *c->tz != '\0')
		return cron_zone_check(c->tz, reterr);
	return DR_OK;
}

/* The next fire time of e strictly after now, with its jitter; 0: none. */
static time_t
schedule_compute(const struct schedule_entry *e, time_t now)
{
	time_t	t;

	if (e->cron == NULL)
		return 0;
	if (cron_next(e->cron, now, e->tz, &t, NULL) != DR_OK)
		return 0;
	return cron_jitter(t, e->jitter_s, e->seed);
}

enum dr_err
schedule_set(struct schedule *s, enum schedule_kind k, const struct schedule_conf *c,
    time_t now, struct dr_error *reterr)
{
	struct schedule_entry	 n = { 0 };
	enum dr_err		 err;

	if ((unsigned)k >= SCHEDULE_KIND_COUNT)
		return dr_fail(reterr, DR_EINVAL, "bad schedule kind");
	if ((err = schedule_conf_check(c, reterr)) != DR_OK)
		return err;
	if (c->enabled && c->expr != NULL &&
	    (err = cron_parse(c->expr, &n.cron, reterr)) != DR_OK)
		return err;
	n.tz = xstrdup(c->tz != NULL && *c->tz != '\0' ? c->tz : "UTC");
	n.jitter_s = c->jitter_s;
	/* One seed per schedule kind: check and update spread apart. */
	n.seed = 0x9e3779b97f4a7c15ULL * (uint64_t)(k + 1);
	n.next = schedule_compute(&n, now);
	schedule_entry_clear(&s->e[k]);
	s->e[k] = n;
	return DR_OK;
}

unsigned
schedule_due(struct schedule *s, time_t now)
{
	unsigned	mask = 0;
	size_t		i;

	for (i = 0; i < SCHEDULE_KIND_COUNT; i++) {
		struct schedule_entry	*e = &s->e[i];

		if (e->next == 0 || e->next > now)
			continue;
		mask |= SCHEDULE_BIT(i);
		/* From now, not from the missed fire time: no burst. */
		e->next = schedule_compute(e, now);
	}
	return mask;
}

time_t
schedule_next(const struct schedule *s, enum schedule_kind k)
{
	return (unsigned)k < SCHEDULE_KIND_COUNT ? s->e[k].next : 0;
}
