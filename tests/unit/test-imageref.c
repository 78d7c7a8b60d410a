/*
 * test-imageref: the reference grammar and Docker's normalisation, one
 * table row per input, including hostile and edge-of-limit input.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "imageref.h"

#define D63	"dbcc1c35ac38df41fd2f5e4130b32ff" \
		"db93ebae8b3dbe638c23575912276fc9"
#define D64	D63 "c"
#define D64UP	"DBCC1C35AC38DF41FD2F5E4130B32FF" \
		"DB93EBAE8B3DBE638C23575912276FC9C"
#define D96	D64 "0123456789abcdef0123456789abcdef"
#define D128	D64 D64
#define DG	"sha256:" D64

/* A valid reference and everything it must parse to. */
static const struct {
	const char	*in;
	const char	*domain;
	const char	*path;
	const char	*tag;
	const char	*digest;
	const char	*full;
	const char	*familiar;
	const char	*host;
} valid[] = {
	{ "nginx", "docker.io", "library/nginx", NULL, NULL,
	  "docker.io/library/nginx", "nginx", "registry-1.docker.io" },
	{ "nginx:1.25", "docker.io", "library/nginx", "1.25", NULL,
	  "docker.io/library/nginx:1.25", "nginx:1.25",
	  "registry-1.docker.io" },
	{ "nginx:1.25-alpine", "docker.io", "library/nginx", "1.25-alpine",
	  NULL, "docker.io/library/nginx:1.25-alpine", "nginx:1.25-alpine",
	  "registry-1.docker.io" },
	{ "library/nginx", "docker.io", "library/nginx", NULL, NULL,
	  "docker.io/library/nginx", "nginx", "registry-1.docker.io" },
	{ "docker.io/nginx", "docker.io", "library/nginx", NULL, NULL,
	  "docker.io/library/nginx", "nginx", "registry-1.docker.io" },
	{ "docker.io/library/nginx:latest", "docker.io", "library/nginx",
	  "latest", NULL, "docker.io/library/nginx:latest", "nginx:latest",
	  "registry-1.docker.io" },
	{ "index.docker.io/library/nginx", "docker.io", "library/nginx",
	  NULL, NULL, "docker.io/library/nginx", "nginx",
	  "registry-1.docker.io" },
	{ "index.docker.io/nginx", "docker.io", "library/nginx", NULL, NULL,
	  "docker.io/library/nginx", "nginx", "registry-1.docker.io" },
	{ "index.docker.io/owner/app:2", "docker.io", "owner/app", "2", NULL,
	  "docker.io/owner/app:2", "owner/app:2", "registry-1.docker.io" },
	{ "owner/app:v1", "docker.io", "owner/app", "v1", NULL,
	  "docker.io/owner/app:v1", "owner/app:v1", "registry-1.docker.io" },
	{ "linuxserver/sonarr:4.0.2.1183-ls229", "docker.io",
	  "linuxserver/sonarr", "4.0.2.1183-ls229", NULL,
	  "docker.io/linuxserver/sonarr:4.0.2.1183-ls229",
	  "linuxserver/sonarr:4.0.2.1183-ls229", "registry-1.docker.io" },
	{ "ghcr.io/owner/app:1", "ghcr.io", "owner/app", "1", NULL,
	  "ghcr.io/owner/app:1", "ghcr.io/owner/app:1", "ghcr.io" },
	{ "ghcr.io/app", "ghcr.io", "app", NULL, NULL, "ghcr.io/app",
	  "ghcr.io/app", "ghcr.io" },
	{ "quay.io/prometheus/node-exporter:v1.8.1", "quay.io",
	  "prometheus/node-exporter", "v1.8.1", NULL,
	  "quay.io/prometheus/node-exporter:v1.8.1",
	  "quay.io/prometheus/node-exporter:v1.8.1", "quay.io" },
	{ "localhost/app", "localhost", "app", NULL, NULL, "localhost/app",
	  "localhost/app", "localhost" },
	{ "localhost:5000/app:dev", "localhost:5000", "app", "dev", NULL,
	  "localhost:5000/app:dev", "localhost:5000/app:dev",
	  "localhost:5000" },
	{ "127.0.0.1:5000/a/b/c:tag", "127.0.0.1:5000", "a/b/c", "tag", NULL,
	  "127.0.0.1:5000/a/b/c:tag", "127.0.0.1:5000/a/b/c:tag",
	  "127.0.0.1:5000" },
	{ "192.168.0.1:8/debian", "192.168.0.1:8", "debian", NULL, NULL,
	  "192.168.0.1:8/debian", "192.168.0.1:8/debian", "192.168.0.1:8" },
	{ "[::1]:5000/app", "[::1]:5000", "app", NULL, NULL,
	  "[::1]:5000/app", "[::1]:5000/app", "[::1]:5000" },
	{ "[fc00::1]/app", "[fc00::1]", "app", NULL, NULL, "[fc00::1]/app",
	  "[fc00::1]/app", "[fc00::1]" },
	{ "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
	  "[fc00:1:2:3:4:5:6:7]:5000", "library/debian", NULL, NULL,
	  "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
	  "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
	  "[fc00:1:2:3:4:5:6:7]:5000" },
	{ "test-com:8080/foo", "test-com:8080", "foo", NULL, NULL,
	  "test-com:8080/foo", "test-com:8080/foo", "test-com:8080" },
	{ "xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo", NULL, NULL,
	  "xn--n3h.com:18080/foo", "xn--n3h.com:18080/foo",
	  "xn--n3h.com:18080" },
	{ "Registry.Example.COM/app", "Registry.Example.COM", "app", NULL,
	  NULL, "Registry.Example.COM/app", "Registry.Example.COM/app",
	  "Registry.Example.COM" },
	{ "registry.example.com:443/team/app@" DG,
	  "registry.example.com:443", "team/app", NULL, DG,
	  "registry.example.com:443/team/app@" DG,
	  "registry.example.com:443/team/app@" DG,
	  "registry.example.com:443" },
	{ "nginx:1.25@" DG, "docker.io", "library/nginx", "1.25", DG,
	  "docker.io/library/nginx:1.25@" DG, "nginx:1.25@" DG,
	  "registry-1.docker.io" },
	{ "nginx@" DG, "docker.io", "library/nginx", NULL, DG,
	  "docker.io/library/nginx@" DG, "nginx@" DG,
	  "registry-1.docker.io" },
	{ "nginx@sha384:" D96, "docker.io", "library/nginx", NULL,
	  "sha384:" D96, "docker.io/library/nginx@sha384:" D96,
	  "nginx@sha384:" D96, "registry-1.docker.io" },
	{ "nginx@sha512:" D128, "docker.io", "library/nginx", NULL,
	  "sha512:" D128, "docker.io/library/nginx@sha512:" D128,
	  "nginx@sha512:" D128, "registry-1.docker.io" },
	/* No slash: a familiar name, even "localhost" (as upstream). */
	{ "localhost:5000", "docker.io", "library/localhost", "5000", NULL,
	  "docker.io/library/localhost:5000", "localhost:5000",
	  "registry-1.docker.io" },
	{ "localhost", "docker.io", "library/localhost", NULL, NULL,
	  "docker.io/library/localhost", "localhost",
	  "registry-1.docker.io" },
	{ "a", "docker.io", "library/a", NULL, NULL, "docker.io/library/a",
	  "a", "registry-1.docker.io" },
	{ "a-b--c/d__e/f.g_h", "docker.io", "a-b--c/d__e/f.g_h", NULL, NULL,
	  "docker.io/a-b--c/d__e/f.g_h", "a-b--c/d__e/f.g_h",
	  "registry-1.docker.io" },
	{ "test_com/foo", "docker.io", "test_com/foo", NULL, NULL,
	  "docker.io/test_com/foo", "test_com/foo", "registry-1.docker.io" },
	{ "docker---rules/docker", "docker.io", "docker---rules/docker",
	  NULL, NULL, "docker.io/docker---rules/docker",
	  "docker---rules/docker", "registry-1.docker.io" },
	{ "ubuntu-12.04-base", "docker.io", "library/ubuntu-12.04-base",
	  NULL, NULL, "docker.io/library/ubuntu-12.04-base",
	  "ubuntu-12.04-base", "registry-1.docker.io" },
	{ "docker.io/library/foo/bar", "docker.io", "library/foo/bar", NULL,
	  NULL, "docker.io/library/foo/bar", "library/foo/bar",
	  "registry-1.docker.io" },
	{ "other/library", "docker.io", "other/library", NULL, NULL,
	  "docker.io/other/library", "other/library",
	  "registry-1.docker.io" },
	/* A 64-hex name is fine with a domain or tag, not bare. */
	{ "docker.io/" D64, "docker.io", "library/" D64, NULL, NULL,
	  "docker.io/library/" D64, "library/" D64, "registry-1.docker.io" },
	{ D64 ":tag", "docker.io", "library/" D64, "tag", NULL,
	  "docker.io/library/" D64 ":tag", "library/" D64 ":tag",
	  "registry-1.docker.io" },
	{ D63, "docker.io", "library/" D63, NULL, NULL,
	  "docker.io/library/" D63, D63, "registry-1.docker.io" },
	/* Familiar form keeps docker.io/ where dropping it would change
	 * the meaning. */
	{ "docker.io/foo.com/bar", "docker.io", "foo.com/bar", NULL, NULL,
	  "docker.io/foo.com/bar", "docker.io/foo.com/bar",
	  "registry-1.docker.io" },
	{ "docker.io/localhost/bar", "docker.io", "localhost/bar", NULL,
	  NULL, "docker.io/localhost/bar", "docker.io/localhost/bar",
	  "registry-1.docker.io" },
	{ "foo:Tag_With.UPPER-1", "docker.io", "library/foo",
	  "Tag_With.UPPER-1", NULL, "docker.io/library/foo:Tag_With.UPPER-1",
	  "foo:Tag_With.UPPER-1", "registry-1.docker.io" },
	{ "foo:_tag", "docker.io", "library/foo", "_tag", NULL,
	  "docker.io/library/foo:_tag", "foo:_tag", "registry-1.docker.io" },
	{ "my.registry:5000/a/b:1.0.0-rc.1", "my.registry:5000", "a/b",
	  "1.0.0-rc.1", NULL, "my.registry:5000/a/b:1.0.0-rc.1",
	  "my.registry:5000/a/b:1.0.0-rc.1", "my.registry:5000" },
	{ "localhost:99999999999/x", "localhost:99999999999", "x", NULL, NULL,
	  "localhost:99999999999/x", "localhost:99999999999/x",
	  "localhost:99999999999" },
};

