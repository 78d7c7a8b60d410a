/*
 * test-ignore-rule: parsing and matching of every rule kind, the range
 * syntax (comparators, AND, OR, wildcards, ~, ^, v prefix, flavors,
 * pre-releases, non-version tags), bad expressions, the regex match
 * limit, the rule set and the JSON round trip.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ignore-rule.h"

#define EX	IGNORE_EXACT
#define PF	IGNORE_PREFIX
#define RE	IGNORE_REGEX
#define RG	IGNORE_RANGE

/* Does the rule kind/expr ignore tag? */
static const struct {
	enum ignore_kind	 kind;
	const char		*expr;
	const char		*tag;
	bool			 want;
} matches[] = {
	/* exact */
	{ EX, "5.3.1", "5.3.1", true },
	{ EX, "5.3.1", "5.3.10", false },
	{ EX, "5.3.1", "v5.3.1", false },
	{ EX, "latest", "latest", true },
	{ EX, "latest", "Latest", false },
	{ EX, "5.3-alpine", "5.3-alpine", true },
	{ EX, "5.3-alpine", "5.3", false },
	/* prefix */
	{ PF, "nightly-", "nightly-2024", true },
	{ PF, "nightly-", "nightly", false },
	{ PF, "5.3", "5.3.1", true },
	{ PF, "5.3", "5.30", true },	/* text, not versions */
	{ PF, "5.3", "5.2", false },
	{ PF, "sha-", "sha-abc123", true },
	{ PF, "latest", "latest", true },
	/* regex: unanchored unless anchored */
	{ RE, "alpine", "5.3-alpine", true },
	{ RE, "^alpine", "5.3-alpine", false },
	{ RE, "^[0-9]+\\.[0-9]+-rc[0-9]*$", "5.3-rc1", true },
	{ RE, "^[0-9]+\\.[0-9]+-rc[0-9]*$", "5.3-rc1-alpine", false },
	{ RE, "^sha-[0-9a-f]{7}$", "sha-abc1234", true },
	{ RE, "(?i)LATEST", "latest", true },
	{ RE, "caf\xc3\xa9", "cafe", false },	/* UTF-8 is fine */
	{ RE, "a|b", "c", false },
	/* range: each comparator on a full version */
	{ RG, "=5.3.1", "5.3.1", true },
	{ RG, "=5.3.1", "5.3.2", false },
	{ RG, "5.3.1", "5.3.1", true },		/* bare means = */
	{ RG, "!=5.3.1", "5.3.2", true },
	{ RG, "!=5.3.1", "5.3.1", false },
	{ RG, ">=6", "6.0.0", true },
	{ RG, ">=6", "5.99.99", false },
	{ RG, ">6", "6.0.1", false },		/* 6.0.1 is in the line 6 */
	{ RG, ">6", "7", true },
	{ RG, ">6.0.0", "6.0.1", true },
	{ RG, "<=6", "6.9", true },
	{ RG, "<=6", "7.0", false },
	{ RG, "<6", "5.99", true },
	{ RG, "<6", "6.0", false },
	{ RG, "< 6", "5", true },		/* space after the operator */
	/* a partial version is a whole line, missing segments count as 0 */
	{ RG, "=5.3", "5.3.9", true },
	{ RG, "=5.3", "5.3", true },
	{ RG, "=5.3", "5", false },
	{ RG, "=5.0", "5", true },
	{ RG, "=5.3.1", "5.3.1.7", true },
	{ RG, ">5.3.1", "5.3.1.7", false },
	/* AND */
	{ RG, ">=6 <7", "6.2.1", true },
	{ RG, ">=6 <7", "7.0.0", false },
	{ RG, ">=6 <7", "5.9", false },
	{ RG, ">=6  <7 !=6.1", "6.1.4", false },
	{ RG, ">=6  <7 !=6.1", "6.2.4", true },
	/* OR */
	{ RG, "<2 || >=6", "1.9", true },
	{ RG, "<2 || >=6", "6.0", true },
	{ RG, "<2 || >=6", "3.0", false },
	{ RG, "5.3.* || 6.*", "6.1", true },
	{ RG, ">=1 <2||>=3 <4", "3.5", true },
	{ RG, ">=1 <2||>=3 <4", "2.5", false },
	/* wildcards */
	{ RG, "5.3.*", "5.3.0", true },
	{ RG, "5.3.*", "5.3.12", true },
	{ RG, "5.3.*", "5.4.0", false },
	{ RG, "5.3.x", "5.3.2", true },
	{ RG, "5.3.X", "5.3.2", true },
	{ RG, "5.*", "5.0", true },
	{ RG, "5.*", "6.0", false },
	{ RG, "*", "0.0.1", true },
	{ RG, "*", "999.1", true },
	{ RG, ">=5.*", "5.0", true },
	{ RG, "<5.*", "5.0", false },
	{ RG, "<5.*", "4.9", true },
	/* ~ */
	{ RG, "~5.3", "5.3.0", true },
	{ RG, "~5.3", "5.3.9", true },
	{ RG, "~5.3", "5.4.0", false },
	{ RG, "~5.3", "5.2.9", false },
	{ RG, "~5.3.2", "5.3.1", false },
	{ RG, "~5.3.2", "5.3.2", true },
	{ RG, "~5.3.2", "5.3.9", true },
	{ RG, "~5.3.2", "5.4", false },
	{ RG, "~5", "5.9", true },
	{ RG, "~5", "6", false },
	{ RG, "~*", "1.2", true },
	/* ^ */
	{ RG, "^5.3", "5.3.0", true },
	{ RG, "^5.3", "5.9.9", true },
	{ RG, "^5.3", "6.0.0", false },
	{ RG, "^5.3", "5.2", false },
	{ RG, "^0.3", "0.3.5", true },
	{ RG, "^0.3", "0.4.0", false },
	{ RG, "^0.0.3", "0.0.3", true },
	{ RG, "^0.0.3", "0.0.4", false },
	{ RG, "^0.0", "0.0.7", true },
	{ RG, "^0.0", "0.1", false },
	{ RG, "^0", "0.9", true },
	{ RG, "^0", "1.0", false },
	{ RG, "^1.x", "1.5", true },
	{ RG, "^1.x", "2.0", false },
	/* v prefix: on either side, ignored */
	{ RG, ">=v6 <v7", "6.1", true },
	{ RG, ">=6 <7", "v6.1", true },
	{ RG, "v5.3.*", "v5.3.1", true },
	{ RG, "~v5.3", "v5.4", false },
	/* flavors: the numeric part decides */
	{ RG, "5.3.*", "5.3-alpine", true },
	{ RG, "5.3.*", "5.3.2-alpine3.19", true },
	{ RG, "5.3.*", "5.4-alpine", false },
	{ RG, ">=6", "6.0-bookworm", true },
	{ RG, "<2", "1.2.3-ls45", true },
	/* pre-releases count as their numeric version */
	{ RG, ">=6", "6.0-rc1", true },
	{ RG, "<6", "6.0-rc1", false },
	{ RG, "5.3.*", "5.3.1-beta2", true },
	{ RG, "5.3.*", "5.4.0-rc1", false },
	{ RG, "=5.3.0", "5.3.0-rc1", true },
	{ RG, "~5.3", "5.3-rc1-alpine", true },
	/* non-version tags never match a range */
	{ RG, "*", "latest", false },
	{ RG, "!=5", "latest", false },
	{ RG, ">=0", "sha-abc1234", false },
	{ RG, "*", "20240101", false },
	{ RG, ">=1", "2024.01.02", false },
	{ RG, "*", "5.3rc1", false },
	{ RG, "*", "", false },
	/* but exact, prefix and regex can */
	{ EX, "sha-abc", "sha-abc", true },
	{ PF, "2024", "20240101", true },
	{ RE, "^2024", "2024.01.02", true },
	/* numbers up to the cap */
	{ RG, "<999999999", "999999998", false },	/* date-like: >=1000 */
	{ RG, ">=1.999999999", "1.999999999", true },
	{ RG, ">=1.999999999", "1.18446744073709551615", true },
	{ RG, "~1.999999999", "2.0", false },
};

