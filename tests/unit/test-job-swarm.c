/*
 * test-job-swarm: the pure half of the Swarm swap, on a service and its
 * tasks recorded from Docker 20.10 (API 1.41) after a Swarm rollback
 * (tests/fixtures/engine/swarm-*.json): UpdateStatus states, the spec
 * image rewrite that changes nothing else, pinning, name validation, and
 * when the tasks have converged on an image.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "job-swarm.h"

#define FX	"tests/fixtures/engine/"
#define OLD	"127.0.0.1:5001/it95dev/app:1.1@sha256:6b93abec148cfc6adc794a" \
		"e6b87351c1b5b23637531b837048a9475b6cdb4a1f"
#define NEW	"127.0.0.1:5001/it95dev/app:1.2@sha256:11787a9a02dc1b34d2d1e9" \
		"02827313291afb7044e69bf2a0471f133465b72ba2"
#define D1	"sha256:1111111111111111111111111111111111111111111111111111" \
		"111111111111"

static json_t	*empty_a, *empty_o;

static json_t *
load(const char *name)
{
	json_error_t	 e;
	json_t		*j;
	char		 path[256];

	snprintf(path, sizeof(path), FX "%s", name);
	if ((j = json_load_file(path, 0, &e)) == NULL) {
		fprintf(stderr, "cannot load %s: %s\n", path, e.text);
		exit(1);
	}
	return j;
}

static void
test_states(const json_t *svc)
{
	static const struct {
		const char		*json;	/* UpdateStatus, or NULL */
		enum job_swarm_state	 want;
	} cases[] = {
		{ NULL, JOB_SWARM_NONE },
		{ "null", JOB_SWARM_NONE },
		{ "{}", JOB_SWARM_NONE },
		{ "{\"State\": \"\"}", JOB_SWARM_NONE },
		{ "{\"State\": \"updating\"}", JOB_SWARM_UPDATING },
		{ "{\"State\": \"paused\"}", JOB_SWARM_PAUSED },
		{ "{\"State\": \"completed\"}", JOB_SWARM_COMPLETED },
		{ "{\"State\": \"rollback_started\"}",
		    JOB_SWARM_ROLLBACK_STARTED },
		{ "{\"State\": \"rollback_paused\"}",
		    JOB_SWARM_ROLLBACK_PAUSED },
		{ "{\"State\": \"rollback_completed\"}",
		    JOB_SWARM_ROLLBACK_COMPLETED },
		{ "{\"State\": \"COMPLETED\"}", JOB_SWARM_UNKNOWN },
		{ "{\"State\": \"something_new\"}", JOB_SWARM_UNKNOWN },
		{ "{\"State\": 3}", JOB_SWARM_NONE },
	};
	size_t	i;

	CHECK_INTEQ(job_swarm_update_state(svc), JOB_SWARM_ROLLBACK_COMPLETED);
	CHECK_STREQ(job_swarm_update_message(svc), "rollback completed");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t	*s = json_deep_copy(svc);

		if (cases[i].json == NULL)
			json_object_del(s, "UpdateStatus");
		else
			json_object_set_new(s, "UpdateStatus", json_loads(
			    cases[i].json, JSON_DECODE_ANY, NULL));
		CHECK_INTEQ(job_swarm_update_state(s), cases[i].want);
		json_decref(s);
	}
	CHECK_STREQ(job_swarm_state_name(JOB_SWARM_ROLLBACK_PAUSED),
	    "rollback_paused");
	CHECK_STREQ(job_swarm_state_name(JOB_SWARM_NONE), "none");
	CHECK_STREQ(job_swarm_state_name(JOB_SWARM_UNKNOWN), "unknown");
	CHECK_STREQ(job_swarm_update_message(empty_o), "");
}