/* Invalid references (all must fail with DR_EINVAL). */
static const char *const invalid[] = {
	"",
	"Nginx",
	"nginx:1.25/x",
	"docker/Docker",
	"docker.io/docker/Docker",
	"Foo/bar",			/* upstream: host "Foo"; we refuse */
	"DOCKER/docker",
	"a_b.com/foo",			/* upstream: empty domain; we refuse */
	"-docker",
	"-docker/docker",
	"docker-/docker",
	"-docker-/docker",
	"-docker.io/docker/docker",
	"docker///docker",
	"docker.io/docker///docker",
	"docker//docker",
	"____/____",
	"_docker/_docker",
	"dock..er/docker",
	"dock_.er/docker",
	"dock-.er/docker",
	"dock___er/docker",
	"docker./x/y",
	"docker/",
	"/docker",
	"docker.io/",
	"https://github.com/docker/docker",
	"[fc00::1]",
	"[fc00::1]:5000",
	"[]/foo",
	"[fc00::1/foo",
	"[fc00::1]x/foo",
	"[fc00::1]:/foo",
	"fc00::1:5000/debian",
	"[fe80::1%eth0]:5000/debian",
	"[2001:db8:3:4::192.0.2.33]:5000/debian",
	D64,
	"foo:",
	"foo@",
	":tag",
	"@" DG,
	"/:tag",
	"foo:-tag",
	"foo:.tag",
	"foo:a:b",
	"foo:tag:",
	"foo@sha256:abc",
	"foo@sha256:" D64UP,
	"foo@sha256:" D64 "0",
	"foo@sha256:" D64 "@x",
	"foo@md5:0123456789abcdef0123456789abcdef",
	"foo@SHA256:" D64,
	"foo@sha256" D64,
	"foo@sha512:" D64,
	"foo@" DG ":tag",
	"a;id",
	"$(id)",
	"`id`",
	"foo:tag;rm",
	"foo bar",
	"foo\n",
	" foo",
	"foo\t:1",
	"localhost:/foo",
	"localhost:abc/foo",
	"localhost:50a0/foo",
	"example.com./foo",
	".example.com/foo",
	"exa..mple.com/foo",
	"ex-.com/foo",
	"-ex.com/foo",
	"ex_ample.com/foo",
	"ex.com:80:80/foo",
	"héllo",
	"foo/bär",
	"this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_"
	"this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_"
	"this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_"
	"this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255/"
	"docker",
};

