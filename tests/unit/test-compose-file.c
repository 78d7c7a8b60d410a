/*
 * test-compose-file: listing services, single-scalar edits checked byte
 * for byte against the fixtures in tests/fixtures/compose/ (run from the
 * top of the tree; each NAME.SERVICE.yml is NAME.yml with one value
 * replaced), .env parsing and interpolation, limits, and the atomic
 * update/restore cycle in a temporary directory.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "compose-file.h"
#include "xmalloc.h"

#define FIXTURES	"tests/fixtures/compose/"

static char	tmpdir[] = "/tmp/test-compose-file.XXXXXX";

static char *
slurp(const char *path, size_t *ret_len)
{
	struct buf	 b;
	char		 chunk[4096];
	ssize_t		 n;
	int		 fd;

	*ret_len = 0;
	if ((fd = open(path, O_RDONLY)) == -1) {
		fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf_init(&b, 64 * 1024 * 1024);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(&b, chunk, (size_t)n);
	close(fd);
	*ret_len = b.len;
	return buf_steal(&b);
}

static char *
fixture(const char *name, size_t *ret_len)
{
	char	*path = xasprintf(FIXTURES "%s", name), *p;

	p = slurp(path, ret_len);
	free(path);
	return p;
}

static struct compose_file *
load_fixture(const char *name)
{
	struct compose_file	*cf = NULL;
	struct dr_error		 e;
	size_t			 len;
	char			*p = fixture(name, &len);

	if (p == NULL)
		return NULL;
	memset(&e, 0, sizeof(e));
	if (compose_file_parse(span_make(p, len), &cf, &e) != DR_OK)
		fprintf(stderr, "%s: %s\n", name, e.msg);
	free(p);
	return cf;
}

static struct compose_file_env *
load_env_fixture(const char *name)
{
	struct compose_file_env	*env = NULL;
	struct dr_error		 e;
	size_t			 len;
	char			*p;

	if (name == NULL)
		return NULL;
	if ((p = fixture(name, &len)) == NULL)
		return NULL;
	if (compose_file_env_parse(span_make(p, len), &env, &e) != DR_OK)
		fprintf(stderr, "%s: %s\n", name, e.msg);
	free(p);
	return env;
}

/* What the fixtures list. */
static const struct {
	const char			*file;
	const char			*service;
	const char			*image;
	enum compose_file_image_from	 from;
	enum compose_file_style		 style;
	bool				 shared, flow, interpolated;
	size_t				 line;
} listed[] = {
	{ "basic.yml", "web", "nginx:1.25", COMPOSE_FILE_IMAGE_OWN,
	    COMPOSE_FILE_PLAIN, false, false, false, 6 },
	{ "basic.yml", "db", "postgres:15.4-alpine", COMPOSE_FILE_IMAGE_OWN,
	    COMPOSE_FILE_PLAIN, false, false, false, 17 },
	{ "quotes.yml", "single", "redis:7.0", COMPOSE_FILE_IMAGE_OWN,
	    COMPOSE_FILE_SINGLE, false, false, false, 3 },
	{ "quotes.yml", "double", "registry.example.com:5000/team/api:1.4",
	    COMPOSE_FILE_IMAGE_OWN, COMPOSE_FILE_DOUBLE, false, false, false,
	    5 },
	{ "quotes.yml", "quoted_key", "memcached:1.6", COMPOSE_FILE_IMAGE_OWN,
	    COMPOSE_FILE_SINGLE, false, false, false, 12 },
	{ "crlf.yml", "worker", "acme/worker:3", COMPOSE_FILE_IMAGE_OWN,
	    COMPOSE_FILE_PLAIN, false, false, false, 7 },
	{ "bom.yml", "web", "nginx:1.25", COMPOSE_FILE_IMAGE_OWN,
	    COMPOSE_FILE_SINGLE, false, false, false, 7 },
	{ "anchors-xapp.yml", "web", "acme/app:1.0", COMPOSE_FILE_IMAGE_MERGE,
	    COMPOSE_FILE_DOUBLE, false, false, false, 2 },
	{ "anchors-shared.yml", "worker", "acme/app:1.0",
	    COMPOSE_FILE_IMAGE_MERGE, COMPOSE_FILE_PLAIN, true, false, false,
	    2 },
	{ "anchors-shared.yml", "cron", "acme/cron:2.0", COMPOSE_FILE_IMAGE_OWN,
	    COMPOSE_FILE_PLAIN, false, false, false, 14 },
	{ "alias-scalar.yml", "b", "busybox:1.36", COMPOSE_FILE_IMAGE_OWN,
	    COMPOSE_FILE_PLAIN, true, false, false, 6 },
	{ "alias-scalar.yml", "c", "alpine:3.18", COMPOSE_FILE_IMAGE_OWN,
	    COMPOSE_FILE_PLAIN, false, false, false, 2 },
	{ "alias-elsewhere.yml", "a", "acme/a:1.0", COMPOSE_FILE_IMAGE_OWN,
	    COMPOSE_FILE_PLAIN, true, false, false, 3 },
	{ "override-merge.yml", "child", "acme/child:1.0",
	    COMPOSE_FILE_IMAGE_OWN, COMPOSE_FILE_PLAIN, false, false, false,
	    7 },
	{ "services-merge.yml", "extra", "acme/extra:1.0",
	    COMPOSE_FILE_IMAGE_OWN, COMPOSE_FILE_PLAIN, false, false, false,
	    3 },
	{ "flow.yml", "api", "acme/api:2", COMPOSE_FILE_IMAGE_OWN,
	    COMPOSE_FILE_DOUBLE, false, true, false, 1 },
	{ "spacing.yml", "next_line", "acme/next:1.0", COMPOSE_FILE_IMAGE_OWN,
	    COMPOSE_FILE_PLAIN, false, false, false, 7 },
	{ "spacing.yml", "last", "acme/last:1", COMPOSE_FILE_IMAGE_OWN,
	    COMPOSE_FILE_SINGLE, false, true, false, 14 },
	{ "block-scalar.yml", "web", "nginx:1.25", COMPOSE_FILE_IMAGE_OWN,
	    COMPOSE_FILE_BLOCK, false, false, false, 3 },
	{ "extends.yml", "child", NULL, COMPOSE_FILE_IMAGE_EXTENDS,
	    COMPOSE_FILE_PLAIN, false, false, false, 0 },
	{ "extends.yml", "built", NULL, COMPOSE_FILE_IMAGE_NONE,
	    COMPOSE_FILE_PLAIN, false, false, false, 0 },
	{ "dup-image.yml", "web", "nginx:1.25", COMPOSE_FILE_IMAGE_OWN,
	    COMPOSE_FILE_PLAIN, false, false, false, 4 },
	{ "interp.yml", "tag", "registry.local:5000/acme/app:${APP_TAG:-5.2}",
	    COMPOSE_FILE_IMAGE_OWN, COMPOSE_FILE_DOUBLE, false, false, true,
	    6 },
	{ "interp.yml", "dollar", "acme/dollar:$$notavar",
	    COMPOSE_FILE_IMAGE_OWN, COMPOSE_FILE_PLAIN, false, false, false,
	    14 },
};

