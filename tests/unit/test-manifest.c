/*
 * test-manifest: manifests, indexes and config blobs, from the fixtures in
 * tests/fixtures/registry/ (run from the top of the tree) and inline.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "manifest.h"

#define FIXTURES	"tests/fixtures/registry/"
#define D(hex)		"sha256:" hex

#define D_AMD64 \
	D("5861314d7fccb39c2192173240eab44fa35ca66426201ca2acd0630a6258dd51")
#define D_ARMV7 \
	D("5ba6c8710dd1369ce61603ab9b7a81b25f92d4a9f74956ab72a7ea75884f07ee")
#define D_ARM64 \
	D("f69162950f235e3cdbbad33f1f912d1a504be90d8a37d002c735d6f3e3882265")
#define D_PPC \
	D("c92bb5907722b7ac701cea3606df516f5fe98c9f8380063df2d17d7d5db0bd05")
#define D_WIN \
	D("340d600392818df2413382dc7d8325c360d83ea49a262d31760348484bbc10b5")
#define D_OCI_AMD64 \
	D("e6bdbc5864457af5b8c4ca7c8fbd1133d158b00d09207443b1440406f0428b5c")
#define D_OCI_ARM64 \
	D("bf88d5635369c5c076c48dc082766c0364faf31f54e646a9e3976abcb7cd11d2")
#define D_CFG_OCI \
	D("23f25f195315e1491be8cfbc1aabd13024ab94388f117e88805f5273bb50a42f")
#define D_CFG_DOCKER \
	D("75671a5d9b7973affa2f4b72457682940795daf7b761ca22364a7b05d364c036")
#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Reads a fixture into b; false (and a FAIL) when it cannot. */
static bool
read_fixture(const char *name, struct buf *b)
{
	char	 path[256], chunk[4096];
	FILE	*f;
	size_t	 n;

	buf_init(b, MANIFEST_MAX + 16);
	snprintf(path, sizeof(path), FIXTURES "%s", name);
	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "cannot open %s (run from the top of the "
		    "tree)\n", path);
		CHECK(!"fixture readable");
		return false;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(b, chunk, n);
	fclose(f);
	return !buf_failed(b);
}

static const struct {
	const char	*file;
	const char	*content_type;
	enum dr_err	 rc;
	bool		 is_index;
	const char	*media_type;
	size_t		 nchildren;
	const char	*config_digest;
} fixture_cases[] = {
	{ "docker-manifest-list.json", MEDIATYPE_DOCKER_LIST, DR_OK, true,
	  MEDIATYPE_DOCKER_LIST, 5, "" },
	{ "docker-manifest-list.json", "", DR_OK, true,
	  MEDIATYPE_DOCKER_LIST, 5, "" },
	{ "docker-manifest-list.json", "application/json; charset=utf-8",
	  DR_OK, true, MEDIATYPE_DOCKER_LIST, 5, "" },
	{ "oci-index-attestations.json", MEDIATYPE_OCI_INDEX, DR_OK, true,
	  MEDIATYPE_OCI_INDEX, 2, "" },
	{ "oci-index-attestations.json",
	  " APPLICATION/VND.OCI.IMAGE.INDEX.V1+JSON ; x=y", DR_OK, true,
	  MEDIATYPE_OCI_INDEX, 2, "" },
	{ "oci-manifest.json", MEDIATYPE_OCI_MANIFEST, DR_OK, false,
	  MEDIATYPE_OCI_MANIFEST, 0, D_CFG_OCI },
	{ "oci-manifest.json", "", DR_OK, false, MEDIATYPE_OCI_MANIFEST, 0,
	  D_CFG_OCI },
	{ "docker-manifest.json", MEDIATYPE_DOCKER_MANIFEST, DR_OK, false,
	  MEDIATYPE_DOCKER_MANIFEST, 0, D_CFG_DOCKER },
	{ "docker-manifest.json", "application/octet-stream", DR_OK, false,
	  MEDIATYPE_DOCKER_MANIFEST, 0, D_CFG_DOCKER },
	/* Content-Type and body disagree. */
	{ "docker-manifest.json", MEDIATYPE_OCI_MANIFEST, DR_EPROTO, false,
	  NULL, 0, NULL },
	{ "docker-manifest-list.json", MEDIATYPE_DOCKER_MANIFEST, DR_EPROTO,
	  false, NULL, 0, NULL },
	/* Schema 1, by body and by Content-Type. */
	{ "schema1.json", "", DR_EUNSUPPORTED, false, NULL, 0, NULL },
	{ "schema1.json",
	  "application/vnd.docker.distribution.manifest.v1+prettyjws",
	  DR_EUNSUPPORTED, false, NULL, 0, NULL },
	{ "docker-manifest.json",
	  "application/vnd.docker.distribution.manifest.v1+json",
	  DR_EUNSUPPORTED, false, NULL, 0, NULL },
	{ "oci-manifest.json", "application/vnd.oci.artifact.manifest.v1+json",
	  DR_EUNSUPPORTED, false, NULL, 0, NULL },
	/* A config blob is no manifest. */
	{ "config-arm64.json", "", DR_EPROTO, false, NULL, 0, NULL },
	/* Malformed. */
	{ "bad-digest-uppercase.json", "", DR_EPROTO, false, NULL, 0, NULL },
	{ "bad-config-digest-short.json", "", DR_EPROTO, false, NULL, 0, NULL },
	{ "bad-no-config.json", "", DR_EPROTO, false, NULL, 0, NULL },
	{ "bad-platform-no-arch.json", "", DR_EPROTO, false, NULL, 0, NULL },
	{ "bad-manifests-not-array.json", "", DR_EPROTO, false, NULL, 0, NULL },
	{ "bad-truncated.json", "", DR_EPROTO, false, NULL, 0, NULL },
	{ "bad-duplicate-key.json", "", DR_EPROTO, false, NULL, 0, NULL },
	{ "bad-schema3.json", "", DR_EUNSUPPORTED, false, NULL, 0, NULL },
};

