/*
 * manifest: parse image manifests and indexes of the four media types a
 * registry may answer with (Docker v2 schema 2 manifest and manifest list,
 * OCI image manifest and index), and image config blobs (for os/arch).
 */
#ifndef MANIFEST_H
#define MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "platform.h"
#include "span.h"

#define MANIFEST_MAX		(4 * 1024 * 1024)	/* body size limit */
#define MANIFEST_CHILDREN_MAX	256

#define MEDIATYPE_DOCKER_MANIFEST \
	"application/vnd.docker.distribution.manifest.v2+json"
#define MEDIATYPE_DOCKER_LIST \
	"application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIATYPE_OCI_MANIFEST	"application/vnd.oci.image.manifest.v1+json"
#define MEDIATYPE_OCI_INDEX	"application/vnd.oci.image.index.v1+json"
/* The Accept header value listing all four. */
#define MANIFEST_ACCEPT \
	MEDIATYPE_DOCKER_MANIFEST ", " MEDIATYPE_DOCKER_LIST ", " \
	MEDIATYPE_OCI_MANIFEST ", " MEDIATYPE_OCI_INDEX

struct manifest_child {
	char		digest[160];	/* "sha256:..." */
	struct platform	platform;	/* os empty when the entry has none */
	bool		has_platform;
};

struct manifest {
	bool			 is_index;	/* list/index vs single manifest */
	char			 media_type[128];
	/* single manifest: */
	char			 config_digest[160];
	/* index: */
	size_t			 nchildren;
	struct manifest_child	*children;
};

/*
 * Parses body.  content_type (may be empty) is the response's
 * Content-Type (parameters ignored, any case); when it is missing or
 * generic (application/json, application/octet-stream, text/plain),
 * mediaType in the body and the presence of "manifests"/"config" decide.
 * A specific Content-Type that contradicts the body's mediaType is
 * DR_EPROTO.  Schema 1 manifests, schemaVersion other than 2 and unknown
 * types give DR_EUNSUPPORTED; bad JSON (duplicate keys included), a
 * missing schemaVersion, missing or malformed digests ("sha256:" + 64 or
 * "sha512:" + 128 lowercase hex) and malformed platforms DR_EPROTO; over
 * MANIFEST_MAX or MANIFEST_CHILDREN_MAX entries DR_ETOOBIG.  Index entries
 * that are attestations (platform unknown/unknown, or annotation
 * vnd.docker.reference.type=attestation-manifest) are skipped; entries
 * without a platform are kept with has_platform false.  On failure ret
 * is empty.  Caller frees with manifest_done (safe on an empty ret).
 */
enum dr_err	manifest_parse(struct span body, struct span content_type,
		    struct manifest *ret, struct dr_error *reterr);
void		manifest_done(struct manifest *);
/* The first child of an index that runs on host (platform_match), or
 * NULL; NULL for a single manifest.  Borrowed from the manifest. */
const struct manifest_child *manifest_find_platform(const struct manifest *,
		    const struct platform *host);
/* Parses an image config blob's os/architecture/variant into ret,
 * normalised.  DR_EPROTO when they are missing, malformed or
 * unknown/unknown; DR_ETOOBIG over MANIFEST_MAX.  ret is zeroed on
 * failure. */
enum dr_err	manifest_config_platform(struct span body,
		    struct platform *ret, struct dr_error *reterr);

#endif