static void
test_list(void)
{
	size_t	i;

	for (i = 0; i < sizeof(listed) / sizeof(listed[0]); i++) {
		struct compose_file			*cf;
		const struct compose_file_service	*s;

		cf = load_fixture(listed[i].file);
		CHECK(cf != NULL);
		if (cf == NULL)
			continue;
		s = compose_file_find(cf, listed[i].service);
		CHECK(s != NULL);
		if (s != NULL) {
			CHECK_STREQ(s->image, listed[i].image);
			CHECK_INTEQ(s->from, listed[i].from);
			CHECK_INTEQ(s->style, listed[i].style);
			CHECK_INTEQ(s->shared, listed[i].shared);
			CHECK_INTEQ(s->flow, listed[i].flow);
			CHECK_INTEQ(s->interpolated, listed[i].interpolated);
			CHECK_INTEQ(s->line, listed[i].line);
		}
		compose_file_free(cf);
	}

	/* Order and count. */
	{
		struct compose_file	*cf = load_fixture("basic.yml");

		CHECK(cf != NULL);
		if (cf != NULL) {
			CHECK_INTEQ(compose_file_nservices(cf), 3);
			CHECK_STREQ(compose_file_service(cf, 0)->name, "web");
			CHECK_STREQ(compose_file_service(cf, 1)->name, "app");
			CHECK_STREQ(compose_file_service(cf, 2)->name, "db");
			CHECK(compose_file_service(cf, 3) == NULL);
			CHECK(compose_file_find(cf, "nope") == NULL);
		}
		compose_file_free(cf);
		cf = load_fixture("no-services.yml");
		CHECK(cf != NULL && compose_file_nservices(cf) == 0);
		compose_file_free(cf);
		/* Own services first, then merged ones. */
		cf = load_fixture("services-merge.yml");
		CHECK(cf != NULL && compose_file_nservices(cf) == 2);
		if (cf != NULL && compose_file_nservices(cf) == 2) {
			CHECK_STREQ(compose_file_service(cf, 0)->name, "main");
			CHECK_STREQ(compose_file_service(cf, 1)->name, "extra");
		}
		compose_file_free(cf);
	}
}

static const struct {
	const char	*file;
	enum dr_err	 want;
	const char	*msg;
} parse_errors[] = {
	{ "multi-doc.yml", DR_EUNSUPPORTED, "second YAML document" },
	{ "not-mapping.yml", DR_EINVAL, "not a mapping" },
	{ "services-list.yml", DR_EINVAL, "services: is not a mapping" },
	{ "dup-service.yml", DR_EINVAL, "service web is defined twice" },
	{ "bad-yaml.yml", DR_EINVAL, "line 4 column 1" },
	{ "empty.yml", DR_EINVAL, "empty" },
	{ "utf16.yml", DR_EUNSUPPORTED, "not UTF-8" },
};

static void
test_parse_errors(void)
{
	size_t	i, len;

	for (i = 0; i < sizeof(parse_errors) / sizeof(parse_errors[0]); i++) {
		struct compose_file	*cf = (struct compose_file *)1;
		struct dr_error		 e;
		char			*p = fixture(parse_errors[i].file, &len);

		memset(&e, 0, sizeof(e));
		CHECK_INTEQ(compose_file_parse(span_make(p, len), &cf, &e),
		    parse_errors[i].want);
		CHECK(cf == NULL);
		if (strstr(e.msg, parse_errors[i].msg) == NULL) {
			fprintf(stderr, "%s: \"%s\"\n", parse_errors[i].file,
			    e.msg);
			CHECK(!"message");
		}
		free(p);
	}
}

/*
 * Edits: expect is the fixture the target file must equal byte for byte
 * (the compose file, or the env file when env is set and the image is
 * interpolated); on failure msg is part of the message.
 */
