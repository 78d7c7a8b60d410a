/*
 * test-version: version tag parsing, ordering, update detection and the
 * picking of candidates from realistic tag lists.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "version.h"

#define NO	NULL	/* not a pre-release */
#define BAD(s)		{ s, NULL, "", 0, { 0 }, NO, 0, "", false, 0 }
#define NOT(a, b)	{ a, b, false, VERSION_MAJOR, false }

/* version_parse rows; fmt is version_format()'s output, NULL when the tag
 * is not a version. */
static const struct {
	const char	*in;
	const char	*fmt;
	const char	*prefix;
	int		 nseg;
	uint64_t	 seg[4];
	const char	*pre;
	uint64_t	 pre_num;
	const char	*flavor;
	bool		 has_build;
	uint64_t	 build;
} parses[] = {
	{ "1", "1", "", 1, { 1 }, NO, 0, "", false, 0 },
	{ "0", "0", "", 1, { 0 }, NO, 0, "", false, 0 },
	{ "999", "999", "", 1, { 999 }, NO, 0, "", false, 0 },
	{ "5.2", "5.2", "", 2, { 5, 2 }, NO, 0, "", false, 0 },
	{ "5.2.1", "5.2.1", "", 3, { 5, 2, 1 }, NO, 0, "", false, 0 },
	{ "0.0.0", "0.0.0", "", 3, { 0 }, NO, 0, "", false, 0 },
	{ "1.2.3.4", "1.2.3.4", "", 4, { 1, 2, 3, 4 }, NO, 0, "", false, 0 },
	{ "v1.2.3", "v1.2.3", "v", 3, { 1, 2, 3 }, NO, 0, "", false, 0 },
	{ "v1.2.3-alpine", "v1.2.3-alpine", "v", 3, { 1, 2, 3 }, NO, 0,
	  "alpine", false, 0 },
	/* Leading zeros are allowed and dropped: ubuntu's 22.04. */
	{ "05", "5", "", 1, { 5 }, NO, 0, "", false, 0 },
	{ "22.04", "22.4", "", 2, { 22, 4 }, NO, 0, "", false, 0 },
	{ "1.007.0", "1.7.0", "", 3, { 1, 7, 0 }, NO, 0, "", false, 0 },
	{ "1.18446744073709551615", "1.18446744073709551615", "", 2,
	  { 1, UINT64_MAX }, NO, 0, "", false, 0 },
	/* Flavors. */
	{ "17-alpine", "17-alpine", "", 1, { 17 }, NO, 0, "alpine", false,
	  0 },
	{ "16.2-bookworm", "16.2-bookworm", "", 2, { 16, 2 }, NO, 0,
	  "bookworm", false, 0 },
	{ "1.25-alpine3.19", "1.25-alpine3.19", "", 2, { 1, 25 }, NO, 0,
	  "alpine3.19", false, 0 },
	{ "3.12-slim-bookworm", "3.12-slim-bookworm", "", 2, { 3, 12 }, NO,
	  0, "slim-bookworm", false, 0 },
	{ "8.5-jdk17", "8.5-jdk17", "", 2, { 8, 5 }, NO, 0, "jdk17", false,
	  0 },
	{ "1.2-x.y", "1.2-x.y", "", 2, { 1, 2 }, NO, 0, "x.y", false, 0 },
	{ "1.2-My_Flavor", "1.2-My_Flavor", "", 2, { 1, 2 }, NO, 0,
	  "My_Flavor", false, 0 },
	{ "5.3-developer", "5.3-developer", "", 2, { 5, 3 }, NO, 0,
	  "developer", false, 0 },
	{ "5.3-preempt", "5.3-preempt", "", 2, { 5, 3 }, NO, 0, "preempt",
	  false, 0 },
	{ "5.3-rcx", "5.3-rcx", "", 2, { 5, 3 }, NO, 0, "rcx", false, 0 },
	/* Build numbers: ls, r, build, digits only. */
	{ "1.2.3-ls45", "1.2.3-ls45", "", 3, { 1, 2, 3 }, NO, 0, "ls", true,
	  45 },
	{ "1.2.3-ls045", "1.2.3-ls45", "", 3, { 1, 2, 3 }, NO, 0, "ls", true,
	  45 },
	{ "4.0.2.1183-ls229", "4.0.2.1183-ls229", "", 4, { 4, 0, 2, 1183 },
	  NO, 0, "ls", true, 229 },
	{ "16.2.0-debian-12-r5", "16.2.0-debian-12-r5", "", 3, { 16, 2, 0 },
	  NO, 0, "debian-12-r", true, 5 },
	{ "1.2-build7", "1.2-build7", "", 2, { 1, 2 }, NO, 0, "build", true,
	  7 },
	{ "1.2-alpine3.19-ls8", "1.2-alpine3.19-ls8", "", 2, { 1, 2 }, NO, 0,
	  "alpine3.19-ls", true, 8 },
	{ "1.2.3-4", "1.2.3-4", "", 3, { 1, 2, 3 }, NO, 0, "", true, 4 },
	{ "1.2-ls", "1.2-ls", "", 2, { 1, 2 }, NO, 0, "ls", false, 0 },
	{ "1.2-rls5", "1.2-rls5", "", 2, { 1, 2 }, NO, 0, "rls5", false, 0 },
	/* Pre-releases. */
	{ "5.3-rc1", "5.3-rc1", "", 2, { 5, 3 }, "rc", 1, "", false, 0 },
	{ "5.3-RC2", "5.3-rc2", "", 2, { 5, 3 }, "rc", 2, "", false, 0 },
	{ "5.3-rc.2", "5.3-rc2", "", 2, { 5, 3 }, "rc", 2, "", false, 0 },
	{ "5.3-rc-2", "5.3-rc2", "", 2, { 5, 3 }, "rc", 2, "", false, 0 },
	{ "5.3-beta", "5.3-beta", "", 2, { 5, 3 }, "beta", 0, "", false, 0 },
	{ "5.3-beta0", "5.3-beta", "", 2, { 5, 3 }, "beta", 0, "", false, 0 },
	{ "5.3-alpha.1-alpine", "5.3-alpha1-alpine", "", 2, { 5, 3 },
	  "alpha", 1, "alpine", false, 0 },
	{ "5.3-rc-alpine", "5.3-rc-alpine", "", 2, { 5, 3 }, "rc", 0,
	  "alpine", false, 0 },
	{ "5.3-rc1-ls7", "5.3-rc1-ls7", "", 2, { 5, 3 }, "rc", 1, "ls",
	  true, 7 },
	{ "5.3-rc0-5", "5.3-rc0-5", "", 2, { 5, 3 }, "rc", 0, "", true, 5 },
	{ "5.3-rc-0-5", "5.3-rc0-5", "", 2, { 5, 3 }, "rc", 0, "", true, 5 },
	{ "2.0-preview3", "2.0-preview3", "", 2, { 2, 0 }, "preview", 3, "",
	  false, 0 },
	{ "2.0-pre3", "2.0-pre3", "", 2, { 2, 0 }, "pre", 3, "", false, 0 },
	{ "1.0-dev", "1.0-dev", "", 2, { 1, 0 }, "dev", 0, "", false, 0 },
	{ "1.0-SNAPSHOT", "1.0-snapshot", "", 2, { 1, 0 }, "snapshot", 0, "",
	  false, 0 },
	{ "1.0-canary.4", "1.0-canary4", "", 2, { 1, 0 }, "canary", 4, "",
	  false, 0 },
	{ "1.0-nightly", "1.0-nightly", "", 2, { 1, 0 }, "nightly", 0, "",
	  false, 0 },
	{ "v2-Beta.3", "v2-beta3", "v", 1, { 2 }, "beta", 3, "", false, 0 },

	/* Not versions: words, dates, junk after numbers, limits. */
	BAD("latest"), BAD("main"), BAD("stable"),
	BAD("edge"), BAD("alpine"), BAD(""), BAD("v"),
	BAD("vv1"), BAD("V1.2"), BAD("version-1.2.3"),
	BAD("amd64-1.2.3-ls45"),
	BAD("20240101"), BAD("2024.01.02"), BAD("2024.1.5"),
	BAD("1000"), BAD("v2024.01"), BAD("20240101-alpine"),
	BAD("1.2.3.4.5"), BAD("1.2.3a"), BAD("5.3rc1"),
	BAD("18beta1-alpine"),
	BAD("1."), BAD(".1"), BAD("1..2"), BAD("1.2_3"),
	BAD("1.2-"), BAD("1.2--x"), BAD("1.2-x-"),
	BAD("1.2-.x"), BAD("1.2-_x"), BAD("1.2-x_"),
	BAD("1.2-3x"), BAD("1.2-x+y"),
	BAD("5.3-rc1.2"), BAD("5.3-rc."), BAD("5.3-rc-"),
	BAD("5.3-rc1-"), BAD("5.3-rc1x"), BAD("5.3-rc1_x"),
	BAD("18446744073709551615"),
	BAD("1.18446744073709551616"),
	BAD("1.99999999999999999999999"),
	BAD("1.2-ls18446744073709551616"),
	BAD("1.2-rc18446744073709551616"),
	BAD("1.2-99999999999999999999"),
	BAD("a;id"), BAD("$(id)"), BAD("1.2;id"),
	BAD("1.2-$(id)"), BAD("1.2-a b"), BAD("-1"),
	BAD("+1"), BAD(" 1"), BAD("1 "), BAD("1\n"),
	BAD("1.2-\xc3\xa9"),
};