static void
test_fields(const json_t *svc)
{
	json_t	*s;

	CHECK_STREQ(job_swarm_spec_image(svc), OLD);
	CHECK_INTEQ(job_swarm_version(svc), 195);
	CHECK_INTEQ(job_swarm_replicas(svc), 1);
	CHECK_INTEQ(job_swarm_monitor_ms(svc), 3000);
	s = json_deep_copy(svc);
	json_object_del(json_object_get(s, "Spec"), "UpdateConfig");
	json_object_set_new(json_object_get(s, "Spec"), "Mode",
	    json_pack("{s:{}}", "Global"));
	json_object_del(s, "Version");
	CHECK_INTEQ(job_swarm_monitor_ms(s), 5000);
	CHECK_INTEQ(job_swarm_replicas(s), -1);
	CHECK_INTEQ(job_swarm_version(s), -1);
	json_decref(s);
}

static void
test_rewrite(const json_t *svc)
{
	struct dr_error	 e;
	json_t		*spec, *want, *s;

	spec = job_swarm_spec_with_image(svc, NEW, &e);
	CHECK(spec != NULL);
	/* Exactly one value differs from the spec as read. */
	want = json_deep_copy(json_object_get(svc, "Spec"));
	json_object_set_new(json_object_get(json_object_get(want,
	    "TaskTemplate"), "ContainerSpec"), "Image", json_string(NEW));
	CHECK(json_equal(spec, want));
	CHECK(!json_equal(spec, json_object_get(svc, "Spec")));
	/* The input is not touched. */
	CHECK_STREQ(job_swarm_spec_image(svc), OLD);
	CHECK(json_object_get(json_object_get(svc, "Spec"), "Labels") !=
	    NULL);
	CHECK_STREQ(json_string_value(json_object_get(spec, "Name")),
	    "it95dev_web");
	json_decref(spec);
	json_decref(want);

	/* A plugin service has no ContainerSpec. */
	s = json_deep_copy(svc);
	json_object_del(json_object_get(json_object_get(s, "Spec"),
	    "TaskTemplate"), "ContainerSpec");
	CHECK(job_swarm_spec_with_image(s, NEW, &e) == NULL);
	CHECK_INTEQ(e.code, DR_EUNSUPPORTED);
	CHECK(job_swarm_spec_image(s) == NULL);
	json_decref(s);
	CHECK(job_swarm_spec_with_image(empty_o, NEW, &e) == NULL);
}

static void
test_pin(void)
{
	static const struct {
		const char	*image, *digest, *want;	/* want NULL: error */
	} cases[] = {
		{ "127.0.0.1:5001/a/b:1.2", D1, "127.0.0.1:5001/a/b:1.2@" D1 },
		{ "127.0.0.1:5001/a/b:1.2@" D1, D1,
		    "127.0.0.1:5001/a/b:1.2@" D1 },
		{ "nginx:1.25", D1, "docker.io/library/nginx:1.25@" D1 },
		{ "ghcr.io/o/a:latest", D1, "ghcr.io/o/a:latest@" D1 },
		{ "nginx", D1, NULL },			/* no tag */
		{ "nginx@" D1, D1, NULL },
		{ "nginx:1", "sha256:abc", NULL },	/* not a digest */
		{ "nginx:1", NULL, NULL },
		{ "Bad Name:1", D1, NULL },
		{ "a:1;id", D1, NULL },
	};
	struct dr_error	e;
	struct buf	b;
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum dr_err	err;

		buf_init(&b, 4096);
		err = job_swarm_pin(cases[i].image, cases[i].digest, &b, &e);
		if (cases[i].want == NULL)
			CHECK(err != DR_OK);
		else {
			CHECK_INTEQ(err, DR_OK);
			CHECK_STREQ(buf_str(&b), cases[i].want);
		}
		buf_done(&b);
	}
	CHECK_STREQ(job_swarm_digest_of("a/b:1@" D1), D1);
	CHECK(job_swarm_digest_of("a/b:1") == NULL);
	CHECK(job_swarm_digest_of("a/b:1@sha256:zz") == NULL);
	CHECK(job_swarm_digest_of(NULL) == NULL);
}

