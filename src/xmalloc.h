/*
 * xmalloc: allocation wrappers that abort on out-of-memory.  Callers never
 * test for NULL; size overflow in xcalloc/xreallocarray aborts too.
 */
#ifndef XMALLOC_H
#define XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/* Formats into a new heap string; never returns NULL. */
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
