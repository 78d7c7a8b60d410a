/*
 * ignore-rule: parsing and matching of ignore rules, and rule sets.
 * Invariant: a range rule is stored as alternatives of comparators already
 * reduced to six operators on a numeric prefix (wildcards dropped, ~ and ^
 * expanded into a lower and an upper bound), so matching is a loop of
 * integer comparisons and cannot fail.
 */
#include "ignore-rule.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "span.h"
#include "version.h"
#include "xmalloc.h"

enum ignore_op {
	IGNORE_OP_EQ,
	IGNORE_OP_NE,
	IGNORE_OP_GE,
	IGNORE_OP_GT,
	IGNORE_OP_LE,
	IGNORE_OP_LT,
	IGNORE_OP_TILDE,	/* only while parsing */
	IGNORE_OP_CARET,	/* only while parsing */
};

/* Longest first, so ">=" is not read as ">". */
static const struct {
	const char	*text;
	enum ignore_op	 op;
} ignore_ops[] = {
	{ ">=",	IGNORE_OP_GE },
	{ "<=",	IGNORE_OP_LE },
	{ "!=",	IGNORE_OP_NE },
	{ ">",	IGNORE_OP_GT },
	{ "<",	IGNORE_OP_LT },
	{ "=",	IGNORE_OP_EQ },
	{ "~",	IGNORE_OP_TILDE },
	{ "^",	IGNORE_OP_CARET },
};
#define IGNORE_NOPS	(sizeof(ignore_ops) / sizeof(ignore_ops[0]))

static const char *const ignore_kind_names[] = {
	[IGNORE_EXACT] = "exact",
	[IGNORE_PREFIX] = "prefix",
	[IGNORE_REGEX] = "regex",
	[IGNORE_RANGE] = "range",
};

/* The first n numeric segments of a tag compared with seg[0..n-1]. */
struct ignore_pred {
	enum ignore_op	op;
	int		n;
	uint64_t	seg[VERSION_SEG_MAX];
};

struct ignore_rule {
	enum ignore_kind	 kind;
	char			*expr;
	pcre2_code		*re;
	pcre2_match_context	*mctx;
	struct ignore_pred	*pred;		/* all alternatives in a row */
	size_t			 npred;
	size_t			 nalt;
	size_t			 alt_end[IGNORE_RANGE_ALTS_MAX];
};

struct ignore_entry {
	int64_t			 id;
	bool			 enabled;
	struct ignore_rule	*rule;
	char			 reason[IGNORE_REASON_MAX];
};

struct ignore_set {
	struct ignore_entry	*e;
	size_t			 n;
};

const char *
ignore_kind_name(enum ignore_kind kind)
{
	if ((unsigned)kind >= IGNORE_KIND_COUNT)
		return "unknown";
	return ignore_kind_names[kind];
}

enum dr_err
ignore_kind_parse(const char *name, enum ignore_kind *ret,
    struct dr_error *reterr)
{
	unsigned	i;

	for (i = 0; i < IGNORE_KIND_COUNT; i++)
		if (name != NULL && strcmp(name, ignore_kind_names[i]) == 0) {
			*ret = (enum ignore_kind)i;
			return DR_OK;
		}
	return dr_fail(reterr, DR_EINVAL, "unknown ignore rule kind '%.32s' "
	    "(exact, prefix, regex or range)", name ? name : "");
}

static bool
ignore_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A byte allowed in a Docker tag: [A-Za-z0-9_.-]. */
static bool
ignore_is_tag_char(char c)
{
	return ignore_is_digit(c) || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '-';
}

/* Exact and prefix texts are Docker tags or the start of one. */
static enum dr_err
ignore_check_tag(enum ignore_kind kind, const char *expr, size_t len,
    struct dr_error *reterr)
{
	size_t	i;