/* version_newer rows: kind and same_level matter only when newer. */
static const struct {
	const char		*cur;
	const char		*cand;
	bool			 newer;
	enum version_kind	 kind;
	bool			 same;
} newers[] = {
	{ "5.2", "5.3", true, VERSION_MINOR, true },
	{ "5.2", "6", true, VERSION_MAJOR, false },
	{ "5.2", "6.0", true, VERSION_MAJOR, true },
	{ "5.2", "5.3.1", true, VERSION_MINOR, false },
	{ "5.2", "5.10", true, VERSION_MINOR, true },
	NOT("5.2", "5.2.1"),
	NOT("5.2", "5.2"),
	NOT("5.2", "5.2.0"),
	NOT("5.2.0", "5.2"),
	NOT("5.2", "05.02"),
	{ "5.2.1", "5.3", true, VERSION_MINOR, false },
	{ "5.2.1", "5.2.2", true, VERSION_PATCH, true },
	{ "5.2.1", "6", true, VERSION_MAJOR, false },
	NOT("5.2.1", "5.2.0"),
	NOT("5.2", "5.1"),
	NOT("5.2", "4.9"),
	NOT("5", "5.9"),
	{ "5", "6", true, VERSION_MAJOR, true },
	{ "1.2.3.4", "1.2.3.5", true, VERSION_PATCH, true },
	{ "1.2.3.4", "1.2.4", true, VERSION_PATCH, false },
	NOT("1.2.3.4", "1.2.3"),
	{ "17-alpine", "18-alpine", true, VERSION_MAJOR, true },
	NOT("17-alpine", "18"),
	NOT("17-alpine", "18-slim"),
	NOT("17", "18-alpine"),
	NOT("17-alpine", "17.1-alpine"),
	{ "v1.2.3", "v1.2.4", true, VERSION_PATCH, true },
	NOT("v1.2.3", "1.2.4"),
	NOT("1.2.3", "v1.2.4"),
	NOT("5.2", "5.3-rc1"),
	NOT("5.2", "6.0-beta"),
	NOT("5.3", "5.3-rc9"),
	{ "5.3-rc1", "5.3-rc2", true, VERSION_PATCH, true },
	{ "5.3-rc1", "5.3", true, VERSION_PATCH, true },
	NOT("5.3-rc1", "5.3-beta2"),
	{ "5.3-beta2", "5.3-rc1", true, VERSION_PATCH, true },
	{ "5.3-alpha", "5.3-alpha.1", true, VERSION_PATCH, true },
	{ "5.3-rc1", "5.4-rc1", true, VERSION_MINOR, true },
	NOT("5.3-rc1", "5.3.0"),
	NOT("5.3-rc2", "5.3-rc1"),
	NOT("5.3-rc1", "5.3-RC.1"),
	{ "5.3-rc1-alpine", "5.3-alpine", true, VERSION_PATCH, true },
	NOT("5.3-rc1-alpine", "5.3"),
	{ "1.2.3-ls45", "1.2.3-ls46", true, VERSION_PATCH, true },
	{ "1.2.3-ls45", "1.2.4-ls50", true, VERSION_PATCH, true },
	{ "1.2.3-ls45", "1.2.4-ls40", true, VERSION_PATCH, true },
	{ "1.2.3-ls45", "1.3.0-ls46", true, VERSION_MINOR, true },
	NOT("1.2.3-ls45", "1.2.3-ls45"),
	NOT("1.2.3-ls45", "1.2.3-ls44"),
	NOT("1.2.3-ls45", "1.2.4"),
	NOT("1.2.3", "1.2.3-ls1"),
	NOT("1.2.3", "1.2.3-1"),
	{ "1.2.3-1", "1.2.3-2", true, VERSION_PATCH, true },
	{ "16.2.0-debian-12-r5", "16.2.0-debian-12-r6", true, VERSION_PATCH,
	  true },
	{ "16.2.0-debian-12-r5", "16.3.0-debian-12-r0", true, VERSION_MINOR,
	  true },
	NOT("16.2.0-debian-12-r5", "16.3.0-debian-13-r0"),
	{ "1.25-alpine3.19", "1.26-alpine3.19", true, VERSION_MINOR, true },
	NOT("1.25-alpine3.19", "1.26-alpine3.20"),
	NOT("8.5-jdk17", "8.5-jdk21"),
	{ "22.04", "24.04", true, VERSION_MAJOR, true },
	{ "0.9", "1.0", true, VERSION_MAJOR, true },
};

