/*
 * version: parsing, ordering and picking of version-like tags.  Invariant:
 * a struct version filled by version_parse() always satisfies the grammar
 * in version.h, so version_format() of it parses back to the same fields.
 */
#include "version.h"

#include <string.h>

/* Pre-release labels, and their order when two labels differ. */
static const struct {
	const char	*label;
	int		 rank;
} version_labels[] = {
	{ "nightly",	0 },
	{ "dev",	1 },
	{ "snapshot",	1 },
	{ "canary",	2 },
	{ "alpha",	3 },
	{ "beta",	4 },
	{ "pre",	5 },
	{ "preview",	5 },
	{ "rc",		6 },
};
#define VERSION_NLABELS	(sizeof(version_labels) / sizeof(version_labels[0]))

/* Flavor words whose trailing digits are a build number. */
static const char *const version_build_markers[] = { "ls", "r", "build" };
#define VERSION_NMARKERS \
	(sizeof(version_build_markers) / sizeof(version_build_markers[0]))

/* First segments from here on are dates or build stamps, not versions. */
#define VERSION_DATE_MIN	1000

static const char *const version_kind_names[] = {
	[VERSION_MAJOR] = "major",
	[VERSION_MINOR] = "minor",
	[VERSION_PATCH] = "patch",
};

static bool
version_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
version_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char
version_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * Reads one or more digits at s.p[*pos] into *ret and advances *pos; false
 * when there is no digit or the number does not fit uint64_t.
 */
