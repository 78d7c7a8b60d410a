/*
 * test-linecache: the line file under the state directory's caches
 * (src/linecache.c): what the validator and the format refuse, first value
 * wins, drop_unused keeps exactly what was read or added, the cap keeps the
 * newest, and a save writes only when something changed (missing
 * directories made, mode 0600).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "linecache.h"
#include "xmalloc.h"

/* Keys start with "k", values with "v". */
static bool
valid(struct span key, struct span value)
{
	return key.p[0] == 'k' && value.p[0] == 'v';
}

static void
test_parse(void)
{
	struct linecache	*lc;
	char			 longv[LINECACHE_LINE_MAX + 8];
	char			*text, *out;

	memset(longv, 'v', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	text = xasprintf("k1 v1\n"
	    "k2 v2 extra\n"		/* a space in the value */
	    "x3 v3\n"			/* refused by the validator */
	    "k4 w4\n"
	    "k5\n"			/* no value */
	    " v6\n"			/* empty key */
	    "k7 \n"			/* empty value */
	    "k1 v1-again\n"		/* first wins */
	    "k8 %s\n"			/* too long */
	    "k9 v9\n"
	    "k10 v10", longv);		/* cut: no newline */
	lc = linecache_parse(span_str(text), 100, valid);
	CHECK_STREQ(linecache_get(lc, "k1") ? linecache_get(lc, "k1") : "",
	    "v1");
	CHECK(linecache_get(lc, "k2") == NULL);
	CHECK(linecache_get(lc, "x3") == NULL);
	CHECK(linecache_get(lc, "k8") == NULL);
	CHECK(linecache_get(lc, "k10") == NULL);
	out = linecache_text(lc);
	CHECK_STREQ(out, "k1 v1\nk9 v9\n");
	free(out);
	/* Puts are validated the same way. */
	linecache_put(lc, "k11", "v11");
	linecache_put(lc, "k12", "has space");
	linecache_put(lc, "k13", "w");
	linecache_put(lc, "k1", "v-other");
	CHECK_STREQ(linecache_get(lc, "k1"), "v1");
	out = linecache_text(lc);
	CHECK_STREQ(out, "k1 v1\nk9 v9\nk11 v11\n");
	free(out);
	linecache_free(lc);
	free(text);
}

static void
test_drop_and_cap(void)
{
	struct linecache	*lc;
	char			*out, k[16], v[16];
	int			 i;

	lc = linecache_parse(span_str("k1 v1\nk2 v2\nk3 v3\n"), 100, valid);
	(void)linecache_get(lc, "k3");
	linecache_put(lc, "k4", "v4");
	(void)linecache_get(lc, "k-none");
	linecache_drop_unused(lc);
	CHECK(linecache_get(lc, "k1") == NULL);
	CHECK(linecache_get(lc, "k3") != NULL);
	out = linecache_text(lc);
	CHECK_STREQ(out, "k3 v3\nk4 v4\n");
	free(out);
	/* A dropped key can come back. */
	linecache_put(lc, "k1", "v1b");
	CHECK_STREQ(linecache_get(lc, "k1"), "v1b");
	linecache_free(lc);

	lc = linecache_parse(span_str(""), 3, valid);
	for (i = 0; i < 5; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		snprintf(v, sizeof(v), "v%d", i);
		linecache_put(lc, k, v);
	}
	out = linecache_text(lc);
	CHECK_STREQ(out, "k2 v2\nk3 v3\nk4 v4\n");
	free(out);
	linecache_free(lc);
}

static void
test_save(void)
{
	struct linecache	*lc;
	struct stat		 st;
	char			 dir[] = "/tmp/dockrev-linecache.XXXXXX";
	char			*path, *sub;
	FILE			*f;
	char			 got[64] = "";

	CHECK(mkdtemp(dir) != NULL);
	sub = xasprintf("%s/a/b", dir);
	path = xasprintf("%s/cache", sub);
	lc = linecache_load(path, 10, valid);
	linecache_save(lc);			/* nothing added */
	CHECK(access(path, F_OK) == -1);
	linecache_put(lc, "k1", "v1");
	linecache_save(lc);			/* makes a/b */
	linecache_free(lc);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0700);
	if ((f = fopen(path, "r")) != NULL) {
		got[fread(got, 1, sizeof(got) - 1, f)] = '\0';
		fclose(f);
	}
	CHECK_STREQ(got, "k1 v1\n");
	/* Loaded and only read: not written again. */
	lc = linecache_load(path, 10, valid);
	CHECK_STREQ(linecache_get(lc, "k1"), "v1");
	unlink(path);
	linecache_save(lc);
	CHECK(access(path, F_OK) == -1);
	/* Dropping is a change. */
	linecache_drop_unused(lc);
	linecache_save(lc);
	CHECK(access(path, F_OK) == -1);	/* k1 was used: no drop */
	linecache_free(lc);
	rmdir(sub);
	free(sub);
	sub = xasprintf("%s/a", dir);
	rmdir(sub);
	rmdir(dir);
	free(sub);
	free(path);
}

int
main(void)
{
	test_parse();
	test_drop_and_cap();
	test_save();
	return check_summary("linecache");
}
