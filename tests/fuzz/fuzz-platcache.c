/*
 * fuzz-platcache: the input is a config-platforms file.  Checks that what
 * the parser keeps formats back to a text the parser reads to the same
 * entries (text -> cache -> text is stable), and that every kept entry is
 * found by its digest with the platform on its line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platcache.h"
#include "xmalloc.h"

#define FUZZ_ASSERT(c)	do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct platcache	*a, *b;
	struct platform		 p, q;
	char			*ta, *tb, *line, *sp, *nl;

	a = platcache_parse((struct span){ (const char *)data, size });
	ta = platcache_text(a);
	b = platcache_parse(span_str(ta));
	tb = platcache_text(b);
	FUZZ_ASSERT(strcmp(ta, tb) == 0);
	for (line = ta; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		FUZZ_ASSERT(nl != NULL);
		*nl = '\0';
		sp = strchr(line, ' ');
		FUZZ_ASSERT(sp != NULL);
		*sp = '\0';
		FUZZ_ASSERT(platform_parse(span_str(sp + 1), &q));
		FUZZ_ASSERT(platcache_get(b, line, &p));
		FUZZ_ASSERT(strcmp(p.os, q.os) == 0 &&
		    strcmp(p.arch, q.arch) == 0 &&
		    strcmp(p.variant, q.variant) == 0);
	}
	free(ta);
	free(tb);
	platcache_free(a);
	platcache_free(b);
	return 0;
}