	if (len > IGNORE_TAG_MAX)
		return dr_fail(reterr, DR_ETOOBIG, "%s text is %zu bytes, "
		    "longer than a tag (%d)", ignore_kind_name(kind), len,
		    IGNORE_TAG_MAX);
	if (expr[0] == '.' || expr[0] == '-')
		return dr_fail(reterr, DR_EINVAL, "%s text starts with '%c': "
		    "no tag does", ignore_kind_name(kind), expr[0]);
	for (i = 0; i < len; i++)
		if (!ignore_is_tag_char(expr[i]))
			return dr_fail(reterr, DR_EINVAL, "%s text has '%c' at "
			    "offset %zu: tags are [A-Za-z0-9_.-]",
			    ignore_kind_name(kind), expr[i], i);
	return DR_OK;
}

static enum dr_err
ignore_compile_regex(struct ignore_rule *r, struct dr_error *reterr)
{
	PCRE2_SIZE	eoff;
	PCRE2_UCHAR	msg[128];
	int		ecode;

	r->re = pcre2_compile((PCRE2_SPTR)r->expr, PCRE2_ZERO_TERMINATED, 0,
	    &ecode, &eoff, NULL);
	if (r->re == NULL) {
		pcre2_get_error_message(ecode, msg, sizeof(msg));
		return dr_fail(reterr, DR_EINVAL, "bad regex at offset %zu: %s",
		    (size_t)eoff, (char *)msg);
	}
	r->mctx = pcre2_match_context_create(NULL);
	if (r->mctx == NULL)
		return dr_fail(reterr, DR_EINTERNAL, "pcre2 match context");
	pcre2_set_match_limit(r->mctx, IGNORE_MATCH_LIMIT);
	pcre2_set_depth_limit(r->mctx, IGNORE_DEPTH_LIMIT);
	return DR_OK;
}

static void
ignore_add_pred(struct ignore_rule *r, enum ignore_op op, int n,
    const uint64_t *seg)
{
	struct ignore_pred	*p;

	r->pred = xreallocarray(r->pred, r->npred + 1, sizeof(*r->pred));
	p = &r->pred[r->npred++];
	memset(p, 0, sizeof(*p));
	p->op = op;
	p->n = n;
	memcpy(p->seg, seg, (size_t)n * sizeof(seg[0]));
}

/* Adds "< seg[0..k-1] with the last one plus 1": the end of a line. */
static void
ignore_add_upper(struct ignore_rule *r, int k, const uint64_t *seg)
{
	uint64_t	up[VERSION_SEG_MAX];

	memcpy(up, seg, sizeof(up));
	up[k - 1]++;	/* fits: numbers are <= IGNORE_RANGE_NUM_MAX */
	ignore_add_pred(r, IGNORE_OP_LT, k, up);
}

/*
 * Parses the version of one comparator, tok (no spaces), into its numeric
 * segments; trailing wildcards are dropped, so "5.3.*" gives n = 2.
 */
static enum dr_err
ignore_range_version(struct span tok, size_t off, int *ret_n, uint64_t *seg,
    struct dr_error *reterr)
{
	size_t	i = 0;
	int	n = 0, parts = 0;
	bool	wild = false;

