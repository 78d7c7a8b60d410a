/*
 * test-policy: label policies (skip labels of Dockrev, Watchtower, WUD,
 * Diun) and tag include/exclude regexes.
 */
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "policy.h"

static const struct {
	const char	*labels;	/* JSON object */
	int		 skip;		/* 1 skip, 0 check, -1 bad label */
	const char	*reason_has;
} skip_cases[] = {
	{ "{}", 0, NULL },
	{ "{\"dockrev.enable\": \"false\"}", 1, "dockrev.enable=false" },
	{ "{\"dockrev.enable\": \"FALSE\"}", 1, "dockrev.enable" },
	{ "{\"dockrev.enable\": \"true\"}", 0, NULL },
	{ "{\"com.centurylinklabs.watchtower.enable\": \"false\"}", 1,
	    "watchtower" },
	{ "{\"com.centurylinklabs.watchtower.enable\": \"true\"}", 0, NULL },
	{ "{\"wud.watch\": \"false\"}", 1, "wud.watch" },
	{ "{\"diun.enable\": \"false\"}", 1, "diun.enable" },
	{ "{\"diun.enable\": \"0\"}", 0, NULL },
	{ "{\"wud.tag.include\": \"(\"}", -1, "wud.tag.include" },
	{ "{\"dockrev.tag.exclude\": \"[a-\"}", -1, "dockrev.tag.exclude" },
};

static const struct {
	const char	*labels;
	const char	*tag;
	int		 allowed;
} tag_cases[] = {
	{ "{}", "5.3", 1 },
	{ "{\"wud.tag.include\": \"^\\\\d+\\\\.\\\\d+$\"}", "5.3", 1 },
	{ "{\"wud.tag.include\": \"^\\\\d+\\\\.\\\\d+$\"}", "5.3.1", 0 },
	{ "{\"wud.tag.include\": \"^\\\\d+\\\\.\\\\d+$\"}", "latest", 0 },
	{ "{\"wud.tag.exclude\": \"-rc\"}", "5.3-rc1", 0 },
	{ "{\"wud.tag.exclude\": \"-rc\"}", "5.3", 1 },
	{ "{\"dockrev.tag.include\": \"alpine\", \"wud.tag.include\": "
	    "\"slim\"}", "18-alpine", 1 },	/* dockrev's label wins */
	{ "{\"dockrev.tag.include\": \"alpine\", \"wud.tag.include\": "
	    "\"slim\"}", "18-slim", 0 },
	{ "{\"wud.tag.include\": \"^1\", \"wud.tag.exclude\": \"^1\\\\.5\"}",
	    "1.4", 1 },
	{ "{\"wud.tag.include\": \"^1\", \"wud.tag.exclude\": \"^1\\\\.5\"}",
	    "1.5", 0 },
	/* Catastrophic backtracking hits the match limit: fail closed. */
	{ "{\"wud.tag.exclude\": \"^(a+)+$\"}",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", 0 },
};

int
main(void)
{
	struct policy	*p;
	struct dr_error	 e;
	const char	*reason;
	size_t		 i;

	for (i = 0; i < sizeof(skip_cases) / sizeof(skip_cases[0]); i++) {
		json_t	*l = json_loads(skip_cases[i].labels, 0, NULL);
		enum dr_err err;

		CHECK(l != NULL);
		p = NULL;
		err = policy_from_labels(l, &p, &e);
		if (skip_cases[i].skip < 0) {
			CHECK_INTEQ(err, DR_EINVAL);
			CHECK(strstr(e.msg, skip_cases[i].reason_has) != NULL);
		} else {
			CHECK_INTEQ(err, DR_OK);
			CHECK_INTEQ(policy_skip(p, &reason),
			    skip_cases[i].skip);
			if (skip_cases[i].reason_has != NULL)
				CHECK(strstr(reason,
				    skip_cases[i].reason_has) != NULL);
		}
		policy_free(p);
		json_decref(l);
	}
	for (i = 0; i < sizeof(tag_cases) / sizeof(tag_cases[0]); i++) {
		json_t	*l = json_loads(tag_cases[i].labels, 0, NULL);

		CHECK(l != NULL);
		CHECK_INTEQ(policy_from_labels(l, &p, &e), DR_OK);
		CHECK_INTEQ(policy_tag_allowed(p, span_str(tag_cases[i].tag)),
		    tag_cases[i].allowed);
		policy_free(p);
		json_decref(l);
	}
	/* Opt-in mode: an enable label set to true, and none set to false. */
	{
		static const struct {
			const char	*labels;
			bool		 enabled;
		} en[] = {
			{ "{}", false },
			{ "{\"dockrev.enable\": \"true\"}", true },
			{ "{\"dockrev.enable\": \"TRUE\"}", true },
			{ "{\"com.centurylinklabs.watchtower.enable\": \"true\"}",
			    true },
			{ "{\"wud.watch\": \"true\"}", true },
			{ "{\"diun.enable\": \"true\"}", true },
			{ "{\"dockrev.enable\": \"yes\"}", false },
			{ "{\"dockrev.enable\": \"false\"}", false },
			{ "{\"dockrev.enable\": \"true\", \"wud.watch\": "
			    "\"false\"}", false },
			{ "{\"x.enable\": \"true\"}", false },
		};

		for (i = 0; i < sizeof(en) / sizeof(en[0]); i++) {
			json_t	*l = json_loads(en[i].labels, 0, NULL);

			CHECK_INTEQ(policy_from_labels(l, &p, &e), DR_OK);
			CHECK_INTEQ(policy_enabled(p), en[i].enabled);
			policy_free(p);
			json_decref(l);
		}
	}
	/* watch.digest and the filter key. */
	{
		json_t		*a = json_loads("{\"wud.watch.digest\": \"true\","
		    " \"wud.tag.include\": \"x\"}", 0, NULL);
		json_t		*b = json_loads("{\"dockrev.tag.include\": \"x\"}",
		    0, NULL);
		struct policy	*pa, *pb;

		CHECK_INTEQ(policy_from_labels(a, &pa, &e), DR_OK);
		CHECK_INTEQ(policy_from_labels(b, &pb, &e), DR_OK);
		CHECK(policy_watch_digest(pa));
		CHECK(!policy_watch_digest(pb));
		CHECK_STREQ(policy_filter_key(pa), policy_filter_key(pb));
		policy_free(pa);
		policy_free(pb);
		json_decref(a);
		json_decref(b);
	}
	return check_summary("policy");
}
