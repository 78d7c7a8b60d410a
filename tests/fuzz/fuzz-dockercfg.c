/*
 * fuzz-dockercfg: dockercfg_parse() on arbitrary bytes, then lookups.  No
 * credential helper is ever run: lookups happen only on configs without
 * credsStore/credHelpers (inputs that have them are looked up again with
 * those members stripped), and PATH points nowhere besides.  Invariants:
 * a failed parse hands out nothing; a lookup answers credentials with a
 * non-empty secret, or not-found, or invalid for a bad domain.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dockercfg.h"

#define FUZZ_ASSERT(x)	do { if (!(x)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const domains[] = {
	"docker.io",
	"index.docker.io",
	"ghcr.io",
	"127.0.0.1:5000",
	"localhost:5000",
	"r.example",
};

static void
lookup(struct dockercfg *cfg, const char *domain)
{
	struct dockercfg_cred	cred;
	enum dr_err		rc;

	rc = dockercfg_lookup(cfg, domain, &cred, NULL);
	FUZZ_ASSERT(rc == DR_OK || rc == DR_ENOTFOUND || rc == DR_EINVAL);
	if (rc == DR_OK)
		FUZZ_ASSERT(cred.secret != NULL && cred.secret[0] != '\0');
	else
		FUZZ_ASSERT(cred.username == NULL && cred.secret == NULL &&
		    !cred.identity_token);
	dockercfg_cred_done(&cred);
}

/* Lookups over the fixed domains and the first few auths keys. */
static void
lookups(struct dockercfg *cfg, json_t *root)
{
	json_t		*auths, *v;
	const char	*key;
	size_t		 i, n = 0;

	for (i = 0; i < sizeof(domains) / sizeof(domains[0]); i++)
		lookup(cfg, domains[i]);
	auths = json_object_get(root, "auths");
	json_object_foreach(auths, key, v) {
		if (n++ == 4)
			break;
		lookup(cfg, key);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 once;
	struct dockercfg	*cfg = (struct dockercfg *)1;
	json_t			*root;
	char			*stripped;

	if (!once) {
		/* Belt and braces: no docker-credential-* can be found. */
		setenv("PATH", "/nonexistent/dockrev-fuzz", 1);
		once = 1;
	}
	if (dockercfg_parse(span_make(data, size), &cfg, NULL) != DR_OK) {
		FUZZ_ASSERT(cfg == NULL);
		return 0;
	}
	FUZZ_ASSERT(cfg != NULL);
	root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    NULL);
	if (!json_is_object(root)) {
		/* Whitespace only: an empty config. */
		lookups(cfg, NULL);
		goto out;
	}
	if (json_object_get(root, "credsStore") == NULL &&
	    json_object_get(root, "credHelpers") == NULL) {
		lookups(cfg, root);
		goto out;
	}
	dockercfg_free(cfg);
	cfg = NULL;
	json_object_del(root, "credsStore");
	json_object_del(root, "credHelpers");
	if ((stripped = json_dumps(root, 0)) == NULL)
		goto out;
	if (dockercfg_parse(span_str(stripped), &cfg, NULL) == DR_OK)
		lookups(cfg, root);
	free(stripped);
out:
	json_decref(root);
	dockercfg_free(cfg);
	return 0;
}
