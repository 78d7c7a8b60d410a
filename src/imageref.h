/*
 * imageref: parse and format Docker image references exactly as the
 * distribution reference grammar does (github.com/distribution/reference):
 *   [domain[:port]/]path[:tag][@algo:hex]
 * Familiar names are normalised as Docker's ParseNormalizedNamed does: the
 * first "/"-separated component is the domain only when it contains "." or
 * ":" or is "localhost"; otherwise the domain is docker.io, and a
 * one-component path on docker.io gets "library/" ("nginx" ->
 * docker.io/library/nginx); "index.docker.io" -> "docker.io".  Repository
 * paths must be lowercase and at most 255 bytes (after normalisation).
 * Two deliberate departures from upstream, both rejecting names nothing
 * could pull: an uppercase first component ("Foo/bar") is an error, not a
 * host "Foo"; and a first component chosen as domain that is not a valid
 * host ("a_b.com/x") is an error, not an empty domain.
 */
#ifndef IMAGEREF_H
#define IMAGEREF_H

#include <stdbool.h>

#include "buf.h"
#include "err.h"
#include "span.h"

#define IMAGEREF_MAX	4096	/* longest reference we accept (bytes) */

struct imageref {
	char	*domain;	/* "docker.io", "ghcr.io", "127.0.0.1:5000" */
	char	*path;		/* "library/nginx", "owner/app" */
	char	*tag;		/* "1.25", or NULL when the reference has none */
	char	*digest;	/* "sha256:<64 hex>", or NULL */
};

/*
 * Parses s into a new imageref owned by the caller (free with
 * imageref_free).  A reference with neither tag nor digest gets no tag:
 * callers that need one use imageref_tag() which defaults to "latest".
 * Fails with DR_EINVAL (and a reason in reterr) on anything the grammar
 * rejects, including uppercase in the path, references over IMAGEREF_MAX
 * bytes and a bare 64-hex identifier (which docker reads as an image ID).
 */
enum dr_err	 imageref_parse(struct span s, struct imageref **ret,
		    struct dr_error *reterr);
void		 imageref_free(struct imageref *);
/* The tag, or "latest" when the reference has neither tag nor digest,
 * or NULL when it is digest-only. */
const char	*imageref_tag(const struct imageref *);
/* Appends the fully qualified form "domain/path[:tag][@digest]". */
void		 imageref_format(const struct imageref *, struct buf *);
/* Appends the familiar form ("nginx:1.25", "ghcr.io/o/a:1") as `docker`
 * prints it, except that "docker.io/" or "library/" is kept where dropping
 * it would change what the text parses to ("docker.io/foo.com/x",
 * "library/<64 hex>"). */
void		 imageref_format_familiar(const struct imageref *, struct buf *);
/* Appends "domain/path", the key of a repository. */
void		 imageref_format_repo(const struct imageref *, struct buf *);
/* The host to contact for domain: "registry-1.docker.io" for docker.io,
 * the domain itself otherwise.  Borrowed from ref. */
const char	*imageref_registry_host(const struct imageref *);
/* True when s is a syntactically valid tag:
 * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
bool		 imageref_valid_tag(struct span s);
/* True when s is "algo:hex" with a known algorithm and the right length
 * of lowercase hex (sha256: 64, sha384: 96, sha512: 128). */
bool		 imageref_valid_digest(struct span s);
/* True when s is an identifier, [a-f0-9]{64}: what a reference's name may
 * not be, and how the engine names containers and images. */
bool		 imageref_is_id(struct span s);

#endif