/* version_cmp rows: expected sign of cmp(a, b). */
static const struct {
	const char	*a;
	const char	*b;
	int		 sign;
} cmps[] = {
	{ "1.2", "1.10", -1 },
	{ "1.10", "1.9", 1 },
	{ "2", "1.9.9.9", 1 },
	{ "1.2", "1.2.0", -1 },
	{ "1.2.0.0", "1.2.0", 1 },
	{ "5.3-rc1", "5.3", -1 },
	{ "5.3-alpha", "5.3-beta", -1 },
	{ "5.3-beta", "5.3-rc1", -1 },
	{ "5.3-rc1", "5.3-rc2", -1 },
	{ "5.3-rc10", "5.3-rc9", 1 },
	{ "5.3-nightly", "5.3-dev", -1 },
	{ "5.3-dev", "5.3-snapshot", -1 },
	{ "5.3-canary", "5.3-alpha", -1 },
	{ "5.3-pre", "5.3-preview", -1 },
	{ "5.3-preview9", "5.3-rc0", -1 },
	{ "5.3-rc1", "5.2", 1 },
	{ "1.2.3-ls45", "1.2.3-ls46", -1 },
	{ "1.2.3", "1.2.3-1", -1 },
	{ "05", "5", 0 },
	{ "5.3-RC1", "5.3-rc.1", 0 },
	{ "1.2.3-ls045", "1.2.3-ls45", 0 },
	{ "1", "v1", -1 },
	{ "1-alpine", "1-slim", -1 },
	{ "1-alpine", "1", 1 },
	{ "1.18446744073709551615", "2", -1 },
};

