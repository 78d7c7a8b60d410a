/*
 * test-trigger: the triggers' pure parts, table-driven: PUT
 * /api/v1/settings bodies (accepted values, every refusal), webhook
 * creation bodies (action/scope/target/auth rules) and the image
 * repository Watchtower's ?image= names are matched against.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "store-hook.h"
#include "trigger-hook.h"
#include "trigger.h"

static void
test_settings(void)
{
	static const struct {
		const char	*body;
		enum dr_err	 want;
		unsigned	 conc;
	} cases[] = {
		{ "{}", DR_OK, 0 },
		{ "{\"concurrency\":1}", DR_OK, 1 },
		{ "{\"concurrency\":32}", DR_OK, 32 },
		{ "{\"concurrency\":0}", DR_EINVAL, 0 },
		{ "{\"concurrency\":33}", DR_EINVAL, 0 },
		{ "{\"concurrency\":\"2\"}", DR_EINVAL, 0 },
		{ "{\"concurrency\":2.5}", DR_EINVAL, 0 },
		{ "{\"other\":1}", DR_EINVAL, 0 },
		{ "[]", DR_EINVAL, 0 },
		{ "{\"schedules\":[]}", DR_EINVAL, 0 },
		{ "{\"schedules\":{\"weekly\":{}}}", DR_EINVAL, 0 },
		{ "{\"schedules\":{\"check\":{\"expr\":\"@daily\"}}}", DR_OK, 0 },
		{ "{\"schedules\":{\"check\":{\"expr\":\"61 * * * *\"}}}",
		    DR_EINVAL, 0 },
		{ "{\"schedules\":{\"update\":{\"expr\":null,\"enabled\":true}}}",
		    DR_EINVAL, 0 },
		{ "{\"schedules\":{\"update\":{\"expr\":\"@daily\",\"tz\":"
		    "\"Nowhere/City\"}}}", DR_ENOTFOUND, 0 },
		{ "{\"schedules\":{\"update\":{\"expr\":\"@daily\",\"tz\":"
		    "\"../../etc/passwd\"}}}", DR_EINVAL, 0 },
		{ "{\"schedules\":{\"check\":{\"expr\":\"@daily\",\"jitter_s\":"
		    "-1}}}", DR_EINVAL, 0 },
		{ "{\"schedules\":{\"check\":{\"expr\":\"@daily\",\"jitter_s\":"
		    "86401}}}", DR_EINVAL, 0 },
		{ "{\"schedules\":{\"check\":{\"expr\":\"@daily\",\"enabled\":"
		    "\"yes\"}}}", DR_EINVAL, 0 },
		{ "{\"schedules\":{\"check\":{\"expr\":7}}}", DR_EINVAL, 0 },
	};
	struct trigger_settings	 ts;
	struct dr_error		 e;
	json_t			*j;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		j = json_loads(cases[i].body, 0, NULL);
		CHECK(j != NULL);
		CHECK_INTEQ(trigger_settings_parse(j, &ts, &e), cases[i].want);
		if (cases[i].want == DR_OK)
			CHECK_INTEQ(ts.concurrency, cases[i].conc);
		json_decref(j);
	}
	j = json_loads("{\"concurrency\":4,\"schedules\":{\"update\":{\"expr\":"
	    "\"0 4 * * SUN\",\"tz\":\"Europe/Paris\",\"jitter_s\":300}}}", 0,
	    NULL);
	CHECK(trigger_settings_parse(j, &ts, &e) == DR_OK);
	CHECK(!ts.have[SCHEDULE_CHECK] && ts.have[SCHEDULE_UPDATE]);
	CHECK_STREQ(ts.sched[SCHEDULE_UPDATE].expr, "0 4 * * SUN");
	CHECK_STREQ(ts.sched[SCHEDULE_UPDATE].tz, "Europe/Paris");
	CHECK_INTEQ(ts.sched[SCHEDULE_UPDATE].jitter_s, 300);
	/* An expression without "enabled" is enabled. */
	CHECK(ts.sched[SCHEDULE_UPDATE].enabled);
	json_decref(j);
}

