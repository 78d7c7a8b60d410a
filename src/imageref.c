/*
 * imageref: a hand-written matcher for the distribution reference grammar
 * (reference := name [":" tag] ["@" digest]) plus Docker's normalisation of
 * familiar names.  Invariant: every imageref handed out has a non-empty,
 * lowercase, grammar-valid path of at most IMAGEREF_PATH_MAX bytes, a valid
 * domain, and a tag and digest that are NULL or valid.
 */
#include "imageref.h"

#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

#define IMAGEREF_PATH_MAX	255	/* RepositoryNameTotalLengthMax */
#define IMAGEREF_TAG_MAX	128
#define IMAGEREF_DEFAULT_DOMAIN	"docker.io"
#define IMAGEREF_LEGACY_DOMAIN	"index.docker.io"
#define IMAGEREF_OFFICIAL	"library/"
#define IMAGEREF_HUB_HOST	"registry-1.docker.io"

static const struct {
	const char	*algo;
	size_t		 hexlen;
} imageref_digest_algos[] = {
	{ "sha256", 64 },
	{ "sha384", 96 },
	{ "sha512", 128 },
};

static bool
imageref_is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
imageref_is_alnum(char c)
{
	return imageref_is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool
imageref_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
imageref_is_hex(char c)
{
	return imageref_is_digit(c) || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static bool
imageref_is_word(char c)
{
	return imageref_is_alnum(c) || c == '_';
}

static bool
imageref_has_upper(struct span s)
{
	size_t	i;

	for (i = 0; i < s.len; i++)
		if (s.p[i] >= 'A' && s.p[i] <= 'Z')
			return true;
	return false;
}

bool
imageref_is_id(struct span s)
{
	size_t	i;

	if (s.len != 64)
		return false;
	for (i = 0; i < s.len; i++)
		if (!imageref_is_digit(s.p[i]) && !(s.p[i] >= 'a' &&
		    s.p[i] <= 'f'))
			return false;
	return true;
}

/*
 * path-component := [a-z0-9]+ (separator [a-z0-9]+)*
 * separator      := [_.] | "__" | "-"+
 */
static bool
imageref_valid_component(struct span c)
{
	size_t	i = 0, n;

	for (;;) {
		n = 0;
		while (i < c.len && imageref_is_lower_alnum(c.p[i])) {
			i++;
			n++;
		}
		if (n == 0)
			return false;
		if (i == c.len)
			return true;
		if (c.p[i] == '.')
			i++;
		else if (c.p[i] == '_') {
			i++;
			if (i < c.len && c.p[i] == '_')
				i++;
		} else if (c.p[i] == '-') {
			while (i < c.len && c.p[i] == '-')
				i++;
		} else
			return false;
	}
}

/* path := path-component ("/" path-component)* */
static bool
imageref_valid_path(struct span p)
{
	size_t	i = 0, slash;

	for (;;) {
		struct span	rest = span_sub(p, i, p.len - i);

		slash = span_find(rest, '/');
		if (!imageref_valid_component(span_sub(rest, 0, slash)))
			return false;
		if (slash == rest.len)
			return true;
		i += slash + 1;
	}
}

/* domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool
imageref_valid_domain_component(struct span c)
{
	size_t	i;

	if (c.len == 0 || !imageref_is_alnum(c.p[0]) ||
	    !imageref_is_alnum(c.p[c.len - 1]))
		return false;
	for (i = 1; i + 1 < c.len; i++)
		if (!imageref_is_alnum(c.p[i]) && c.p[i] != '-')
			return false;
	return true;
}

/*
 * domain := host [":" [0-9]+]
 * host   := domain-component ("." domain-component)* | "[" [a-fA-F0-9:]+ "]"
 */
static bool
imageref_valid_domain(struct span d)
{
	struct span	host, port;
	size_t		i, end;

	if (d.len == 0)
		return false;
	if (d.p[0] == '[') {
		end = span_find(d, ']');
		if (end == d.len || end < 2)
			return false;
		for (i = 1; i < end; i++)
			if (!imageref_is_hex(d.p[i]) && d.p[i] != ':')
				return false;
		host = span_sub(d, 0, end + 1);
	} else {
		host = span_sub(d, 0, span_find(d, ':'));
		for (i = 0; i < host.len; i += end + 1) {
			struct span	rest = span_sub(host, i, host.len - i);

			end = span_find(rest, '.');
			if (!imageref_valid_domain_component(span_sub(rest, 0,
			    end)))
				return false;
			if (end == rest.len)
				break;
			/* A trailing '.' leaves an empty last component. */
			if (end + 1 == rest.len)
				return false;
		}
		if (host.len == 0)
			return false;
	}
	if (host.len == d.len)
		return true;
	if (d.p[host.len] != ':')
		return false;
	port = span_sub(d, host.len + 1, d.len - host.len - 1);
	if (port.len == 0)
		return false;
	for (i = 0; i < port.len; i++)
		if (!imageref_is_digit(port.p[i]))
			return false;
	return true;
}

bool
imageref_valid_tag(struct span s)
{
	size_t	i;

	if (s.len == 0 || s.len > IMAGEREF_TAG_MAX || !imageref_is_word(s.p[0]))
		return false;
	for (i = 1; i < s.len; i++)
		if (!imageref_is_word(s.p[i]) && s.p[i] != '.' &&
		    s.p[i] != '-')
			return false;
	return true;
}

bool
imageref_valid_digest(struct span s)
{
	struct span	algo, hex;
	size_t		i, colon;

	colon = span_find(s, ':');
	if (colon == s.len)
		return false;
	algo = span_sub(s, 0, colon);
	hex = span_sub(s, colon + 1, s.len - colon - 1);
	for (i = 0; i < sizeof(imageref_digest_algos) /
	    sizeof(imageref_digest_algos[0]); i++) {
		size_t	j;

		if (!span_eq_str(algo, imageref_digest_algos[i].algo))
			continue;
		if (hex.len != imageref_digest_algos[i].hexlen)
			return false;
		for (j = 0; j < hex.len; j++)
			if (!imageref_is_digit(hex.p[j]) &&
			    !(hex.p[j] >= 'a' && hex.p[j] <= 'f'))
				return false;
		return true;
	}
	return false;
}

/*
 * Splits name into domain and path the way Docker's splitDockerDomain does,
 * then validates both.  *ret_domain and *ret_path are new heap strings.
 */
static enum dr_err
imageref_split_name(struct span name, char **ret_domain, char **ret_path,
    struct dr_error *reterr)
{
	struct span	 first, rest, path;
	struct buf	 b;
	char		*domain = NULL;
	size_t		 slash;
	enum dr_err	 error;

	buf_init(&b, IMAGEREF_MAX + sizeof(IMAGEREF_OFFICIAL));
	slash = span_find(name, '/');
	first = span_sub(name, 0, slash);
	rest = span_sub(name, slash + 1, name.len - slash);

	if (slash == name.len)
		path = name;
	else if (span_eq_str(first, IMAGEREF_LEGACY_DOMAIN)) {
		domain = xstrdup(IMAGEREF_DEFAULT_DOMAIN);
		path = rest;
	} else if (span_eq_str(first, "localhost") ||
	    span_find(first, '.') != first.len ||
	    span_find(first, ':') != first.len) {
		/*
		 * Upstream falls back to an empty domain when this is not a
		 * valid host (e.g. "a_b.com/x"); nothing can pull such a
		 * name, so it is an error here.
		 */
		if (!imageref_valid_domain(first)) {
			error = dr_fail(reterr, DR_EINVAL,
			    "invalid registry domain in image reference");
			goto out;
		}
		domain = xstrndup(first.p, first.len);
		path = rest;
	} else if (imageref_has_upper(first)) {
		/*
		 * Upstream takes an uppercase first component for a host
		 * ("Foo/bar" -> host "Foo"); we refuse it as a mistyped
		 * repository name instead.
		 */
		error = dr_fail(reterr, DR_EINVAL,
		    "repository name must be lowercase");
		goto out;
	} else
		path = name;

	if (domain == NULL)
		domain = xstrdup(IMAGEREF_DEFAULT_DOMAIN);
	if (!imageref_valid_path(path)) {
		error = dr_fail(reterr, DR_EINVAL, imageref_has_upper(path) ?
		    "repository name must be lowercase" :
		    "invalid repository name in image reference");
		goto out;
	}
	if (strcmp(domain, IMAGEREF_DEFAULT_DOMAIN) == 0 &&
	    span_find(path, '/') == path.len)
		buf_adds(&b, IMAGEREF_OFFICIAL);
	buf_addspan(&b, path);
	if (b.len > IMAGEREF_PATH_MAX) {
		error = dr_fail(reterr, DR_EINVAL,
		    "repository name longer than %d characters",
		    IMAGEREF_PATH_MAX);
		goto out;
	}
	*ret_path = buf_steal(&b);
	*ret_domain = domain;
	domain = NULL;
	error = DR_OK;
out:
	buf_done(&b);
	free(domain);
	return error;
}

enum dr_err
imageref_parse(struct span s, struct imageref **ret, struct dr_error *reterr)
{
	struct imageref	*ref = NULL;
	struct span	 nametag, name, tag, digest;
	size_t		 at, slash, colon;
	enum dr_err	 error;

	*ret = NULL;
	if (s.len == 0)
		return dr_fail(reterr, DR_EINVAL, "empty image reference");
	if (s.len > IMAGEREF_MAX)
		return dr_fail(reterr, DR_EINVAL,
		    "image reference longer than %d bytes", IMAGEREF_MAX);
	if (imageref_is_id(s))
		return dr_fail(reterr, DR_EINVAL, "image reference cannot be "
		    "a 64-character hexadecimal identifier");

	/* Neither name nor tag contains '@', and the tag follows the last
	 * '/' (a port's ':' always precedes one). */
	at = span_find(s, '@');
	nametag = span_sub(s, 0, at);
	digest = span_sub(s, at + 1, s.len - at);
	slash = nametag.len;
	while (slash > 0 && nametag.p[slash - 1] != '/')
		slash--;
	colon = slash + span_find(span_sub(nametag, slash, nametag.len), ':');
	name = span_sub(nametag, 0, colon);
	tag = span_sub(nametag, colon + 1, nametag.len);

	if (name.len == 0)
		return dr_fail(reterr, DR_EINVAL,
		    "image reference has no repository name");
	if (colon < nametag.len && !imageref_valid_tag(tag))
		return dr_fail(reterr, DR_EINVAL, "invalid tag in image "
		    "reference");
	if (at < s.len && !imageref_valid_digest(digest))
		return dr_fail(reterr, DR_EINVAL, "invalid or unsupported "
		    "digest in image reference");

	ref = xcalloc(1, sizeof(*ref));
	if ((error = imageref_split_name(name, &ref->domain, &ref->path,
	    reterr)) != DR_OK)
		goto out;
	if (colon < nametag.len)
		ref->tag = xstrndup(tag.p, tag.len);
	if (at < s.len)
		ref->digest = xstrndup(digest.p, digest.len);
	*ret = ref;
	ref = NULL;
out:
	imageref_free(ref);
	return error;
}

void
imageref_free(struct imageref *ref)
{
	if (ref == NULL)
		return;
	free(ref->domain);
	free(ref->path);
	free(ref->tag);
	free(ref->digest);
	free(ref);
}

const char *
imageref_tag(const struct imageref *ref)
{
	if (ref->tag != NULL)
		return ref->tag;
	if (ref->digest != NULL)
		return NULL;
	return "latest";
}

static void
imageref_add_suffix(const struct imageref *ref, struct buf *b)
{
	if (ref->tag != NULL) {
		buf_addc(b, ':');
		buf_adds(b, ref->tag);
	}
	if (ref->digest != NULL) {
		buf_addc(b, '@');
		buf_adds(b, ref->digest);
	}
}

void
imageref_format_repo(const struct imageref *ref, struct buf *b)
{
	buf_adds(b, ref->domain);
	buf_addc(b, '/');
	buf_adds(b, ref->path);
}

void
imageref_format(const struct imageref *ref, struct buf *b)
{
	imageref_format_repo(ref, b);
	imageref_add_suffix(ref, b);
}

/* Would the first component of a docker.io path (always two or more
 * components) be read back as a domain once "docker.io/" is dropped? */
static bool
imageref_familiar_ambiguous(struct span path)
{
	struct span	first;

	first = span_sub(path, 0, span_find(path, '/'));
	return span_eq_str(first, "localhost") ||
	    span_find(first, '.') != first.len;
}

void
imageref_format_familiar(const struct imageref *ref, struct buf *b)
{
	struct span	path = span_str(ref->path);
	struct span	rest;

	if (strcmp(ref->domain, IMAGEREF_DEFAULT_DOMAIN) != 0) {
		imageref_format(ref, b);
		return;
	}
	/*
	 * Like docker, drop "docker.io/" and a "library/" before a single
	 * component; unlike docker, keep what is needed for the result to
	 * parse back to the same reference ("docker.io/foo.com/x",
	 * "library/<64 hex>").
	 */
	if (imageref_familiar_ambiguous(path)) {
		imageref_format(ref, b);
		return;
	}
	if (span_starts(path, IMAGEREF_OFFICIAL)) {
		rest = span_sub(path, strlen(IMAGEREF_OFFICIAL), path.len);
		if (span_find(rest, '/') == rest.len &&
		    !imageref_is_id(rest))
			path = rest;
	}
	buf_addspan(b, path);
	imageref_add_suffix(ref, b);
}

const char *
imageref_registry_host(const struct imageref *ref)
{
	if (strcmp(ref->domain, IMAGEREF_DEFAULT_DOMAIN) == 0)
		return IMAGEREF_HUB_HOST;
	return ref->domain;
}