#define NPICK	8

/* version_pick rows: tag list (NULL-terminated), expected picks. */
static const struct {
	const char	*cur;
	const char	*tags[40];
	size_t		 max;
	const char	*want[NPICK];
} picks[] = {
	/* postgres-like, flavored current tag. */
	{ "16.2-alpine", { "latest", "alpine", "16", "16-alpine", "16.2",
	  "16.2-alpine", "16.2-alpine3.19", "16.3-alpine", "16.4-alpine",
	  "16.4-alpine3.20", "16.4-bookworm", "16.4", "17-alpine",
	  "17.0-alpine", "17.2-alpine", "17.2", "17.2-bookworm",
	  "18beta1-alpine", "18-beta1-alpine", "15.8-alpine", NULL }, NPICK,
	  { "17.2-alpine", "16.4-alpine" } },
	{ "16-alpine", { "latest", "16-alpine", "16.4-alpine", "17-alpine",
	  "17.0-alpine", "17.2-alpine", "17.2", "18-beta1-alpine", NULL },
	  NPICK, { "17.2-alpine", "17-alpine" } },
	{ "16.2", { "16", "16.2", "16.3-alpine", "16.4", "16.4-bookworm",
	  "17.2", "17.2-bookworm", "17", NULL }, NPICK, { "17.2", "16.4" } },
	{ "16.2-bookworm", { "16.4-bookworm", "17.2-bookworm",
	  "17-bookworm", "17.2-bullseye", NULL }, NPICK,
	  { "17.2-bookworm", "16.4-bookworm" } },
	/* linuxserver.io: -lsNN builds, arch-prefixed tags ignored. */
	{ "1.2.3-ls45", { "latest", "develop", "1.2.3-ls44", "1.2.3-ls45",
	  "1.2.3-ls46", "1.2.3-ls47", "1.2.4-ls48", "1.3.0-ls49",
	  "2.0.0-ls50", "amd64-2.0.0-ls50", "arm64v8-1.2.4-ls48",
	  "version-2.0.0", "2.0.0", NULL }, NPICK,
	  { "2.0.0-ls50", "1.3.0-ls49", "1.2.4-ls48" } },
	{ "1.2.3-ls45", { "1.2.3-ls44", "1.2.3-ls46", "1.2.3-ls47", NULL },
	  NPICK, { "1.2.3-ls47" } },
	{ "4.0.2.1183-ls229", { "4.0.2.1183-ls230", "4.0.3.1200-ls231",
	  "4.0.4.1491-ls240", "4.1.0.100-ls250", "develop-4.1.0.200",
	  NULL }, NPICK, { "4.1.0.100-ls250", "4.0.4.1491-ls240" } },
	/* Highest of each kind, plus the same-level one when it differs. */
	{ "5.2", { "5.3", "5.3.1", "5.4.0", "6", "6.1", "6.1.2",
	  "7.0.0-rc1", "5.2.9", "5.2", NULL }, NPICK,
	  { "6.1.2", "6.1", "5.4.0", "5.3" } },
	{ "5.2", { "5.3", "5.3.1", "5.4.0", "6", "6.1", "6.1.2", NULL }, 2,
	  { "6.1.2", "6.1" } },
	{ "5.2", { "5.3", "6", NULL }, 0, { NULL } },
	{ "5.2.1", { "5.2.2", "5.2.10", "5.3", "5.3.0", "5.10.0", "6.0.0",
	  "6", NULL }, NPICK,
	  { "6.0.0", "5.10.0", "5.2.10" } },
	/* Nothing newer. */
	{ "1.0", { "latest", "0.9", "1.0", "1.0-rc1", "1.0.1", "1.0-alpine",
	  NULL }, NPICK, { NULL } },
	{ "1.0", { NULL }, NPICK, { NULL } },
	/* Pre-release current: pre-releases and the release itself. */
	{ "5.3-rc1", { "5.3-rc2", "5.3", "5.4-rc1", "6.0-beta1", "5.3.1",
	  "5.3-beta9", NULL }, NPICK, { "6.0-beta1", "5.4-rc1", "5.3" } },
	/* Equal versions: the first listed wins. */
	{ "1.0", { "1.1", "1.01", NULL }, NPICK, { "1.1" } },
	{ "1.0", { "1.01", "1.1", NULL }, NPICK, { "1.01" } },
	/* Prefix must match. */
	{ "v2.9.0", { "v2.10.0", "2.11.0", "v3.0.0", "v3.0.0-beta.1",
	  NULL }, NPICK, { "v3.0.0", "v2.10.0" } },
	/* Dates are not versions. */
	{ "1.0", { "20240101", "2024.01.02", "1.1", NULL }, NPICK,
	  { "1.1" } },
	/* ubuntu. */
	{ "22.04", { "22.10", "23.04", "24.04", "24.10", "jammy", "noble",
	  "latest", "rolling", NULL }, NPICK, { "24.10", "22.10" } },
	/* bitnami revisions. */
	{ "16.2.0-debian-12-r5", { "16.2.0-debian-12-r6",
	  "16.2.0-debian-12-r7", "16.3.0-debian-12-r0", "17.0.0-debian-12-r1",
	  "17.0.0-debian-13-r0", "16.2.0", NULL }, NPICK,
	  { "17.0.0-debian-12-r1", "16.3.0-debian-12-r0",
	  "16.2.0-debian-12-r7" } },
	/* Hostile tags mixed in. */
	{ "1.0", { "$(id)", "1.1;id", "1.1\n", "a;id", "1.2", NULL }, NPICK,
	  { "1.2" } },
};

