/*
 * fuzz-ignorerule: the first line of the input is an expression, parsed as
 * each rule kind; the other lines (at most FUZZ_TAGS) and a few fixed tags
 * are matched against every rule that parsed.  Checks that parsing and
 * matching never crash, that a range never matches a tag that is not a
 * version, that exact and prefix mean what they say, and that the JSON
 * round trip and a one-rule set give the same answers as the rule.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ignore-rule.h"
#include "span.h"
#include "version.h"
#include "xmalloc.h"

#define FUZZ_ASSERT(c)	do { if (!(c)) abort(); } while (0)
#define FUZZ_TAGS	8

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const fuzz_fixed[] = {
	"latest", "5.3.1", "v6.0-rc1", "5.3-alpine", "1.2.3.4", "",
	"sha-abc1234", "20240101", "0", "999.999999999.1",
};
#define FUZZ_NFIXED	(sizeof(fuzz_fixed) / sizeof(fuzz_fixed[0]))

static void
fuzz_check(const struct ignore_rule *r, enum ignore_kind kind,
    const char *expr, const char *tag)
{
	struct version	v;
	bool		m = ignore_rule_match(r, tag);

	switch (kind) {
	case IGNORE_EXACT:
		FUZZ_ASSERT(m == (strcmp(tag, expr) == 0));
		break;
	case IGNORE_PREFIX:
		FUZZ_ASSERT(m == (strncmp(tag, expr, strlen(expr)) == 0));
		break;
	case IGNORE_RANGE:
		if (!version_parse(span_str(tag), &v))
			FUZZ_ASSERT(!m);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct span		 in = span_make(data, size);
	char			*expr, *tags[FUZZ_TAGS];
	size_t			 ntags = 0, nl, i, t;
	unsigned		 k;

	nl = span_find(in, '\n');
	expr = xstrndup(in.p, nl);
	in = span_sub(in, nl < in.len ? nl + 1 : nl, in.len);
	while (ntags < FUZZ_TAGS && in.len > 0) {
		nl = span_find(in, '\n');
		tags[ntags++] = xstrndup(in.p, nl);
		in = span_sub(in, nl < in.len ? nl + 1 : nl, in.len);
	}

	for (k = 0; k < IGNORE_KIND_COUNT; k++) {
		struct ignore_rule	*r = NULL, *back = NULL;
		struct ignore_set	*set;
		struct dr_error		 e;
		const char		*reason = NULL;
		int64_t			 id = 0;
		bool			 enabled = false;
		json_t			*j;

		if (ignore_rule_parse(k, expr, &r, &e) != DR_OK) {
			FUZZ_ASSERT(r == NULL);
			FUZZ_ASSERT(e.code != DR_OK && e.msg[0] != '\0');
			continue;
		}
		FUZZ_ASSERT(strlen(expr) <= IGNORE_EXPR_MAX);
		FUZZ_ASSERT(strcmp(ignore_rule_expr(r), expr) == 0);

		j = ignore_rule_to_json(r, 7, true);
		FUZZ_ASSERT(j != NULL);
		FUZZ_ASSERT(ignore_rule_from_json(j, &back, &id, &enabled,
		    &e) == DR_OK);
		FUZZ_ASSERT(id == 7 && enabled);
		FUZZ_ASSERT(ignore_rule_kind(back) == k);
		FUZZ_ASSERT(strcmp(ignore_rule_expr(back), expr) == 0);
		json_decref(j);

		set = ignore_set_new();
		FUZZ_ASSERT(ignore_set_add(set, 7, true, r, &e) == DR_OK);
		for (i = 0; i < FUZZ_NFIXED + ntags; i++) {
			const char	*tag = i < FUZZ_NFIXED ? fuzz_fixed[i] :
			    tags[i - FUZZ_NFIXED];
			bool		 m = ignore_rule_match(r, tag);

			fuzz_check(r, k, expr, tag);
			FUZZ_ASSERT(ignore_rule_match(back, tag) == m);
			FUZZ_ASSERT((ignore_set_check(set, tag, &id,
			    &reason) != NULL) == m);
			if (m)
				FUZZ_ASSERT(id == 7 && reason != NULL &&
				    strstr(reason, "rule 7") != NULL);
		}
		ignore_set_free(set);
		ignore_rule_free(back);
	}

	for (t = 0; t < ntags; t++)
		free(tags[t]);
	free(expr);
	return 0;
}