/* Expressions that must not parse, the error code and a word of the
 * message. */
static const struct {
	enum ignore_kind	 kind;
	const char		*expr;
	enum dr_err		 code;
	const char		*msg;
} bad[] = {
	{ EX, "", DR_EINVAL, "empty" },
	{ PF, "", DR_EINVAL, "empty" },
	{ RE, "", DR_EINVAL, "empty" },
	{ RG, "", DR_EINVAL, "empty" },
	{ RG, "   ", DR_EINVAL, "empty range" },
	{ EX, "a b", DR_EINVAL, "' ' at offset 1" },
	{ EX, "-alpine", DR_EINVAL, "starts with '-'" },
	{ PF, ".x", DR_EINVAL, "starts with '.'" },
	{ PF, "a/b", DR_EINVAL, "'/' at offset 1" },
	{ EX, "a\tb", DR_EINVAL, "control character at offset 1" },
	{ RE, "a\nb", DR_EINVAL, "control character" },
	{ RE, "\xa5=", DR_EINVAL, "not valid UTF-8" },	/* fuzz */
	{ RE, "caf\xc3", DR_EINVAL, "not valid UTF-8" },
	{ RE, "(abc", DR_EINVAL, "bad regex at offset 4" },
	{ RE, "abc)", DR_EINVAL, "bad regex at offset 3" },
	{ RE, "[a-", DR_EINVAL, "bad regex" },
	{ RE, "*a", DR_EINVAL, "bad regex at offset 0" },
	{ RG, ">=", DR_EINVAL, "comparator '>=' at offset 0 has no version" },
	{ RG, ">=6 <", DR_EINVAL, "comparator '<' at offset 4" },
	{ RG, "~", DR_EINVAL, "has no version" },
	{ RG, "5..3", DR_EINVAL, "empty number in '5..3'" },
	{ RG, "5.3.", DR_EINVAL, "empty number in '5.3.'" },
	{ RG, ".5", DR_EINVAL, "empty number" },
	{ RG, "v", DR_EINVAL, "'v' at offset 0 is not a version" },
	{ RG, "1.2.3.4.5", DR_EINVAL, "more than 4 numbers" },
	{ RG, "5.*.3", DR_EINVAL, "number after a wildcard" },
	{ RG, "1000000000", DR_EINVAL, "number too large in '1000000000'" },
	{ RG, "1.99999999999999999999999", DR_EINVAL, "number too large" },
	{ RG, "5.3-alpine", DR_EINVAL, "ranges compare numbers only" },
	{ RG, ">=6.0.0-rc1", DR_EINVAL, "numbers only" },
	{ RG, "1.2.3+build", DR_EINVAL, "numbers only" },
	{ RG, "latest", DR_EINVAL, "'latest' at offset 0" },
	{ RG, "5a", DR_EINVAL, "unexpected 'a' in '5a'" },
	{ RG, ">=>=5", DR_EINVAL, "unexpected '>'" },
	{ RG, "(5 || 6", DR_EINVAL, "unexpected '('" },
	{ RG, "5 | 6", DR_EINVAL, "single '|' at offset 2" },
	{ RG, "|| 5", DR_EINVAL, "'||' at offset 0 has no comparator before" },
	{ RG, "5 ||", DR_EINVAL, "'||' at offset 2 has no comparator after" },
	{ RG, "5 || || 6", DR_EINVAL, "'||' at offset 5 has no comparator "
	  "before" },
	{ RG, "5 - 6", DR_EINVAL, "unexpected '-' in '-'" },	/* no hyphen ranges */
	{ RG, "5\t6", DR_EINVAL, "control character at offset 1" },
};