static bool
parse_str(const char *s, struct version *v)
{
	return version_parse(span_str(s), v);
}

static void
test_parse(void)
{
	struct version	v, w;
	struct buf	b;
	size_t		i;
	int		j;

	buf_init(&b, 1024);
	for (i = 0; i < sizeof(parses) / sizeof(parses[0]); i++) {
		bool	ok = parse_str(parses[i].in, &v);

		CHECK(ok == (parses[i].fmt != NULL));
		if (ok != (parses[i].fmt != NULL)) {
			fprintf(stderr, "  row %zu: \"%s\"\n", i, parses[i].in);
			continue;
		}
		if (!ok) {
			/* A failed parse leaves a zeroed version. */
			CHECK_INTEQ(v.nseg, 0);
			continue;
		}
		CHECK_STREQ(v.prefix, parses[i].prefix);
		CHECK_INTEQ(v.nseg, parses[i].nseg);
		for (j = 0; j < v.nseg; j++)
			CHECK(v.seg[j] == parses[i].seg[j]);
		CHECK(v.prerelease == (parses[i].pre != NULL));
		CHECK_STREQ(v.pre, parses[i].pre ? parses[i].pre : "");
		CHECK(v.pre_num == parses[i].pre_num);
		CHECK_STREQ(v.flavor, parses[i].flavor);
		CHECK(v.has_build == parses[i].has_build);
		CHECK(v.build == parses[i].build);

		buf_reset(&b);
		version_format(&v, &b);
		CHECK_STREQ(buf_str(&b), parses[i].fmt);
		CHECK(b.len <= strlen(parses[i].in));
		CHECK(version_parse(buf_span(&b), &w));
		CHECK_INTEQ(version_cmp(&v, &w), 0);
	}
	buf_done(&b);
}

