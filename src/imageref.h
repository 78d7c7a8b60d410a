/*
 * imageref: parse and format Docker image references exactly as the
 * distribution reference grammar does (github.com/distribution/reference):
 *   [domain[:port]/]path[:tag][@algo:hex]
 * Familiar names are normalised: "nginx" -> docker.io/library/nginx,
 * "index.docker.io" -> "docker.io".  Repository paths must be lowercase.
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
 * rejects, including uppercase in the path and names over IMAGEREF_MAX.
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
 * prints it. */
void		 imageref_format_familiar(const struct imageref *, struct buf *);
/* Appends "domain/path", the key of a repository. */
void		 imageref_format_repo(const struct imageref *, struct buf *);
/* The host to contact for domain: "registry-1.docker.io" for docker.io,
 * the domain itself otherwise.  Borrowed from ref. */
const char	*imageref_registry_host(const struct imageref *);
/* True when s is a syntactically valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}). */
bool		 imageref_valid_tag(struct span s);
/* True when s is "algo:hex" with a known algorithm and the right length
 * (sha256: 64 lowercase hex, sha512: 128). */
bool		 imageref_valid_digest(struct span s);

#endif
