/*
 * cron: parsing of cron expressions and intervals, and the search for the
 * next fire time.  Invariant: the search walks wall-clock fields forward
 * only (each step strictly increases the wall time), within
 * CRON_SEARCH_YEARS, so it always ends.
 */
#include "cron.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmalloc.h"

struct cron {
	long		every;		/* seconds; 0: use the fields */
	uint64_t	sec, min;	/* bit n: value n */
	uint32_t	hour, dom, mon;
	uint8_t		dow;		/* bit 0 Sunday .. bit 6 Saturday */
	bool		dom_star, dow_star;
};

enum cron_field {
	CRON_SEC,
	CRON_MIN,
	CRON_HOUR,
	CRON_DOM,
	CRON_MON,
	CRON_DOW,
	CRON_NFIELDS
};

static const struct {
	const char		*name;
	int			 lo, hi;
	const char *const	*names;		/* names[i] is value lo + i */
} cron_fields[CRON_NFIELDS] = {
	[CRON_SEC] = { "second", 0, 59, NULL },
	[CRON_MIN] = { "minute", 0, 59, NULL },
	[CRON_HOUR] = { "hour", 0, 23, NULL },
	[CRON_DOM] = { "day-of-month", 1, 31, NULL },
	[CRON_MON] = { "month", 1, 12, (const char *const[]){ "jan", "feb",
	    "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
	    "dec" } },
	[CRON_DOW] = { "day-of-week", 0, 7, (const char *const[]){ "sun",
	    "mon", "tue", "wed", "thu", "fri", "sat" } },
};
#define CRON_NAMES(f)	((f) == CRON_MON ? 12 : 7)

static const struct {
	const char	*name;
	const char	*expr;
} cron_macros[] = {
	{ "yearly",	"0 0 1 1 *" },
	{ "annually",	"0 0 1 1 *" },
	{ "monthly",	"0 0 1 * *" },
	{ "weekly",	"0 0 * * 0" },
	{ "daily",	"0 0 * * *" },
	{ "midnight",	"0 0 * * *" },
	{ "hourly",	"0 * * * *" },
};
#define CRON_NMACROS	(sizeof(cron_macros) / sizeof(cron_macros[0]))

static const struct {
	char	unit;
	long	seconds;
} cron_units[] = {
	{ 'd', 86400 },
	{ 'h', 3600 },
	{ 'm', 60 },
	{ 's', 1 },
};
#define CRON_NUNITS	(sizeof(cron_units) / sizeof(cron_units[0]))

static bool
cron_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
cron_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char
cron_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool
cron_is_alpha(char c)
{
	c = cron_lower(c);
	return c >= 'a' && c <= 'z';
}

/* Case-insensitive comparison of the n bytes at p with the word w. */
static bool
cron_word_eq(const char *p, size_t n, const char *w)
{
	size_t	i;

	if (strlen(w) != n)
		return false;
	for (i = 0; i < n; i++)
		if (cron_lower(p[i]) != w[i])
			return false;
	return true;
}

/*
 * Reads a number or (in month and day-of-week) a name at p[*pos..n) into
 * *ret.  Numbers are capped well above any field maximum so they cannot
 * overflow; range checks are the caller's.
 */
static bool
cron_value(enum cron_field f, const char *p, size_t n, size_t *pos, int *ret)
{
	size_t	i = *pos, start = i;
	int	v = 0, k;

	if (i < n && cron_is_digit(p[i])) {
		for (; i < n && cron_is_digit(p[i]); i++) {
			if (v < 10000)
				v = v * 10 + (p[i] - '0');
		}
		*pos = i;
		*ret = v;
		return true;
	}
	if (cron_fields[f].names == NULL)
		return false;
	while (i < n && cron_is_alpha(p[i]))
		i++;
	for (k = 0; k < CRON_NAMES(f); k++)
		if (cron_word_eq(p + start, i - start, cron_fields[f].names[k])) {
			*pos = i;
			*ret = cron_fields[f].lo + k;
			return true;
		}
	return false;
}

