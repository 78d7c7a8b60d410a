/*
 * buf: an owned, growable byte buffer with a hard maximum size.  The bytes
 * are always NUL-terminated.  Errors are sticky: once an append would pass
 * the maximum, the buffer keeps what it had, buf_failed() turns true and
 * later appends are ignored, so callers check once at the end.
 */
#ifndef BUF_H
#define BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "span.h"

struct buf {
	char	*p;		/* NULL until the first append */
	size_t	 len;
	size_t	 cap;
	size_t	 max;		/* maximum len, excluding the NUL */
	bool	 failed;
};

void	buf_init(struct buf *, size_t max);
/* Frees the bytes; the buf may be reused after buf_init(). NULL is fine. */
void	buf_done(struct buf *);
void	buf_reset(struct buf *);
bool	buf_add(struct buf *, const void *, size_t);
bool	buf_adds(struct buf *, const char *);
bool	buf_addc(struct buf *, char);
bool	buf_addspan(struct buf *, struct span);
bool	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
bool	buf_failed(const struct buf *);
/* Always a valid C string, "" when empty; borrowed until the next change. */
const char *buf_str(const struct buf *);
struct span buf_span(const struct buf *);
/* Hands the bytes to the caller (free() them) and empties the buf. */
char	*buf_steal(struct buf *);

#endif