static void
test_matches(void)
{
	struct dr_error		 e;
	struct ignore_rule	*r;
	size_t			 i;

	for (i = 0; i < sizeof(matches) / sizeof(matches[0]); i++) {
		dr_error_clear(&e);
		if (ignore_rule_parse(matches[i].kind, matches[i].expr, &r,
		    &e) != DR_OK) {
			fprintf(stderr, "row %zu: %s: %s\n", i,
			    matches[i].expr, e.msg);
			CHECK(!"parse failed");
			continue;
		}
		if (ignore_rule_match(r, matches[i].tag) != matches[i].want)
			fprintf(stderr, "row %zu: %s %s vs %s\n", i,
			    ignore_kind_name(matches[i].kind),
			    matches[i].expr, matches[i].tag);
		CHECK(ignore_rule_match(r, matches[i].tag) == matches[i].want);
		CHECK(ignore_rule_kind(r) == matches[i].kind);
		CHECK_STREQ(ignore_rule_expr(r), matches[i].expr);
		ignore_rule_free(r);
	}
}

static void
test_bad(void)
{
	struct dr_error		 e;
	struct ignore_rule	*r;
	enum dr_err		 err;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dr_error_clear(&e);
		r = (struct ignore_rule *)&e;	/* must be reset to NULL */
		err = ignore_rule_parse(bad[i].kind, bad[i].expr, &r, &e);
		if (err != bad[i].code || strstr(e.msg, bad[i].msg) == NULL)
			fprintf(stderr, "row %zu: '%s': got %s: %s\n", i,
			    bad[i].expr, dr_err_name(err), e.msg);
		CHECK_INTEQ(err, bad[i].code);
		CHECK(strstr(e.msg, bad[i].msg) != NULL);
		CHECK(r == NULL);
	}
	/* a NULL reterr is fine */
	CHECK(ignore_rule_parse(RG, ">=", &r, NULL) == DR_EINVAL);
	CHECK(ignore_rule_parse(IGNORE_KIND_COUNT, "x", &r, NULL) ==
	    DR_EINVAL);
	CHECK(ignore_rule_parse(RG, NULL, &r, NULL) == DR_EINVAL);
}

