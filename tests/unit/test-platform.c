/*
 * test-platform: platform parsing, normalisation and matching.
 */
#include <string.h>

#include "check.h"
#include "platform.h"

/* platform_parse rows; out is the formatted normal form, NULL when the
 * input is malformed. */
static const struct {
	const char	*in;
	const char	*out;
} parses[] = {
	{ "linux/amd64", "linux/amd64" },
	{ "linux/x86_64", "linux/amd64" },
	{ "linux/x86-64", "linux/amd64" },
	{ "Linux/X86_64", "linux/amd64" },
	{ "linux/amd64/v1", "linux/amd64" },
	{ "linux/x86_64/v1", "linux/amd64" },
	{ "linux/amd64/v2", "linux/amd64/v2" },
	{ "linux/amd64/V3", "linux/amd64/v3" },
	{ "linux/arm64", "linux/arm64" },
	{ "linux/aarch64", "linux/arm64" },
	{ "linux/arm64/v8", "linux/arm64/v8" },
	{ "linux/arm64/8", "linux/arm64/v8" },
	{ "linux/aarch64/v8.0", "linux/arm64/v8" },
	{ "linux/arm64/9", "linux/arm64/v9" },
	{ "linux/arm64/v9.0", "linux/arm64/v9" },
	{ "linux/arm", "linux/arm/v7" },
	{ "linux/arm/7", "linux/arm/v7" },
	{ "linux/arm/v7", "linux/arm/v7" },
	{ "linux/arm/v6", "linux/arm/v6" },
	{ "linux/arm/6", "linux/arm/v6" },
	{ "linux/arm/5", "linux/arm/v5" },
	{ "linux/arm/v5", "linux/arm/v5" },
	{ "linux/arm/8", "linux/arm/v8" },
	{ "linux/armhf", "linux/arm/v7" },
	{ "linux/armhf/v6", "linux/arm/v7" },
	{ "linux/armel", "linux/arm/v6" },
	{ "linux/i386", "linux/386" },
	{ "linux/i686", "linux/386" },
	{ "linux/i586", "linux/386" },
	{ "linux/i386/v1", "linux/386" },
	{ "linux/386", "linux/386" },
	{ "linux/ppc64le", "linux/ppc64le" },
	{ "linux/s390x", "linux/s390x" },
	{ "linux/riscv64", "linux/riscv64" },
	{ "windows/amd64", "windows/amd64" },
	{ "macos/arm64", "darwin/arm64" },
	{ "darwin/arm64", "darwin/arm64" },
	{ "unknown/unknown", "unknown/unknown" },
	{ "a_b/c.d/e-f", "a_b/c.d/e-f" },
	/* Malformed. */
	{ "", NULL },
	{ "linux", NULL },
	{ "linux/", NULL },
	{ "/amd64", NULL },
	{ "/", NULL },
	{ "//", NULL },
	{ "linux//v7", NULL },
	{ "linux/arm/", NULL },
	{ "linux/arm/v7/", NULL },
	{ "linux/arm/v7/x", NULL },
	{ "linux amd64", NULL },
	{ "linux/amd 64", NULL },
	{ "linux/amd64;id", NULL },
	{ "$(id)/amd64", NULL },
	{ "linux/`id`", NULL },
	{ "linux/amd64\n", NULL },
	{ "linux/\xc3\xa9", NULL },
	{ "linux/amd64:v2", NULL },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/amd64", NULL },	/* 33 */
	{ "linux/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL },	/* 32 */
	{ "linux/arm/vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv", NULL },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/"
	  "ccccccccccccccccccccccccccccccc",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/"
	  "ccccccccccccccccccccccccccccccc" },			/* 31 each */
};

/* platform_match rows (host, image). */
static const struct {
	const char	*host;
	const char	*image;
	bool		 match;
} matches[] = {
	{ "linux/amd64", "linux/amd64", true },
	{ "linux/amd64", "linux/x86_64", true },
	{ "linux/x86_64", "linux/amd64/v1", true },
	{ "linux/amd64", "linux/amd64/v2", false },
	{ "linux/amd64", "windows/amd64", false },
	{ "linux/amd64", "linux/arm64", false },
	{ "linux/amd64", "linux/386", false },
	{ "linux/arm64", "linux/arm64/v8", true },
	{ "linux/arm64/v8", "linux/arm64", true },
	{ "linux/aarch64", "linux/arm64/v8", true },
	{ "linux/arm64", "linux/arm64/8", true },
	{ "linux/arm64", "linux/arm64/v9", false },
	{ "linux/arm64", "linux/arm/v7", false },
	{ "linux/arm", "linux/arm/v7", true },
	{ "linux/armhf", "linux/arm/v7", true },
	{ "linux/armhf", "linux/arm", true },
	{ "linux/armel", "linux/arm/v6", true },
	{ "linux/arm/v7", "linux/arm/v6", false },
	{ "linux/arm/v6", "linux/arm", false },
	{ "linux/i686", "linux/386", true },
	{ "Linux/AMD64", "linux/amd64", true },
	{ "linux/arm/v8", "linux/arm64", false },
};

