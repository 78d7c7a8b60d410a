/*
 * platcache: config blob digest -> platform, kept between checks
 * (platcache.h).  Entries sit in the order they were added (the file's
 * order); a sorted index over them answers lookups.
 */
#include "platcache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imageref.h"
#include "span.h"
#include "statefile.h"
#include "xmalloc.h"

#define DIGEST_MAX	(7 + 128 + 1)	/* "sha512:" + hex + NUL */

struct pc_entry {
	char		digest[DIGEST_MAX];
	struct platform	plat;
};

struct platcache {
	char		*path;		/* NULL: never saved */
	struct pc_entry	*e;		/* oldest first */
	size_t		 n, cap;
	size_t		*sorted;	/* indexes into e, by digest */
	bool		 dirty;
};

/* Where digest is, or would be inserted, in the sorted index. */
static size_t
pc_find(const struct platcache *pc, const char *digest, bool *found)
{
	size_t	lo = 0, hi = pc->n, mid;
	int	c;

	*found = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(pc->e[pc->sorted[mid]].digest, digest);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
pc_add(struct platcache *pc, struct span digest, const struct platform *p)
{
	char	d[DIGEST_MAX];
	size_t	at;
	bool	found;

	if (digest.len >= sizeof(d) || !imageref_valid_digest(digest))
		return;
	memcpy(d, digest.p, digest.len);
	d[digest.len] = '\0';
	at = pc_find(pc, d, &found);
	if (found)
		return;
	if (pc->n == pc->cap) {
		pc->cap = pc->cap ? pc->cap * 2 : 64;
		pc->e = xreallocarray(pc->e, pc->cap, sizeof(*pc->e));
		pc->sorted = xreallocarray(pc->sorted, pc->cap,
		    sizeof(*pc->sorted));
	}
	memcpy(pc->e[pc->n].digest, d, digest.len + 1);
	pc->e[pc->n].plat = *p;
	memmove(pc->sorted + at + 1, pc->sorted + at,
	    (pc->n - at) * sizeof(*pc->sorted));
	pc->sorted[at] = pc->n++;
	pc->dirty = true;
}

struct platcache *
platcache_parse(struct span text)
{
	struct platcache	*pc;
	struct platform		 p;
	struct span		 rest = text, line, digest;
	const char		*nl, *sp;

	pc = xcalloc(1, sizeof(*pc));
	/* Complete lines only: a cut file loses its last one. */
	while ((nl = memchr(rest.p, '\n', rest.len)) != NULL) {
		line = (struct span){ rest.p, (size_t)(nl - rest.p) };
		rest.len -= line.len + 1;
		rest.p = nl + 1;
		if ((sp = memchr(line.p, ' ', line.len)) == NULL)
			continue;
		digest = (struct span){ line.p, (size_t)(sp - line.p) };
		if (!platform_parse((struct span){ sp + 1,
		    line.len - digest.len - 1 }, &p))
			continue;
		pc_add(pc, digest, &p);
	}
	pc->dirty = false;
	return pc;
}

struct platcache *
platcache_load(const char *path)
{
	struct platcache	*pc;
	char			*text;
	FILE			*f;
	size_t			 len = 0;

	if (path == NULL)
		return xcalloc(1, sizeof(*pc));
	text = xmalloc(PLATCACHE_FILE_MAX);
	if ((f = fopen(path, "re")) != NULL) {
		len = fread(text, 1, PLATCACHE_FILE_MAX, f);
		fclose(f);
	}
	pc = platcache_parse((struct span){ text, len });
	free(text);
	pc->path = xstrdup(path);
	return pc;
}

bool
platcache_get(const struct platcache *pc, const char *digest,
    struct platform *ret)
{
	size_t	at;
	bool	found;

	if (pc->n == 0)
		return false;
	at = pc_find(pc, digest, &found);
	if (found)
		*ret = pc->e[pc->sorted[at]].plat;
	return found;
}

void
platcache_put(struct platcache *pc, const char *digest,
    const struct platform *p)
{
	pc_add(pc, span_str(digest), p);
}

char *
platcache_text(const struct platcache *pc)
{
	struct buf	b;
	size_t		i;

	buf_init(&b, PLATCACHE_FILE_MAX);
	for (i = pc->n > PLATCACHE_MAX ? pc->n - PLATCACHE_MAX : 0; i < pc->n;
	    i++) {
		buf_adds(&b, pc->e[i].digest);
		buf_addc(&b, ' ');
		platform_format(&pc->e[i].plat, &b);
		buf_addc(&b, '\n');
	}
	/* Cannot fail: MAX lines of at most 135 + 1 + 3 * 31 + 3 bytes. */
	return buf_steal(&b);
}

void
platcache_save(struct platcache *pc)
{
	char	*text;

	if (pc->path == NULL || !pc->dirty)
		return;
	text = platcache_text(pc);
	if (statefile_write(pc->path, text, strlen(text)))
		pc->dirty = false;
	free(text);
}

void
platcache_free(struct platcache *pc)
{
	if (pc == NULL)
		return;
	free(pc->path);
	free(pc->e);
	free(pc->sorted);
	free(pc);
}
