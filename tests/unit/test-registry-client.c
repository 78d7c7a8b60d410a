/*
 * test-registry-client: where requests go (registry_route): docker.io and
 * its mirrors, insecure registries by name and CIDR, loopback.
 */
#include "check.h"
#include "registry-client.h"

static const char * const insecure[] = {
	"myreg:5000", "10.0.0.0/8", "fd00::/8", "plainhost", NULL,
};
static const char * const mirrors[] = {
	"https://mirror.example.com:5000/", NULL,
};
static const char * const http_mirrors[] = {
	"http://10.1.1.1:5000", NULL,
};

static const struct {
	const char * const	*mirrors;
	const char		*domain;
	const char		*netloc, *fallback;
	int			 https, insecure;
} cases[] = {
	{ NULL, "docker.io", "registry-1.docker.io", "", 1, 0 },
	{ NULL, "ghcr.io", "ghcr.io", "", 1, 0 },
	{ NULL, "quay.io:443", "quay.io:443", "", 1, 0 },
	{ NULL, "127.0.0.1:5001", "127.0.0.1:5001", "", 0, 1 },
	{ NULL, "localhost:5000", "localhost:5000", "", 0, 1 },
	{ NULL, "[::1]:5000", "[::1]:5000", "", 0, 1 },
	{ NULL, "myreg:5000", "myreg:5000", "", 0, 1 },
	{ NULL, "myreg:5001", "myreg:5001", "", 1, 0 },	/* other port */
	{ NULL, "plainhost:8080", "plainhost:8080", "", 0, 1 },
	{ NULL, "10.2.3.4:5000", "10.2.3.4:5000", "", 0, 1 },
	{ NULL, "11.2.3.4:5000", "11.2.3.4:5000", "", 1, 0 },
	{ NULL, "[fd00::5]:5000", "[fd00::5]:5000", "", 0, 1 },
	{ mirrors, "docker.io", "mirror.example.com:5000",
	    "registry-1.docker.io", 1, 0 },
	{ mirrors, "ghcr.io", "ghcr.io", "", 1, 0 },	/* mirrors: hub only */
	{ http_mirrors, "docker.io", "10.1.1.1:5000", "registry-1.docker.io",
	    0, 1 },
};

int
main(void)
{
	struct registry_settings	set = { .insecure = insecure };
	struct registry_route		rt;
	size_t				i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set.mirrors = cases[i].mirrors;
		registry_route(&set, cases[i].domain, &rt);
		CHECK_STREQ(rt.netloc, cases[i].netloc);
		CHECK_STREQ(rt.fallback, cases[i].fallback);
		CHECK_INTEQ(rt.https, cases[i].https);
		CHECK_INTEQ(rt.insecure, cases[i].insecure);
	}
	return check_summary("registry-client");
}
