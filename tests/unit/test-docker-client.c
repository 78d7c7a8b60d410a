/*
 * test-docker-client: API version comparison and negotiation (we speak
 * min(ours, daemon's), never a fixed version).
 */
#include "check.h"
#include "docker-client.h"

static const struct {
	const char	*daemon, *min, *want;	/* want NULL: refused */
} cases[] = {
	{ "1.41", "1.12", "1.41" },		/* Docker 20.10 */
	{ "1.43", NULL, "1.43" },
	{ "1.47", "1.24", "1.47" },
	{ "1.52", "1.44", DOCKER_API_MAX },	/* Docker 29 */
	{ "1.99", "1.48", NULL },		/* refuses all we speak */
	{ "1.23", "1.12", NULL },		/* too old for us */
	{ "1.24", NULL, "1.24" },
	{ "2.0", "1.44", DOCKER_API_MAX },
};

int
main(void)
{
	struct dr_error	e;
	size_t		i;

	CHECK(docker_api_cmp("1.41", "1.44") < 0);
	CHECK(docker_api_cmp("1.44", "1.41") > 0);
	CHECK(docker_api_cmp("1.9", "1.10") < 0);
	CHECK(docker_api_cmp("1.40", "1.40") == 0);
	CHECK(docker_api_cmp("2.0", "1.99") > 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char	*got = docker_api_pick(cases[i].daemon,
		    cases[i].min, &e);

		CHECK_STREQ(got, cases[i].want);
		if (cases[i].want == NULL)
			CHECK_INTEQ(e.code, DR_EUNSUPPORTED);
	}
	return check_summary("docker-client");
}