/* Parses one list item p[0..n) of field f into the bit set *bits. */
static enum dr_err
cron_item(enum cron_field f, const char *p, size_t n, uint64_t *bits,
    struct dr_error *reterr)
{
	const char	*name = cron_fields[f].name;
	int		 lo = cron_fields[f].lo, hi = cron_fields[f].hi;
	int		 a, b, step = 1, v;
	size_t		 i = 0;

	if (n == 0)
		return dr_fail(reterr, DR_EINVAL, "cron: %s: empty list item",
		    name);
	if (p[0] == '*') {
		a = lo;
		b = hi;
		i = 1;
	} else {
		if (!cron_value(f, p, n, &i, &a))
			goto bad;
		b = a;
		if (i < n && p[i] == '-') {
			i++;
			if (!cron_value(f, p, n, &i, &b))
				goto bad;
			/* "FRI-SUN": Sunday as the end of a range is 7. */
			if (f == CRON_DOW && b == 0 && a > 0)
				b = 7;
		} else if (i < n && p[i] == '/')
			b = hi;		/* "A/S" is A-max/S */
		if (a < lo || a > hi || b < lo || b > hi)
			return dr_fail(reterr, DR_EINVAL,
			    "cron: %s: \"%.*s\" is out of range %d-%d", name,
			    (int)n, p, lo, hi);
		if (a > b)
			return dr_fail(reterr, DR_EINVAL,
			    "cron: %s: range \"%.*s\" is backwards", name,
			    (int)n, p);
	}
	if (i < n && p[i] == '/') {
		if (++i == n || !cron_value(CRON_SEC, p, n, &i, &step))
			goto bad;
		if (step < 1 || step > hi - lo + 1)
			return dr_fail(reterr, DR_EINVAL,
			    "cron: %s: step in \"%.*s\" must be 1-%d", name,
			    (int)n, p, hi - lo + 1);
	}
	if (i != n)
		goto bad;
	for (v = a; v <= b; v += step)
		*bits |= UINT64_C(1) << (f == CRON_DOW && v == 7 ? 0 : v);
	return DR_OK;
bad:
	return dr_fail(reterr, DR_EINVAL, "cron: %s: bad item \"%.*s\"", name,
	    (int)n, p);
}

/* Parses the comma-separated list p[0..n) of field f into *bits. */
static enum dr_err
cron_list(enum cron_field f, const char *p, size_t n, uint64_t *bits,
    struct dr_error *reterr)
{
	size_t		i = 0, j;
	enum dr_err	e;

	*bits = 0;
	for (;;) {
		for (j = i; j < n && p[j] != ','; j++)
			;
		if ((e = cron_item(f, p + i, j - i, bits, reterr)) != DR_OK)
			return e;
		if (j == n)
			return DR_OK;
		i = j + 1;
		if (i == n)
			return dr_fail(reterr, DR_EINVAL,
			    "cron: %s: empty list item after \"%.*s\"",
			    cron_fields[f].name, (int)n, p);
	}
}

/* Days in month mon (1-12) of year y, proleptic Gregorian. */
static int
cron_month_days(long y, int mon)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (mon == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[mon - 1];
}