static void
test_names(void)
{
	static const struct {
		const char	*s;
		bool		 name, id;
	} cases[] = {
		{ "web", true, true },
		{ "it95-123_web", true, false },
		{ "Stack_Web.v2", true, false },
		{ "td46po4k4ieaq5553yjv7g2qi", true, true },
		{ "", false, false },
		{ "_web", false, false },
		{ "-web", false, false },
		{ "a;id", false, false },
		{ "a b", false, false },
		{ "a/b", false, false },
		{ "../x", false, false },
		{ "$(id)", false, false },
		{ "a\nb", false, false },
		{ "x?y=1", false, false },
		{ "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
		    "abc", true, true },
		{ "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
		    "abcd", false, true },
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INTEQ(job_swarm_valid_name(cases[i].s), cases[i].name);
		CHECK_INTEQ(job_swarm_valid_id(cases[i].s), cases[i].id);
	}
	CHECK(!job_swarm_valid_name(NULL));
	CHECK(!job_swarm_valid_id(NULL));
}

static void
test_converged(const json_t *all)
{
	json_t	*running = json_array(), *ids, *t, *x;
	size_t	 i;

	/* The recording holds every task; the API filter keeps those Swarm
	 * wants running.  Both must give the same verdict. */
	json_array_foreach(all, i, t)
		if (strcmp(json_string_value(json_object_get(t,
		    "DesiredState")), "running") == 0)
			json_array_append(running, t);
	CHECK_INTEQ(json_array_size(running), 1);
	ids = json_array();
	CHECK(job_swarm_converged(all, OLD, 1, ids));
	CHECK_INTEQ(json_array_size(ids), 1);
	CHECK_STREQ(json_string_value(json_array_get(ids, 0)),
	    json_string_value(json_object_get(json_object_get(json_object_get(
	    json_array_get(running, 0), "Status"), "ContainerStatus"),
	    "ContainerID")));
	json_decref(ids);
	CHECK(job_swarm_converged(running, OLD, 1, NULL));
	CHECK(!job_swarm_converged(running, NEW, 1, NULL));
	CHECK(!job_swarm_converged(running, OLD, 2, NULL));
	/* No task: converged only when none is wanted. */
	CHECK(job_swarm_converged(empty_a, OLD, 0, NULL));
	CHECK(!job_swarm_converged(empty_a, OLD, 1, NULL));
	CHECK(!job_swarm_converged(empty_o, OLD, 0, NULL));

	/* A second wanted task still starting, or on the old image, or
	 * without a container yet: not converged. */
	x = json_deep_copy(json_array_get(running, 0));
	json_object_set_new(json_object_get(x, "Status"), "State",
	    json_string("starting"));
	json_array_append_new(running, x);
	CHECK(!job_swarm_converged(running, OLD, 1, NULL));
	json_object_set_new(json_object_get(x, "Status"), "State",
	    json_string("running"));
	CHECK(job_swarm_converged(running, OLD, 2, NULL));
	json_object_set_new(json_object_get(json_object_get(x, "Spec"),
	    "ContainerSpec"), "Image", json_string(NEW));
	CHECK(!job_swarm_converged(running, OLD, 1, NULL));
	CHECK(!job_swarm_converged(running, NEW, 1, NULL));
	json_object_set_new(json_object_get(json_object_get(x, "Spec"),
	    "ContainerSpec"), "Image", json_string(OLD));
	json_object_del(json_object_get(json_object_get(x, "Status"),
	    "ContainerStatus"), "ContainerID");
	CHECK(!job_swarm_converged(running, OLD, 1, NULL));
	json_decref(running);
}

int
main(void)
{
	json_t	*svc = load("swarm-service.json");
	json_t	*tasks = load("swarm-tasks.json");

	empty_a = json_array();
	empty_o = json_object();

	test_states(svc);
	test_fields(svc);
	test_rewrite(svc);
	test_pin();
	test_names();
	test_converged(tasks);
	json_decref(svc);
	json_decref(tasks);
	json_decref(empty_a);
	json_decref(empty_o);
	return check_summary("job-swarm");
}