static bool
version_number(struct span s, size_t *pos, uint64_t *ret)
{
	uint64_t	v = 0;
	size_t		i = *pos;

	if (i >= s.len || !version_is_digit(s.p[i]))
		return false;
	for (; i < s.len && version_is_digit(s.p[i]); i++) {
		unsigned	d = (unsigned)(s.p[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*pos = i;
	*ret = v;
	return true;
}

/* Index of the pre-release label starting s at a word boundary, or -1. */
static int
version_find_label(struct span s)
{
	size_t	i, j, n;

	for (i = 0; i < VERSION_NLABELS; i++) {
		n = strlen(version_labels[i].label);
		if (s.len < n)
			continue;
		for (j = 0; j < n; j++)
			if (version_lower(s.p[j]) != version_labels[i].label[j])
				break;
		if (j < n)
			continue;
		if (n == s.len || s.p[n] == '.' || s.p[n] == '-' ||
		    version_is_digit(s.p[n]))
			return (int)i;
	}
	return -1;
}

/* Parses a flavor (see version.h) into v's flavor, has_build and build. */
static bool
version_flavor(struct span s, struct version *v)
{
	size_t	i, word, end;

	if (s.len == 0 || s.len >= sizeof(v->flavor))
		return false;
	for (i = 0; i < s.len && version_is_digit(s.p[i]); i++)
		;
	if (i == s.len) {
		i = 0;
		v->has_build = true;
		return version_number(s, &i, &v->build);
	}
	if (!version_is_alpha(s.p[0]))
		return false;
	if (!version_is_alpha(s.p[s.len - 1]) &&
	    !version_is_digit(s.p[s.len - 1]))
		return false;
	for (i = 0; i < s.len; i++)
		if (!version_is_alpha(s.p[i]) && !version_is_digit(s.p[i]) &&
		    s.p[i] != '_' && s.p[i] != '.' && s.p[i] != '-')
			return false;

	end = s.len;
	for (word = s.len; word > 0 && s.p[word - 1] != '-'; word--)
		;
	for (i = 0; i < VERSION_NMARKERS; i++) {
		size_t	n = strlen(version_build_markers[i]), pos, j;

		if (s.len - word <= n ||
		    memcmp(s.p + word, version_build_markers[i], n) != 0)
			continue;
		for (j = word + n; j < s.len && version_is_digit(s.p[j]); j++)
			;
		if (j != s.len)
			continue;
		pos = word + n;
		if (!version_number(s, &pos, &v->build))
			return false;
		v->has_build = true;
		end = word + n;
		break;
	}
	memcpy(v->flavor, s.p, end);
	v->flavor[end] = '\0';
	return true;
}

bool
version_parse(struct span tag, struct version *ret)
{
	struct version	v;
	size_t		i = 0;
	int		label;

	memset(ret, 0, sizeof(*ret));
	memset(&v, 0, sizeof(v));
	if (tag.len == 0 || tag.len > VERSION_TEXT_MAX)
		return false;
	if (tag.p[0] == 'v') {
		v.prefix[0] = 'v';
		i++;
	}
	for (;;) {
		if (!version_number(tag, &i, &v.seg[v.nseg]))
			return false;
		v.nseg++;
		if (i == tag.len || tag.p[i] != '.')
			break;
		if (v.nseg == VERSION_SEG_MAX)
			return false;
		i++;
	}
	if (v.seg[0] >= VERSION_DATE_MIN)
		return false;
	if (i == tag.len)
		goto done;
	if (tag.p[i] != '-' || ++i == tag.len)
		return false;

	if ((label = version_find_label(span_sub(tag, i, tag.len))) >= 0) {
		const char	*name = version_labels[label].label;

		v.prerelease = true;
		memcpy(v.pre, name, strlen(name) + 1);
		i += strlen(name);
		if (i + 1 < tag.len && (tag.p[i] == '.' || tag.p[i] == '-') &&
		    version_is_digit(tag.p[i + 1]))
			i++;
		if (i < tag.len && version_is_digit(tag.p[i]) &&
		    !version_number(tag, &i, &v.pre_num))
			return false;
		if (i == tag.len)
			goto done;
		if (tag.p[i] != '-' || ++i == tag.len)
			return false;
	}
	if (!version_flavor(span_sub(tag, i, tag.len), &v))
		return false;
done:
	*ret = v;
	return true;
}

static int
version_label_rank(const char *label)
{
	size_t	i;

	for (i = 0; i < VERSION_NLABELS; i++)
		if (strcmp(version_labels[i].label, label) == 0)
			return version_labels[i].rank;
	return -1;
}

#define VERSION_CMP3(a, b)	((a) < (b) ? -1 : (a) > (b) ? 1 : 0)

/* Compares everything after the numeric segments: release, pre, build. */
static int
version_cmp_tail(const struct version *a, const struct version *b)
{
	int	r;

	if (a->prerelease != b->prerelease)
		return a->prerelease ? -1 : 1;
	if (a->prerelease) {
		if ((r = VERSION_CMP3(version_label_rank(a->pre),
		    version_label_rank(b->pre))) != 0)
			return r;
		if ((r = strcmp(a->pre, b->pre)) != 0)
			return r < 0 ? -1 : 1;
		if ((r = VERSION_CMP3(a->pre_num, b->pre_num)) != 0)
			return r;
	}
	if (a->has_build != b->has_build)
		return a->has_build ? 1 : -1;
	return VERSION_CMP3(a->build, b->build);
}

int
version_cmp(const struct version *a, const struct version *b)
{
	int	i, r;

	for (i = 0; i < VERSION_SEG_MAX; i++) {
		uint64_t	x = i < a->nseg ? a->seg[i] : 0;
		uint64_t	y = i < b->nseg ? b->seg[i] : 0;

		if ((r = VERSION_CMP3(x, y)) != 0)
			return r;
	}
	if ((r = version_cmp_tail(a, b)) != 0)
		return r;
	/* Total order for sorting: equal only when every field is. */
	if ((r = VERSION_CMP3(a->nseg, b->nseg)) != 0)
		return r;
	if ((r = strcmp(a->prefix, b->prefix)) != 0)
		return r < 0 ? -1 : 1;
	if ((r = strcmp(a->flavor, b->flavor)) != 0)
		return r < 0 ? -1 : 1;
	return 0;
}

bool
version_newer(const struct version *cur, const struct version *cand,
    enum version_kind *ret_kind, bool *ret_same_level)
{
	enum version_kind	kind = VERSION_PATCH;
	int			i, n;

	if (strcmp(cur->prefix, cand->prefix) != 0 ||
	    strcmp(cur->flavor, cand->flavor) != 0 ||
	    cur->has_build != cand->has_build)
		return false;
	if (cand->prerelease && !cur->prerelease)
		return false;
	n = cur->nseg < cand->nseg ? cur->nseg : cand->nseg;
	for (i = 0; i < n; i++)
		if (cur->seg[i] != cand->seg[i])
			break;
	if (i < n) {
		if (cand->seg[i] < cur->seg[i])
			return false;
		kind = i == 0 ? VERSION_MAJOR : i == 1 ? VERSION_MINOR :
		    VERSION_PATCH;
	} else if (cur->nseg != cand->nseg ||
	    version_cmp_tail(cand, cur) <= 0)
		/* 5.2 -> 5.2.1: the tag 5.2 already follows 5.2.x. */
		return false;
	if (ret_kind != NULL)
		*ret_kind = kind;
	if (ret_same_level != NULL)
		*ret_same_level = cur->nseg == cand->nseg;
	return true;
}

void
version_format(const struct version *v, struct buf *b)
{
	int	i;

	buf_adds(b, v->prefix);
	for (i = 0; i < v->nseg; i++)
		buf_printf(b, "%s%llu", i ? "." : "",
		    (unsigned long long)v->seg[i]);
	if (v->prerelease) {
		buf_printf(b, "-%s", v->pre);
		/* "rc-5" would read back as rc5: keep "rc0-5" explicit. */
		if (v->pre_num != 0 || (v->has_build && v->flavor[0] == '\0'))
			buf_printf(b, "%llu", (unsigned long long)v->pre_num);
	}
	if (v->flavor[0] != '\0' || v->has_build)
		buf_addc(b, '-');
	buf_adds(b, v->flavor);
	if (v->has_build)
		buf_printf(b, "%llu", (unsigned long long)v->build);
}

const char *
version_kind_name(enum version_kind kind)
{
	if ((unsigned)kind >= sizeof(version_kind_names) /
	    sizeof(version_kind_names[0]))
		return "unknown";
	return version_kind_names[kind];
}

bool
version_kind_parse(const char *s, enum version_kind *ret)
{
	size_t	i;

	for (i = 0; s != NULL && i < sizeof(version_kind_names) /
	    sizeof(version_kind_names[0]); i++)
		if (strcmp(s, version_kind_names[i]) == 0) {
			*ret = (enum version_kind)i;
			return true;
		}
	return false;
}

struct version_best {
	bool		set;
	size_t		idx;
	struct version	v;
};

static void
version_best_offer(struct version_best *best, size_t idx,
    const struct version *v)
{
	if (best->set && version_cmp(v, &best->v) <= 0)
		return;
	best->set = true;
	best->idx = idx;
	best->v = *v;
}

size_t
version_pick(const struct version *cur, const struct span *tags,
    size_t ntags, size_t *ret_idx, size_t max)
{
	struct version_best	 best[3], same[3], *out[6];
	struct version		 v;
	enum version_kind	 kind;
	bool			 same_level;
	size_t			 i, n = 0;

	memset(best, 0, sizeof(best));
	memset(same, 0, sizeof(same));
	for (i = 0; i < ntags; i++) {
		if (!version_parse(tags[i], &v) ||
		    !version_newer(cur, &v, &kind, &same_level))
			continue;
		version_best_offer(&best[kind], i, &v);
		if (same_level)
			version_best_offer(&same[kind], i, &v);
	}
	/*
	 * Already highest first: a major update outranks every minor one,
	 * which outranks every patch, and best >= same within a kind (the
	 * fuzzer checks this order).
	 */
	for (i = 0; i < 3; i++) {
		if (best[i].set)
			out[n++] = &best[i];
		if (same[i].set && (!best[i].set || same[i].idx != best[i].idx))
			out[n++] = &same[i];
	}
	if (n > max)
		n = max;
	for (i = 0; i < n; i++)
		ret_idx[i] = out[i]->idx;
	return n;
}
