/*
 * linecache: key -> value facts in a line file (linecache.h).  Entries sit
 * in the order they were added; a sorted index over them answers lookups.
 */
#include "linecache.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "statefile.h"
#include "xmalloc.h"

struct lc_entry {
	char	*key;
	char	*value;
	bool	 used;
	bool	 dead;		/* dropped: not saved, not found */
};

struct linecache {
	char			*path;		/* NULL: never saved */
	size_t			 max;
	linecache_valid_fn	*valid;
	struct lc_entry		*e;		/* oldest first */
	size_t			 n, cap;
	size_t			*sorted;	/* live indexes into e, by key */
	size_t			 nsorted;
	bool			 dirty;
};

/* Where key is, or would be inserted, in the sorted index. */
static size_t
lc_find(const struct linecache *lc, const char *key, bool *found)
{
	size_t	lo = 0, hi = lc->nsorted, mid;
	int	c;

	*found = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(lc->e[lc->sorted[mid]].key, key);
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

static bool
lc_clean(struct span s)
{
	return s.len > 0 && s.len < LINECACHE_LINE_MAX &&
	    memchr(s.p, ' ', s.len) == NULL && memchr(s.p, '\n', s.len) ==
	    NULL && memchr(s.p, '\0', s.len) == NULL;
}

static void
lc_add(struct linecache *lc, struct span key, struct span value, bool used)
{
	size_t	at;
	bool	found;
	char	*k;

	if (!lc_clean(key) || !lc_clean(value) || !lc->valid(key, value))
		return;
	k = xstrndup(key.p, key.len);
	at = lc_find(lc, k, &found);
	if (found) {
		lc->e[lc->sorted[at]].used |= used;
		free(k);
		return;
	}
	if (lc->n == lc->cap) {
		lc->cap = lc->cap ? lc->cap * 2 : 64;
		lc->e = xreallocarray(lc->e, lc->cap, sizeof(*lc->e));
		lc->sorted = xreallocarray(lc->sorted, lc->cap,
		    sizeof(*lc->sorted));
	}
	lc->e[lc->n] = (struct lc_entry){ .key = k,
	    .value = xstrndup(value.p, value.len), .used = used };
	memmove(lc->sorted + at + 1, lc->sorted + at,
	    (lc->nsorted - at) * sizeof(*lc->sorted));
	lc->sorted[at] = lc->n++;
	lc->nsorted++;
	lc->dirty = true;
}

struct linecache *
linecache_parse(struct span text, size_t max, linecache_valid_fn *valid)
{
	struct linecache	*lc;
	struct span		 rest = text, line;
	const char		*nl, *sp;

	lc = xcalloc(1, sizeof(*lc));
	lc->max = max;
	lc->valid = valid;
	/* Complete lines only: a cut file loses its last one. */
	while ((nl = memchr(rest.p, '\n', rest.len)) != NULL) {
		line = (struct span){ rest.p, (size_t)(nl - rest.p) };
		rest.len -= line.len + 1;
		rest.p = nl + 1;
		if ((sp = memchr(line.p, ' ', line.len)) == NULL)
			continue;
		lc_add(lc, (struct span){ line.p, (size_t)(sp - line.p) },
		    (struct span){ sp + 1, (size_t)(line.p + line.len - sp -
		    1) }, false);
	}
	lc->dirty = false;
	return lc;
}

struct linecache *
linecache_load(const char *path, size_t max, linecache_valid_fn *valid)
{
	struct linecache	*lc;
	size_t			 len = 0;
	char			*text = NULL;

	if (path != NULL)
		text = statefile_read(path, max * LINECACHE_LINE_MAX, &len);
	lc = linecache_parse((struct span){ text ? text : "", len }, max,
	    valid);
	free(text);
	if (path != NULL)
		lc->path = xstrdup(path);
	return lc;
}

const char *
linecache_get(struct linecache *lc, const char *key)
{
	size_t	at;
	bool	found;

	at = lc_find(lc, key, &found);
	if (!found)
		return NULL;
	lc->e[lc->sorted[at]].used = true;
	return lc->e[lc->sorted[at]].value;
}

void
linecache_put(struct linecache *lc, const char *key, const char *value)
{
	lc_add(lc, span_str(key), span_str(value), true);
}

void
linecache_drop_unused(struct linecache *lc)
{
	size_t	i, k;

	for (i = 0; i < lc->n; i++)
		if (!lc->e[i].used && !lc->e[i].dead) {
			lc->e[i].dead = true;
			lc->dirty = true;
		}
	for (i = 0, k = 0; i < lc->nsorted; i++)
		if (!lc->e[lc->sorted[i]].dead)
			lc->sorted[k++] = lc->sorted[i];
	lc->nsorted = k;
}

char *
linecache_text(const struct linecache *lc)
{
	struct buf	b;
	size_t		i, live = 0;

	for (i = lc->n; i > 0 && live < lc->max; i--)
		live += !lc->e[i - 1].dead;
	buf_init(&b, lc->max * LINECACHE_LINE_MAX * 2);
	for (; i < lc->n; i++) {
		if (lc->e[i].dead)
			continue;
		buf_adds(&b, lc->e[i].key);
		buf_addc(&b, ' ');
		buf_adds(&b, lc->e[i].value);
		buf_addc(&b, '\n');
	}
	return buf_steal(&b);
}

void
linecache_save(struct linecache *lc)
{
	char	*text;

	if (lc->path == NULL || !lc->dirty)
		return;
	text = linecache_text(lc);
	if (statefile_write(lc->path, text, strlen(text)))
		lc->dirty = false;
	free(text);
}

void
linecache_free(struct linecache *lc)
{
	size_t	i;

	if (lc == NULL)
		return;
	for (i = 0; i < lc->n; i++) {
		free(lc->e[i].key);
		free(lc->e[i].value);
	}
	free(lc->e);
	free(lc->sorted);
	free(lc->path);
	free(lc);
}