static void
test_hook_body(void)
{
	static const struct {
		const char	*body;
		enum dr_err	 want;
		enum store_hook_auth auth;
	} cases[] = {
		{ "{\"name\":\"ci\",\"action\":\"update\",\"scope\":\"service\","
		    "\"target\":\"shop/web\"}", DR_OK, STORE_HOOK_HMAC },
		{ "{\"name\":\"ci\",\"action\":\"check\",\"scope\":\"all\","
		    "\"auth\":\"token\"}", DR_OK, STORE_HOOK_TOKEN },
		{ "{\"name\":\"ci\",\"action\":\"check\"}", DR_OK,
		    STORE_HOOK_HMAC },
		{ "{\"name\":\"ci\",\"action\":\"update\",\"scope\":\"stack\","
		    "\"target\":\"shop\",\"auth\":\"hmac\"}", DR_OK,
		    STORE_HOOK_HMAC },
		{ "{\"name\":\"ci\",\"action\":\"update\",\"scope\":\"stack\","
		    "\"target\":\"shop/web\"}", DR_EINVAL, 0 },
		{ "{\"name\":\"ci\",\"action\":\"update\",\"scope\":\"service\","
		    "\"target\":\"web\"}", DR_EINVAL, 0 },
		{ "{\"name\":\"ci\",\"action\":\"update\",\"scope\":\"all\","
		    "\"target\":\"shop\"}", DR_EINVAL, 0 },
		{ "{\"name\":\"ci\",\"action\":\"update\",\"scope\":\"service\"}",
		    DR_EINVAL, 0 },
		{ "{\"name\":\"ci\",\"action\":\"delete\"}", DR_EINVAL, 0 },
		{ "{\"name\":\"\",\"action\":\"check\"}", DR_EINVAL, 0 },
		{ "{\"action\":\"check\"}", DR_EINVAL, 0 },
		{ "{\"name\":\"ci\",\"action\":\"check\",\"auth\":\"basic\"}",
		    DR_EINVAL, 0 },
		{ "{\"name\":\"ci\",\"action\":\"check\",\"secret\":\"x\"}",
		    DR_EINVAL, 0 },
		{ "{\"name\":1,\"action\":\"check\"}", DR_EINVAL, 0 },
		{ "\"ci\"", DR_EINVAL, 0 },
	};
	struct store_hook_spec	 sp;
	struct dr_error		 e;
	json_t			*j;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		j = json_loads(cases[i].body, JSON_DECODE_ANY, NULL);
		CHECK(j != NULL);
		CHECK_INTEQ(trigger_hook_body_parse(j, &sp, &e), cases[i].want);
		if (cases[i].want == DR_OK) {
			CHECK_INTEQ(sp.auth, cases[i].auth);
			CHECK(sp.sealed == NULL && sp.token_hash == NULL);
		}
		json_decref(j);
	}
}

static void
test_repo(void)
{
	static const struct {
		const char	*ref, *want;
	} cases[] = {
		{ "nginx", "nginx" },
		{ "nginx:1.25", "nginx" },
		{ "127.0.0.1:5001/app:1.0", "127.0.0.1:5001/app" },
		{ "127.0.0.1:5001/app", "127.0.0.1:5001/app" },
		{ "ghcr.io/a/b@sha256:00", "ghcr.io/a/b" },
		{ "ghcr.io/a/b:1@sha256:00", "ghcr.io/a/b" },
		{ "host:5000/x", "host:5000/x" },
		{ "", "" },
	};
	size_t	i;
	char	*r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = trigger_image_repo(cases[i].ref);
		CHECK_STREQ(r, cases[i].want);
		free(r);
	}
}

int
main(void)
{
	test_settings();
	test_hook_body();
	test_repo();
	return check_summary("trigger");
}
