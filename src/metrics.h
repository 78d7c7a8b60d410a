/*
 * metrics: a small process-wide registry of Prometheus counters and
 * gauges, rendered as text exposition format 0.0.4 for GET /metrics.
 * Series are (name, labels) pairs with fixed, low-cardinality label sets;
 * at most METRICS_SERIES_MAX of them exist (more are dropped and counted
 * in dockrev_metrics_dropped_total).  Modules may also register a
 * collector that writes gauges computed at scrape time (for example
 * dockrev_update_available{stack,service} from the last check).
 * Thread-safe.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

#define METRICS_SERIES_MAX	512
#define METRICS_COLLECTORS_MAX	16
#define METRICS_LABELS_MAX	256	/* bytes of a label text */

/*
 * labels: NULL or "key=value,key=value": keys [a-z_]+, values any bytes
 * but ',' and '=' (escaped on output).  A malformed name or label text
 * is a programmer error and the call is ignored (and counted as dropped).
 */
void	metrics_counter_add(const char *name, const char *labels, uint64_t n);
void	metrics_gauge_set(const char *name, const char *labels, double v);

/*
 * Describes a metric family: type "counter" or "gauge" and a one-line
 * help text (both static strings).  Families not described get
 * "untyped"; the well-known dockrev_* ones are described in metrics.c.
 */
void	metrics_describe(const char *name, const char *type, const char *help);

/*
 * Collectors write whole families into out at scrape time with
 * metrics_write_family() and metrics_write_sample(); they run on a server
 * thread, without the registry's lock held.
 */
typedef void (*metrics_collector)(struct buf *out, void *arg);
bool	metrics_add_collector(metrics_collector, void *arg);
void	metrics_remove_collector(metrics_collector, void *arg);
void	metrics_write_family(struct buf *, const char *name, const char *type,
	    const char *help);
/* labels as above; values are escaped. */
void	metrics_write_sample(struct buf *, const char *name,
	    const char *labels, double v);

/* The whole exposition into out. */
void	metrics_render(struct buf *out);

/* Forgets every series, description and collector (tests). */
void	metrics_reset(void);

#endif
