/*
 * xmalloc: allocation wrappers.  Out-of-memory is not an error we handle:
 * the process prints one line and aborts.
 */
#include "xmalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void __attribute__((noreturn))
xmalloc_oom(size_t size)
{
	fprintf(stderr, "dockrev: out of memory allocating %zu bytes\n", size);
	abort();
}

void *
xmalloc(size_t size)
{
	void	*p;

	p = malloc(size ? size : 1);
	if (p == NULL)
		xmalloc_oom(size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n != 0 && size > SIZE_MAX / n)
		xmalloc_oom(SIZE_MAX);
	p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		xmalloc_oom(n * size);
	return p;
}

void *
xrealloc(void *old, size_t size)
{
	void	*p;

	p = realloc(old, size ? size : 1);
	if (p == NULL)
		xmalloc_oom(size);
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t size)
{
	if (n != 0 && size > SIZE_MAX / n)
		xmalloc_oom(SIZE_MAX);
	return xrealloc(old, n * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	n = strnlen(s, n);
	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*p;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		xmalloc_oom(strlen(fmt));
	return p;
}
