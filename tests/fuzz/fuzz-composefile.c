/*
 * fuzz-composefile: the input is a compose file, optionally followed by a
 * NUL byte and a .env file.  For every service (up to FUZZ_SERVICES) a new
 * image is set; whenever that succeeds: only the bytes [offset,
 * offset+old_len) of the target changed; parsing the result again gives
 * the new image for that service and the same images for all others (for
 * an env edit: the same interpolated images); an edit never fails with
 * DR_EINTERNAL (the library's own read-back check).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compose-file.h"
#include "xmalloc.h"

#define FUZZ_ASSERT(c)	do { if (!(c)) abort(); } while (0)
#define FUZZ_SERVICES	16

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const fuzz_images[] = {
	"nginx:1.26",
	"x",
	"registry.local:5000/a/b:1.0-rc.1",
	"[::1]:5000/x:1",
	"12345",
	"on",
	"a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	"ghcr.io/o/app:2.0.0",
};

static bool
fuzz_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The image a service resolves to with env, or NULL. */
static char *
fuzz_resolve(const struct compose_file_service *s,
    const struct compose_file_env *env)
{
	struct buf	b;

	if (s->image == NULL)
		return NULL;
	buf_init(&b, 1 << 16);
	if (compose_file_interpolate(s->image, env, &b, NULL) != DR_OK ||
	    buf_failed(&b)) {
		buf_done(&b);
		return NULL;
	}
	return buf_steal(&b);
}

static void
fuzz_check_compose(const struct compose_file *cf, size_t i,
    const char *image, const struct compose_file_edit *ed)
{
	struct compose_file			*again = NULL;
	const struct compose_file_service	*a, *b;
	size_t					 j;

	FUZZ_ASSERT(compose_file_parse(span_make(ed->bytes, ed->len), &again,
	    NULL) == DR_OK);
	FUZZ_ASSERT(compose_file_nservices(again) == compose_file_nservices(cf));
	for (j = 0; j < compose_file_nservices(cf); j++) {
		a = compose_file_service(cf, j);
		b = compose_file_service(again, j);
		FUZZ_ASSERT(strcmp(a->name, b->name) == 0);
		FUZZ_ASSERT(a->from == b->from);
		if (j == i)
			FUZZ_ASSERT(fuzz_streq(b->image, image));
		else
			FUZZ_ASSERT(fuzz_streq(a->image, b->image));
	}
	compose_file_free(again);
}

static void
fuzz_check_env(const struct compose_file *cf, size_t i, const char *image,
    const struct compose_file_env *env, const struct compose_file_edit *ed)
{
	struct compose_file_env	*again = NULL;
	char			*before, *after;
	size_t			 j;

	FUZZ_ASSERT(ed->variable != NULL);
	FUZZ_ASSERT(compose_file_env_parse(span_make(ed->bytes, ed->len),
	    &again, NULL) == DR_OK);
	for (j = 0; j < compose_file_nservices(cf); j++) {
		before = fuzz_resolve(compose_file_service(cf, j), env);
		after = fuzz_resolve(compose_file_service(cf, j), again);
		if (j == i)
			FUZZ_ASSERT(after != NULL && strcmp(after, image) == 0);
		else if (before != NULL)
			FUZZ_ASSERT(fuzz_streq(before, after));
		free(before);
		free(after);
	}
	compose_file_env_free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct compose_file		*cf = NULL;
	struct compose_file_env		*env = NULL;
	struct compose_file_edit	 ed;
	struct dr_error			 e;
	const uint8_t			*nul = memchr(data, '\0', size);
	struct span			 yaml, old;
	size_t				 i, n, k;
	char				*resolved, *image;
	enum dr_err			 rc;

	yaml = span_make(data, nul != NULL ? (size_t)(nul - data) : size);
	if (nul != NULL && compose_file_env_parse(span_make(nul + 1,
	    size - yaml.len - 1), &env, NULL) != DR_OK)
		env = NULL;
	if (compose_file_parse(yaml, &cf, &e) != DR_OK) {
		FUZZ_ASSERT(cf == NULL);
		goto out;
	}
	FUZZ_ASSERT(span_eq(compose_file_bytes(cf), yaml));
	n = compose_file_nservices(cf);
	for (i = 0; i < n && i < FUZZ_SERVICES; i++) {
		const struct compose_file_service	*s;

		s = compose_file_service(cf, i);
		FUZZ_ASSERT(compose_file_find(cf, s->name) == s);
		FUZZ_ASSERT((s->image != NULL) ==
		    (s->from == COMPOSE_FILE_IMAGE_OWN ||
		    s->from == COMPOSE_FILE_IMAGE_MERGE));
		/* One fixed image, and one near the current one. */
		resolved = fuzz_resolve(s, env);
		for (k = 0; k < 2; k++) {
			if (k == 0)
				image = xstrdup(fuzz_images[(size + i) %
				    (sizeof(fuzz_images) /
				    sizeof(fuzz_images[0]))]);
			else if (resolved != NULL)
				image = xasprintf("%s%s", resolved,
				    strchr(resolved, ':') != NULL ? "1" :
				    ":1");
			else
				continue;
			rc = compose_file_set_image(cf, s->name, image, env,
			    &ed, &e);
			FUZZ_ASSERT(rc != DR_EINTERNAL);
			if (rc == DR_OK) {
				old = ed.target == COMPOSE_FILE_TARGET_ENV ?
				    compose_file_env_bytes(env) :
				    compose_file_bytes(cf);
				FUZZ_ASSERT(ed.offset + ed.old_len <= old.len);
				FUZZ_ASSERT(ed.len == old.len - ed.old_len +
				    ed.new_len);
				FUZZ_ASSERT(memcmp(ed.bytes, old.p,
				    ed.offset) == 0);
				FUZZ_ASSERT(memcmp(ed.bytes + ed.offset +
				    ed.new_len, old.p + ed.offset + ed.old_len,
				    old.len - ed.offset - ed.old_len) == 0);
				if (ed.target == COMPOSE_FILE_TARGET_COMPOSE)
					fuzz_check_compose(cf, i, image, &ed);
				else
					fuzz_check_env(cf, i, image, env, &ed);
			} else {
				FUZZ_ASSERT(ed.bytes == NULL);
			}
			compose_file_edit_done(&ed);
			free(image);
		}
		free(resolved);
	}
out:
	compose_file_free(cf);
	compose_file_env_free(env);
	return 0;
}