/* Length and count caps. */
static void
test_caps(void)
{
	char			 s[IGNORE_EXPR_MAX + 2];
	struct ignore_rule	*r;
	struct dr_error		 e;
	size_t			 i;

	memset(s, 'a', sizeof(s));
	s[IGNORE_TAG_MAX] = '\0';
	CHECK(ignore_rule_parse(EX, s, &r, &e) == DR_OK);
	ignore_rule_free(r);
	s[IGNORE_TAG_MAX] = 'a';
	s[IGNORE_TAG_MAX + 1] = '\0';
	CHECK(ignore_rule_parse(PF, s, &r, &e) == DR_ETOOBIG);
	CHECK(strstr(e.msg, "longer than a tag") != NULL);
	memset(s, 'a', sizeof(s));
	s[IGNORE_EXPR_MAX] = '\0';
	CHECK(ignore_rule_parse(RE, s, &r, &e) == DR_OK);
	ignore_rule_free(r);
	s[IGNORE_EXPR_MAX] = 'a';
	s[IGNORE_EXPR_MAX + 1] = '\0';
	CHECK(ignore_rule_parse(RE, s, &r, &e) == DR_ETOOBIG);
	CHECK(strstr(e.msg, "257 bytes") != NULL);

	/* 16 alternatives are fine, 17 are not */
	s[0] = '\0';
	for (i = 0; i < IGNORE_RANGE_ALTS_MAX; i++)
		snprintf(s + strlen(s), sizeof(s) - strlen(s), "%s%zu",
		    i ? "||" : "", i);
	CHECK(ignore_rule_parse(RG, s, &r, &e) == DR_OK);
	CHECK(ignore_rule_match(r, "15.1"));
	CHECK(!ignore_rule_match(r, "16.1"));
	ignore_rule_free(r);
	snprintf(s + strlen(s), sizeof(s) - strlen(s), "||99");
	CHECK(ignore_rule_parse(RG, s, &r, &e) == DR_ETOOBIG);
	CHECK(strstr(e.msg, "alternatives") != NULL);

	s[0] = '\0';
	for (i = 0; i < IGNORE_RANGE_TERMS_MAX; i++)
		snprintf(s + strlen(s), sizeof(s) - strlen(s), "%s>=%zu",
		    i ? " " : "", i);
	CHECK(ignore_rule_parse(RG, s, &r, &e) == DR_OK);
	CHECK(ignore_rule_match(r, "15"));
	CHECK(!ignore_rule_match(r, "14.9"));
	ignore_rule_free(r);
	snprintf(s + strlen(s), sizeof(s) - strlen(s), " <99");
	CHECK(ignore_rule_parse(RG, s, &r, &e) == DR_ETOOBIG);
	CHECK(strstr(e.msg, "comparators") != NULL);
}