/* Parses DURATION ("1h30m") into seconds. */
static enum dr_err
cron_duration(const char *p, size_t n, long *ret, struct dr_error *reterr)
{
	size_t	i = 0, u = 0;
	long	total = 0;

	if (n == 0)
		return dr_fail(reterr, DR_EINVAL,
		    "cron: @every needs a duration such as 6h or 1h30m");
	while (i < n) {
		long	v = 0;
		size_t	start = i;

		for (; i < n && cron_is_digit(p[i]); i++)
			if (v <= CRON_EVERY_MAX)
				v = v * 10 + (p[i] - '0');
		if (i == start || i == n)
			goto bad;
		while (u < CRON_NUNITS && cron_units[u].unit != cron_lower(p[i]))
			u++;
		if (u == CRON_NUNITS)
			goto bad;
		if (v > CRON_EVERY_MAX / cron_units[u].seconds)
			goto range;
		total += v * cron_units[u].seconds;
		if (total > CRON_EVERY_MAX)
			goto range;
		u++;		/* each unit once, larger units first */
		i++;
	}
	if (total < CRON_EVERY_MIN)
		goto range;
	*ret = total;
	return DR_OK;
bad:
	return dr_fail(reterr, DR_EINVAL, "cron: @every: bad duration \"%.*s\" "
	    "(NUMBER UNIT pairs, units d h m s in that order)", (int)n, p);
range:
	return dr_fail(reterr, DR_EINVAL, "cron: @every: duration \"%.*s\" "
	    "must be between 1s and 365d", (int)n, p);
}

static enum dr_err
cron_parse_fields(const char *expr, size_t len, struct cron *c,
    struct dr_error *reterr)
{
	const char	*tok[CRON_NFIELDS];
	size_t		 toklen[CRON_NFIELDS], ntok = 0, i = 0, k;
	uint64_t	 bits[CRON_NFIELDS];
	enum dr_err	 e;
	int		 mon, d, maxdom;

	while (i < len) {
		size_t	start;

		while (i < len && cron_is_blank(expr[i]))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && !cron_is_blank(expr[i]))
			i++;
		if (ntok == CRON_NFIELDS)
			return dr_fail(reterr, DR_EINVAL, "cron: too many "
			    "fields (at most 6), trailing \"%.*s\"",
			    (int)(len - start), expr + start);
		tok[ntok] = expr + start;
		toklen[ntok++] = i - start;
	}
	if (ntok < 5)
		return dr_fail(reterr, DR_EINVAL, "cron: expected 5 or 6 "
		    "fields (seconds optional), got %zu", ntok);

	bits[CRON_SEC] = 1;	/* second 0 when there is no seconds field */
	for (k = 0; k < ntok; k++) {
		enum cron_field	f = (enum cron_field)(k + (ntok == 5));

		if ((e = cron_list(f, tok[k], toklen[k], &bits[f],
		    reterr)) != DR_OK)
			return e;
		if (f == CRON_DOM)
			c->dom_star = tok[k][0] == '*';
		else if (f == CRON_DOW)
			c->dow_star = tok[k][0] == '*';
	}
	c->sec = bits[CRON_SEC];
	c->min = bits[CRON_MIN];
	c->hour = (uint32_t)bits[CRON_HOUR];
	c->dom = (uint32_t)bits[CRON_DOM];
	c->mon = (uint32_t)bits[CRON_MON];
	c->dow = (uint8_t)bits[CRON_DOW];

	/* With the day of week unrestricted (or ANDed), the day of month
	 * alone must exist in some selected month, or nothing ever fires. */
	if (!c->dom_star && !c->dow_star)
		return DR_OK;
	maxdom = 0;
	for (mon = 1; mon <= 12; mon++)
		if (c->mon & (UINT32_C(1) << mon) &&
		    cron_month_days(2000, mon) > maxdom)
			maxdom = cron_month_days(2000, mon);
	for (d = 1; d <= maxdom; d++)
		if (c->dom & (UINT32_C(1) << d))
			return DR_OK;
	return dr_fail(reterr, DR_EINVAL, "cron: day-of-month \"%.*s\" never "
	    "occurs in month \"%.*s\"", (int)toklen[ntok - 3], tok[ntok - 3],
	    (int)toklen[ntok - 2], tok[ntok - 2]);
}

static enum dr_err
cron_parse_macro(const char *p, size_t len, struct cron *c,
    struct dr_error *reterr)
{
	size_t	n = 0, i;

