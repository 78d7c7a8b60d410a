/*
 * test-platcache: the config-platforms cache (src/platcache.c): lookups,
 * the file's format and its atomic save (mode 0600, only when something
 * was added), what a malformed file loses (its bad lines, nothing else),
 * and the cap (the oldest entries go first).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "platcache.h"
#include "xmalloc.h"

static char *
digest_of(char c, int len)
{
	char	*d = xmalloc(8 + (size_t)len);
	int	 i;

	memcpy(d, len == 128 ? "sha512:" : "sha256:", 7);
	for (i = 0; i < len; i++)
		d[7 + i] = c;
	d[7 + len] = '\0';
	return d;
}

static struct platform
plat(const char *s)
{
	struct platform	p;

	CHECK(platform_parse(span_str(s), &p));
	return p;
}

static char *
slurp(const char *path)
{
	FILE	*f = fopen(path, "r");
	char	*s = xcalloc(1, 1 << 21);

	if (f != NULL) {
		size_t	n = fread(s, 1, (1 << 21) - 1, f);

		s[n] = '\0';
		fclose(f);
	}
	return s;
}

static void
test_roundtrip(const char *dir)
{
	struct platcache	*pc;
	struct platform		 p, amd = plat("linux/amd64");
	struct platform		 arm = plat("linux/arm/v7");
	char			*a = digest_of('a', 64), *b = digest_of('b', 128);
	char			 path[512], want[1024], *got;
	struct stat		 st;

	snprintf(path, sizeof(path), "%s/cp", dir);
	/* No file: an empty cache; nothing added: nothing written. */
	pc = platcache_load(path);
	CHECK(!platcache_get(pc, a, &p));
	platcache_save(pc);
	CHECK(access(path, F_OK) == -1);
	platcache_put(pc, a, &amd);
	platcache_put(pc, b, &arm);
	platcache_put(pc, a, &arm);	/* a digest's platform never changes */
	platcache_put(pc, "sha256:abc", &amd);	/* not a digest: ignored */
	platcache_put(pc, "latest", &amd);
	CHECK(platcache_get(pc, a, &p) && strcmp(p.arch, "amd64") == 0);
	platcache_save(pc);
	platcache_free(pc);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	snprintf(want, sizeof(want), "%s linux/amd64\n%s linux/arm/v7\n", a, b);
	got = slurp(path);
	CHECK_STREQ(got, want);
	free(got);

	/* Read back; a load and save without additions leaves the file. */
	pc = platcache_load(path);
	CHECK(platcache_get(pc, a, &p) && strcmp(p.os, "linux") == 0 &&
	    strcmp(p.arch, "amd64") == 0 && p.variant[0] == '\0');
	CHECK(platcache_get(pc, b, &p) && strcmp(p.arch, "arm") == 0 &&
	    strcmp(p.variant, "v7") == 0);
	unlink(path);
	platcache_save(pc);
	CHECK(access(path, F_OK) == -1);
	platcache_free(pc);

	/* A cache without a path is never saved. */
	pc = platcache_load(NULL);
	platcache_put(pc, a, &amd);
	CHECK(platcache_get(pc, a, &p));
	platcache_save(pc);
	platcache_free(pc);
	free(a);
	free(b);
}

static void
test_malformed(void)
{
	struct platcache	*pc;
	struct platform		 p;
	char			*a = digest_of('a', 64), *c = digest_of('c', 64);
	char			*u = digest_of('A', 64), *s63 = digest_of('d', 63);
	char			*text, *out;
	struct buf		 b;

	buf_init(&b, 1 << 16);
	buf_printf(&b, "%s linux/aarch64\n", a);	/* normalised */
	buf_printf(&b, "%s linux/amd64\n", u);		/* uppercase hex */
	buf_printf(&b, "%s linux/amd64\n", s63);	/* short digest */
	buf_printf(&b, "md5:%s linux/amd64\n", a + 7);	/* unknown algo */
	buf_printf(&b, "%s\n", c);			/* no platform */
	buf_printf(&b, "%s linux\n", c);		/* no arch */
	buf_printf(&b, "%s linux/amd64/v1/x\n", c);	/* four parts */
	buf_printf(&b, "%s linux/am d64\n", c);		/* a space */
	buf_printf(&b, "%s  linux/amd64\n", c);		/* two spaces */
	buf_printf(&b, "\n\n garbage \n");
	buf_printf(&b, "%s linux/amd64", c);		/* cut: no newline */
	text = buf_steal(&b);
	pc = platcache_parse(span_str(text));
	CHECK(platcache_get(pc, a, &p) && strcmp(p.arch, "arm64") == 0);
	CHECK(!platcache_get(pc, c, &p));
	CHECK(!platcache_get(pc, u, &p));
	out = platcache_text(pc);
	buf_init(&b, 1024);
	buf_printf(&b, "%s linux/aarch64\n", a);	/* kept as written */
	CHECK_STREQ(out, buf_str(&b));
	buf_done(&b);
	free(out);
	platcache_free(pc);
	/* A text without any line is an empty cache. */
	pc = platcache_parse(span_str(""));
	out = platcache_text(pc);
	CHECK_STREQ(out, "");
	free(out);
	platcache_free(pc);
	free(text);
	free(a);
	free(c);
	free(u);
	free(s63);
}

static void
test_cap(const char *dir)
{
	struct platcache	*pc;
	struct platform		 p, amd = plat("linux/amd64");
	char			 path[512], d[80];
	size_t			 i, lines = 0;
	char			*got, *s;

	snprintf(path, sizeof(path), "%s/cap", dir);
	pc = platcache_load(path);
	for (i = 0; i < PLATCACHE_MAX + 10; i++) {
		snprintf(d, sizeof(d), "sha256:%064zx", i);
		platcache_put(pc, d, &amd);
	}
	platcache_save(pc);
	platcache_free(pc);
	got = slurp(path);
	for (s = got; (s = strchr(s, '\n')) != NULL; s++)
		lines++;
	CHECK_INTEQ(lines, PLATCACHE_MAX);
	free(got);
	pc = platcache_load(path);
	snprintf(d, sizeof(d), "sha256:%064zx", (size_t)9);
	CHECK(!platcache_get(pc, d, &p));	/* among the oldest ten */
	snprintf(d, sizeof(d), "sha256:%064zx", (size_t)10);
	CHECK(platcache_get(pc, d, &p));
	snprintf(d, sizeof(d), "sha256:%064zx", (size_t)PLATCACHE_MAX + 9);
	CHECK(platcache_get(pc, d, &p));
	/* Every entry is found (the sorted index holds them all). */
	for (i = 10, lines = 0; i < PLATCACHE_MAX + 10; i++) {
		snprintf(d, sizeof(d), "sha256:%064zx", i);
		lines += platcache_get(pc, d, &p);
	}
	CHECK_INTEQ(lines, PLATCACHE_MAX);
	platcache_free(pc);
	unlink(path);
}

int
main(void)
{
	char	dir[] = "/tmp/dockrev-platcache.XXXXXX";

	CHECK(mkdtemp(dir) != NULL);
	test_roundtrip(dir);
	test_malformed();
	test_cap(dir);
	rmdir(dir);
	return check_summary("platcache");
}