static void
test_fixtures(void)
{
	struct manifest	m;
	struct dr_error	err;
	struct buf	b;
	enum dr_err	rc;
	size_t		i;

	for (i = 0; i < sizeof(fixture_cases) / sizeof(fixture_cases[0]);
	    i++) {
		if (!read_fixture(fixture_cases[i].file, &b)) {
			buf_done(&b);
			continue;
		}
		dr_error_clear(&err);
		rc = manifest_parse(buf_span(&b),
		    span_str(fixture_cases[i].content_type), &m, &err);
		if (rc != fixture_cases[i].rc)
			fprintf(stderr, "case %zu (%s): %s\n", i,
			    fixture_cases[i].file, err.msg);
		CHECK_INTEQ(rc, fixture_cases[i].rc);
		if (rc == DR_OK) {
			CHECK_INTEQ(m.is_index, fixture_cases[i].is_index);
			CHECK_STREQ(m.media_type, fixture_cases[i].media_type);
			CHECK_INTEQ(m.nchildren, fixture_cases[i].nchildren);
			CHECK_STREQ(m.config_digest,
			    fixture_cases[i].config_digest);
		} else {
			CHECK(err.msg[0] != '\0');
			CHECK(m.children == NULL && m.nchildren == 0);
			CHECK(!m.is_index && m.media_type[0] == '\0');
		}
		manifest_done(&m);
		buf_done(&b);
	}
}

static void
host(struct platform *p, const char *os, const char *arch,
    const char *variant)
{
	CHECK(platform_set(p, span_str(os), span_str(arch),
	    span_str(variant)));
}

