/*
 * policy: label-driven skip rules and tag filters.  Regexes are compiled
 * once per policy with PCRE2 and matched with a bounded match limit, so a
 * hostile label cannot stall a check.
 */
#include "policy.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xmalloc.h"

#define POLICY_MATCH_LIMIT	100000

struct policy {
	bool		 skip;
	bool		 enabled;	/* an enable label says "true" */
	char		 reason[POLICY_REASON_MAX];
	pcre2_code	*include;
	pcre2_code	*exclude;
	bool		 watch_digest;
	char		*key;
};

static const struct {
	const char	*label;
	const char	*off;	/* the value that disables checking */
} policy_disable[] = {
	{ "dockrev.enable", "false" },
	{ "com.centurylinklabs.watchtower.enable", "false" },
	{ "wud.watch", "false" },
	{ "diun.enable", "false" },
};

static const char *
policy_label(const json_t *labels, const char *a, const char *b,
    const char **ret_which)
{
	const char	*v;

	if ((v = json_string_value(json_object_get(labels, a))) != NULL) {
		*ret_which = a;
		return v;
	}
	*ret_which = b;
	return json_string_value(json_object_get(labels, b));
}

static enum dr_err
policy_compile(const json_t *labels, const char *dr, const char *wud,
    pcre2_code **ret, struct dr_error *reterr)
{
	const char	*which, *re;
	int		 ecode;
	PCRE2_SIZE	 eoff;
	PCRE2_UCHAR	 msg[128];

	*ret = NULL;
	re = policy_label(labels, dr, wud, &which);
	if (re == NULL || *re == '\0')
		return DR_OK;
	*ret = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0, &ecode,
	    &eoff, NULL);
	if (*ret == NULL) {
		pcre2_get_error_message(ecode, msg, sizeof(msg));
		return dr_fail(reterr, DR_EINVAL, "label %s: bad regex at "
		    "offset %zu: %s", which, (size_t)eoff, (char *)msg);
	}
	return DR_OK;
}

enum dr_err
policy_from_labels(const json_t *labels, struct policy **ret,
    struct dr_error *reterr)
{
	struct policy	*p;
	const char	*v, *which, *inc, *exc;
	size_t		 i;
	enum dr_err	 err;

	p = xcalloc(1, sizeof(*p));
	for (i = 0; i < sizeof(policy_disable) / sizeof(policy_disable[0]);
	    i++) {
		v = json_string_value(json_object_get(labels,
		    policy_disable[i].label));
		if (v != NULL && strcasecmp(v, "true") == 0)
			p->enabled = true;
		if (v != NULL && strcasecmp(v, policy_disable[i].off) == 0) {
			p->skip = true;
			snprintf(p->reason, sizeof(p->reason), "disabled by "
			    "label %s=%s", policy_disable[i].label, v);
			break;
		}
	}
	if ((err = policy_compile(labels, "dockrev.tag.include",
	    "wud.tag.include", &p->include, reterr)) != DR_OK ||
	    (err = policy_compile(labels, "dockrev.tag.exclude",
	    "wud.tag.exclude", &p->exclude, reterr)) != DR_OK) {
		policy_free(p);
		return err;
	}
	v = policy_label(labels, "dockrev.watch.digest", "wud.watch.digest",
	    &which);
	p->watch_digest = v != NULL && strcasecmp(v, "true") == 0;
	inc = policy_label(labels, "dockrev.tag.include", "wud.tag.include",
	    &which);
	exc = policy_label(labels, "dockrev.tag.exclude", "wud.tag.exclude",
	    &which);
	p->key = xasprintf("%zu:%s|%s", inc ? strlen(inc) : 0, inc ? inc : "",
	    exc ? exc : "");
	*ret = p;
	return DR_OK;
}

void
policy_free(struct policy *p)
{
	if (p == NULL)
		return;
	pcre2_code_free(p->include);
	pcre2_code_free(p->exclude);
	free(p->key);
	free(p);
}

bool
policy_skip(const struct policy *p, const char **ret_reason)
{
	*ret_reason = p->reason;
	return p->skip;
}

bool
policy_enabled(const struct policy *p)
{
	return p->enabled && !p->skip;
}

/* 1 match, 0 no match, -1 error (limit hit: treated as no match). */
static int
policy_match(pcre2_code *re, struct span s)
{
	pcre2_match_data	*md;
	pcre2_match_context	*mc;
	int			 rc;

	md = pcre2_match_data_create_from_pattern(re, NULL);
	mc = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(mc, POLICY_MATCH_LIMIT);
	rc = pcre2_match(re, (PCRE2_SPTR)s.p, s.len, 0, 0, md, mc);
	pcre2_match_context_free(mc);
	pcre2_match_data_free(md);
	return rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

bool
policy_tag_allowed(const struct policy *p, struct span tag)
{
	if (p->include != NULL && policy_match(p->include, tag) != 1)
		return false;
	if (p->exclude != NULL && policy_match(p->exclude, tag) != 0)
		return false;
	return true;
}

bool
policy_watch_digest(const struct policy *p)
{
	return p->watch_digest;
}

const char *
policy_filter_key(const struct policy *p)
{
	return p->key;
}
