/*
 * platform: OCI platform triples, normalised through one table.  Invariant:
 * a struct platform filled by platform_set() has non-empty lowercase os and
 * arch made of [a-z0-9._-], already mapped through platform_arch_table.
 */
#include "platform.h"

#include <string.h>

/*
 * Architecture aliases: arch becomes to_arch and, when `variant` is not
 * NULL, the variant is replaced by it.
 */
static const struct {
	const char	*arch;
	const char	*to_arch;
	const char	*variant;
} platform_arch_table[] = {
	{ "x86_64",	"amd64",	NULL },
	{ "x86-64",	"amd64",	NULL },
	{ "i386",	"386",		"" },
	{ "i486",	"386",		"" },
	{ "i586",	"386",		"" },
	{ "i686",	"386",		"" },
	{ "aarch64",	"arm64",	NULL },
	{ "armhf",	"arm",		"v7" },
	{ "armel",	"arm",		"v6" },
};

/* Variant aliases per (normalised) architecture. */
static const struct {
	const char	*arch;
	const char	*from;
	const char	*to;
} platform_variant_table[] = {
	{ "amd64",	"v1",	"" },
	{ "arm",	"",	"v7" },
	{ "arm",	"5",	"v5" },
	{ "arm",	"6",	"v6" },
	{ "arm",	"7",	"v7" },
	{ "arm",	"8",	"v8" },
	{ "arm64",	"8",	"v8" },
	{ "arm64",	"v8.0",	"v8" },
	{ "arm64",	"9",	"v9" },
	{ "arm64",	"9.0",	"v9" },
	{ "arm64",	"v9.0",	"v9" },
};

static const struct {
	const char	*from;
	const char	*to;
} platform_os_table[] = {
	{ "macos",	"darwin" },
};

#define PLATFORM_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Copies s lowercased into dst; false when too long or a bad character. */
static bool
platform_field(char dst[PLATFORM_FIELD_MAX], struct span s)
{
	size_t	i;

	if (s.len >= PLATFORM_FIELD_MAX)
		return false;
	for (i = 0; i < s.len; i++) {
		char	c = s.p[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-'))
			return false;
		dst[i] = c;
	}
	dst[s.len] = '\0';
	return true;
}

/* Sets a field from a table string, which is always short enough. */
static void
platform_copy(char dst[PLATFORM_FIELD_MAX], const char *s)
{
	size_t	n = strlen(s);

	memcpy(dst, s, n + 1);
}

static void
platform_normalise(struct platform *p)
{
	size_t	i;

	for (i = 0; i < PLATFORM_NELEM(platform_os_table); i++)
		if (strcmp(p->os, platform_os_table[i].from) == 0) {
			platform_copy(p->os, platform_os_table[i].to);
			break;
		}
	for (i = 0; i < PLATFORM_NELEM(platform_arch_table); i++)
		if (strcmp(p->arch, platform_arch_table[i].arch) == 0) {
			platform_copy(p->arch, platform_arch_table[i].to_arch);
			if (platform_arch_table[i].variant != NULL)
				platform_copy(p->variant,
				    platform_arch_table[i].variant);
			break;
		}
	for (i = 0; i < PLATFORM_NELEM(platform_variant_table); i++)
		if (strcmp(p->arch, platform_variant_table[i].arch) == 0 &&
		    strcmp(p->variant, platform_variant_table[i].from) == 0) {
			platform_copy(p->variant, platform_variant_table[i].to);
			break;
		}
}

bool
platform_set(struct platform *ret, struct span os, struct span arch,
    struct span variant)
{
	struct platform	p;

	memset(ret, 0, sizeof(*ret));
	if (os.len == 0 || arch.len == 0)
		return false;
	if (!platform_field(p.os, os) || !platform_field(p.arch, arch) ||
	    !platform_field(p.variant, variant))
		return false;
	platform_normalise(&p);
	*ret = p;
	return true;
}

bool
platform_parse(struct span s, struct platform *ret)
{
	struct span	os, arch, variant = { "", 0 };
	size_t		slash;

	memset(ret, 0, sizeof(*ret));
	slash = span_find(s, '/');
	if (slash == s.len)
		return false;
	os = span_sub(s, 0, slash);
	s = span_sub(s, slash + 1, s.len);
	slash = span_find(s, '/');
	arch = span_sub(s, 0, slash);
	if (slash < s.len) {
		variant = span_sub(s, slash + 1, s.len);
		/* "linux/arm/" and "linux/arm/v7/x" are malformed. */
		if (variant.len == 0 || span_find(variant, '/') != variant.len)
			return false;
	}
	return platform_set(ret, os, arch, variant);
}

/* The variant to compare: arm64 without one is arm64/v8. */
static const char *
platform_match_variant(const struct platform *p)
{
	if (strcmp(p->arch, "arm64") == 0 && p->variant[0] == '\0')
		return "v8";
	return p->variant;
}

bool
platform_match(const struct platform *host, const struct platform *image)
{
	return strcmp(host->os, image->os) == 0 &&
	    strcmp(host->arch, image->arch) == 0 &&
	    strcmp(platform_match_variant(host),
	    platform_match_variant(image)) == 0;
}

void
platform_format(const struct platform *p, struct buf *b)
{
	buf_adds(b, p->os);
	buf_addc(b, '/');
	buf_adds(b, p->arch);
	if (p->variant[0] != '\0') {
		buf_addc(b, '/');
		buf_adds(b, p->variant);
	}
}
