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
 * Content-Type; when it is missing or generic, mediaType in the body and
 * the presence of "manifests"/"config" decide.  Schema 1 manifests and
 * unknown types give DR_EUNSUPPORTED; bad JSON, missing or malformed
 * digests DR_EPROTO; over MANIFEST_MAX or MANIFEST_CHILDREN_MAX
 * DR_ETOOBIG.  Index entries that are attestations (platform
 * unknown/unknown) are skipped.  Caller frees with manifest_done.
 */
enum dr_err	manifest_parse(struct span body, struct span content_type,
		    struct manifest *ret, struct dr_error *reterr);
void		manifest_done(struct manifest *);
/* The child of an index that runs on host, or NULL. */
const struct manifest_child *manifest_find_platform(const struct manifest *,
		    const struct platform *host);
/* Parses an image config blob's os/architecture/variant into ret. */
enum dr_err	manifest_config_platform(struct span body,
		    struct platform *ret, struct dr_error *reterr);

#endif