	if (tok.len > 0 && tok.p[0] == 'v')
		i++;
	if (i == tok.len)
		return dr_fail(reterr, DR_EINVAL, "'%.*s' at offset %zu is not "
		    "a version", (int)tok.len, tok.p, off);
	for (;;) {
		if (parts == VERSION_SEG_MAX)
			return dr_fail(reterr, DR_EINVAL, "'%.*s' at offset %zu "
			    "has more than %d numbers", (int)tok.len, tok.p,
			    off, VERSION_SEG_MAX);
		if (i < tok.len && (tok.p[i] == '*' || tok.p[i] == 'x' ||
		    tok.p[i] == 'X')) {
			wild = true;
			i++;
		} else if (i < tok.len && ignore_is_digit(tok.p[i])) {
			uint64_t	v = 0;

			if (wild)
				return dr_fail(reterr, DR_EINVAL, "'%.*s' at "
				    "offset %zu has a number after a wildcard",
				    (int)tok.len, tok.p, off);
			for (; i < tok.len && ignore_is_digit(tok.p[i]); i++) {
				v = v * 10 + (uint64_t)(tok.p[i] - '0');
				if (v > IGNORE_RANGE_NUM_MAX)
					return dr_fail(reterr, DR_EINVAL,
					    "number too large in '%.*s' at "
					    "offset %zu (max %llu)",
					    (int)tok.len, tok.p, off,
					    IGNORE_RANGE_NUM_MAX);
			}
			seg[n++] = v;
		} else if (i < tok.len && tok.p[i] != '.')
			return dr_fail(reterr, DR_EINVAL, "unexpected '%c' in "
			    "'%.*s' at offset %zu", tok.p[i], (int)tok.len,
			    tok.p, off + i);
		else
			return dr_fail(reterr, DR_EINVAL, "empty number in "
			    "'%.*s' at offset %zu", (int)tok.len, tok.p, off);
		parts++;
		if (i == tok.len)
			break;
		if (tok.p[i] == '-' || tok.p[i] == '+')
			return dr_fail(reterr, DR_EINVAL, "'%.*s' at offset "
			    "%zu: pre-release, flavor and build suffixes are "
			    "not allowed, ranges compare numbers only",
			    (int)tok.len, tok.p, off);
		if (tok.p[i] != '.')
			return dr_fail(reterr, DR_EINVAL, "unexpected '%c' in "
			    "'%.*s' at offset %zu", tok.p[i], (int)tok.len,
			    tok.p, off + i);
		i++;
	}
	*ret_n = n;
	return DR_OK;
}

/* Parses one comparator starting at s[*pos] and adds its predicates. */
static enum dr_err
ignore_range_term(struct ignore_rule *r, const char *s, size_t *pos,
    struct dr_error *reterr)
{
	uint64_t	seg[VERSION_SEG_MAX] = { 0 };
	enum ignore_op	op = IGNORE_OP_EQ;
	const char	*optext = "";
	size_t		i = *pos, start = *pos, vstart, k;
	int		n = 0, z;
	enum dr_err	err;

	for (k = 0; k < IGNORE_NOPS; k++)
		if (strncmp(s + i, ignore_ops[k].text,
		    strlen(ignore_ops[k].text)) == 0) {
			op = ignore_ops[k].op;
			optext = ignore_ops[k].text;
			i += strlen(optext);
			break;
		}
	while (s[i] == ' ')
		i++;
	vstart = i;
	while (s[i] != '\0' && s[i] != ' ' && s[i] != '|')
		i++;
	if (i == vstart)
		return dr_fail(reterr, DR_EINVAL, "comparator '%s' at offset "
		    "%zu has no version", optext, start);
	if ((err = ignore_range_version(span_make(s + vstart, i - vstart),
	    vstart, &n, seg, reterr)) != DR_OK)
		return err;
	*pos = i;

	switch (op) {
	case IGNORE_OP_TILDE:
		/* ~5.3.2: >=5.3.2 <5.4; ~5: >=5 <6; ~*: any version. */
		ignore_add_pred(r, IGNORE_OP_GE, n, seg);
		if (n > 0)
			ignore_add_upper(r, n < 2 ? n : 2, seg);
		break;
	case IGNORE_OP_CARET:
		/* ^5.3: <6; ^0.3: <0.4; ^0.0.3: <0.0.4; ^0.0: <0.1. */
		ignore_add_pred(r, IGNORE_OP_GE, n, seg);
		for (z = 0; z < n && seg[z] == 0; z++)
			;
		if (n > 0)
			ignore_add_upper(r, z < n ? z + 1 : n, seg);
		break;
	default:
		ignore_add_pred(r, op, n, seg);
		break;
	}
	return DR_OK;
}