static const struct {
	const char	*in;
	bool		 ok;
} tags[] = {
	{ "latest", true },
	{ "1.25.3-alpine3.19", true },
	{ "_", true },
	{ "A", true },
	{ "v1.0_RC-2", true },
	{ "", false },
	{ "-x", false },
	{ ".x", false },
	{ "a/b", false },
	{ "a:b", false },
	{ "a b", false },
	{ "a;id", false },
	{ "$(id)", false },
	{ "a+b", false },
	{ "a@b", false },
};

static const struct {
	const char	*in;
	bool		 ok;
} digests[] = {
	{ DG, true },
	{ "sha384:" D96, true },
	{ "sha512:" D128, true },
	{ "sha256:" D64UP, false },
	{ "sha256:" D96, false },
	{ "sha512:" D64, false },
	{ "sha256:", false },
	{ "sha256", false },
	{ ":" D64, false },
	{ "", false },
	{ "md5:0123456789abcdef0123456789abcdef", false },
	{ "sha256+b64:" D64, false },
	{ "sha256:" D64 " ", false },
	{ " sha256:" D64, false },
	{ "sha256:g" D63, false },
};

static void
test_valid(void)
{
	struct imageref	*ref;
	struct dr_error	 e;
	struct buf	 b;
	size_t		 i;

	buf_init(&b, 8192);
	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		dr_error_clear(&e);
		ref = NULL;
		CHECK_INTEQ(imageref_parse(span_str(valid[i].in), &ref, &e),
		    DR_OK);
		if (ref == NULL) {
			fprintf(stderr, "  row %zu: %s: %s\n", i, valid[i].in,
			    e.msg);
			continue;
		}
		CHECK_STREQ(ref->domain, valid[i].domain);
		CHECK_STREQ(ref->path, valid[i].path);
		CHECK_STREQ(ref->tag, valid[i].tag);
		CHECK_STREQ(ref->digest, valid[i].digest);
		CHECK_STREQ(imageref_registry_host(ref), valid[i].host);
		buf_reset(&b);
		imageref_format(ref, &b);
		CHECK_STREQ(buf_str(&b), valid[i].full);
		buf_reset(&b);
		imageref_format_familiar(ref, &b);
		CHECK_STREQ(buf_str(&b), valid[i].familiar);
		buf_reset(&b);
		imageref_format_repo(ref, &b);
		CHECK(strncmp(buf_str(&b), valid[i].full, b.len) == 0);
		if (valid[i].tag != NULL)
			CHECK_STREQ(imageref_tag(ref), valid[i].tag);
		else if (valid[i].digest != NULL)
			CHECK(imageref_tag(ref) == NULL);
		else
			CHECK_STREQ(imageref_tag(ref), "latest");
		imageref_free(ref);
	}
	buf_done(&b);
}