static const struct {
	const char	*file;
	const char	*env;
	const char	*service;
	const char	*image;
	enum dr_err	 want;
	const char	*expect;
	const char	*msg;
} edits[] = {
	{ "basic.yml", NULL, "web", "nginx:1.26", DR_OK, "basic.web.yml",
	    NULL },
	{ "basic.yml", NULL, "app", "ghcr.io/acme/shop:2.10.0", DR_OK,
	    "basic.app.yml", NULL },
	{ "basic.yml", NULL, "app", "ghcr.io/acme/shop:2.3.1", DR_OK,
	    "basic.yml", NULL },
	{ "basic.yml", NULL, "nope", "nginx:1", DR_ENOTFOUND, NULL,
	    "no service nope" },
	{ "basic.yml", NULL, "web", "Nginx:1", DR_EINVAL, NULL,
	    "new image \"Nginx:1\"" },
	{ "basic.yml", NULL, "web", "nginx:1 # x", DR_EINVAL, NULL, NULL },
	{ "basic.yml", NULL, "web", "", DR_EINVAL, NULL, NULL },
	{ "basic.yml", NULL, "web", "12345", DR_EUNSUPPORTED, NULL,
	    "cannot be written unquoted" },
	{ "basic.yml", NULL, "web", "[::1]:5000/web:1", DR_EUNSUPPORTED, NULL,
	    "unquoted" },
	{ "quotes.yml", NULL, "single", "redis:7.2.4", DR_OK,
	    "quotes.single.yml", NULL },
	{ "quotes.yml", NULL, "single", "12345", DR_OK, "quotes.numeric.yml",
	    NULL },
	{ "quotes.yml", NULL, "double",
	    "registry.example.com:5000/team/api:1.5", DR_OK,
	    "quotes.double.yml", NULL },
	{ "quotes.yml", NULL, "escaped", "busybox:1.37", DR_OK,
	    "quotes.escaped.yml", NULL },
	{ "quotes.yml", NULL, "quoted_key", "memcached:1.6.21", DR_OK,
	    "quotes.quoted_key.yml", NULL },
	{ "crlf.yml", NULL, "web", "nginx:1.26", DR_OK, "crlf.web.yml", NULL },
	{ "crlf.yml", NULL, "worker", "acme/worker:4", DR_OK,
	    "crlf.worker.yml", NULL },
	{ "bom.yml", NULL, "web", "nginx:1.26", DR_OK, "bom.web.yml", NULL },
	{ "bom.yml", NULL, "api", "acme/api:1.1", DR_OK, "bom.api.yml", NULL },
	{ "anchors-xapp.yml", NULL, "web", "acme/app:1.1", DR_OK,
	    "anchors-xapp.web.yml", NULL },
	{ "anchors-shared.yml", NULL, "web", "acme/app:1.1", DR_EUNSUPPORTED,
	    NULL, "shared with service worker through" },
	{ "anchors-shared.yml", NULL, "worker", "acme/app:1.1",
	    DR_EUNSUPPORTED, NULL, "shared with service web through" },
	{ "anchors-shared.yml", NULL, "cron", "acme/cron:2.1", DR_OK,
	    "anchors-shared.cron.yml", NULL },
	{ "alias-scalar.yml", NULL, "a", "busybox:1.37", DR_EUNSUPPORTED, NULL,
	    "shared with service b" },
	{ "alias-scalar.yml", NULL, "c", "alpine:3.19", DR_OK,
	    "alias-scalar.c.yml", NULL },
	{ "alias-scalar.yml", NULL, "d", "acme/tool:1.0", DR_OK,
	    "alias-scalar.d.yml", NULL },
	{ "alias-elsewhere.yml", NULL, "a", "acme/a:1.1", DR_EUNSUPPORTED,
	    NULL, "also used through an alias elsewhere" },
	{ "alias-elsewhere.yml", NULL, "b", "acme/b:1.1", DR_OK,
	    "alias-elsewhere.b.yml", NULL },
	{ "override-merge.yml", NULL, "child", "acme/child:1.1", DR_OK,
	    "override-merge.child.yml", NULL },
	{ "override-merge.yml", NULL, "base", "acme/base:1.1", DR_EUNSUPPORTED,
	    NULL, "also used through an alias" },
	{ "services-merge.yml", NULL, "extra", "acme/extra:1.1", DR_OK,
	    "services-merge.extra.yml", NULL },
	{ "services-merge.yml", NULL, "main", "acme/main:1.1", DR_OK,
	    "services-merge.main.yml", NULL },
	{ "flow.yml", NULL, "web", "nginx:1.26", DR_OK, "flow.web.yml", NULL },
	{ "flow.yml", NULL, "api", "acme/api:3", DR_OK, "flow.api.yml", NULL },
	{ "flow.yml", NULL, "db", "postgres:16", DR_OK, "flow.db.yml", NULL },
	{ "spacing.yml", NULL, "web", "nginx:1.26", DR_OK, "spacing.web.yml",
	    NULL },
	{ "spacing.yml", NULL, "next_line", "acme/next:1.1", DR_OK,
	    "spacing.next_line.yml", NULL },
	{ "spacing.yml", NULL, "tagged", "acme/tagged:1.1", DR_OK,
	    "spacing.tagged.yml", NULL },
	{ "spacing.yml", NULL, "tagged_anchor", "acme/ta:2.0", DR_OK,
	    "spacing.tagged_anchor.yml", NULL },
	{ "spacing.yml", NULL, "indented", "acme/indented:8", DR_OK,
	    "spacing.indented.yml", NULL },
	{ "spacing.yml", NULL, "last", "acme/last:2", DR_OK,
	    "spacing.last.yml", NULL },
	{ "block-scalar.yml", NULL, "web", "nginx:1.26", DR_EUNSUPPORTED, NULL,
	    "block scalar" },
	{ "multiline.yml", NULL, "web", "nginx:1.26", DR_EUNSUPPORTED, NULL,
	    "spans several lines" },
	{ "extends.yml", NULL, "child", "acme/base:1.1", DR_EUNSUPPORTED, NULL,
	    "through extends:" },
	{ "extends.yml", NULL, "built", "acme/built:1", DR_EUNSUPPORTED, NULL,
	    "has no image: key" },
	{ "extends.yml", NULL, "base", "acme/base:1.1", DR_OK,
	    "extends.base.yml", NULL },
	{ "dup-image.yml", NULL, "web", "nginx:1.26", DR_EUNSUPPORTED, NULL,
	    "image: or <<: twice" },
	/* Interpolation: the env file is edited. */
	{ "interp.yml", "interp.env", "whole", "acme/whole:1.1", DR_OK,
	    "interp.whole.env", NULL },
	{ "interp.yml", "interp.env", "tag",
	    "registry.local:5000/acme/app:5.3", DR_OK, "interp.tag.env", NULL },
	{ "interp.yml", "interp.env", "two",
	    "registry.local:5000/acme/tool:0.10.0", DR_OK, "interp.two.env",
	    NULL },
	{ "interp.yml", "interp.env", "suffix", "acme/web:2.5.1-alpine", DR_OK,
	    "interp.suffix.env", NULL },
	{ "interp.yml", "interp.env", "tag", "registry.local:5000/acme/other:5.3",
	    DR_EUNSUPPORTED, NULL, "only the part from APP_TAG can change" },
	{ "interp.yml", "interp.env", "suffix", "acme/web:2.5.1",
	    DR_EUNSUPPORTED, NULL, "\"acme/web:...-alpine\"" },
	{ "interp.yml", "interp.env", "two", "docker.io/acme/tool:0.10.0",
	    DR_EUNSUPPORTED, NULL, "registry.local:5000/acme/tool:..." },
	{ "interp.yml", "interp.env", "missing", "acme/missing:1.1",
	    DR_EUNSUPPORTED, NULL, "MISSING_TAG, which is not set in the env "
	    "file" },
	{ "interp.yml", NULL, "tag", "registry.local:5000/acme/app:5.3",
	    DR_EUNSUPPORTED, NULL, "no env file to edit" },
	{ "interp.yml", "interp.env", "shared_a", "acme/a:2", DR_EUNSUPPORTED,
	    NULL, "SHARED_TAG is used 2 times" },
	{ "interp.yml", "interp.env", "dollar", "acme/dollar:1", DR_OK,
	    "interp.dollar.yml", NULL },
	{ "interp-plus.yml", "interp.env", "plus", "acme/plus:y",
	    DR_EUNSUPPORTED, NULL, "cannot be edited" },
	{ "interp.yml", "interp-noeol.env", "whole",
	    "registry.local:5000/whole:2", DR_OK, "interp-noeol.whole.env",
	    NULL },
	{ "interp.yml", "interp-empty.env", "tag",
	    "registry.local:5000/acme/app:5.3", DR_OK, "interp-empty.tag.env",
	    NULL },
};

