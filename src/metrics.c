/*
 * metrics: the registry.  Invariant: the series array only grows (until
 * metrics_reset) and is kept sorted by (name, labels), so one family's
 * samples are adjacent in the output as the format requires.
 */
#include "metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

struct metrics_series {
	char	*name;
	char	*labels;	/* "" when none */
	bool	 gauge;
	double	 value;
};

struct metrics_desc {
	const char	*name;
	const char	*type;
	const char	*help;
};

static const struct metrics_desc metrics_known[] = {
	{ "dockrev_http_requests_total", "counter",
	    "HTTP requests answered, by status code." },
	{ "dockrev_jobs_total", "counter",
	    "Jobs finished, by kind and final state." },
	{ "dockrev_registry_requests_total", "counter",
	    "Requests sent to registries." },
	{ "dockrev_checks_total", "counter",
	    "Check runs, by result." },
	{ "dockrev_last_check_timestamp_seconds", "gauge",
	    "Unix time of the last finished check." },
	{ "dockrev_update_available", "gauge",
	    "1 when a service has an update it would take." },
	{ "dockrev_metrics_dropped_total", "counter",
	    "Metric updates dropped (too many series or a bad name)." },
};

static pthread_mutex_t		 metrics_mu = PTHREAD_MUTEX_INITIALIZER;
static struct metrics_series	*series;
static size_t			 nseries;
static struct metrics_desc	 descs[32];
static size_t			 ndescs;
static uint64_t			 dropped;
static struct {
	metrics_collector	 fn;
	void			*arg;
} collectors[METRICS_COLLECTORS_MAX];
static size_t			 ncollectors;