static void
check_invalid(struct span s, const char *what)
{
	struct imageref	*ref = (struct imageref *)&ref;	/* not NULL */
	struct dr_error	 e;
	enum dr_err	 r;

	dr_error_clear(&e);
	r = imageref_parse(s, &ref, &e);
	CHECK_INTEQ(r, DR_EINVAL);
	CHECK_INTEQ(e.code, DR_EINVAL);
	CHECK(e.msg[0] != '\0');
	CHECK(ref == NULL);
	if (r == DR_OK) {
		fprintf(stderr, "  accepted: %s\n", what);
		imageref_free(ref);
	}
}

static void
test_invalid(void)
{
	size_t	i;

	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		check_invalid(span_str(invalid[i]), invalid[i]);
}

static void
test_messages(void)
{
	struct imageref	*ref;
	struct dr_error	 e;

	imageref_parse(SPAN_LIT("docker/Docker"), &ref, &e);
	CHECK_STREQ(e.msg, "repository name must be lowercase");
	imageref_parse(SPAN_LIT("Foo/bar"), &ref, &e);
	CHECK_STREQ(e.msg, "repository name must be lowercase");
	imageref_parse(SPAN_LIT("foo:-x"), &ref, &e);
	CHECK(strstr(e.msg, "tag") != NULL);
	imageref_parse(SPAN_LIT("foo@sha256:12"), &ref, &e);
	CHECK(strstr(e.msg, "digest") != NULL);
	/* A NULL reterr is fine. */
	CHECK_INTEQ(imageref_parse(SPAN_LIT("a;id"), &ref, NULL), DR_EINVAL);
	imageref_free(NULL);
}

