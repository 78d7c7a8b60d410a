/*
 * pull: fetch an image through the engine (POST /images/create) with the
 * registry credentials of the docker config, then verify what arrived:
 * the digest we were told about (when given) and the host's platform.
 * A failed or wrong pull changes no container.
 */
#ifndef PULL_H
#define PULL_H

#include "docker-client.h"
#include "dockercfg.h"
#include "err.h"
#include "imageref.h"
#include "platform.h"

#define PULL_TIMEOUT_MS	(30L * 60 * 1000)

struct pull_result {
	char		image_id[160];	/* "sha256:..." of the local image */
	char		digest[160];	/* its RepoDigest for this repository */
	struct platform	platform;
};

/* Receives the pull's status lines ("Digest: ...", "Status: ..."). */
typedef void	pull_log_fn(const char *line, void *arg);

/*
 * Pulls ref (tag or digest) and checks the result: when want_digest is
 * set, the image must carry it among its RepoDigests (DR_EPROTO
 * otherwise: the tag moved again); the image must run on host
 * (DR_EUNSUPPORTED otherwise).  The engine's error text comes back in
 * reterr (DR_EDOCKER).  creds may be NULL (anonymous).
 */
enum dr_err	pull_image(struct docker *, struct dockercfg *creds,
		    const struct imageref *ref, const struct platform *host,
		    const char *want_digest, pull_log_fn *log, void *log_arg,
		    struct pull_result *ret, struct dr_error *reterr);

/*
 * Reads a local image (by ID or reference): its ID, the RepoDigest it has
 * for ref's repository ("" when none) and its platform.
 */
enum dr_err	pull_inspect(struct docker *, const char *image,
		    const struct imageref *ref, struct pull_result *ret,
		    struct dr_error *reterr);

/*
 * Puts the local image `image` (an ID, or a reference) under ref's tag
 * (the engine's POST /images/{id}/tag), without the registry: the offline
 * half of a rollback.  Checks the image runs on host (when not NULL) and
 * fills *ret as pull_inspect(ref) then shows it.
 */
enum dr_err	pull_tag_local(struct docker *, const char *image,
		    const struct imageref *ref, const struct platform *host,
		    struct pull_result *ret, struct dr_error *reterr);

#endif