	while (n < len && !cron_is_blank(p[n]))
		n++;
	if (cron_word_eq(p, n, "@every")) {
		for (i = n; i < len && cron_is_blank(p[i]); i++)
			;
		return cron_duration(p + i, len - i, &c->every, reterr);
	}
	for (i = n; i < len; i++)
		if (!cron_is_blank(p[i]))
			return dr_fail(reterr, DR_EINVAL, "cron: trailing "
			    "\"%.*s\" after \"%.*s\"", (int)(len - i), p + i,
			    (int)n, p);
	for (i = 0; i < CRON_NMACROS; i++)
		if (cron_word_eq(p + 1, n - 1, cron_macros[i].name)) {
			const char	*e = cron_macros[i].expr;

			return cron_parse_fields(e, strlen(e), c, reterr);
		}
	return dr_fail(reterr, DR_EINVAL, "cron: unknown schedule \"%.*s\" "
	    "(@yearly @annually @monthly @weekly @daily @midnight @hourly "
	    "@every)", (int)n, p);
}

enum dr_err
cron_parse(const char *expr, struct cron **ret, struct dr_error *reterr)
{
	struct cron	*c = NULL;
	size_t		 len, i;
	enum dr_err	 e;

	*ret = NULL;
	len = strnlen(expr, CRON_EXPR_MAX + 1);
	if (len > CRON_EXPR_MAX)
		return dr_fail(reterr, DR_ETOOBIG, "cron: expression longer "
		    "than %d bytes", CRON_EXPR_MAX);
	for (i = 0; i < len; i++) {
		unsigned char	ch = (unsigned char)expr[i];

		if ((ch < 0x21 || ch > 0x7e) && !cron_is_blank(expr[i]))
			return dr_fail(reterr, DR_EINVAL, "cron: unexpected "
			    "byte 0x%02x at offset %zu", ch, i);
	}
	while (len > 0 && cron_is_blank(expr[len - 1]))
		len--;
	while (len > 0 && cron_is_blank(*expr)) {
		expr++;
		len--;
	}
	if (len == 0)
		return dr_fail(reterr, DR_EINVAL, "cron: empty expression");

	c = xcalloc(1, sizeof(*c));
	if (expr[0] == '@')
		e = cron_parse_macro(expr, len, c, reterr);
	else
		e = cron_parse_fields(expr, len, c, reterr);
	if (e != DR_OK) {
		cron_free(c);
		return e;
	}
	*ret = c;
	return DR_OK;
}

void
cron_free(struct cron *c)
{
	free(c);
}

long
cron_every(const struct cron *c)
{
	return c->every;
}

enum dr_err
cron_zone_check(const char *tz, struct dr_error *reterr)
{
	char		 path[sizeof(CRON_ZONEINFO) + CRON_TZ_MAX + 1];
	char		 magic[4];
	size_t		 len, i, comp = 0;
	int		 fd;
	ssize_t		 n;

	if (tz == NULL || tz[0] == '\0' || strcmp(tz, "Local") == 0 ||
	    strcmp(tz, "UTC") == 0)
		return DR_OK;
	len = strnlen(tz, CRON_TZ_MAX + 1);
	if (len > CRON_TZ_MAX)
		return dr_fail(reterr, DR_EINVAL, "time zone name longer than "
		    "%d bytes", CRON_TZ_MAX);
	for (i = 0; i <= len; i++) {
		char	ch = tz[i];

		if (ch == '/' || ch == '\0') {
			/* Empty, "." and ".." components, and a leading or
			 * trailing "/", never name a zone. */
			if (i == comp || (tz[comp] == '.'))
				goto bad;
			comp = i + 1;
		} else if (!cron_is_alpha(ch) && !cron_is_digit(ch) &&
		    ch != '_' && ch != '+' && ch != '-')
			goto bad;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", CRON_ZONEINFO, tz) >=
	    sizeof(path))
		goto bad;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK))
	    == -1) {
		/* Some distributions make zones symbolic links. */
		if (errno != ELOOP ||
		    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
			return dr_fail(reterr, DR_ENOTFOUND, "unknown time "
			    "zone \"%s\"", tz);
	}
	n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n != (ssize_t)sizeof(magic) || memcmp(magic, "TZif", 4) != 0)
		return dr_fail(reterr, DR_ENOTFOUND, "unknown time zone \"%s\"",
		    tz);
	return DR_OK;
