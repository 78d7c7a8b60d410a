/*
 * fuzz-manifest: manifest_parse() and manifest_config_platform() on
 * arbitrary bytes; the first byte picks the Content-Type.  Invariants: a
 * failure leaves ret empty; a success holds one of the four media types,
 * only valid digests, at most MANIFEST_CHILDREN_MAX children, no
 * unknown/unknown platform, and manifest_find_platform() returns one of
 * its own children that matches.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

#define FUZZ_ASSERT(x)	do { if (!(x)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const content_types[] = {
	"",
	MEDIATYPE_DOCKER_MANIFEST,
	MEDIATYPE_DOCKER_LIST,
	MEDIATYPE_OCI_MANIFEST,
	MEDIATYPE_OCI_INDEX,
	"application/json",
	"application/vnd.docker.distribution.manifest.v1+prettyjws",
	"text/html",
};

static const char *const hosts[][3] = {
	{ "linux", "amd64", "" },
	{ "linux", "arm64", "" },
	{ "linux", "arm", "v7" },
	{ "windows", "amd64", "" },
};

static void
check_digest(const char *d)
{
	size_t	i, n = strlen(d), hex;

	FUZZ_ASSERT(strncmp(d, "sha256:", 7) == 0 ||
	    strncmp(d, "sha512:", 7) == 0);
	hex = d[3] == '2' ? 64 : 128;
	FUZZ_ASSERT(n == 7 + hex);
	for (i = 7; i < n; i++)
		FUZZ_ASSERT((d[i] >= '0' && d[i] <= '9') ||
		    (d[i] >= 'a' && d[i] <= 'f'));
}

static void
check_platform(const struct platform *p)
{
	FUZZ_ASSERT(p->os[0] != '\0' && p->arch[0] != '\0');
	FUZZ_ASSERT(!(strcmp(p->os, "unknown") == 0 &&
	    strcmp(p->arch, "unknown") == 0));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct manifest_child	*c;
	struct manifest			 m;
	struct platform			 host, p;
	struct span			 body, ct;
	size_t				 i;

	if (size == 0)
		return 0;
	ct = span_str(content_types[data[0] %
	    (sizeof(content_types) / sizeof(content_types[0]))]);
	body = span_make(data + 1, size - 1);

	if (manifest_parse(body, ct, &m, NULL) != DR_OK) {
		FUZZ_ASSERT(m.children == NULL && m.nchildren == 0 &&
		    !m.is_index && m.media_type[0] == '\0' &&
		    m.config_digest[0] == '\0');
	} else {
		FUZZ_ASSERT(strcmp(m.media_type, MEDIATYPE_DOCKER_MANIFEST) ==
		    0 || strcmp(m.media_type, MEDIATYPE_DOCKER_LIST) == 0 ||
		    strcmp(m.media_type, MEDIATYPE_OCI_MANIFEST) == 0 ||
		    strcmp(m.media_type, MEDIATYPE_OCI_INDEX) == 0);
		FUZZ_ASSERT(m.is_index ==
		    (strcmp(m.media_type, MEDIATYPE_DOCKER_LIST) == 0 ||
		    strcmp(m.media_type, MEDIATYPE_OCI_INDEX) == 0));
		if (m.is_index) {
			FUZZ_ASSERT(m.config_digest[0] == '\0');
			FUZZ_ASSERT(m.nchildren <= MANIFEST_CHILDREN_MAX);
			for (i = 0; i < m.nchildren; i++) {
				check_digest(m.children[i].digest);
				if (m.children[i].has_platform)
					check_platform(
					    &m.children[i].platform);
			}
		} else {
			FUZZ_ASSERT(m.nchildren == 0);
			check_digest(m.config_digest);
		}
		for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
			FUZZ_ASSERT(platform_set(&host, span_str(hosts[i][0]),
			    span_str(hosts[i][1]), span_str(hosts[i][2])));
			c = manifest_find_platform(&m, &host);
			if (c == NULL)
				continue;
			FUZZ_ASSERT(m.is_index && c >= m.children &&
			    c < m.children + m.nchildren);
			FUZZ_ASSERT(c->has_platform &&
			    platform_match(&host, &c->platform));
		}
	}
	manifest_done(&m);

	if (manifest_config_platform(body, &p, NULL) == DR_OK)
		check_platform(&p);
	else
		FUZZ_ASSERT(p.os[0] == '\0' && p.arch[0] == '\0');
	return 0;
}