static bool
name_ok(const char *s)
{
	size_t	n = strlen(s);

	if (n == 0 || n > 128 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:") == n;
}

/* "k=v,k=v" with keys [a-z_]+ and values without ',' '=' '\0'. */
static bool
labels_ok(const char *s)
{
	const char	*p = s;
	size_t		 k;

	if (strlen(s) > METRICS_LABELS_MAX)
		return false;
	while (*p) {
		k = strspn(p, "abcdefghijklmnopqrstuvwxyz_");
		if (k == 0 || p[k] != '=')
			return false;
		p += k + 1;
		p += strcspn(p, ",=");
		if (*p == '=')
			return false;
		if (*p == ',') {
			p++;
			if (*p == '\0')
				return false;
		}
	}
	return true;
}

static int
series_cmp(const char *name, const char *labels,
    const struct metrics_series *s)
{
	int	c = strcmp(name, s->name);

	return c != 0 ? c : strcmp(labels, s->labels);
}

/* The series (name, labels), created when absent; NULL when full. */
static struct metrics_series *
series_get(const char *name, const char *labels, bool gauge)
{
	size_t	lo = 0, hi = nseries, mid;
	int	c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = series_cmp(name, labels, &series[mid]);
		if (c == 0)
			return &series[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (nseries >= METRICS_SERIES_MAX)
		return NULL;
	series = xreallocarray(series, nseries + 1, sizeof(*series));
	memmove(&series[lo + 1], &series[lo], (nseries - lo) *
	    sizeof(*series));
	series[lo].name = xstrdup(name);
	series[lo].labels = xstrdup(labels);
	series[lo].gauge = gauge;
	series[lo].value = 0;
	nseries++;
	return &series[lo];
}

static void
update(const char *name, const char *labels, bool gauge, double v)
{
	struct metrics_series	*s;

	if (labels == NULL)
		labels = "";
	pthread_mutex_lock(&metrics_mu);
	if (!name_ok(name) || !labels_ok(labels) ||
	    (s = series_get(name, labels, gauge)) == NULL)
		dropped++;
	else if (gauge)
		s->value = v;
	else
		s->value += v;
	pthread_mutex_unlock(&metrics_mu);
}

void
metrics_counter_add(const char *name, const char *labels, uint64_t n)
{
	update(name, labels, false, (double)n);
}

void
metrics_gauge_set(const char *name, const char *labels, double v)
{
	update(name, labels, true, v);
}

void
metrics_describe(const char *name, const char *type, const char *help)
{
	size_t	i;

	pthread_mutex_lock(&metrics_mu);
	for (i = 0; i < ndescs; i++)
		if (strcmp(descs[i].name, name) == 0)
			break;
	if (i < sizeof(descs) / sizeof(descs[0])) {
		descs[i].name = name;
		descs[i].type = type;
		descs[i].help = help;
		if (i == ndescs)
			ndescs++;
	}
	pthread_mutex_unlock(&metrics_mu);
}

static const struct metrics_desc *
desc_find(const char *name)
{
	size_t	i;

	for (i = 0; i < ndescs; i++)
		if (strcmp(descs[i].name, name) == 0)
			return &descs[i];
	for (i = 0; i < sizeof(metrics_known) / sizeof(metrics_known[0]); i++)
		if (strcmp(metrics_known[i].name, name) == 0)
			return &metrics_known[i];
	return NULL;
}

bool
metrics_add_collector(metrics_collector fn, void *arg)
{
	bool	ok = false;

	pthread_mutex_lock(&metrics_mu);
	if (ncollectors < METRICS_COLLECTORS_MAX) {
		collectors[ncollectors].fn = fn;
		collectors[ncollectors].arg = arg;
		ncollectors++;
		ok = true;
	}
	pthread_mutex_unlock(&metrics_mu);
	return ok;
}

void
metrics_remove_collector(metrics_collector fn, void *arg)
{
	size_t	i;

	pthread_mutex_lock(&metrics_mu);
	for (i = 0; i < ncollectors; i++)
		if (collectors[i].fn == fn && collectors[i].arg == arg) {
			memmove(&collectors[i], &collectors[i + 1],
			    (ncollectors - i - 1) * sizeof(collectors[0]));
			ncollectors--;
			break;
		}
	pthread_mutex_unlock(&metrics_mu);
}

static void
help_escape(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_adds(out, "\\\\");
		else if (*s == '\n')
			buf_adds(out, "\\n");
		else
			buf_addc(out, *s);
	}
}

void
metrics_write_family(struct buf *out, const char *name, const char *type,
    const char *help)
{
	buf_printf(out, "# HELP %s ", name);
	help_escape(out, help ? help : name);
	buf_printf(out, "\n# TYPE %s %s\n", name, type ? type : "untyped");
}

void
metrics_write_sample(struct buf *out, const char *name, const char *labels,
    double v)
{
	const char	*p = labels, *eq, *end;

	buf_adds(out, name);
	if (labels != NULL && labels[0] != '\0') {
		buf_addc(out, '{');
		while (*p) {
			eq = strchr(p, '=');
			if (eq == NULL)
				break;
			buf_add(out, p, (size_t)(eq - p));
			buf_adds(out, "=\"");
			end = eq + 1 + strcspn(eq + 1, ",");
			for (p = eq + 1; p < end; p++) {
				if (*p == '\\' || *p == '"')
					buf_addc(out, '\\');
				if (*p == '\n')
					buf_adds(out, "\\n");
				else
					buf_addc(out, *p);
			}
			buf_addc(out, '"');
			if (*end == ',') {
				buf_addc(out, ',');
				end++;
			}
			p = end;
		}
		buf_addc(out, '}');
	}
	if (isnan(v))
		buf_adds(out, " NaN\n");
	else if (isinf(v))
		buf_adds(out, v > 0 ? " +Inf\n" : " -Inf\n");
	else if (v == (double)(int64_t)v && fabs(v) < 9e15)
		buf_printf(out, " %lld\n", (long long)v);
	else
		buf_printf(out, " %.17g\n", v);
}

void
metrics_render(struct buf *out)
{
	const struct metrics_desc *d;
	size_t			 i, nc;
	const char		*last = NULL;
	char			 dropped_text[32];
	struct {
		metrics_collector	 fn;
		void			*arg;
	} cs[METRICS_COLLECTORS_MAX];

	pthread_mutex_lock(&metrics_mu);
	for (i = 0; i < nseries; i++) {
		if (last == NULL || strcmp(last, series[i].name) != 0) {
			d = desc_find(series[i].name);
			metrics_write_family(out, series[i].name, d ? d->type :
			    (series[i].gauge ? "gauge" : "counter"),
			    d ? d->help : NULL);
			last = series[i].name;
		}
		metrics_write_sample(out, series[i].name, series[i].labels,
		    series[i].value);
	}
	if (dropped > 0) {
		snprintf(dropped_text, sizeof(dropped_text), "%llu",
		    (unsigned long long)dropped);
		d = desc_find("dockrev_metrics_dropped_total");
		metrics_write_family(out, d->name, d->type, d->help);
		buf_printf(out, "%s %s\n", d->name, dropped_text);
	}
	nc = ncollectors;
	memcpy(cs, collectors, nc * sizeof(cs[0]));
	pthread_mutex_unlock(&metrics_mu);
	for (i = 0; i < nc; i++)
		cs[i].fn(out, cs[i].arg);
}

void
metrics_reset(void)
{
	size_t	i;

	pthread_mutex_lock(&metrics_mu);
	for (i = 0; i < nseries; i++) {
		free(series[i].name);
		free(series[i].labels);
	}
	free(series);
	series = NULL;
	nseries = 0;
	ndescs = 0;
	ncollectors = 0;
	dropped = 0;
	pthread_mutex_unlock(&metrics_mu);
}