static void
test_docker_list(void)
{
	const struct manifest_child	*c;
	struct manifest			 m;
	struct platform			 h;
	struct buf			 b;

	memset(&m, 0, sizeof(m));
	if (!read_fixture("docker-manifest-list.json", &b))
		goto out;
	CHECK_INTEQ(manifest_parse(buf_span(&b), SPAN_LIT(""), &m, NULL),
	    DR_OK);
	CHECK_INTEQ(m.nchildren, 5);
	if (m.nchildren != 5)
		goto out;
	CHECK_STREQ(m.children[0].digest, D_AMD64);
	CHECK(m.children[0].has_platform);
	CHECK_STREQ(m.children[0].platform.os, "linux");
	CHECK_STREQ(m.children[0].platform.arch, "amd64");
	CHECK_STREQ(m.children[0].platform.variant, "");
	CHECK_STREQ(m.children[1].digest, D_ARMV7);
	CHECK_STREQ(m.children[1].platform.arch, "arm");
	CHECK_STREQ(m.children[1].platform.variant, "v7");
	CHECK_STREQ(m.children[2].digest, D_ARM64);
	CHECK_STREQ(m.children[2].platform.variant, "v8");
	CHECK_STREQ(m.children[4].platform.os, "windows");

	host(&h, "linux", "amd64", "");
	c = manifest_find_platform(&m, &h);
	CHECK(c != NULL && strcmp(c->digest, D_AMD64) == 0);
	host(&h, "linux", "x86_64", "");
	c = manifest_find_platform(&m, &h);
	CHECK(c != NULL && strcmp(c->digest, D_AMD64) == 0);
	host(&h, "linux", "arm64", "");
	c = manifest_find_platform(&m, &h);
	CHECK(c != NULL && strcmp(c->digest, D_ARM64) == 0);
	host(&h, "linux", "arm", "v7");
	c = manifest_find_platform(&m, &h);
	CHECK(c != NULL && strcmp(c->digest, D_ARMV7) == 0);
	host(&h, "linux", "ppc64le", "");
	c = manifest_find_platform(&m, &h);
	CHECK(c != NULL && strcmp(c->digest, D_PPC) == 0);
	host(&h, "windows", "amd64", "");
	c = manifest_find_platform(&m, &h);
	CHECK(c != NULL && strcmp(c->digest, D_WIN) == 0);
	host(&h, "linux", "s390x", "");
	CHECK(manifest_find_platform(&m, &h) == NULL);
	host(&h, "linux", "arm", "v6");
	CHECK(manifest_find_platform(&m, &h) == NULL);
out:
	manifest_done(&m);
	buf_done(&b);
}

static void
test_oci_index(void)
{
	const struct manifest_child	*c;
	struct manifest			 m;
	struct platform			 h;
	struct buf			 b;
	size_t				 i;

	memset(&m, 0, sizeof(m));
	if (!read_fixture("oci-index-attestations.json", &b))
		goto out;
	CHECK_INTEQ(manifest_parse(buf_span(&b), SPAN_LIT(MEDIATYPE_OCI_INDEX),
	    &m, NULL), DR_OK);
	/* The two attestation entries are gone. */
	CHECK_INTEQ(m.nchildren, 2);
	for (i = 0; i < m.nchildren; i++) {
		CHECK(m.children[i].has_platform);
		CHECK(strcmp(m.children[i].platform.os, "unknown") != 0);
	}
	host(&h, "linux", "arm64", "v8");
	c = manifest_find_platform(&m, &h);
	CHECK(c != NULL && strcmp(c->digest, D_OCI_ARM64) == 0);
	host(&h, "linux", "amd64", "");
	c = manifest_find_platform(&m, &h);
	CHECK(c != NULL && strcmp(c->digest, D_OCI_AMD64) == 0);
	host(&h, "unknown", "unknown", "");
	CHECK(manifest_find_platform(&m, &h) == NULL);
out:
	manifest_done(&m);
	buf_done(&b);
}