static enum dr_err
ignore_parse_range(struct ignore_rule *r, struct dr_error *reterr)
{
	const char	*s = r->expr;
	size_t		 i = 0, nterm = 0, orpos = 0;
	enum dr_err	 err;

	for (;;) {
		while (s[i] == ' ')
			i++;
		if (s[i] == '|' && s[i + 1] != '|')
			return dr_fail(reterr, DR_EINVAL, "single '|' at offset "
			    "%zu (alternatives are separated by '||')", i);
		if (s[i] == '|' && nterm == 0)
			return dr_fail(reterr, DR_EINVAL, "'||' at offset %zu "
			    "has no comparator before it", i);
		if (s[i] == '\0' && nterm == 0)
			return r->nalt == 0 ?
			    dr_fail(reterr, DR_EINVAL, "empty range") :
			    dr_fail(reterr, DR_EINVAL, "'||' at offset %zu "
			    "has no comparator after it", orpos);
		if (s[i] == '\0' || s[i] == '|') {
			if (r->nalt == IGNORE_RANGE_ALTS_MAX)
				return dr_fail(reterr, DR_ETOOBIG, "more than "
				    "%d '||' alternatives",
				    IGNORE_RANGE_ALTS_MAX);
			r->alt_end[r->nalt++] = r->npred;
			nterm = 0;
			if (s[i] == '\0')
				return DR_OK;
			orpos = i;
			i += 2;
			continue;
		}
		if (nterm == IGNORE_RANGE_TERMS_MAX)
			return dr_fail(reterr, DR_ETOOBIG, "more than %d "
			    "comparators in one alternative",
			    IGNORE_RANGE_TERMS_MAX);
		if ((err = ignore_range_term(r, s, &i, reterr)) != DR_OK)
			return err;
		nterm++;
	}
}

enum dr_err
ignore_rule_parse(enum ignore_kind kind, const char *expr,
    struct ignore_rule **ret, struct dr_error *reterr)
{
	struct ignore_rule	*r = NULL;
	json_t			*js;
	size_t			 len, i;
	enum dr_err		 err;

	*ret = NULL;
	if ((unsigned)kind >= IGNORE_KIND_COUNT)
		return dr_fail(reterr, DR_EINVAL, "unknown ignore rule kind %d",
		    (int)kind);
	if (expr == NULL || expr[0] == '\0')
		return dr_fail(reterr, DR_EINVAL, "empty %s expression",
		    ignore_kind_name(kind));
	len = strlen(expr);
	if (len > IGNORE_EXPR_MAX)
		return dr_fail(reterr, DR_ETOOBIG, "%s expression is %zu bytes "
		    "(max %d)", ignore_kind_name(kind), len, IGNORE_EXPR_MAX);
	for (i = 0; i < len; i++)
		if ((unsigned char)expr[i] < 0x20 || expr[i] == 0x7f)
			return dr_fail(reterr, DR_EINVAL, "%s expression has a "
			    "control character at offset %zu",
			    ignore_kind_name(kind), i);
	/* The JSON form needs UTF-8: ask the library that will write it. */
	if ((js = json_string(expr)) == NULL)
		return dr_fail(reterr, DR_EINVAL, "%s expression is not valid "
		    "UTF-8", ignore_kind_name(kind));
	json_decref(js);

	r = xcalloc(1, sizeof(*r));
	r->kind = kind;
	r->expr = xstrdup(expr);
	switch (kind) {
	case IGNORE_EXACT:
	case IGNORE_PREFIX:
		err = ignore_check_tag(kind, expr, len, reterr);
		break;
	case IGNORE_REGEX:
		err = ignore_compile_regex(r, reterr);
		break;
	default:
		err = ignore_parse_range(r, reterr);
		break;
	}
	if (err != DR_OK) {
		ignore_rule_free(r);
		return err;
	}
	*ret = r;
	return DR_OK;
}

void
ignore_rule_free(struct ignore_rule *r)
{
	if (r == NULL)
		return;
	pcre2_code_free(r->re);
	pcre2_match_context_free(r->mctx);
	free(r->pred);
	free(r->expr);
	free(r);
}

