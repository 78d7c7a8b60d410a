/*
 * fuzz-imageref: imageref_parse on arbitrary bytes.  Whatever parses must
 * satisfy the module invariant and survive format -> parse unchanged, in
 * the full, familiar and repository forms; the tag and digest validators
 * must agree with the parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imageref.h"

#define FUZZ_ASSERT(c)	do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static bool
fuzz_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
fuzz_check_fields(const struct imageref *ref)
{
	const char	*p;

	FUZZ_ASSERT(ref->domain != NULL && ref->domain[0] != '\0');
	FUZZ_ASSERT(ref->path != NULL && ref->path[0] != '\0');
	FUZZ_ASSERT(strlen(ref->path) <= 255);
	for (p = ref->path; *p != '\0'; p++)
		FUZZ_ASSERT((*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '-' || *p == '/');
	FUZZ_ASSERT(strcmp(ref->domain, "index.docker.io") != 0);
	if (strcmp(ref->domain, "docker.io") == 0) {
		FUZZ_ASSERT(strchr(ref->path, '/') != NULL);
		FUZZ_ASSERT(strcmp(imageref_registry_host(ref),
		    "registry-1.docker.io") == 0);
	} else
		FUZZ_ASSERT(imageref_registry_host(ref) == ref->domain);
	FUZZ_ASSERT(ref->tag == NULL ||
	    imageref_valid_tag(span_str(ref->tag)));
	FUZZ_ASSERT(ref->digest == NULL ||
	    imageref_valid_digest(span_str(ref->digest)));
	if (ref->tag != NULL)
		FUZZ_ASSERT(imageref_tag(ref) == ref->tag);
	else if (ref->digest != NULL)
		FUZZ_ASSERT(imageref_tag(ref) == NULL);
	else
		FUZZ_ASSERT(strcmp(imageref_tag(ref), "latest") == 0);
}

/* Parses b and checks it gives ref's fields (without tag and digest when
 * repo_only). */
static void
fuzz_reparse(const struct imageref *ref, const struct buf *b, bool repo_only)
{
	struct imageref	*again = NULL;

	FUZZ_ASSERT(!buf_failed(b));
	FUZZ_ASSERT(imageref_parse(buf_span(b), &again, NULL) == DR_OK);
	FUZZ_ASSERT(strcmp(again->domain, ref->domain) == 0);
	FUZZ_ASSERT(strcmp(again->path, ref->path) == 0);
	if (repo_only) {
		FUZZ_ASSERT(again->tag == NULL && again->digest == NULL);
	} else {
		FUZZ_ASSERT(fuzz_streq(again->tag, ref->tag));
		FUZZ_ASSERT(fuzz_streq(again->digest, ref->digest));
	}
	imageref_free(again);
}

/* A string the tag (or digest) validator accepts must parse after "x:"
 * (or "x@"), and one it rejects must not. */
static void
fuzz_validators(struct span s)
{
	struct imageref	*ref = NULL;
	struct buf	 b;
	bool		 tag_ok, digest_ok;
	enum dr_err	 r;

	tag_ok = imageref_valid_tag(s);
	digest_ok = imageref_valid_digest(s);
	buf_init(&b, IMAGEREF_MAX);

	buf_adds(&b, "x:");
	buf_addspan(&b, s);
	if (!buf_failed(&b)) {
		r = imageref_parse(buf_span(&b), &ref, NULL);
		/* "x:<s>" also parses when s is a port and a path, or a
		 * tag and a digest. */
		if (tag_ok)
			FUZZ_ASSERT(r == DR_OK && ref->tag != NULL &&
			    span_eq_str(s, ref->tag));
		else if (r == DR_OK)
			FUZZ_ASSERT(strcmp(ref->domain, "docker.io") != 0 ||
			    ref->digest != NULL);
		imageref_free(ref);
		ref = NULL;
	}

	buf_reset(&b);
	buf_adds(&b, "x@");
	buf_addspan(&b, s);
	if (!buf_failed(&b)) {
		r = imageref_parse(buf_span(&b), &ref, NULL);
		FUZZ_ASSERT((r == DR_OK) == digest_ok);
		if (r == DR_OK)
			FUZZ_ASSERT(span_eq_str(s, ref->digest));
		imageref_free(ref);
	}
	buf_done(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct span	 s = span_make(data, size);
	struct imageref	*ref = (struct imageref *)&s;	/* must be reset */
	struct dr_error	 e;
	struct buf	 full, fam, repo;

	fuzz_validators(s);
	if (imageref_parse(s, &ref, &e) != DR_OK) {
		FUZZ_ASSERT(ref == NULL);
		FUZZ_ASSERT(e.code == DR_EINVAL && e.msg[0] != '\0');
		return 0;
	}
	FUZZ_ASSERT(size <= IMAGEREF_MAX);
	fuzz_check_fields(ref);

	buf_init(&full, IMAGEREF_MAX);
	buf_init(&fam, IMAGEREF_MAX);
	buf_init(&repo, IMAGEREF_MAX);
	imageref_format(ref, &full);
	imageref_format_familiar(ref, &fam);
	imageref_format_repo(ref, &repo);
	fuzz_reparse(ref, &full, false);
	fuzz_reparse(ref, &fam, false);
	fuzz_reparse(ref, &repo, true);
	FUZZ_ASSERT(fam.len <= full.len);
	FUZZ_ASSERT(strncmp(buf_str(&full), buf_str(&repo), repo.len) == 0);
	/* Formatting what we formatted is a fixed point. */
	{
		struct imageref	*again = NULL;
		struct buf	 b;

		FUZZ_ASSERT(imageref_parse(buf_span(&full), &again, NULL) ==
		    DR_OK);
		buf_init(&b, IMAGEREF_MAX);
		imageref_format(again, &b);
		FUZZ_ASSERT(strcmp(buf_str(&b), buf_str(&full)) == 0);
		buf_done(&b);
		imageref_free(again);
	}
	buf_done(&full);
	buf_done(&fam);
	buf_done(&repo);
	imageref_free(ref);
	return 0;
}