bad:
	return dr_fail(reterr, DR_EINVAL, "bad time zone name \"%.*s\"",
	    (int)len, tz);
}

/* A wall-clock time being searched; fields may overflow until
 * cron_wall_norm(). */
struct cron_wall {
	long	y;
	int	mon, d, h, mi, s;	/* 1-12, 1-31, 0-23, 0-59, 0-59 */
};

static void
cron_wall_norm(struct cron_wall *w)
{
	if (w->s > 59) {
		w->s = 0;
		w->mi++;
	}
	if (w->mi > 59) {
		w->mi = 0;
		w->h++;
	}
	if (w->h > 23) {
		w->h = 0;
		w->d++;
	}
	if (w->d > cron_month_days(w->y, w->mon)) {
		w->d = 1;
		w->mon++;
	}
	if (w->mon > 12) {
		w->mon = 1;
		w->y++;
	}
}

/* Day of week, 0 Sunday, of a Gregorian date (Sakamoto). */
static int
cron_weekday(long y, int mon, int d)
{
	static const int t[] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };

	if (mon < 3)
		y--;
	return (int)((y + y / 4 - y / 100 + y / 400 + t[mon - 1] + d) % 7);
}

static bool
cron_day_matches(const struct cron *c, const struct cron_wall *w)
{
	bool	dom = c->dom & (UINT32_C(1) << w->d);
	bool	dow = c->dow & (1u << cron_weekday(w->y, w->mon, w->d));

	if (c->dom_star || c->dow_star)
		return dom && dow;
	return dom || dow;
}

enum cron_zone {
	CRON_ZONE_UTC,
	CRON_ZONE_LOCAL,	/* the process's zone, or TZ as switched */
};

static void
cron_to_wall(time_t t, enum cron_zone z, struct cron_wall *w)
{
	struct tm	tm;

	if (z == CRON_ZONE_UTC)
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	w->y = tm.tm_year + 1900L;
	w->mon = tm.tm_mon + 1;
	w->d = tm.tm_mday;
	w->h = tm.tm_hour;
	w->mi = tm.tm_min;
	w->s = tm.tm_sec;
}

static bool
cron_wall_eq(const struct cron_wall *a, const struct cron_wall *b)
{
	return a->y == b->y && a->mon == b->mon && a->d == b->d &&
	    a->h == b->h && a->mi == b->mi && a->s == b->s;
}

/*
 * The first instant whose wall clock in zone z is w; false when w does not
 * exist there (a DST gap).  mktime() is asked with each DST flag, and
 * only answers that read back as w count, so a repeated time gives its
 * earlier instant whatever the libc's own choice.
 */