static void
test_edits(void)
{
	size_t	i, len, elen;

	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		struct compose_file		*cf;
		struct compose_file_env		*env = NULL;
		struct compose_file_edit	 ed;
		struct dr_error			 e;
		char				*want;
		enum dr_err			 rc;

		cf = load_fixture(edits[i].file);
		CHECK(cf != NULL);
		if (cf == NULL)
			continue;
		if (edits[i].env != NULL) {
			env = load_env_fixture(edits[i].env);
			CHECK(env != NULL);
		}
		memset(&e, 0, sizeof(e));
		rc = compose_file_set_image(cf, edits[i].service,
		    edits[i].image, env, &ed, &e);
		if (rc != edits[i].want)
			fprintf(stderr, "edit %zu (%s %s): %s\n", i,
			    edits[i].file, edits[i].service, e.msg);
		CHECK_INTEQ(rc, edits[i].want);
		if (rc == DR_OK && edits[i].expect != NULL) {
			struct span	old = ed.target ==
			    COMPOSE_FILE_TARGET_ENV ?
			    compose_file_env_bytes(env) :
			    compose_file_bytes(cf);

			want = fixture(edits[i].expect, &len);
			CHECK(want != NULL);
			CHECK_INTEQ(ed.len, len);
			if (want == NULL || ed.len != len ||
			    memcmp(ed.bytes, want, len) != 0) {
				fprintf(stderr, "edit %zu: got\n%s\n", i,
				    ed.bytes);
				CHECK(!"bytes");
			}
			CHECK_INTEQ(ed.target, edits[i].env != NULL &&
			    strstr(edits[i].expect, ".env") != NULL ?
			    COMPOSE_FILE_TARGET_ENV :
			    COMPOSE_FILE_TARGET_COMPOSE);
			/* Only [offset, offset+old_len) was replaced. */
			elen = old.len;
			CHECK(ed.offset + ed.old_len <= elen);
			CHECK(memcmp(ed.bytes, old.p, ed.offset) == 0);
			CHECK(memcmp(ed.bytes + ed.offset + ed.new_len,
			    old.p + ed.offset + ed.old_len,
			    elen - ed.offset - ed.old_len) == 0);
			CHECK_INTEQ(ed.len, elen - ed.old_len + ed.new_len);
			free(want);
		}
		if (rc != DR_OK && edits[i].msg != NULL &&
		    strstr(e.msg, edits[i].msg) == NULL) {
			fprintf(stderr, "edit %zu: message \"%s\"\n", i, e.msg);
			CHECK(!"message");
		}
		if (rc != DR_OK)
			CHECK(ed.bytes == NULL);
		compose_file_edit_done(&ed);
		compose_file_env_free(env);
		compose_file_free(cf);
	}
}

