/*
 * fuzz-version: the input is a newline-separated tag list; the first line
 * is the current tag.  Checks that parse -> format -> parse is stable, that
 * version_cmp is a total order consistent with field equality, that
 * version_newer agrees with it, and that version_pick returns sorted,
 * distinct, newer candidates headed by the highest update.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"
#include "xmalloc.h"

#define FUZZ_ASSERT(c)	do { if (!(c)) abort(); } while (0)
#define FUZZ_TAGS	32	/* tags looked at per input */
#define FUZZ_PAIRS	16	/* of which compared pairwise and in triples */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static bool
fuzz_same(const struct version *a, const struct version *b)
{
	int	i;

	if (strcmp(a->prefix, b->prefix) != 0 || a->nseg != b->nseg ||
	    a->prerelease != b->prerelease || strcmp(a->pre, b->pre) != 0 ||
	    a->pre_num != b->pre_num || strcmp(a->flavor, b->flavor) != 0 ||
	    a->has_build != b->has_build || a->build != b->build)
		return false;
	for (i = 0; i < a->nseg; i++)
		if (a->seg[i] != b->seg[i])
			return false;
	return true;
}

/* Fields of a parsed version stay within the grammar of version.h. */
static void
fuzz_check_fields(const struct version *v, struct span tag)
{
	struct version	again;
	struct buf	b;

	FUZZ_ASSERT(v->nseg >= 1 && v->nseg <= VERSION_SEG_MAX);
	FUZZ_ASSERT(v->seg[0] < 1000);
	FUZZ_ASSERT(v->prefix[0] == '\0' || strcmp(v->prefix, "v") == 0);
	FUZZ_ASSERT(v->prerelease == (v->pre[0] != '\0'));
	FUZZ_ASSERT(v->prerelease || v->pre_num == 0);
	FUZZ_ASSERT(v->has_build || v->build == 0);
	FUZZ_ASSERT(strlen(v->flavor) < VERSION_TEXT_MAX);

	buf_init(&b, 4 * VERSION_TEXT_MAX);
	version_format(v, &b);
	FUZZ_ASSERT(!buf_failed(&b));
	FUZZ_ASSERT(b.len <= tag.len);
	FUZZ_ASSERT(version_parse(buf_span(&b), &again));
	FUZZ_ASSERT(fuzz_same(v, &again));
	FUZZ_ASSERT(version_cmp(v, &again) == 0);
	buf_done(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct span	 in = span_make(data, size), tags[FUZZ_TAGS];
	struct version	*v = NULL;
	bool		*ok = NULL;
	size_t		 ntags = 0, i, j, k, n, idx[8];
	enum version_kind kind;
	bool		 same;

	while (ntags < FUZZ_TAGS) {
		size_t	nl = span_find(in, '\n');

		tags[ntags++] = span_sub(in, 0, nl);
		if (nl == in.len)
			break;
		in = span_sub(in, nl + 1, in.len);
	}
	v = xcalloc(ntags, sizeof(*v));
	ok = xcalloc(ntags, sizeof(*ok));
	for (i = 0; i < ntags; i++) {
		ok[i] = version_parse(tags[i], &v[i]);
		if (ok[i])
			fuzz_check_fields(&v[i], tags[i]);
		else
			FUZZ_ASSERT(v[i].nseg == 0);
	}

	for (i = 0; i < ntags && i < FUZZ_PAIRS; i++) {
		if (!ok[i])
			continue;
		FUZZ_ASSERT(!version_newer(&v[i], &v[i], NULL, NULL));
		for (j = 0; j < ntags && j < FUZZ_PAIRS; j++) {
			int	c;

			if (!ok[j])
				continue;
			c = version_cmp(&v[i], &v[j]);
			FUZZ_ASSERT(c >= -1 && c <= 1);
			FUZZ_ASSERT(c == -version_cmp(&v[j], &v[i]));
			FUZZ_ASSERT((c == 0) == fuzz_same(&v[i], &v[j]));
			if (version_newer(&v[i], &v[j], &kind, &same)) {
				FUZZ_ASSERT(c < 0);
				FUZZ_ASSERT(!version_newer(&v[j], &v[i], NULL,
				    NULL));
				FUZZ_ASSERT(same == (v[i].nseg == v[j].nseg));
				FUZZ_ASSERT(kind <= VERSION_PATCH);
			}
			for (k = 0; k < ntags && k < FUZZ_PAIRS; k++)
				if (ok[k] && c <= 0 &&
				    version_cmp(&v[j], &v[k]) <= 0)
					FUZZ_ASSERT(version_cmp(&v[i],
					    &v[k]) <= 0);
		}
	}

	if (!ok[0])
		goto out;
	n = version_pick(&v[0], tags, ntags, idx, sizeof(idx) / sizeof(idx[0]));
	FUZZ_ASSERT(n <= 6);
	for (i = 0; i < n; i++) {
		FUZZ_ASSERT(idx[i] < ntags && ok[idx[i]]);
		FUZZ_ASSERT(version_newer(&v[0], &v[idx[i]], NULL, NULL));
		for (j = 0; j < i; j++) {
			FUZZ_ASSERT(idx[j] != idx[i]);
			FUZZ_ASSERT(version_cmp(&v[idx[j]], &v[idx[i]]) >= 0);
		}
	}
	/* The first pick is the highest update there is. */
	for (i = 0; i < ntags; i++)
		if (ok[i] && version_newer(&v[0], &v[i], NULL, NULL)) {
			FUZZ_ASSERT(n > 0);
			FUZZ_ASSERT(version_cmp(&v[idx[0]], &v[i]) >= 0);
		}
	/* A smaller max returns a prefix of the same answer. */
	if (n > 1) {
		size_t	idx2[8];

		FUZZ_ASSERT(version_pick(&v[0], tags, ntags, idx2, 1) == 1);
		FUZZ_ASSERT(idx2[0] == idx[0]);
	}
out:
	free(v);
	free(ok);
	return 0;
}