static const struct {
	const char	*body;
	const char	*content_type;
	enum dr_err	 rc;
	size_t		 nchildren;
} inline_cases[] = {
	/* No mediaType, no Content-Type: the members decide. */
	{ "{\"schemaVersion\":2,\"manifests\":[]}", "", DR_OK, 0 },
	{ "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" HEX64
	  "\"}}", "", DR_OK, 0 },
	{ "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha512:" HEX64 HEX64
	  "\"}}", "", DR_OK, 0 },
	{ "{\"schemaVersion\":2,\"manifests\":[],\"config\":{}}", "",
	  DR_EPROTO, 0 },
	{ "{\"schemaVersion\":2}", "", DR_EUNSUPPORTED, 0 },
	{ "{\"schemaVersion\":2,\"mediaType\":\"x/y\",\"manifests\":[]}", "",
	  DR_EUNSUPPORTED, 0 },
	{ "{\"schemaVersion\":2,\"mediaType\":7,\"manifests\":[]}", "",
	  DR_EPROTO, 0 },
	{ "{\"mediaType\":\"" MEDIATYPE_OCI_INDEX "\",\"manifests\":[]}", "",
	  DR_EPROTO, 0 },
	{ "{\"schemaVersion\":\"2\",\"manifests\":[]}", "", DR_EPROTO, 0 },
	{ "{\"schemaVersion\":1}", MEDIATYPE_DOCKER_MANIFEST,
	  DR_EUNSUPPORTED, 0 },
	{ "[]", "", DR_EPROTO, 0 },
	{ "", "", DR_EPROTO, 0 },
	{ "{\"schemaVersion\":2,\"manifests\":[]}", "text/html",
	  DR_EUNSUPPORTED, 0 },
	/* Children without platform are kept, without one. */
	{ "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:" HEX64
	  "\"},{\"digest\":\"sha256:" HEX64 "\",\"platform\":null}]}", "",
	  DR_OK, 2 },
	/* Attestation by annotation alone. */
	{ "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:" HEX64
	  "\",\"annotations\":{\"vnd.docker.reference.type\":"
	  "\"attestation-manifest\"}}]}", "", DR_OK, 0 },
	/* unknown/unknown is skipped, unknown/amd64 is not. */
	{ "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:" HEX64
	  "\",\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}},"
	  "{\"digest\":\"sha256:" HEX64 "\",\"platform\":{\"os\":\"unknown\","
	  "\"architecture\":\"amd64\"}}]}", "", DR_OK, 1 },
	/* Malformed children. */
	{ "{\"schemaVersion\":2,\"manifests\":[1]}", "", DR_EPROTO, 0 },
	{ "{\"schemaVersion\":2,\"manifests\":[{}]}", "", DR_EPROTO, 0 },
	{ "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:abc\"}]}",
	  "", DR_EPROTO, 0 },
	{ "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"md5:" HEX64
	  "\"}]}", "", DR_EPROTO, 0 },
	{ "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:" HEX64
	  "0\"}]}", "", DR_EPROTO, 0 },
	{ "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:" HEX64
	  "\",\"platform\":\"linux/amd64\"}]}", "", DR_EPROTO, 0 },
	{ "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:" HEX64
	  "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"\"}}]}", "",
	  DR_EPROTO, 0 },
	{ "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:" HEX64
	  "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\","
	  "\"variant\":1}}]}", "", DR_EPROTO, 0 },
	{ "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:" HEX64
	  "\",\"platform\":{\"os\":\"li\\u0000nux\",\"architecture\":"
	  "\"amd64\"}}]}", "", DR_EPROTO, 0 },
	{ "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:" HEX64
	  "\",\"platform\":{\"os\":\"linux\",\"architecture\":"
	  "\"a-very-long-architecture-name-indeed-xx\"}}]}", "", DR_EPROTO,
	  0 },
	{ "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" HEX64
	  "\"},\"layers\":{}}", "", DR_EPROTO, 0 },
	{ "{\"schemaVersion\":2,\"config\":\"sha256:" HEX64 "\"}", "",
	  DR_EPROTO, 0 },
};

static void
test_inline(void)
{
	struct manifest	m;
	struct dr_error	err;
	enum dr_err	rc;
	size_t		i;

	for (i = 0; i < sizeof(inline_cases) / sizeof(inline_cases[0]);
	    i++) {
		const char	*body = inline_cases[i].body;
		size_t		 len = strlen(body);

		dr_error_clear(&err);
		rc = manifest_parse(span_make(body, len),
		    span_str(inline_cases[i].content_type), &m, &err);
		if (rc != inline_cases[i].rc)
			fprintf(stderr, "inline %zu: %s\n", i, err.msg);
		CHECK_INTEQ(rc, inline_cases[i].rc);
		CHECK_INTEQ(m.nchildren, inline_cases[i].nchildren);
		manifest_done(&m);
	}
	manifest_done(NULL);
}

