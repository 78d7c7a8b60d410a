/*
 * ignore-rule: per-service rules that keep some tags from being proposed
 * as updates, and the set of rules of one service.  A rule is a kind and
 * an expression (docs/ignore-rules.md has the full syntax):
 *   exact   the tag equals the text ("5.3.1-alpine")
 *   prefix  the tag starts with the text ("nightly-")
 *   regex   PCRE2, unanchored, matched with a match and depth limit; when
 *           a limit is hit the tag is not ignored
 *   range   an npm-style version range (">=6 <7 || 8.*", "~5.3", "^5.3")
 * Range rules compare only the numeric segments of a tag parsed by
 * version_parse(): the "v" prefix, the flavor (-alpine), the build number
 * and the pre-release label play no part, so 5.3.1-alpine, v5.3.1 and
 * 5.3.1-rc2 all count as 5.3.1.  A partial version names a whole line:
 * =5.3 matches 5.3, 5.3.0 and 5.3.9.1; >5.3 means above that line (5.4+).
 * Tags that are not versions (latest, sha-abc, 20240101) never match a
 * range, not even "*" or "!=5".
 * Invariant: a struct ignore_rule exists only for an expression that
 * parsed; matching never fails, it only answers yes or no.
 */
#ifndef IGNORE_RULE_H
#define IGNORE_RULE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

#define IGNORE_EXPR_MAX		256	/* bytes of a regex or range */
#define IGNORE_TAG_MAX		128	/* bytes of an exact or prefix text */
#define IGNORE_RANGE_ALTS_MAX	16	/* "||" alternatives */
#define IGNORE_RANGE_TERMS_MAX	16	/* comparators in one alternative */
#define IGNORE_RANGE_NUM_MAX	999999999ULL	/* a number in a range */
#define IGNORE_MATCH_LIMIT	100000	/* PCRE2 match limit */
#define IGNORE_DEPTH_LIMIT	10000	/* PCRE2 backtracking depth limit */
#define IGNORE_SET_MAX		256	/* rules in one set */
#define IGNORE_REASON_MAX	(IGNORE_EXPR_MAX + 64)

enum ignore_kind {
	IGNORE_EXACT,
	IGNORE_PREFIX,
	IGNORE_REGEX,
	IGNORE_RANGE,
	IGNORE_KIND_COUNT
};

struct ignore_rule;
struct ignore_set;

/* "exact", "prefix", "regex", "range"; "unknown" out of range. */
const char	*ignore_kind_name(enum ignore_kind);
/* Looks a kind up by its name; DR_EINVAL naming it when unknown. */
enum dr_err	 ignore_kind_parse(const char *name, enum ignore_kind *ret,
		    struct dr_error *reterr);

/*
 * Validates expr for kind and returns a new rule in *ret (free with
 * ignore_rule_free); expr is copied.  DR_EINVAL with a message naming the
 * bad part (offset, token or PCRE2 error) when expr is empty, has a
 * control character, is not UTF-8, or does not fit the kind's syntax; DR_ETOOBIG when
 * it is longer than IGNORE_TAG_MAX (exact, prefix) or IGNORE_EXPR_MAX
 * (regex, range) or has too many alternatives or comparators.  *ret is
 * NULL on failure.
 */
enum dr_err	 ignore_rule_parse(enum ignore_kind, const char *expr,
		    struct ignore_rule **ret, struct dr_error *reterr);
/* Frees a rule; NULL is fine. */
void		 ignore_rule_free(struct ignore_rule *);
/* True when the rule ignores tag (see the top of this file). */
bool		 ignore_rule_match(const struct ignore_rule *,
		    const char *tag);
enum ignore_kind ignore_rule_kind(const struct ignore_rule *);
/* The expression as given to ignore_rule_parse; borrowed from the rule. */
const char	*ignore_rule_expr(const struct ignore_rule *);

/*
 * JSON form of a rule: {"id": 3, "kind": "range", "expr": ">=6 <7",
 * "enabled": true}.  ignore_rule_to_json returns a new reference.
 * ignore_rule_from_json needs "kind" and "expr" strings; "id" (an integer
 * >= 0, default 0) and "enabled" (a boolean, default true) are optional
 * and other keys are refused.  It returns what ignore_rule_parse returns,
 * or DR_EINVAL naming the bad key; ret_id and ret_enabled may be NULL.
 */
json_t		*ignore_rule_to_json(const struct ignore_rule *, int64_t id,
		    bool enabled);
enum dr_err	 ignore_rule_from_json(const json_t *, struct ignore_rule **ret,
		    int64_t *ret_id, bool *ret_enabled,
		    struct dr_error *reterr);

/* An ordered list of rules, each with an id and an enabled flag. */
struct ignore_set *ignore_set_new(void);
/* Frees the set and its rules; NULL is fine. */
void		 ignore_set_free(struct ignore_set *);
/*
 * Appends rule under id; the set owns the rule from this call on, even
 * when it fails.  DR_ECONFLICT when id is already in the set, DR_ETOOBIG
 * past IGNORE_SET_MAX rules.
 */
enum dr_err	 ignore_set_add(struct ignore_set *, int64_t id, bool enabled,
		    struct ignore_rule *rule, struct dr_error *reterr);
/* Turns the rule with id on or off; DR_ENOTFOUND when there is none. */
enum dr_err	 ignore_set_enable(struct ignore_set *, int64_t id,
		    bool enabled, struct dr_error *reterr);
/* Removes and frees the rule with id; DR_ENOTFOUND when there is none. */
enum dr_err	 ignore_set_remove(struct ignore_set *, int64_t id,
		    struct dr_error *reterr);
size_t		 ignore_set_count(const struct ignore_set *);
/*
 * The first enabled rule, in the order added, that ignores tag, or NULL.
 * On a match *ret_id is its id and *ret_reason a text such as "ignored by
 * rule 3 (range >=6 <7)", borrowed from the set until it is changed or
 * freed.  Either out-parameter may be NULL; both are left alone on NULL.
 */
const struct ignore_rule *ignore_set_check(const struct ignore_set *,
		    const char *tag, int64_t *ret_id, const char **ret_reason);

#endif