enum ignore_kind
ignore_rule_kind(const struct ignore_rule *r)
{
	return r->kind;
}

const char *
ignore_rule_expr(const struct ignore_rule *r)
{
	return r->expr;
}

static bool
ignore_pred_match(const struct ignore_pred *p, const struct version *v)
{
	int		i, c = 0;

	for (i = 0; i < p->n && c == 0; i++) {
		uint64_t	t = i < v->nseg ? v->seg[i] : 0;

		c = t < p->seg[i] ? -1 : t > p->seg[i] ? 1 : 0;
	}
	switch (p->op) {
	case IGNORE_OP_EQ:
		return c == 0;
	case IGNORE_OP_NE:
		return c != 0;
	case IGNORE_OP_GE:
		return c >= 0;
	case IGNORE_OP_GT:
		return c > 0;
	case IGNORE_OP_LE:
		return c <= 0;
	case IGNORE_OP_LT:
		return c < 0;
	default:
		return false;
	}
}

static bool
ignore_range_match(const struct ignore_rule *r, const char *tag)
{
	struct version	v;
	size_t		a, i, from = 0;

	if (!version_parse(span_str(tag), &v))
		return false;
	for (a = 0; a < r->nalt; a++) {
		for (i = from; i < r->alt_end[a]; i++)
			if (!ignore_pred_match(&r->pred[i], &v))
				break;
		if (i == r->alt_end[a])
			return true;
		from = r->alt_end[a];
	}
	return false;
}

static bool
ignore_regex_match(const struct ignore_rule *r, const char *tag)
{
	pcre2_match_data	*md;
	int			 rc;

	md = pcre2_match_data_create_from_pattern(r->re, NULL);
	if (md == NULL)
		return false;
	rc = pcre2_match(r->re, (PCRE2_SPTR)tag, strlen(tag), 0, 0, md,
	    r->mctx);
	pcre2_match_data_free(md);
	/* A limit hit or any other error: not ignored. */
	return rc >= 0;
}

bool
ignore_rule_match(const struct ignore_rule *r, const char *tag)
{
	switch (r->kind) {
	case IGNORE_EXACT:
		return strcmp(tag, r->expr) == 0;
	case IGNORE_PREFIX:
		return strncmp(tag, r->expr, strlen(r->expr)) == 0;
	case IGNORE_REGEX:
		return ignore_regex_match(r, tag);
	case IGNORE_RANGE:
		return ignore_range_match(r, tag);
	default:
		return false;
	}
}

json_t *
ignore_rule_to_json(const struct ignore_rule *r, int64_t id, bool enabled)
{
	return json_pack("{s:I, s:s, s:s, s:b}", "id", (json_int_t)id,
	    "kind", ignore_kind_name(r->kind), "expr", r->expr,
	    "enabled", enabled ? 1 : 0);
}

enum dr_err
ignore_rule_from_json(const json_t *j, struct ignore_rule **ret,
    int64_t *ret_id, bool *ret_enabled, struct dr_error *reterr)
{
	const char	*key, *kind_s = NULL, *expr = NULL;
	json_t		*v;
	json_int_t	 id = 0;
	bool		 enabled = true;
	enum ignore_kind kind;
	enum dr_err	 err;

	*ret = NULL;
	if (!json_is_object(j))
		return dr_fail(reterr, DR_EINVAL, "ignore rule is not a JSON "
		    "object");
	json_object_foreach((json_t *)j, key, v) {
		if (strcmp(key, "kind") == 0 && json_is_string(v))
			kind_s = json_string_value(v);
		else if (strcmp(key, "expr") == 0 && json_is_string(v))
			expr = json_string_value(v);
		else if (strcmp(key, "id") == 0 && json_is_integer(v) &&
		    json_integer_value(v) >= 0)
			id = json_integer_value(v);
		else if (strcmp(key, "enabled") == 0 && json_is_boolean(v))
			enabled = json_is_true(v);
		else
			return dr_fail(reterr, DR_EINVAL, "ignore rule: bad or "
			    "unknown key '%.64s'", key);
	}
	if (kind_s == NULL || expr == NULL)
		return dr_fail(reterr, DR_EINVAL, "ignore rule: missing '%s'",
		    kind_s == NULL ? "kind" : "expr");
	if ((err = ignore_kind_parse(kind_s, &kind, reterr)) != DR_OK)
		return err;
	/* A JSON string may hold a NUL: refuse it rather than cut there. */
	if (strlen(expr) != json_string_length(json_object_get(j, "expr")))
		return dr_fail(reterr, DR_EINVAL, "ignore rule: NUL in 'expr'");
	if ((err = ignore_rule_parse(kind, expr, ret, reterr)) != DR_OK)
		return err;
	if (ret_id != NULL)
		*ret_id = (int64_t)id;
	if (ret_enabled != NULL)
		*ret_enabled = enabled;
	return DR_OK;
}

