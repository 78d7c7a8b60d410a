/*
 * linecache: a small cache of facts that cannot change (key -> value),
 * kept in a text file of the state directory, one "KEY VALUE\n" line each,
 * oldest first.  Keys and values are validated by the caller's function on
 * load and on put, so a malformed or hostile file loses lines, never
 * passes one on.  At most max entries are saved (the oldest dropped).  A
 * missing or unreadable file, or a failed save, only costs what the cache
 * would have saved.  Used by platcache (config blob digest -> platform) and
 * the inventory (container ID -> configured image).
 */
#ifndef LINECACHE_H
#define LINECACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "span.h"

#define LINECACHE_LINE_MAX	1024	/* longer lines are dropped */

/* True when key and value make an entry (neither holds ' ' or '\n'). */
typedef bool	linecache_valid_fn(struct span key, struct span value);

struct linecache;

/* The cache in text, never saved (path NULL). */
struct linecache *linecache_parse(struct span text, size_t max,
		    linecache_valid_fn *valid);
/* The cache in path (NULL: an empty one that is never saved); never NULL.
 * Reads at most max * LINECACHE_LINE_MAX bytes. */
struct linecache *linecache_load(const char *path, size_t max,
		    linecache_valid_fn *valid);
/* key's value, or NULL.  Marks the entry used (linecache_drop_unused). */
const char	*linecache_get(struct linecache *, const char *key);
/* Adds key -> value unless key is there (a fact does not change) or the
 * pair is not valid. */
void		 linecache_put(struct linecache *, const char *key,
		    const char *value);
/* Drops every entry no linecache_get or linecache_put has touched. */
void		 linecache_drop_unused(struct linecache *);
/* The file's text: the newest max entries, oldest first (free() it). */
char		*linecache_text(const struct linecache *);
/* Writes the file (statefile_write) when an entry was added or dropped. */
void		 linecache_save(struct linecache *);
void		 linecache_free(struct linecache *);

#endif