static bool
cron_wall_time(const struct cron_wall *w, enum cron_zone z, time_t *ret)
{
	static const int	isdst[] = { 0, 1, -1 };
	struct tm		tm;
	struct cron_wall	back;
	bool			found = false;
	time_t			t, best = 0;
	size_t			i;

	for (i = 0; i < sizeof(isdst) / sizeof(isdst[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = (int)(w->y - 1900);
		tm.tm_mon = w->mon - 1;
		tm.tm_mday = w->d;
		tm.tm_hour = w->h;
		tm.tm_min = w->mi;
		tm.tm_sec = w->s;
		tm.tm_isdst = isdst[i];
		if (z == CRON_ZONE_UTC) {
			*ret = timegm(&tm);
			return true;
		}
		t = mktime(&tm);
		cron_to_wall(t, z, &back);
		if (!cron_wall_eq(w, &back))
			continue;
		if (!found || t < best)
			best = t;
		found = true;
	}
	if (found)
		*ret = best;
	return found;
}

static enum dr_err
cron_search(const struct cron *c, time_t after, enum cron_zone z,
    time_t *ret, struct dr_error *reterr)
{
	struct cron_wall	w;
	long			limit;
	time_t			t = 0;

	cron_to_wall(after + 1, z, &w);
	limit = w.y + CRON_SEARCH_YEARS;
	for (;;) {
		if (w.y > limit)
			return dr_fail(reterr, DR_ENOTFOUND, "cron: schedule "
			    "does not fire within %d years", CRON_SEARCH_YEARS);
		if (!(c->mon & (UINT32_C(1) << w.mon))) {
			w.mon++;
			w.d = 1;
			w.h = w.mi = w.s = 0;
			if (w.mon > 12) {
				w.mon = 1;
				w.y++;
			}
		} else if (!cron_day_matches(c, &w)) {
			w.d++;
			w.h = w.mi = w.s = 0;
		} else if (!(c->hour & (UINT32_C(1) << w.h))) {
			w.h++;
			w.mi = w.s = 0;
		} else if (!(c->min & (UINT64_C(1) << w.mi))) {
			w.mi++;
			w.s = 0;
		} else if (!(c->sec & (UINT64_C(1) << w.s))) {
			w.s++;
		} else if (cron_wall_time(&w, z, &t) && t > after) {
			*ret = t;
			return DR_OK;
		} else {
			/* Inside a DST gap, or the second pass of a repeated
			 * hour whose first pass already fired. */
			w.s++;
		}
		cron_wall_norm(&w);
	}
}

/* Serializes the TZ switch of cron_next() with an IANA zone, and the
 * local-time searches that must not see it. */
static pthread_mutex_t cron_tz_lock = PTHREAD_MUTEX_INITIALIZER;

enum dr_err
cron_next(const struct cron *c, time_t after, const char *tz, time_t *ret,
    struct dr_error *reterr)
{
	char		*saved = NULL, *val = NULL;
	const char	*old;
	enum dr_err	 e;

	if (after < 0 || after >= CRON_TIME_MAX)
		return dr_fail(reterr, DR_EINVAL, "cron: time %lld out of "
		    "range", (long long)after);
	if ((e = cron_zone_check(tz, reterr)) != DR_OK)
		return e;
	if (c->every > 0) {
		*ret = after - after % c->every + c->every;
		return DR_OK;
	}
	if (tz != NULL && strcmp(tz, "UTC") == 0)
		return cron_search(c, after, CRON_ZONE_UTC, ret, reterr);
	if (tz == NULL || tz[0] == '\0' || strcmp(tz, "Local") == 0) {
		/* Locked too, so a concurrent switch cannot leak into it. */
		pthread_mutex_lock(&cron_tz_lock);
		e = cron_search(c, after, CRON_ZONE_LOCAL, ret, reterr);
		pthread_mutex_unlock(&cron_tz_lock);
		return e;
	}

	val = xasprintf(":%s", tz);
	pthread_mutex_lock(&cron_tz_lock);
	if ((old = getenv("TZ")) != NULL)
		saved = xstrdup(old);
	if (setenv("TZ", val, 1) == -1) {
		e = dr_fail(reterr, DR_EIO, "setenv TZ: %s", strerror(errno));
		goto out;
	}
	tzset();
	e = cron_search(c, after, CRON_ZONE_LOCAL, ret, reterr);
	if (saved != NULL)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
out:
	pthread_mutex_unlock(&cron_tz_lock);
	free(saved);
	free(val);
	return e;
}

/* splitmix64: a small, well-mixed, deterministic hash step. */
static uint64_t
cron_mix(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

time_t
cron_jitter(time_t t, unsigned max_seconds, uint64_t seed)
{
	uint64_t	r;
	time_t		d;

	if (max_seconds == 0)
		return t;
	r = cron_mix(seed ^ cron_mix((uint64_t)t));
	d = (time_t)(r % ((uint64_t)max_seconds + 1));
	/* time_t is 64-bit signed on every platform we build for. */
	if (t > INT64_MAX - d)
		return (time_t)INT64_MAX;
	return t + d;
}