/* Hostile lengths and bytes that table strings cannot carry. */
static void
test_parse_edges(void)
{
	struct version	v;
	char		s[300];

	CHECK(!version_parse(span_make("1.2\0", 4), &v));
	CHECK(!version_parse(span_make("1\0.2", 4), &v));
	CHECK(!version_parse(span_make("1.2-a\0", 6), &v));
	CHECK(!version_parse(span_make(NULL, 0), &v));
	/* Only the span counts. */
	CHECK(version_parse(span_make("1.2junk", 3), &v));
	CHECK_INTEQ(v.nseg, 2);

	/* VERSION_TEXT_MAX bytes is the longest tag. */
	memset(s, 'a', sizeof(s));
	memcpy(s, "1-", 2);
	CHECK(version_parse(span_make(s, VERSION_TEXT_MAX), &v));
	CHECK_INTEQ(strlen(v.flavor), VERSION_TEXT_MAX - 2);
	CHECK(!version_parse(span_make(s, VERSION_TEXT_MAX + 1), &v));
	CHECK(!version_parse(span_make(s, sizeof(s)), &v));
	memset(s, '0', sizeof(s));
	CHECK(version_parse(span_make(s, VERSION_TEXT_MAX), &v));
	CHECK(v.seg[0] == 0);
	CHECK(!version_parse(span_make(s, VERSION_TEXT_MAX + 1), &v));
	memset(s, '9', sizeof(s));
	CHECK(!version_parse(span_make(s, 100), &v));
}