/* Small in-memory files. */
static void
test_inline(void)
{
	static const struct {
		const char	*yaml;
		const char	*service;
		const char	*image;
		enum dr_err	 want;
		const char	*result;
	} cases[] = {
		/* A service with nothing: no image. */
		{ "services:\n  a:\n  b: {image: x}\n", "a", "y:1",
		    DR_EUNSUPPORTED, NULL },
		{ "services:\n  a: ~\n", "a", "y:1", DR_EUNSUPPORTED, NULL },
		{ "services:\n  a: [1]\n", "a", "y:1", DR_EUNSUPPORTED, NULL },
		{ "services:\n  a: {image: [x]}\n", "a", "y:1",
		    DR_EUNSUPPORTED, NULL },
		{ "services:\n  a: {image: }\n", "a", "y:1", DR_EUNSUPPORTED,
		    NULL },
		{ "services:\n  a: {image: \"\"}\n", "a", "y:1",
		    DR_EUNSUPPORTED, NULL },
		/* Plain values YAML would read as other types. */
		{ "services:\n  a: {image: x:1}\n", "a", "on", DR_EUNSUPPORTED,
		    NULL },
		{ "services:\n  a: {image: x:1}\n", "a", "0x1f",
		    DR_EUNSUPPORTED, NULL },
		{ "services:\n  a: {image: x:1}\n", "a", "2001-12-14",
		    DR_EUNSUPPORTED, NULL },
		{ "services:\n  a: {image: x:1}\n", "a", "1:20",
		    DR_EUNSUPPORTED, NULL },
		{ "services:\n  a: {image: x:1}\n", "a", "\"yes\"", DR_EINVAL,
		    NULL },
		{ "services:\n  a: {image: x:1}\n", "a", "yes:1", DR_OK,
		    "services:\n  a: {image: yes:1}\n" },
		{ "services:\n  a: {image: 'x:1'}\n", "a", "on", DR_OK,
		    "services:\n  a: {image: 'on'}\n" },
		/* IPv6 registries in flow context must be quoted. */
		{ "services:\n  a: {image: x:1}\n", "a", "[::1]:5000/x:1",
		    DR_EUNSUPPORTED, NULL },
		{ "services:\n  a: {image: \"x:1\"}\n", "a", "[::1]:5000/x:1",
		    DR_OK, "services:\n  a: {image: \"[::1]:5000/x:1\"}\n" },
		/* A digest. */
		{ "services:\n  a:\n    image: x:1 #c\n", "a",
		    "x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef"
		    "0123456789abcdef", DR_OK,
		    "services:\n  a:\n    image: x@sha256:0123456789abcdef"
		    "0123456789abcdef0123456789abcdef0123456789abcdef #c\n" },
		/* Escapes elsewhere in a double-quoted value. */
		{ "services:\n  a:\n    image: \"x\\x3a1\"\n", "a", "x:2",
		    DR_OK, "services:\n  a:\n    image: \"x:2\"\n" },
		/* Single-quoted value with an escaped quote in a neighbour. */
		{ "services:\n  a:\n    labels: {l: 'it''s'}\n    image: 'x:1'"
		    "\n", "a", "x:2", DR_OK, "services:\n  a:\n    labels: {l:"
		    " 'it''s'}\n    image: 'x:2'\n" },
		/* Last of two <<: keys; merge keys in a sequence. */
		{ "x-a: &a {image: a:1}\nx-b: &b {image: b:1}\nservices:\n"
		    "  s: {<<: [*a, *b]}\n", "s", "a:2", DR_OK,
		    "x-a: &a {image: a:2}\nx-b: &b {image: b:1}\nservices:\n"
		    "  s: {<<: [*a, *b]}\n" },
		{ "x-a: &a {image: a:1}\nservices:\n  s: {<<: *a, <<: *a}\n",
		    "s", "a:2", DR_EUNSUPPORTED, NULL },
		/* A recursive alias does not hang anything. */
		{ "services: &s\n  a: {image: x:1, self: *s}\n", "a", "x:2",
		    DR_EUNSUPPORTED, NULL },
		/* Explicit document markers are fine. */
		{ "---\nservices:\n  a: {image: x:1}\n...\n", "a", "x:2", DR_OK,
		    "---\nservices:\n  a: {image: x:2}\n...\n" },
		/* A value glued to its anchor ("&a" then ":img x"). */
		{ "services:\n  a:\n    image: &a:img x\n", "a", "x:2",
		    DR_EUNSUPPORTED, NULL },
		/* JSON style. */
		{ "{\"services\":{\"a\":{\"image\":\"x:1\"}}}", "a", "x:2",
		    DR_OK, "{\"services\":{\"a\":{\"image\":\"x:2\"}}}" },
		/* A value that looks like a comment start inside flow. */
		{ "services: {a: {image: x:1}, b: {image: 'y:1'}}\n", "b",
		    "y:2", DR_OK, "services: {a: {image: x:1}, b: {image: "
		    "'y:2'}}\n" },
		/* A longer and a shorter value. */
		{ "services:\n  a: {image: x:1}\n  b: {image: y:1}\n", "a",
		    "registry.example.com/very/long/name:1.2.3-rc.1", DR_OK,
		    "services:\n  a: {image: registry.example.com/very/long/"
		    "name:1.2.3-rc.1}\n  b: {image: y:1}\n" },
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct compose_file		*cf = NULL;
		struct compose_file_edit	 ed;
		struct dr_error			 e;
		enum dr_err			 rc;

		memset(&e, 0, sizeof(e));
		rc = compose_file_parse(span_str(cases[i].yaml), &cf, &e);
		CHECK_INTEQ(rc, DR_OK);
		if (rc != DR_OK) {
			fprintf(stderr, "inline %zu: %s\n", i, e.msg);
			continue;
		}
		rc = compose_file_set_image(cf, cases[i].service,
		    cases[i].image, NULL, &ed, &e);
		if (rc != cases[i].want)
			fprintf(stderr, "inline %zu: %s\n", i, e.msg);
		CHECK_INTEQ(rc, cases[i].want);
		if (rc == DR_OK)
			CHECK_STREQ(ed.bytes, cases[i].result);
		compose_file_edit_done(&ed);
		compose_file_free(cf);
	}
}

