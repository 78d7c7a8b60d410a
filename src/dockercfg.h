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
 * $HOME/.docker/config.json).  A missing file (or neither variable set)
 * is not an error: *ret is an empty config, as is an empty file.
 * DR_EINVAL for malformed JSON (duplicate keys included), members of the
 * wrong type, bad base64 or an "auth" without ':', and helper names that
 * are not [A-Za-z0-9._-]+ (no path can be smuggled in); DR_ETOOBIG over
 * DOCKERCFG_MAX; DR_EIO when the file cannot be read.  *ret is NULL on
 * failure.
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
 * and "credHelpers" match with or without scheme and path, in any case
 * ("https://index.docker.io/v1/", "index.docker.io" and
 * "registry-1.docker.io" are docker.io); among several "auths" keys for
 * one domain the one docker writes wins, and entries without credentials
 * are passed over.  credHelpers[domain] wins over credsStore, which wins
 * over auths (as in docker, a helper's "not found" does not fall back).
 * A helper gets the domain on stdin ("https://index.docker.io/v1/" for
 * docker.io); its stderr is discarded.  Returns DR_OK with *ret filled
 * (secret never empty), DR_ENOTFOUND when there are none (anonymous),
 * DR_EINVAL for a malformed domain, or the helper's failure: DR_ECONFIG
 * (not in PATH), DR_EAUTH (failed or killed), DR_EPROTO (unparseable
 * answer), DR_ETIMEOUT, DR_ETOOBIG, DR_EIO.  Safe from several threads at
 * once.  Caller frees ret with dockercfg_cred_done (wipes the secret).
 */
enum dr_err	dockercfg_lookup(struct dockercfg *, const char *domain,
		    struct dockercfg_cred *ret, struct dr_error *reterr);
void		dockercfg_cred_done(struct dockercfg_cred *);

#endif