static void
test_limits(void)
{
	struct manifest	 m;
	struct buf	 b;
	size_t		 i;
	char		*big;

	/* MANIFEST_CHILDREN_MAX entries pass, one more does not. */
	for (i = MANIFEST_CHILDREN_MAX; i <= MANIFEST_CHILDREN_MAX + 1; i++) {
		size_t	j;

		buf_init(&b, MANIFEST_MAX);
		buf_adds(&b, "{\"schemaVersion\":2,\"manifests\":[");
		for (j = 0; j < i; j++)
			buf_printf(&b, "%s{\"digest\":\"sha256:" HEX64 "\","
			    "\"platform\":{\"os\":\"linux\",\"architecture\":"
			    "\"amd64\"}}", j ? "," : "");
		buf_adds(&b, "]}");
		CHECK_INTEQ(manifest_parse(buf_span(&b), SPAN_LIT(""), &m,
		    NULL), i == MANIFEST_CHILDREN_MAX ? DR_OK : DR_ETOOBIG);
		if (i == MANIFEST_CHILDREN_MAX)
			CHECK_INTEQ(m.nchildren, MANIFEST_CHILDREN_MAX);
		manifest_done(&m);
		buf_done(&b);
	}

	/* Over MANIFEST_MAX fails before parsing. */
	big = malloc(MANIFEST_MAX + 1);
	memset(big, ' ', MANIFEST_MAX + 1);
	CHECK_INTEQ(manifest_parse(span_make(big, MANIFEST_MAX + 1),
	    SPAN_LIT(""), &m, NULL), DR_ETOOBIG);
	free(big);
}

static const struct {
	const char	*body;
	enum dr_err	 rc;
	const char	*os, *arch, *variant;
} config_cases[] = {
	{ "{\"os\":\"linux\",\"architecture\":\"amd64\"}", DR_OK, "linux",
	  "amd64", "" },
	{ "{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}",
	  DR_OK, "linux", "arm", "v6" },
	{ "{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":null}",
	  DR_OK, "linux", "arm64", "" },
	{ "{\"os\":\"linux\"}", DR_EPROTO, NULL, NULL, NULL },
	{ "{\"os\":\"unknown\",\"architecture\":\"unknown\"}", DR_EPROTO,
	  NULL, NULL, NULL },
	{ "{\"os\":1,\"architecture\":\"amd64\"}", DR_EPROTO, NULL, NULL,
	  NULL },
	{ "[\"linux\"]", DR_EPROTO, NULL, NULL, NULL },
	{ "{\"os\":\"linux\",", DR_EPROTO, NULL, NULL, NULL },
	{ "{\"os\":\"linux\",\"os\":\"windows\",\"architecture\":\"amd64\"}",
	  DR_EPROTO, NULL, NULL, NULL },
};

static void
test_config(void)
{
	struct platform	p;
	struct buf	b;
	size_t		i;

	for (i = 0; i < sizeof(config_cases) / sizeof(config_cases[0]);
	    i++) {
		CHECK_INTEQ(manifest_config_platform(
		    span_str(config_cases[i].body), &p, NULL),
		    config_cases[i].rc);
		if (config_cases[i].rc == DR_OK) {
			CHECK_STREQ(p.os, config_cases[i].os);
			CHECK_STREQ(p.arch, config_cases[i].arch);
			CHECK_STREQ(p.variant, config_cases[i].variant);
		} else
			CHECK(p.os[0] == '\0' && p.arch[0] == '\0');
	}

	if (read_fixture("config-arm64.json", &b)) {
		CHECK_INTEQ(manifest_config_platform(buf_span(&b), &p, NULL),
		    DR_OK);
		CHECK_STREQ(p.os, "linux");
		CHECK_STREQ(p.arch, "arm64");
		CHECK_STREQ(p.variant, "v8");
	}
	buf_done(&b);
	if (read_fixture("config-x86_64.json", &b)) {
		CHECK_INTEQ(manifest_config_platform(buf_span(&b), &p, NULL),
		    DR_OK);
		CHECK_STREQ(p.os, "linux");
		CHECK_STREQ(p.arch, "amd64");
	}
	buf_done(&b);
}

int
main(void)
{
	test_fixtures();
	test_docker_list();
	test_oci_index();
	test_inline();
	test_limits();
	test_config();
	return check_summary("manifest");
}
