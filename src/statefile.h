/*
 * statefile: small files Dockrev keeps beside its database (caches of
 * what cannot change), written whole or not at all.
 */
#ifndef STATEFILE_H
#define STATEFILE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Replaces path with the len bytes of data, mode 0600: a temporary file
 * in the same directory, renamed over path, so a reader sees the old file
 * or the new one, never a part.  Missing directories are created (mode
 * 0700).  False (and nothing changed) on failure.
 * No fsync: after a crash the file may be the old one or missing, which a
 * cache survives.
 */
bool	statefile_write(const char *path, const void *data, size_t len);

/*
 * The bytes of path, at most max of them (a longer file is cut there),
 * NUL-terminated, their number in *ret_len; NULL (and *ret_len 0) when it
 * cannot be opened.  free() it.
 */
char	*statefile_read(const char *path, size_t max, size_t *ret_len);

#endif
