/*
 * platcache: config blob digest -> platform, kept between checks
 * (platcache.h), on a linecache.
 */
#include "platcache.h"

#include <stdlib.h>

#include "buf.h"
#include "imageref.h"
#include "linecache.h"
#include "xmalloc.h"

struct platcache {
	struct linecache	*lc;
};

static bool
pc_valid(struct span digest, struct span plat)
{
	struct platform	p;

	return imageref_valid_digest(digest) && platform_parse(plat, &p);
}

static struct platcache *
pc_wrap(struct linecache *lc)
{
	struct platcache	*pc = xcalloc(1, sizeof(*pc));

	pc->lc = lc;
	return pc;
}

struct platcache *
platcache_parse(struct span text)
{
	return pc_wrap(linecache_parse(text, PLATCACHE_MAX, pc_valid));
}

struct platcache *
platcache_load(const char *path)
{
	return pc_wrap(linecache_load(path, PLATCACHE_MAX, pc_valid));
}

bool
platcache_get(const struct platcache *pc, const char *digest,
    struct platform *ret)
{
	const char	*v = linecache_get(pc->lc, digest);

	return v != NULL && platform_parse(span_str(v), ret);
}

void
platcache_put(struct platcache *pc, const char *digest,
    const struct platform *p)
{
	struct buf	b;

	buf_init(&b, 128);
	platform_format(p, &b);
	linecache_put(pc->lc, digest, buf_str(&b));
	buf_done(&b);
}

char *
platcache_text(const struct platcache *pc)
{
	return linecache_text(pc->lc);
}

void
platcache_save(struct platcache *pc)
{
	linecache_save(pc->lc);
}

void
platcache_free(struct platcache *pc)
{
	if (pc == NULL)
		return;
	linecache_free(pc->lc);
	free(pc);
}