struct ignore_set *
ignore_set_new(void)
{
	return xcalloc(1, sizeof(struct ignore_set));
}

void
ignore_set_free(struct ignore_set *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		ignore_rule_free(s->e[i].rule);
	free(s->e);
	free(s);
}

static struct ignore_entry *
ignore_set_find(const struct ignore_set *s, int64_t id)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		if (s->e[i].id == id)
			return &s->e[i];
	return NULL;
}

enum dr_err
ignore_set_add(struct ignore_set *s, int64_t id, bool enabled,
    struct ignore_rule *rule, struct dr_error *reterr)
{
	struct ignore_entry	*e;

	if (ignore_set_find(s, id) != NULL) {
		ignore_rule_free(rule);
		return dr_fail(reterr, DR_ECONFLICT, "ignore rule %lld exists",
		    (long long)id);
	}
	if (s->n == IGNORE_SET_MAX) {
		ignore_rule_free(rule);
		return dr_fail(reterr, DR_ETOOBIG, "more than %d ignore rules",
		    IGNORE_SET_MAX);
	}
	s->e = xreallocarray(s->e, s->n + 1, sizeof(*s->e));
	e = &s->e[s->n++];
	e->id = id;
	e->enabled = enabled;
	e->rule = rule;
	snprintf(e->reason, sizeof(e->reason), "ignored by rule %lld (%s %s)",
	    (long long)id, ignore_kind_name(rule->kind), rule->expr);
	return DR_OK;
}

enum dr_err
ignore_set_enable(struct ignore_set *s, int64_t id, bool enabled,
    struct dr_error *reterr)
{
	struct ignore_entry	*e;

	if ((e = ignore_set_find(s, id)) == NULL)
		return dr_fail(reterr, DR_ENOTFOUND, "no ignore rule %lld",
		    (long long)id);
	e->enabled = enabled;
	return DR_OK;
}

enum dr_err
ignore_set_remove(struct ignore_set *s, int64_t id, struct dr_error *reterr)
{
	struct ignore_entry	*e;
	size_t			 i;

	if ((e = ignore_set_find(s, id)) == NULL)
		return dr_fail(reterr, DR_ENOTFOUND, "no ignore rule %lld",
		    (long long)id);
	i = (size_t)(e - s->e);
	ignore_rule_free(e->rule);
	memmove(&s->e[i], &s->e[i + 1], (s->n - i - 1) * sizeof(*s->e));
	s->n--;
	return DR_OK;
}

size_t
ignore_set_count(const struct ignore_set *s)
{
	return s->n;
}

const struct ignore_rule *
ignore_set_check(const struct ignore_set *s, const char *tag,
    int64_t *ret_id, const char **ret_reason)
{
	size_t	i;

	for (i = 0; i < s->n; i++) {
		if (!s->e[i].enabled || !ignore_rule_match(s->e[i].rule, tag))
			continue;
		if (ret_id != NULL)
			*ret_id = s->e[i].id;
		if (ret_reason != NULL)
			*ret_reason = s->e[i].reason;
		return s->e[i].rule;
	}
	return NULL;
}