static void
test_parse(void)
{
	struct platform	p, q;
	struct buf	b;
	size_t		i;

	buf_init(&b, 256);
	for (i = 0; i < sizeof(parses) / sizeof(parses[0]); i++) {
		bool	ok = platform_parse(span_str(parses[i].in), &p);

		CHECK(ok == (parses[i].out != NULL));
		if (ok != (parses[i].out != NULL)) {
			fprintf(stderr, "  row %zu: \"%s\"\n", i, parses[i].in);
			continue;
		}
		if (!ok) {
			CHECK_STREQ(p.os, "");
			continue;
		}
		buf_reset(&b);
		platform_format(&p, &b);
		CHECK_STREQ(buf_str(&b), parses[i].out);
		/* The normal form is a fixed point. */
		CHECK(platform_parse(buf_span(&b), &q));
		CHECK_STREQ(q.os, p.os);
		CHECK_STREQ(q.arch, p.arch);
		CHECK_STREQ(q.variant, p.variant);
	}
	buf_done(&b);
}

static void
test_set(void)
{
	struct platform	p;

	CHECK(platform_set(&p, SPAN_LIT("linux"), SPAN_LIT("aarch64"),
	    SPAN_LIT("")));
	CHECK_STREQ(p.os, "linux");
	CHECK_STREQ(p.arch, "arm64");
	CHECK_STREQ(p.variant, "");
	CHECK(platform_set(&p, SPAN_LIT("linux"), SPAN_LIT("armhf"),
	    SPAN_LIT("")));
	CHECK_STREQ(p.arch, "arm");
	CHECK_STREQ(p.variant, "v7");
	CHECK(platform_set(&p, SPAN_LIT("LINUX"), SPAN_LIT("ARM"),
	    SPAN_LIT("V6")));
	CHECK_STREQ(p.os, "linux");
	CHECK_STREQ(p.variant, "v6");
	CHECK(!platform_set(&p, SPAN_LIT(""), SPAN_LIT("amd64"),
	    SPAN_LIT("")));
	CHECK(!platform_set(&p, SPAN_LIT("linux"), SPAN_LIT(""),
	    SPAN_LIT("v7")));
	/* A '/' in a field would break the formatted form. */
	CHECK(!platform_set(&p, SPAN_LIT("linux/arm"), SPAN_LIT("x"),
	    SPAN_LIT("")));
	/* NUL bytes inside spans. */
	CHECK(!platform_set(&p, span_make("linux\0", 6), SPAN_LIT("amd64"),
	    SPAN_LIT("")));
	CHECK(!platform_set(&p, SPAN_LIT("linux"), span_make("amd\0" "64", 6),
	    SPAN_LIT("")));
	CHECK(!platform_parse(span_make("linux/amd64\0", 12), &p));
	CHECK(!platform_parse(span_make("linux\0/amd64", 12), &p));
	CHECK_STREQ(p.os, "");
	/* Only the span counts. */
	CHECK(platform_parse(span_make("linux/arm64/v8/junk", 14), &p));
	CHECK_STREQ(p.variant, "v8");
	CHECK(!platform_parse(span_make(NULL, 0), &p));
}

static void
test_match(void)
{
	struct platform	h, m;
	size_t		i;

	for (i = 0; i < sizeof(matches) / sizeof(matches[0]); i++) {
		CHECK(platform_parse(span_str(matches[i].host), &h));
		CHECK(platform_parse(span_str(matches[i].image), &m));
		CHECK(platform_match(&h, &m) == matches[i].match);
		/* Symmetric for these exact-match rules. */
		CHECK(platform_match(&m, &h) == matches[i].match);
		if (platform_match(&h, &m) != matches[i].match)
			fprintf(stderr, "  row %zu: %s vs %s\n", i,
			    matches[i].host, matches[i].image);
	}
}

int
main(void)
{
	test_parse();
	test_set();
	test_match();
	return check_summary("platform");
}