/* Catastrophic backtracking stops at the match limit: not ignored. */
static void
test_regex_limit(void)
{
	struct ignore_rule	*r;
	struct dr_error		 e;
	char			 tag[64];

	memset(tag, 'a', sizeof(tag) - 2);
	tag[sizeof(tag) - 2] = '!';
	tag[sizeof(tag) - 1] = '\0';
	CHECK(ignore_rule_parse(RE, "^(a+)+$", &r, &e) == DR_OK);
	CHECK(!ignore_rule_match(r, tag));
	CHECK(ignore_rule_match(r, "aaaa"));
	ignore_rule_free(r);
	CHECK(ignore_rule_parse(RE, "^(a|aa)+$", &r, &e) == DR_OK);
	CHECK(!ignore_rule_match(r, tag));
	ignore_rule_free(r);
	CHECK(ignore_rule_parse(RE, "(.*a){20}", &r, &e) == DR_OK);
	CHECK(!ignore_rule_match(r, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
	ignore_rule_free(r);
}

static struct ignore_rule *
rule(enum ignore_kind kind, const char *expr)
{
	struct ignore_rule	*r = NULL;

	CHECK(ignore_rule_parse(kind, expr, &r, NULL) == DR_OK);
	return r;
}

static void
test_set(void)
{
	struct ignore_set	*s = ignore_set_new();
	const struct ignore_rule *r;
	const char		*reason = NULL;
	struct dr_error		 e;
	int64_t			 id = -1;
	int			 i;

	CHECK(ignore_set_check(s, "6.1", &id, &reason) == NULL);
	CHECK(ignore_set_add(s, 3, true, rule(RG, ">=6 <7"), &e) == DR_OK);
	CHECK(ignore_set_add(s, 1, true, rule(PF, "6."), &e) == DR_OK);
	CHECK(ignore_set_add(s, 7, false, rule(EX, "latest"), &e) == DR_OK);
	CHECK(ignore_set_add(s, 9, true, rule(RE, "-rc"), &e) == DR_OK);
	CHECK_INTEQ(ignore_set_count(s), 4);
	CHECK(ignore_set_add(s, 3, true, rule(EX, "x"), &e) == DR_ECONFLICT);
	CHECK(strstr(e.msg, "rule 3 exists") != NULL);
	CHECK_INTEQ(ignore_set_count(s), 4);

	/* first enabled match in order added */
	r = ignore_set_check(s, "6.1", &id, &reason);
	CHECK(r != NULL && ignore_rule_kind(r) == IGNORE_RANGE);
	CHECK_INTEQ(id, 3);
	CHECK_STREQ(reason, "ignored by rule 3 (range >=6 <7)");
	r = ignore_set_check(s, "6.1-rc1", &id, &reason);
	CHECK_INTEQ(id, 3);
	/* disabled rules are skipped */
	CHECK(ignore_set_check(s, "latest", &id, &reason) == NULL);
	CHECK(ignore_set_enable(s, 7, true, &e) == DR_OK);
	CHECK(ignore_set_check(s, "latest", &id, &reason) != NULL);
	CHECK_STREQ(reason, "ignored by rule 7 (exact latest)");
	CHECK(ignore_set_enable(s, 3, false, &e) == DR_OK);
	CHECK(ignore_set_check(s, "6.1", &id, &reason) != NULL);
	CHECK_INTEQ(id, 1);
	CHECK_STREQ(reason, "ignored by rule 1 (prefix 6.)");
	CHECK(ignore_set_check(s, "5.0-rc2", NULL, NULL) != NULL);
	CHECK(ignore_set_check(s, "5.0", &id, &reason) == NULL);
	CHECK_INTEQ(id, 1);	/* left alone */
	CHECK(ignore_set_enable(s, 42, true, &e) == DR_ENOTFOUND);
	CHECK(ignore_set_remove(s, 1, &e) == DR_OK);
	CHECK(ignore_set_remove(s, 1, &e) == DR_ENOTFOUND);
	CHECK_INTEQ(ignore_set_count(s), 3);
	CHECK(ignore_set_check(s, "6.1", &id, &reason) == NULL);
	CHECK(ignore_set_check(s, "6.1-rc1", &id, &reason) != NULL);
	CHECK_INTEQ(id, 9);
	CHECK_STREQ(reason, "ignored by rule 9 (regex -rc)");
	ignore_set_free(s);

	s = ignore_set_new();
	for (i = 0; i < IGNORE_SET_MAX; i++)
		CHECK(ignore_set_add(s, i, true, rule(EX, "a"), NULL) == DR_OK);
	CHECK(ignore_set_add(s, i, true, rule(EX, "a"), &e) == DR_ETOOBIG);
	ignore_set_free(s);
	ignore_set_free(NULL);
	ignore_rule_free(NULL);
}

static void
test_json(void)
{
	struct ignore_rule	*r, *back;
	struct dr_error		 e;
	json_t			*j;
	int64_t			 id = 0;
	bool			 enabled = true;
	char			*text;
	enum ignore_kind	 k;

	r = rule(RG, ">=6 <7 || ~8.1");
	j = ignore_rule_to_json(r, 12, false);
	text = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	CHECK_STREQ(text, "{\"enabled\":false,\"expr\":\">=6 <7 || ~8.1\","
	    "\"id\":12,\"kind\":\"range\"}");
	free(text);
	CHECK(ignore_rule_from_json(j, &back, &id, &enabled, &e) == DR_OK);
	CHECK_INTEQ(id, 12);
	CHECK(!enabled);
	CHECK(ignore_rule_kind(back) == IGNORE_RANGE);
	CHECK_STREQ(ignore_rule_expr(back), ">=6 <7 || ~8.1");
	CHECK(ignore_rule_match(back, "8.1.4"));
	CHECK(!ignore_rule_match(back, "8.2"));
	ignore_rule_free(back);
	json_decref(j);
	ignore_rule_free(r);

	/* defaults: id 0, enabled true */
	j = json_pack("{s:s, s:s}", "kind", "regex", "expr", "^v?1\\.");
	CHECK(ignore_rule_from_json(j, &back, &id, &enabled, &e) == DR_OK);
	CHECK_INTEQ(id, 0);
	CHECK(enabled);
	CHECK(ignore_rule_match(back, "v1.2"));
	ignore_rule_free(back);
	json_decref(j);

#define JBAD(fmt, word) do {						\
	json_t *jb_ = json_loads(fmt, JSON_ALLOW_NUL, NULL);				\
	CHECK(jb_ != NULL);						\
	back = (struct ignore_rule *)&e;				\
	dr_error_clear(&e);						\
	CHECK(ignore_rule_from_json(jb_, &back, NULL, NULL, &e) ==	\
	    DR_EINVAL);							\
	CHECK(back == NULL);						\
	if (strstr(e.msg, word) == NULL)				\
		fprintf(stderr, "%s: %s\n", fmt, e.msg);		\
	CHECK(strstr(e.msg, word) != NULL);				\
	json_decref(jb_);						\
} while (0)
	JBAD("[]", "not a JSON object");
	JBAD("{\"kind\":\"range\"}", "missing 'expr'");
	JBAD("{\"expr\":\"5\"}", "missing 'kind'");
	JBAD("{\"kind\":\"semver\",\"expr\":\"5\"}", "unknown ignore rule "
	    "kind 'semver'");
	JBAD("{\"kind\":\"range\",\"expr\":\">=\"}", "has no version");
	JBAD("{\"kind\":\"range\",\"expr\":5}", "key 'expr'");
	JBAD("{\"kind\":\"range\",\"expr\":\"5\",\"id\":-1}", "key 'id'");
	JBAD("{\"kind\":\"range\",\"expr\":\"5\",\"id\":\"3\"}", "key 'id'");
	JBAD("{\"kind\":\"range\",\"expr\":\"5\",\"enabled\":1}",
	    "key 'enabled'");
	JBAD("{\"kind\":\"range\",\"expr\":\"5\",\"enable\":true}",
	    "unknown key 'enable'");
	JBAD("{\"kind\":\"exact\",\"expr\":\"a\\u0000b\"}", "NUL");

	CHECK(ignore_kind_parse("prefix", &k, NULL) == DR_OK &&
	    k == IGNORE_PREFIX);
	CHECK_STREQ(ignore_kind_name(IGNORE_KIND_COUNT), "unknown");
}

int
main(void)
{
	test_matches();
	test_bad();
	test_caps();
	test_regex_limit();
	test_set();
	test_json();
	return check_summary("ignore-rule");
}
