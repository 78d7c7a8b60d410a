/*
 * manifest: image manifests, indexes and config blobs from a registry.
 * Invariant: a struct manifest filled by manifest_parse() holds only
 * digests that passed manifest_valid_digest() and normalised platforms;
 * on failure it is empty.
 */
#include "manifest.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "xmalloc.h"

/* The four types we parse; the table index is a manifest "kind". */
static const struct {
	const char	*type;
	bool		 is_index;
} manifest_types[] = {
	{ MEDIATYPE_DOCKER_MANIFEST, false },
	{ MEDIATYPE_DOCKER_LIST, true },
	{ MEDIATYPE_OCI_MANIFEST, false },
	{ MEDIATYPE_OCI_INDEX, true },
};
#define MANIFEST_NTYPES \
	(sizeof(manifest_types) / sizeof(manifest_types[0]))
#define MANIFEST_OCI_MANIFEST		2
#define MANIFEST_OCI_INDEX		3

static const char *const manifest_schema1_types[] = {
	"application/vnd.docker.distribution.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.v1+prettyjws",
};

/* Content-Types that say nothing: the body decides. */
static const char *const manifest_generic_types[] = {
	"application/json",
	"application/octet-stream",
	"text/plain",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static bool
manifest_span_is(struct span s, const char *t)
{
	return strlen(t) == s.len && strncasecmp(s.p, t, s.len) == 0;
}

static bool
manifest_in(struct span s, const char *const *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (manifest_span_is(s, list[i]))
			return true;
	return false;
}

/* Index into manifest_types, or -1. */
static int
manifest_kind(struct span s)
{
	size_t	i;

	for (i = 0; i < MANIFEST_NTYPES; i++)
		if (manifest_span_is(s, manifest_types[i].type))
			return (int)i;
	return -1;
}

/* The media type of a Content-Type value: parameters and OWS cut. */
static struct span
manifest_bare_type(struct span ct)
{
	ct = span_sub(ct, 0, span_find(ct, ';'));
	while (ct.len > 0 && (ct.p[0] == ' ' || ct.p[0] == '\t'))
		ct = span_sub(ct, 1, ct.len);
	while (ct.len > 0 && (ct.p[ct.len - 1] == ' ' ||
	    ct.p[ct.len - 1] == '\t'))
		ct.len--;
	return ct;
}

/* True when s may be quoted in an error message (short, printable). */
static bool
manifest_printable(struct span s)
{
	size_t	i;

	if (s.len > 100)
		return false;
	for (i = 0; i < s.len; i++)
		if ((unsigned char)s.p[i] < 0x20 ||
		    (unsigned char)s.p[i] > 0x7e)
			return false;
	return true;
}

/* "sha256:" + 64 lowercase hex, or "sha512:" + 128. */
static bool
manifest_valid_digest(struct span s)
{
	size_t	i, hex;

	if (span_starts(s, "sha256:"))
		hex = 64;
	else if (span_starts(s, "sha512:"))
		hex = 128;
	else
		return false;
	if (s.len != 7 + hex)
		return false;
	for (i = 7; i < s.len; i++)
		if (!((s.p[i] >= '0' && s.p[i] <= '9') ||
		    (s.p[i] >= 'a' && s.p[i] <= 'f')))
			return false;
	return true;
}

static struct span
manifest_jspan(const json_t *j)
{
	return span_make(json_string_value(j), json_string_length(j));
}

/* Copies a valid digest out of obj["digest"] into dst (160 bytes). */
static bool
manifest_get_digest(const json_t *obj, char *dst, size_t dstlen)
{
	const json_t	*d = json_object_get(obj, "digest");
	struct span	 s;

	if (!json_is_string(d))
		return false;
	s = manifest_jspan(d);
	if (!manifest_valid_digest(s) || s.len >= dstlen)
		return false;
	memcpy(dst, s.p, s.len);
	dst[s.len] = '\0';
	return true;
}

/*
 * Reads obj's os, architecture and optional variant (the member names
 * of both index platforms and config blobs).  *ret_unknown is set for
 * the "unknown/unknown" of buildkit attestations, ret left empty.
 */
static enum dr_err
manifest_get_platform(const json_t *obj, struct platform *ret,
    bool *ret_unknown, const char *what, struct dr_error *reterr)
{
	const json_t	*os, *arch, *variant;
	struct span	 vs = { "", 0 };

	memset(ret, 0, sizeof(*ret));
	*ret_unknown = false;
	os = json_object_get(obj, "os");
	arch = json_object_get(obj, "architecture");
	variant = json_object_get(obj, "variant");
	if (!json_is_string(os) || !json_is_string(arch))
		return dr_fail(reterr, DR_EPROTO,
		    "%s has no os or architecture", what);
	if (variant != NULL && !json_is_null(variant)) {
		if (!json_is_string(variant))
			return dr_fail(reterr, DR_EPROTO,
			    "%s has a malformed variant", what);
		vs = manifest_jspan(variant);
	}
	if (strcmp(json_string_value(os), "unknown") == 0 &&
	    strcmp(json_string_value(arch), "unknown") == 0) {
		*ret_unknown = true;
		return DR_OK;
	}
	if (memchr(json_string_value(os), '\0', json_string_length(os)) ||
	    memchr(json_string_value(arch), '\0', json_string_length(arch)) ||
	    (vs.len > 0 && memchr(vs.p, '\0', vs.len)) ||
	    !platform_set(ret, manifest_jspan(os), manifest_jspan(arch), vs))
		return dr_fail(reterr, DR_EPROTO, "%s has a malformed platform",
		    what);
	return DR_OK;
}

/* True for buildkit's attestation entries, whatever their platform. */
static bool
manifest_is_attestation(const json_t *entry)
{
	const json_t	*ann, *t;

	ann = json_object_get(entry, "annotations");
	t = json_is_object(ann) ?
	    json_object_get(ann, "vnd.docker.reference.type") : NULL;
	return json_is_string(t) &&
	    strcmp(json_string_value(t), "attestation-manifest") == 0;
}

static enum dr_err
manifest_parse_index(const json_t *root, struct manifest *m,
    struct dr_error *reterr)
{
	const json_t		*list, *entry, *platform;
	struct manifest_child	*c;
	char			 what[48];
	size_t			 i, n;
	bool			 unknown;
	enum dr_err		 rc;

	list = json_object_get(root, "manifests");
	if (!json_is_array(list))
		return dr_fail(reterr, DR_EPROTO,
		    "index has no manifests array");
	n = json_array_size(list);
	if (n > MANIFEST_CHILDREN_MAX)
		return dr_fail(reterr, DR_ETOOBIG,
		    "index has %zu entries, over %d", n,
		    MANIFEST_CHILDREN_MAX);
	m->children = xcalloc(n ? n : 1, sizeof(*m->children));
	json_array_foreach(list, i, entry) {
		snprintf(what, sizeof(what), "manifests[%zu]", i);
		if (!json_is_object(entry))
			return dr_fail(reterr, DR_EPROTO, "%s is not an object",
			    what);
		c = &m->children[m->nchildren];
		memset(c, 0, sizeof(*c));
		if (!manifest_get_digest(entry, c->digest, sizeof(c->digest)))
			return dr_fail(reterr, DR_EPROTO,
			    "%s has a missing or malformed digest", what);
		if (manifest_is_attestation(entry))
			continue;
		platform = json_object_get(entry, "platform");
		if (platform != NULL && !json_is_null(platform)) {
			if (!json_is_object(platform))
				return dr_fail(reterr, DR_EPROTO,
				    "%s platform is not an object", what);
			rc = manifest_get_platform(platform, &c->platform,
			    &unknown, what, reterr);
			if (rc != DR_OK)
				return rc;
			if (unknown)
				continue;
			c->has_platform = true;
		}
		m->nchildren++;
	}
	return DR_OK;
}

static enum dr_err
manifest_parse_image(const json_t *root, struct manifest *m,
    struct dr_error *reterr)
{
	const json_t	*config, *layers;

	config = json_object_get(root, "config");
	if (!json_is_object(config))
		return dr_fail(reterr, DR_EPROTO, "manifest has no config");
	if (!manifest_get_digest(config, m->config_digest,
	    sizeof(m->config_digest)))
		return dr_fail(reterr, DR_EPROTO,
		    "manifest has a missing or malformed config digest");
	layers = json_object_get(root, "layers");
	if (layers != NULL && !json_is_array(layers))
		return dr_fail(reterr, DR_EPROTO,
		    "manifest layers is not an array");
	return DR_OK;
}

/*
 * Picks the kind from the Content-Type and the body: a specific
 * Content-Type and the body's mediaType must agree; with neither, the
 * presence of "manifests" or "config" decides (OCI types, whose mediaType
 * member is optional).
 */
static enum dr_err
manifest_pick_kind(const json_t *root, struct span ct, int *ret_kind,
    struct dr_error *reterr)
{
	const json_t	*sv, *mt;
	struct span	 body_type;
	int		 ct_kind = -1, body_kind = -1;
	bool		 has_list, has_config;

	ct = manifest_bare_type(ct);
	if (ct.len > 0) {
		if (manifest_in(ct, manifest_schema1_types,
		    NELEM(manifest_schema1_types)))
			return dr_fail(reterr, DR_EUNSUPPORTED,
			    "schema 1 manifests are not supported");
		ct_kind = manifest_kind(ct);
		if (ct_kind < 0 && !manifest_in(ct, manifest_generic_types,
		    NELEM(manifest_generic_types))) {
			if (manifest_printable(ct))
				return dr_fail(reterr, DR_EUNSUPPORTED,
				    "unsupported manifest type %.*s",
				    (int)ct.len, ct.p);
			return dr_fail(reterr, DR_EUNSUPPORTED,
			    "unsupported manifest type");
		}
	}

	sv = json_object_get(root, "schemaVersion");
	if (json_is_integer(sv) && json_integer_value(sv) == 1)
		return dr_fail(reterr, DR_EUNSUPPORTED,
		    "schema 1 manifests are not supported");
	if (!json_is_integer(sv))
		return dr_fail(reterr, DR_EPROTO,
		    "manifest has no schemaVersion");
	if (json_integer_value(sv) != 2)
		return dr_fail(reterr, DR_EUNSUPPORTED,
		    "manifest schemaVersion %lld is not supported",
		    (long long)json_integer_value(sv));

	mt = json_object_get(root, "mediaType");
	if (mt != NULL) {
		if (!json_is_string(mt))
			return dr_fail(reterr, DR_EPROTO,
			    "manifest mediaType is not a string");
		body_type = manifest_jspan(mt);
		if ((body_kind = manifest_kind(body_type)) < 0) {
			if (manifest_printable(body_type))
				return dr_fail(reterr, DR_EUNSUPPORTED,
				    "unsupported manifest type %.*s",
				    (int)body_type.len, body_type.p);
			return dr_fail(reterr, DR_EUNSUPPORTED,
			    "unsupported manifest type");
		}
	}
	if (ct_kind >= 0 && body_kind >= 0 && ct_kind != body_kind)
		return dr_fail(reterr, DR_EPROTO,
		    "Content-Type %s does not match mediaType %s",
		    manifest_types[ct_kind].type,
		    manifest_types[body_kind].type);
	if (ct_kind >= 0 || body_kind >= 0) {
		*ret_kind = ct_kind >= 0 ? ct_kind : body_kind;
		return DR_OK;
	}

	has_list = json_object_get(root, "manifests") != NULL;
	has_config = json_object_get(root, "config") != NULL;
	if (has_list && has_config)
		return dr_fail(reterr, DR_EPROTO,
		    "manifest has both manifests and config");
	if (!has_list && !has_config)
		return dr_fail(reterr, DR_EUNSUPPORTED,
		    "unknown manifest type");
	*ret_kind = has_list ? MANIFEST_OCI_INDEX : MANIFEST_OCI_MANIFEST;
	return DR_OK;
}

enum dr_err
manifest_parse(struct span body, struct span content_type,
    struct manifest *ret, struct dr_error *reterr)
{
	json_t		*root = NULL;
	json_error_t	 jerr;
	int		 kind = -1;
	enum dr_err	 rc;

	memset(ret, 0, sizeof(*ret));
	if (body.len > MANIFEST_MAX)
		return dr_fail(reterr, DR_ETOOBIG, "manifest over %d bytes",
		    MANIFEST_MAX);
	root = json_loadb(body.p, body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		rc = dr_fail(reterr, DR_EPROTO,
		    "manifest is not valid JSON (line %d column %d)",
		    jerr.line, jerr.column);
		goto out;
	}
	if (!json_is_object(root)) {
		rc = dr_fail(reterr, DR_EPROTO, "manifest is not an object");
		goto out;
	}
	if ((rc = manifest_pick_kind(root, content_type, &kind, reterr)) !=
	    DR_OK)
		goto out;
	ret->is_index = manifest_types[kind].is_index;
	snprintf(ret->media_type, sizeof(ret->media_type), "%s",
	    manifest_types[kind].type);
	if (ret->is_index)
		rc = manifest_parse_index(root, ret, reterr);
	else
		rc = manifest_parse_image(root, ret, reterr);
out:
	if (rc != DR_OK)
		manifest_done(ret);
	json_decref(root);
	return rc;
}

void
manifest_done(struct manifest *m)
{
	if (m == NULL)
		return;
	free(m->children);
	memset(m, 0, sizeof(*m));
}

const struct manifest_child *
manifest_find_platform(const struct manifest *m,
    const struct platform *host)
{
	size_t	i;

	if (m == NULL || !m->is_index)
		return NULL;
	for (i = 0; i < m->nchildren; i++)
		if (m->children[i].has_platform &&
		    platform_match(host, &m->children[i].platform))
			return &m->children[i];
	return NULL;
}

enum dr_err
manifest_config_platform(struct span body, struct platform *ret,
    struct dr_error *reterr)
{
	json_t		*root = NULL;
	json_error_t	 jerr;
	bool		 unknown;
	enum dr_err	 rc;

	memset(ret, 0, sizeof(*ret));
	if (body.len > MANIFEST_MAX)
		return dr_fail(reterr, DR_ETOOBIG, "config blob over %d bytes",
		    MANIFEST_MAX);
	root = json_loadb(body.p, body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		rc = dr_fail(reterr, DR_EPROTO,
		    "config blob is not valid JSON (line %d column %d)",
		    jerr.line, jerr.column);
		goto out;
	}
	if (!json_is_object(root)) {
		rc = dr_fail(reterr, DR_EPROTO, "config blob is not an object");
		goto out;
	}
	rc = manifest_get_platform(root, ret, &unknown, "config blob", reterr);
	if (rc == DR_OK && unknown)
		rc = dr_fail(reterr, DR_EPROTO,
		    "config blob has platform unknown/unknown");
out:
	if (rc != DR_OK)
		memset(ret, 0, sizeof(*ret));
	json_decref(root);
	return rc;
}
