/*
 * span: a borrowed (pointer, length) view of bytes.  A span never owns its
 * memory; whoever hands one out says how long it stays valid.  The bytes
 * need not be NUL-terminated.
 */
#ifndef SPAN_H
#define SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct span {
	const char	*p;
	size_t		 len;
};

#define SPAN_LIT(s)	((struct span){ (s), sizeof(s) - 1 })

static inline struct span
span_make(const void *p, size_t len)
{
	return (struct span){ (const char *)p, len };
}

static inline struct span
span_str(const char *s)
{
	return (struct span){ s, s ? strlen(s) : 0 };
}

/* The value of a hexadecimal digit of either case, or -1. */
static inline int
span_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static inline bool
span_eq(struct span a, struct span b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static inline bool
span_eq_str(struct span a, const char *s)
{
	return span_eq(a, span_str(s));
}

static inline bool
span_starts(struct span a, const char *prefix)
{
	size_t	n = strlen(prefix);

	return a.len >= n && memcmp(a.p, prefix, n) == 0;
}

/* Returns the sub-span [from, from+len), clamped to a. */
static inline struct span
span_sub(struct span a, size_t from, size_t len)
{
	if (from > a.len)
		from = a.len;
	if (len > a.len - from)
		len = a.len - from;
	return (struct span){ a.p + from, len };
}

/* Index of the first c in a, or a.len when absent. */
static inline size_t
span_find(struct span a, char c)
{
	const char	*q = a.len ? memchr(a.p, c, a.len) : NULL;

	return q ? (size_t)(q - a.p) : a.len;
}

#endif
