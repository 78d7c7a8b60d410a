/*
 * dockercfg: registry credentials from the Docker client config,
 * $DOCKER_CONFIG/config.json or ~/.docker/config.json: "auths" (base64
 * "auth" or username/password, "identitytoken"), "credsStore" and
 * "credHelpers" (docker-credential-<name> run by argv, never a shell,
 * with a timeout and an output cap).  Secrets are never logged.
 */
#ifndef DOCKERCFG_H
#define DOCKERCFG_H

#include <stdbool.h>

#include "err.h"
#include "span.h"

#define DOCKERCFG_MAX		(1024 * 1024)	/* config.json size limit */
#define DOCKERCFG_HELPER_OUT_MAX (64 * 1024)
#define DOCKERCFG_HELPER_TIMEOUT_MS 5000

struct dockercfg;

struct dockercfg_cred {
	char	*username;	/* NULL when none */
	char	*secret;	/* password, or identity token */
	bool	 identity_token; /* secret is an OAuth refresh token */
};

/*
 * Loads the config from path (NULL: $DOCKER_CONFIG/config.json, else
 * $HOME/.docker/config.json).  A missing file is not an error: *ret is an
 * empty config.  DR_EINVAL for malformed JSON or base64, DR_ETOOBIG over
 * DOCKERCFG_MAX.
 */
enum dr_err	dockercfg_load(const char *path, struct dockercfg **ret,
		    struct dr_error *reterr);
/* Same, from bytes (for tests and fuzzing). */
enum dr_err	dockercfg_parse(struct span json, struct dockercfg **ret,
		    struct dr_error *reterr);
void		dockercfg_free(struct dockercfg *);

/*
 * Looks up credentials for a registry domain as written in image
 * references ("docker.io", "ghcr.io", "127.0.0.1:5000").  Keys of "auths"
 * match with or without scheme and path ("https://index.docker.io/v1/" is
 * docker.io).  credHelpers[domain] wins over credsStore, which wins over
 * auths.  Returns DR_OK with *ret filled, DR_ENOTFOUND when there are none
 * (anonymous), or the helper's failure (DR_EAUTH, DR_ETIMEOUT,
 * DR_ETOOBIG).  Caller frees ret with dockercfg_cred_done.
 */
enum dr_err	dockercfg_lookup(struct dockercfg *, const char *domain,
		    struct dockercfg_cred *ret, struct dr_error *reterr);
void		dockercfg_cred_done(struct dockercfg_cred *);

#endif