static void
test_newer(void)
{
	struct version		cur, cand;
	enum version_kind	kind;
	bool			same, r;
	size_t			i;

	for (i = 0; i < sizeof(newers) / sizeof(newers[0]); i++) {
		CHECK(parse_str(newers[i].cur, &cur));
		CHECK(parse_str(newers[i].cand, &cand));
		kind = (enum version_kind)-1;
		same = !newers[i].same;
		r = version_newer(&cur, &cand, &kind, &same);
		CHECK(r == newers[i].newer);
		if (r != newers[i].newer)
			fprintf(stderr, "  row %zu: %s -> %s\n", i,
			    newers[i].cur, newers[i].cand);
		if (!r || !newers[i].newer)
			continue;
		CHECK_STREQ(version_kind_name(kind),
		    version_kind_name(newers[i].kind));
		CHECK(same == newers[i].same);
		/* NULL out-parameters are fine. */
		CHECK(version_newer(&cur, &cand, NULL, NULL));
		/* Never newer both ways. */
		CHECK(!version_newer(&cand, &cur, NULL, NULL));
	}
	CHECK_STREQ(version_kind_name(VERSION_MAJOR), "major");
	CHECK_STREQ(version_kind_name(VERSION_MINOR), "minor");
	CHECK_STREQ(version_kind_name(VERSION_PATCH), "patch");
	CHECK_STREQ(version_kind_name((enum version_kind)42), "unknown");
}

static int
sign(int x)
{
	return (x > 0) - (x < 0);
}

static void
test_cmp(void)
{
	struct version	a, b, c;
	size_t		i, j, k;

	for (i = 0; i < sizeof(cmps) / sizeof(cmps[0]); i++) {
		CHECK(parse_str(cmps[i].a, &a));
		CHECK(parse_str(cmps[i].b, &b));
		CHECK_INTEQ(sign(version_cmp(&a, &b)), cmps[i].sign);
		CHECK_INTEQ(sign(version_cmp(&b, &a)), -cmps[i].sign);
	}
	/* Antisymmetry and transitivity over every parsable row. */
	for (i = 0; i < sizeof(parses) / sizeof(parses[0]); i += 3) {
		if (!parse_str(parses[i].in, &a))
			continue;
		CHECK_INTEQ(version_cmp(&a, &a), 0);
		for (j = 0; j < sizeof(parses) / sizeof(parses[0]); j += 2) {
			if (!parse_str(parses[j].in, &b))
				continue;
			CHECK_INTEQ(sign(version_cmp(&a, &b)),
			    -sign(version_cmp(&b, &a)));
			for (k = 0; k < sizeof(parses) / sizeof(parses[0]);
			    k += 5) {
				if (!parse_str(parses[k].in, &c))
					continue;
				if (version_cmp(&a, &b) <= 0 &&
				    version_cmp(&b, &c) <= 0)
					CHECK(version_cmp(&a, &c) <= 0);
			}
		}
	}
}

static void
test_pick(void)
{
	struct version	cur;
	struct span	tags[40];
	size_t		idx[NPICK], i, n, ntags, nwant;

	for (i = 0; i < sizeof(picks) / sizeof(picks[0]); i++) {
		CHECK(parse_str(picks[i].cur, &cur));
		for (ntags = 0; picks[i].tags[ntags] != NULL; ntags++)
			tags[ntags] = span_str(picks[i].tags[ntags]);
		for (nwant = 0; nwant < NPICK && picks[i].want[nwant] != NULL;
		    nwant++)
			;
		memset(idx, 0xff, sizeof(idx));
		n = version_pick(&cur, tags, ntags, idx, picks[i].max);
		CHECK_INTEQ(n, nwant);
		if (n != nwant)
			fprintf(stderr, "  pick row %zu (%s)\n", i,
			    picks[i].cur);
		for (size_t j = 0; j < n && j < nwant; j++)
			CHECK_STREQ(picks[i].tags[idx[j]], picks[i].want[j]);
		/* Nothing written past what was returned. */
		if (n < NPICK)
			CHECK(idx[n] == (size_t)-1);
	}
}

int
main(void)
{
	test_parse();
	test_parse_edges();
	test_newer();
	test_cmp();
	test_pick();
	return check_summary("version");
}
