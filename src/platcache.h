/*
 * platcache: the platform (os/arch/variant) of image config blobs by
 * digest, remembered in the state directory between checks.
 *
 * A config blob is content-addressed: its digest fixes its bytes and so
 * the platform it declares, for ever.  A check that has read a candidate's
 * config once does not read it again: one request less per single-platform
 * candidate, and one round trip less on the check's longest path.  The
 * file is only a cache: a missing or unreadable file, a malformed line or
 * a failed save cost requests, never a verdict.  It holds at most
 * PLATCACHE_MAX entries; the oldest are dropped first.
 *
 * File: a linecache, one "DIGEST OS/ARCH[/VARIANT]\n" line per entry.
 */
#ifndef PLATCACHE_H
#define PLATCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "platform.h"
#include "span.h"

#define PLATCACHE_MAX		4096

struct platcache;

/* The cache in path (NULL: an empty one that is never saved).  Lines that
 * are not a valid digest and platform are left out.  Never NULL. */
struct platcache	*platcache_load(const char *path);
/* The cache in text (the file's format), never saved. */
struct platcache	*platcache_parse(struct span text);
/* The file's text for the newest PLATCACHE_MAX entries (free() it). */
char	*platcache_text(const struct platcache *);
/* The platform remembered for digest into ret (normalised); false when
 * none. */
bool	platcache_get(const struct platcache *, const char *digest,
	    struct platform *ret);
/* Remembers digest's platform (a digest that is not valid is ignored). */
void	platcache_put(struct platcache *, const char *digest,
	    const struct platform *);
/* Writes the file back when something was added (statefile_write); the
 * newest PLATCACHE_MAX entries are kept. */
void	platcache_save(struct platcache *);
void	platcache_free(struct platcache *);

#endif