/* Limits: path length after normalisation, tag length, input length. */
static void
test_limits(void)
{
	struct imageref	*ref = NULL;
	char		*s;
	size_t		 n = IMAGEREF_MAX + 64;

	s = malloc(n + 1);

	/* "library/" + 247 = 255 bytes of path: the longest allowed. */
	memset(s, 'x', n);
	CHECK_INTEQ(imageref_parse(span_make(s, 247), &ref, NULL), DR_OK);
	CHECK(ref != NULL && strlen(ref->path) == 255);
	imageref_free(ref);
	check_invalid(span_make(s, 248), "248 x");
	memcpy(s, "docker.io/", 10);
	CHECK_INTEQ(imageref_parse(span_make(s, 257), &ref, NULL), DR_OK);
	CHECK(ref != NULL && strlen(ref->path) == 255);
	imageref_free(ref);
	check_invalid(span_make(s, 258), "docker.io/ + 248 x");

	memcpy(s, "owner/", 6);
	memset(s + 6, 'y', 249);
	CHECK_INTEQ(imageref_parse(span_make(s, 255), &ref, NULL), DR_OK);
	imageref_free(ref);
	check_invalid(span_make(s, 256), "owner/ + 250 y");

	/* Domains are bounded only by IMAGEREF_MAX. */
	memset(s, 'a', 300);
	memcpy(s + 300, ".com/x", 6);
	CHECK_INTEQ(imageref_parse(span_make(s, 306), &ref, NULL), DR_OK);
	imageref_free(ref);

	/* Tag of 128 bytes is fine, 129 is not. */
	memcpy(s, "foo:", 4);
	memset(s + 4, 't', 129);
	CHECK_INTEQ(imageref_parse(span_make(s, 4 + 128), &ref, NULL),
	    DR_OK);
	CHECK(ref != NULL && strlen(ref->tag) == 128);
	imageref_free(ref);
	check_invalid(span_make(s, 4 + 129), "129-byte tag");

	/* Very long input: rejected before anything else. */
	memset(s, 'a', n);
	check_invalid(span_make(s, IMAGEREF_MAX + 1), "IMAGEREF_MAX + 1");
	check_invalid(span_make(s, n), "huge");
	memset(s, '/', n);
	check_invalid(span_make(s, 1000), "slashes");
	memset(s, ':', n);
	check_invalid(span_make(s, 1000), "colons");
	memset(s, '@', n);
	check_invalid(span_make(s, 1000), "ats");
	memset(s, '[', n);
	check_invalid(span_make(s, 1000), "brackets");
	free(s);
}

/* NUL bytes inside the span are bytes like any other: invalid. */
static void
test_nul(void)
{
	check_invalid(span_make("nginx\0", 6), "trailing NUL");
	check_invalid(span_make("ngi\0nx", 6), "NUL in path");
	check_invalid(span_make("nginx:1\0.2", 10), "NUL in tag");
	check_invalid(span_make("ex\0.com/x", 9), "NUL in domain");
	check_invalid(span_make("\0", 1), "NUL");
	check_invalid(span_make("nginx@sha256:" D64 "\0", 13 + 64 + 1),
	    "NUL after digest");
	/* The span's length is what counts, not a NUL after it. */
	{
		struct imageref	*ref = NULL;

		CHECK_INTEQ(imageref_parse(span_make("nginx:1.2xyz", 9), &ref,
		    NULL), DR_OK);
		CHECK(ref != NULL && strcmp(ref->tag, "1.2") == 0);
		imageref_free(ref);
	}
}

static void
test_tags_digests(void)
{
	size_t	i;

	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		bool	ok = imageref_valid_tag(span_str(tags[i].in));

		CHECK(ok == tags[i].ok);
		if (ok != tags[i].ok)
			fprintf(stderr, "  tag row %zu: \"%s\"\n", i,
			    tags[i].in);
	}
	CHECK(!imageref_valid_tag(span_make("a\0", 2)));
	for (i = 0; i < sizeof(digests) / sizeof(digests[0]); i++) {
		bool	ok = imageref_valid_digest(span_str(digests[i].in));

		CHECK(ok == digests[i].ok);
		if (ok != digests[i].ok)
			fprintf(stderr, "  digest row %zu: \"%s\"\n", i,
			    digests[i].in);
	}
}

int
main(void)
{
	test_valid();
	test_invalid();
	test_messages();
	test_limits();
	test_nul();
	test_tags_digests();
	return check_summary("imageref");
}