/* Limits, alias bombs, deep nesting. */
static void
test_limits(void)
{
	struct compose_file	*cf = NULL;
	struct dr_error		 e;
	struct buf		 b;
	int			 i;

	/* Over COMPOSE_FILE_MAX. */
	buf_init(&b, COMPOSE_FILE_MAX + 64);
	buf_adds(&b, "services: {}\n");
	while (b.len <= COMPOSE_FILE_MAX)
		buf_adds(&b, "# padding padding padding padding padding\n");
	CHECK_INTEQ(compose_file_parse(buf_span(&b), &cf, &e), DR_ETOOBIG);
	CHECK(cf == NULL);
	buf_done(&b);

	/* Just under it: fine. */
	buf_init(&b, COMPOSE_FILE_MAX);
	buf_adds(&b, "services:\n  a: {image: x:1}\n");
	while (b.len + 64 < COMPOSE_FILE_MAX)
		buf_adds(&b, "# padding padding padding padding padding\n");
	CHECK_INTEQ(compose_file_parse(buf_span(&b), &cf, &e), DR_OK);
	compose_file_free(cf);
	cf = NULL;
	buf_done(&b);

	/* Nesting. */
	buf_init(&b, 1 << 20);
	buf_adds(&b, "services: {a: {image: x:1}}\nx-deep: ");
	for (i = 0; i < 10000; i++)
		buf_addc(&b, '[');
	for (i = 0; i < 10000; i++)
		buf_addc(&b, ']');
	buf_addc(&b, '\n');
	CHECK_INTEQ(compose_file_parse(buf_span(&b), &cf, &e), DR_ETOOBIG);
	buf_done(&b);

	/* Billion laughs: linear, and every alias use is "shared". */
	buf_init(&b, 1 << 20);
	buf_adds(&b, "x-0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (i = 1; i < 10; i++)
		buf_printf(&b, "x-%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, "
		    "*l%d, *l%d, *l%d, *l%d]\n", i, i, i - 1, i - 1, i - 1,
		    i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	buf_adds(&b, "services:\n  a: {image: x:1, labels: *l9}\n");
	CHECK_INTEQ(compose_file_parse(buf_span(&b), &cf, &e), DR_OK);
	if (cf != NULL)
		CHECK_INTEQ(compose_file_nservices(cf), 1);
	compose_file_free(cf);
	cf = NULL;
	buf_done(&b);

	/* Too many aliases. */
	buf_init(&b, 1 << 20);
	buf_adds(&b, "x-a: &a x\nx-b: [");
	for (i = 0; i <= COMPOSE_FILE_ALIASES_MAX; i++)
		buf_adds(&b, "*a, ");
	buf_adds(&b, "]\n");
	CHECK_INTEQ(compose_file_parse(buf_span(&b), &cf, &e), DR_ETOOBIG);
	buf_done(&b);

	/* Many services. */
	buf_init(&b, 1 << 22);
	buf_adds(&b, "services:\n");
	for (i = 0; i <= COMPOSE_FILE_SERVICES_MAX; i++)
		buf_printf(&b, "  s%d: {image: x:%d}\n", i, i);
	CHECK_INTEQ(compose_file_parse(buf_span(&b), &cf, &e), DR_ETOOBIG);
	buf_done(&b);
}

static const struct {
	const char	*value;
	enum dr_err	 want;
	const char	*result;
} interps[] = {
	{ "plain", DR_OK, "plain" },
	{ "${A}", DR_OK, "a" },
	{ "$A/x", DR_OK, "a/x" },
	{ "x:${E:-def}", DR_OK, "x:def" },
	{ "x:${E-def}", DR_OK, "x:" },
	{ "x:${U-def}", DR_OK, "x:def" },
	{ "x:${U:-def}", DR_OK, "x:def" },
	{ "x:${A:-def}", DR_OK, "x:a" },
	{ "${A:+alt}|${E:+alt}|${E+alt}|${U+alt}", DR_OK, "alt||alt|" },
	{ "${A:?need}${A?need}", DR_OK, "aa" },
	{ "${E:?need}", DR_ENOTFOUND, NULL },
	{ "${U?need}", DR_ENOTFOUND, NULL },
	{ "${U}", DR_ENOTFOUND, NULL },
	{ "$$A $$$A", DR_OK, "$A $a" },
	{ "${A:-${B}}", DR_EUNSUPPORTED, NULL },
	{ "${A", DR_EUNSUPPORTED, NULL },
	{ "${}", DR_EUNSUPPORTED, NULL },
	{ "${1A}", DR_EUNSUPPORTED, NULL },
	{ "${A:x}", DR_EUNSUPPORTED, NULL },
	{ "trailing $", DR_EUNSUPPORTED, NULL },
	{ "${D}", DR_EUNSUPPORTED, NULL },
	{ "${Q}${SQ}${X}", DR_OK, "q\"\\sq \"x#y" },
};

static void
test_env(void)
{
	static const char text[] =
	    "# comment\n"
	    "  A=a\n"
	    "E=\n"
	    "export Q = \"q\\\"\\\\\"   # after\n"
	    "SQ='sq \"'\n"
	    "X=x#y # comment\n"
	    "D=${A}\n"
	    "not a definition\n"
	    "=nothing\n"
	    "Y.Z-1=dots\r\n"
	    "A=overridden\n"
	    "A=a";
	struct compose_file_env	*env = NULL;
	struct dr_error		 e;
	struct buf		 b;
	size_t			 i;
	enum dr_err		 rc;

	CHECK_INTEQ(compose_file_env_parse(span_str(text), &env, &e), DR_OK);
	if (env == NULL)
		return;
	CHECK_STREQ(compose_file_env_get(env, "A"), "a");
	CHECK_STREQ(compose_file_env_get(env, "E"), "");
	CHECK_STREQ(compose_file_env_get(env, "Q"), "q\"\\");
	CHECK_STREQ(compose_file_env_get(env, "SQ"), "sq \"");
	CHECK_STREQ(compose_file_env_get(env, "X"), "x#y");
	CHECK_STREQ(compose_file_env_get(env, "Y.Z-1"), "dots");
	CHECK(compose_file_env_get(env, "U") == NULL);
	CHECK(compose_file_env_get(env, "not") == NULL);

	for (i = 0; i < sizeof(interps) / sizeof(interps[0]); i++) {
		buf_init(&b, 1024);
		rc = compose_file_interpolate(interps[i].value, env, &b, &e);
		if (rc != interps[i].want)
			fprintf(stderr, "interp %zu: %s\n", i, e.msg);
		CHECK_INTEQ(rc, interps[i].want);
		if (rc == DR_OK)
			CHECK_STREQ(buf_str(&b), interps[i].result);
		buf_done(&b);
	}
	compose_file_env_free(env);

	/* A variable other env values refer to is not edited. */
	{
		struct compose_file		*cf = NULL;
		struct compose_file_env		*env2 = NULL;
		struct compose_file_edit	 ed;

		CHECK_INTEQ(compose_file_parse(span_str("services:\n  a: "
		    "{image: \"x:${T}\"}\n  b: {image: \"${B}\"}\n"), &cf,
		    &e), DR_OK);
		CHECK_INTEQ(compose_file_env_parse(span_str("T=1\nB=y:${T}\n"),
		    &env2, &e), DR_OK);
		if (cf != NULL && env2 != NULL) {
			CHECK_INTEQ(compose_file_set_image(cf, "a", "x:2", env2,
			    &ed, &e), DR_EUNSUPPORTED);
			CHECK(strstr(e.msg, "other values in the env file") !=
			    NULL);
			/* B's own value refers to a variable: not resolved. */
			CHECK_INTEQ(compose_file_set_image(cf, "b", "y:2", env2,
			    &ed, &e), DR_OK);
			CHECK_STREQ(ed.bytes, "T=1\nB=y:2\n");
			compose_file_edit_done(&ed);
		}
		compose_file_free(cf);
		compose_file_env_free(env2);
	}

	/* No env at all. */
	buf_init(&b, 1024);
	CHECK_INTEQ(compose_file_interpolate("x:${T:-1}", NULL, &b, &e), DR_OK);
	CHECK_STREQ(buf_str(&b), "x:1");
	buf_done(&b);

	env = (struct compose_file_env *)1;
	CHECK_INTEQ(compose_file_env_parse(span_make("A=1\0B=2", 7), &env, &e),
	    DR_EINVAL);
	CHECK(env == NULL);
	CHECK_INTEQ(compose_file_env_parse(span_str("A=\"x\nB=2\n"), &env, &e),
	    DR_EUNSUPPORTED);
	CHECK(strstr(e.msg, "line 1") != NULL);
	{
		size_t	 len;
		char	*p = fixture("multiline.env", &len);

		env = (struct compose_file_env *)1;
		CHECK_INTEQ(compose_file_env_parse(span_make(p, len), &env,
		    &e), DR_EUNSUPPORTED);
		CHECK(env == NULL);
		free(p);
	}
	CHECK_INTEQ(compose_file_env_parse(span_str(""), &env, &e), DR_OK);
	CHECK(env != NULL && compose_file_env_get(env, "A") == NULL);
	compose_file_env_free(env);
}

/*
 * Files: update, restore, conflicts.
 */

static char *
tmp_path(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static void
put_file(const char *name, const char *data, size_t len, mode_t mode)
{
	char	*path = tmp_path(name);
	int	 fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CHECK(fd != -1);
	if (fd != -1) {
		CHECK(write(fd, data, len) == (ssize_t)len);
		fchmod(fd, mode);
		close(fd);
	}
	free(path);
}

static void
copy_fixture(const char *from, const char *to, mode_t mode)
{
	size_t	 len;
	char	*p = fixture(from, &len);

	CHECK(p != NULL);
	if (p != NULL)
		put_file(to, p, len, mode);
	free(p);
}

/* True when file name in tmpdir holds exactly fixture want. */
static bool
same_as(const char *name, const char *want)
{
	size_t	 alen, blen;
	char	*path = tmp_path(name), *a, *b;
	bool	 same;

	a = slurp(path, &alen);
	b = fixture(want, &blen);
	same = a != NULL && b != NULL && alen == blen &&
	    memcmp(a, b, alen) == 0;
	free(a);
	free(b);
	free(path);
	return same;
}

/* Temporary files of ours left in tmpdir. */
static int
count_tmp_leftovers(void)
{
	struct dirent	*d;
	DIR		*dir;
	int		 n = 0;

	if ((dir = opendir(tmpdir)) == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL)
		if (strstr(d->d_name, ".dockrev-") != NULL)
			n++;
	closedir(dir);
	return n;
}

static void
test_files(void)
{
	struct compose_file_change	 ch;
	struct dr_error			 e;
	struct stat			 st;
	char				*compose, *envf, *link, *real;
	char				*other;
	enum dr_err			 rc;

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		CHECK(!"mkdtemp");
		return;
	}
	compose = tmp_path("docker-compose.yml");
	envf = tmp_path(".env");
	link = tmp_path("link.yml");

	/* A plain update keeps the mode and touches one value. */
	copy_fixture("crlf.yml", "docker-compose.yml", 0640);
	memset(&e, 0, sizeof(e));
	rc = compose_file_update(compose, NULL, "worker", "acme/worker:4", &ch,
	    &e);
	if (rc != DR_OK)
		fprintf(stderr, "update: %s\n", e.msg);
	CHECK_INTEQ(rc, DR_OK);
	CHECK(same_as("docker-compose.yml", "crlf.worker.yml"));
	CHECK(stat(compose, &st) == 0 && (st.st_mode & 07777) == 0640);
	CHECK(ch.changed);
	CHECK(ch.variable == NULL);
	real = realpath(compose, NULL);
	CHECK_STREQ(ch.path, real);
	free(real);
	{
		size_t	 len;
		char	*orig = fixture("crlf.yml", &len);

		CHECK(orig != NULL && ch.original_len == len &&
		    memcmp(ch.original, orig, len) == 0);
		free(orig);
	}
	/* Restore puts the original back, and again is a no-op. */
	CHECK_INTEQ(compose_file_restore(ch.path, span_make(ch.original,
	    ch.original_len), span_make(ch.written, ch.written_len), &e),
	    DR_OK);
	CHECK(same_as("docker-compose.yml", "crlf.yml"));
	CHECK(stat(compose, &st) == 0 && (st.st_mode & 07777) == 0640);
	CHECK_INTEQ(compose_file_restore(ch.path, span_make(ch.original,
	    ch.original_len), span_make(ch.written, ch.written_len), &e),
	    DR_OK);
	CHECK(same_as("docker-compose.yml", "crlf.yml"));
	/* Someone else's change is never overwritten. */
	copy_fixture("basic.yml", "docker-compose.yml", 0644);
	CHECK_INTEQ(compose_file_restore(ch.path, span_make(ch.original,
	    ch.original_len), span_make(ch.written, ch.written_len), &e),
	    DR_ECONFLICT);
	CHECK(strstr(e.msg, "changed by someone else") != NULL);
	CHECK(same_as("docker-compose.yml", "basic.yml"));
	compose_file_change_done(&ch);
	compose_file_change_done(&ch);	/* twice is fine */

	/* A refused edit leaves the file alone and ch empty. */
	copy_fixture("anchors-shared.yml", "docker-compose.yml", 0644);
	CHECK_INTEQ(compose_file_update(compose, NULL, "web", "acme/app:2",
	    &ch, &e), DR_EUNSUPPORTED);
	CHECK(ch.path == NULL && ch.original == NULL && ch.written == NULL);
	CHECK(same_as("docker-compose.yml", "anchors-shared.yml"));

	/* Through a symlink: the link stays, the target changes. */
	copy_fixture("bom.yml", "docker-compose.yml", 0600);
	CHECK(symlink("docker-compose.yml", link) == 0);
	CHECK_INTEQ(compose_file_update(link, NULL, "api", "acme/api:1.1", &ch,
	    &e), DR_OK);
	CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(same_as("docker-compose.yml", "bom.api.yml"));
	CHECK(stat(compose, &st) == 0 && (st.st_mode & 07777) == 0600);
	CHECK(strstr(ch.path, "/docker-compose.yml") != NULL);
	CHECK_INTEQ(compose_file_restore(link, span_make(ch.original,
	    ch.original_len), span_make(ch.written, ch.written_len), &e),
	    DR_OK);
	CHECK(same_as("docker-compose.yml", "bom.yml"));
	compose_file_change_done(&ch);

	/* An interpolated image: the env file is what changes. */
	copy_fixture("interp.yml", "docker-compose.yml", 0644);
	copy_fixture("interp.env", ".env", 0600);
	rc = compose_file_update(compose, envf, "tag",
	    "registry.local:5000/acme/app:5.3", &ch, &e);
	if (rc != DR_OK)
		fprintf(stderr, "update env: %s\n", e.msg);
	CHECK_INTEQ(rc, DR_OK);
	CHECK(same_as("docker-compose.yml", "interp.yml"));
	CHECK(same_as(".env", "interp.tag.env"));
	CHECK_STREQ(ch.variable, "APP_TAG");
	CHECK(ch.path != NULL && strstr(ch.path, "/.env") != NULL);
	CHECK(stat(envf, &st) == 0 && (st.st_mode & 07777) == 0600);
	CHECK_INTEQ(compose_file_restore(envf, span_make(ch.original,
	    ch.original_len), span_make(ch.written, ch.written_len), &e),
	    DR_OK);
	CHECK(same_as(".env", "interp.env"));
	compose_file_change_done(&ch);

	/* The same value again: nothing written, nothing to restore. */
	copy_fixture("basic.yml", "docker-compose.yml", 0644);
	CHECK_INTEQ(compose_file_update(compose, NULL, "web", "nginx:1.25", &ch,
	    &e), DR_OK);
	CHECK(!ch.changed);
	CHECK(same_as("docker-compose.yml", "basic.yml"));
	CHECK_INTEQ(compose_file_restore(compose, span_make(ch.original,
	    ch.original_len), span_make(ch.written, ch.written_len), &e),
	    DR_OK);
	compose_file_change_done(&ch);

	/* Missing files. */
	other = tmp_path("missing.yml");
	CHECK_INTEQ(compose_file_update(other, NULL, "web", "nginx:1", &ch,
	    &e), DR_ENOTFOUND);
	CHECK_INTEQ(compose_file_update(compose, other, "web", "nginx:1", &ch,
	    &e), DR_ENOTFOUND);
	CHECK_INTEQ(compose_file_restore(other, span_str("a"), span_str("b"),
	    &e), DR_ECONFLICT);
	CHECK(strstr(e.msg, "gone") != NULL);
	free(other);
	/* Not a regular file. */
	CHECK_INTEQ(compose_file_update(tmpdir, NULL, "web", "nginx:1", &ch,
	    &e), DR_EINVAL);

	/* No temporary files are left behind. */
	CHECK_INTEQ(count_tmp_leftovers(), 0);

	unlink(link);
	unlink(compose);
	unlink(envf);
	rmdir(tmpdir);
	free(compose);
	free(envf);
	free(link);
}

int
main(void)
{
	test_list();
	test_parse_errors();
	test_edits();
	test_inline();
	test_limits();
	test_env();
	test_files();
	return check_summary("compose-file");
}
