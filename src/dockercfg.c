/*
 * dockercfg: credentials from the Docker client's config.json, and from
 * the docker-credential-<name> helpers it names.  Invariant: no secret
 * (password, token, helper output) ever reaches an error message, and
 * every copy of one is wiped before it is freed.
 */
#include "dockercfg.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "proc.h"
#include "xmalloc.h"

#define DOCKERCFG_HUB		"docker.io"
/* The key `docker login` writes for Docker Hub, and what helpers get. */
#define DOCKERCFG_HUB_SERVER	"https://index.docker.io/v1/"
#define DOCKERCFG_HELPER_NAME_MAX 64
#define DOCKERCFG_DOMAIN_MAX	255

/* Names that all mean Docker Hub. */
static const char *const dockercfg_hub_aliases[] = {
	"docker.io",
	"index.docker.io",
	"registry-1.docker.io",
};

struct dockercfg_auth {
	char	*key;		/* as written in the file */
	char	*domain;	/* normalised: "docker.io", "host:port" */
	char	*username;	/* NULL when none */
	char	*secret;	/* NULL when the entry has no credentials */
	bool	 identity_token;
};

struct dockercfg_helper {
	char	*domain;	/* normalised */
	char	*name;		/* valid helper name, never empty */
};

struct dockercfg {
	struct dockercfg_auth	*auths;
	size_t			 nauths;
	struct dockercfg_helper	*helpers;
	size_t			 nhelpers;
	char			*creds_store;	/* NULL when none */
};

/* Frees a string that may hold a secret, wiping it first. */
static void
dockercfg_wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static void
dockercfg_buf_wipe(struct buf *b)
{
	if (b->p != NULL)
		explicit_bzero(b->p, b->cap);
	buf_done(b);
}

/*
 * The registry domain a config key or an image domain stands for:
 * scheme and path cut ("https://host:port/v1/" is "host:port"), lowercase,
 * every Docker Hub alias "docker.io".  New string.
 */
static char *
dockercfg_domain(const char *key)
{
	char	*d;
	size_t	 i, len;

	if (strncasecmp(key, "https://", 8) == 0)
		key += 8;
	else if (strncasecmp(key, "http://", 7) == 0)
		key += 7;
	len = strcspn(key, "/");
	d = xstrndup(key, len);
	for (i = 0; d[i] != '\0'; i++)
		if (d[i] >= 'A' && d[i] <= 'Z')
			d[i] = (char)(d[i] - 'A' + 'a');
	for (i = 0; i < sizeof(dockercfg_hub_aliases) /
	    sizeof(dockercfg_hub_aliases[0]); i++)
		if (strcmp(d, dockercfg_hub_aliases[i]) == 0) {
			free(d);
			return xstrdup(DOCKERCFG_HUB);
		}
	return d;
}

/* A helper name may only make one file name: [A-Za-z0-9._-]+. */
static bool
dockercfg_valid_helper(struct span s)
{
	size_t	i;

	if (s.len == 0 || s.len > DOCKERCFG_HELPER_NAME_MAX)
		return false;
	for (i = 0; i < s.len; i++) {
		unsigned char	c = (unsigned char)s.p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* A domain as in image references: host[:port], IPv6 in brackets. */
static bool
dockercfg_valid_domain(const char *d)
{
	size_t	i;

	if (d == NULL || d[0] == '\0' || strlen(d) > DOCKERCFG_DOMAIN_MAX)
		return false;
	for (i = 0; d[i] != '\0'; i++) {
		unsigned char	c = (unsigned char)d[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr(".-:[]_", c) != NULL))
			return false;
	}
	return true;
}

/* A config key quoted for an error message: printable, bounded. */
static const char *
dockercfg_quote(const char *key, char *dst, size_t dstlen)
{
	size_t	i;

	for (i = 0; key[i] != '\0' && i + 1 < dstlen; i++)
		dst[i] = ((unsigned char)key[i] < 0x20 ||
		    (unsigned char)key[i] > 0x7e) ? '?' : key[i];
	dst[i] = '\0';
	return dst;
}

static int
dockercfg_b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Strict standard base64 (RFC 4648 4): padding complete or absent,
 * nothing outside the alphabet.  Appends the bytes to out.
 */
static bool
dockercfg_b64decode(struct span in, struct buf *out)
{
	unsigned int	acc = 0;
	size_t		i, n = in.len;
	int		bits = 0, v;

	if (n % 4 == 0 && n >= 4 && in.p[n - 1] == '=') {
		n--;
		if (in.p[n - 1] == '=')
			n--;
	}
	if (n % 4 == 1)
		return false;
	for (i = 0; i < n; i++) {
		if ((v = dockercfg_b64val((unsigned char)in.p[i])) < 0)
			return false;
		acc = ((acc << 6) | (unsigned int)v) & 0xffffu;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addc(out, (char)((acc >> bits) & 0xff));
		}
	}
	return !buf_failed(out);
}

/* Reads obj[name] as an optional string: *ret NULL when absent/null. */
static bool
dockercfg_opt_string(const json_t *obj, const char *name, const json_t **ret)
{
	const json_t	*j = json_object_get(obj, name);

	*ret = NULL;
	if (j == NULL || json_is_null(j))
		return true;
	if (!json_is_string(j))
		return false;
	/* A NUL inside would silently cut a C string. */
	if (strlen(json_string_value(j)) != json_string_length(j))
		return false;
	*ret = j;
	return true;
}

static bool
dockercfg_nonempty(const json_t *j)
{
	return j != NULL && json_string_length(j) > 0;
}

/* Fills a from one "auths" entry. */
static enum dr_err
dockercfg_parse_auth(const char *key, const json_t *v,
    struct dockercfg_auth *a, struct dr_error *reterr)
{
	const json_t	*auth, *user, *pass, *token;
	struct buf	 dec;
	char		 q[104];
	char		*colon;
	enum dr_err	 rc = DR_OK;

	buf_init(&dec, DOCKERCFG_MAX);
	a->key = xstrdup(key);
	a->domain = dockercfg_domain(key);
	if (!json_is_object(v)) {
		rc = dr_fail(reterr, DR_EINVAL, "auths[%s] is not an object",
		    dockercfg_quote(key, q, sizeof(q)));
		goto out;
	}
	if (!dockercfg_opt_string(v, "auth", &auth) ||
	    !dockercfg_opt_string(v, "username", &user) ||
	    !dockercfg_opt_string(v, "password", &pass) ||
	    !dockercfg_opt_string(v, "identitytoken", &token)) {
		rc = dr_fail(reterr, DR_EINVAL,
		    "auths[%s] has a member that is not a string",
		    dockercfg_quote(key, q, sizeof(q)));
		goto out;
	}
	if (dockercfg_nonempty(auth)) {
		/* As docker does: "auth" wins over username/password. */
		if (!dockercfg_b64decode(span_make(json_string_value(auth),
		    json_string_length(auth)), &dec) ||
		    memchr(buf_str(&dec), '\0', dec.len) != NULL ||
		    (colon = strchr(buf_str(&dec), ':')) == NULL) {
			rc = dr_fail(reterr, DR_EINVAL,
			    "auths[%s].auth is not base64 of user:password",
			    dockercfg_quote(key, q, sizeof(q)));
			goto out;
		}
		*colon = '\0';
		if (dec.p[0] != '\0')
			a->username = xstrdup(dec.p);
		if (colon[1] != '\0')
			a->secret = xstrdup(colon + 1);
	} else {
		if (dockercfg_nonempty(user))
			a->username = xstrdup(json_string_value(user));
		if (dockercfg_nonempty(pass))
			a->secret = xstrdup(json_string_value(pass));
	}
	if (dockercfg_nonempty(token)) {
		dockercfg_wipe_free(a->secret);
		a->secret = xstrdup(json_string_value(token));
		a->identity_token = true;
	}
out:
	dockercfg_buf_wipe(&dec);
	return rc;
}

static enum dr_err
dockercfg_parse_root(const json_t *root, struct dockercfg *cfg,
    struct dr_error *reterr)
{
	const json_t	*auths, *helpers, *store, *v;
	const char	*key;
	char		 q[104];
	enum dr_err	 rc;

	if (!json_is_object(root))
		return dr_fail(reterr, DR_EINVAL,
		    "docker config is not a JSON object");

	auths = json_object_get(root, "auths");
	if (auths != NULL && !json_is_null(auths)) {
		if (!json_is_object(auths))
			return dr_fail(reterr, DR_EINVAL,
			    "docker config auths is not an object");
		cfg->auths = xcalloc(json_object_size(auths) + 1,
		    sizeof(*cfg->auths));
		json_object_foreach((json_t *)auths, key, v) {
			rc = dockercfg_parse_auth(key, v,
			    &cfg->auths[cfg->nauths++], reterr);
			if (rc != DR_OK)
				return rc;
		}
	}

	if (!dockercfg_opt_string(root, "credsStore", &store))
		return dr_fail(reterr, DR_EINVAL,
		    "docker config credsStore is not a string");
	if (dockercfg_nonempty(store)) {
		if (!dockercfg_valid_helper(span_str(json_string_value(store))))
			return dr_fail(reterr, DR_EINVAL, "docker config "
			    "credsStore is not a valid helper name");
		cfg->creds_store = xstrdup(json_string_value(store));
	}

	helpers = json_object_get(root, "credHelpers");
	if (helpers != NULL && !json_is_null(helpers)) {
		if (!json_is_object(helpers))
			return dr_fail(reterr, DR_EINVAL,
			    "docker config credHelpers is not an object");
		cfg->helpers = xcalloc(json_object_size(helpers) + 1,
		    sizeof(*cfg->helpers));
		json_object_foreach((json_t *)helpers, key, v) {
			if (!json_is_string(v))
				return dr_fail(reterr, DR_EINVAL,
				    "credHelpers[%s] is not a string",
				    dockercfg_quote(key, q, sizeof(q)));
			/* Empty: docker falls back to the file store. */
			if (json_string_length(v) == 0)
				continue;
			if (!dockercfg_valid_helper(span_make(
			    json_string_value(v), json_string_length(v))))
				return dr_fail(reterr, DR_EINVAL, "credHelpers"
				    "[%s] is not a valid helper name",
				    dockercfg_quote(key, q, sizeof(q)));
			cfg->helpers[cfg->nhelpers].domain =
			    dockercfg_domain(key);
			cfg->helpers[cfg->nhelpers].name =
			    xstrdup(json_string_value(v));
			cfg->nhelpers++;
		}
	}
	return DR_OK;
}

enum dr_err
dockercfg_parse(struct span json, struct dockercfg **ret,
    struct dr_error *reterr)
{
	struct dockercfg	*cfg = NULL;
	json_t			*root = NULL;
	json_error_t		 jerr;
	size_t			 i;
	enum dr_err		 rc = DR_OK;

	*ret = NULL;
	if (json.len > DOCKERCFG_MAX)
		return dr_fail(reterr, DR_ETOOBIG,
		    "docker config over %d bytes", DOCKERCFG_MAX);
	cfg = xcalloc(1, sizeof(*cfg));
	/* An empty file is an empty config, as docker reads it. */
	for (i = 0; i < json.len; i++)
		if (strchr(" \t\r\n", json.p[i]) == NULL || json.p[i] == '\0')
			break;
	if (i == json.len)
		goto out;
	/* Duplicate keys would make it ambiguous whose password is used. */
	root = json_loadb(json.p, json.len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		/* jerr.text may quote the input: keep it out. */
		rc = dr_fail(reterr, DR_EINVAL,
		    "docker config is not valid JSON (line %d column %d)",
		    jerr.line, jerr.column);
		goto out;
	}
	rc = dockercfg_parse_root(root, cfg, reterr);
out:
	json_decref(root);
	if (rc != DR_OK)
		dockercfg_free(cfg);
	else
		*ret = cfg;
	return rc;
}

/* The config path: $DOCKER_CONFIG/config.json, ~/.docker/config.json. */
static char *
dockercfg_default_path(void)
{
	const char	*dir;

	if ((dir = getenv("DOCKER_CONFIG")) != NULL && dir[0] != '\0')
		return xasprintf("%s/config.json", dir);
	if ((dir = getenv("HOME")) != NULL && dir[0] != '\0')
		return xasprintf("%s/.docker/config.json", dir);
	return NULL;
}

enum dr_err
dockercfg_load(const char *path, struct dockercfg **ret,
    struct dr_error *reterr)
{
	struct stat	 st;
	struct buf	 b;
	char		*dflt = NULL, chunk[8192];
	ssize_t		 n;
	int		 fd = -1;
	enum dr_err	 rc;

	*ret = NULL;
	buf_init(&b, DOCKERCFG_MAX);
	if (path == NULL && (path = dflt = dockercfg_default_path()) == NULL) {
		*ret = xcalloc(1, sizeof(**ret));
		rc = DR_OK;
		goto out;
	}
	/* O_NONBLOCK: a FIFO must not hang us; regular files ignore it. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) ==
	    -1) {
		if (errno == ENOENT || errno == ENOTDIR) {
			*ret = xcalloc(1, sizeof(**ret));
			rc = DR_OK;
		} else
			rc = dr_fail(reterr, DR_EIO, "%s: %s", path,
			    strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		rc = dr_fail(reterr, DR_EINVAL, "%s: not a regular file", path);
		goto out;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rc = dr_fail(reterr, DR_EIO, "%s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (!buf_add(&b, chunk, (size_t)n)) {
			rc = dr_fail(reterr, DR_ETOOBIG, "%s: over %d bytes",
			    path, DOCKERCFG_MAX);
			goto out;
		}
	}
	rc = dockercfg_parse(buf_span(&b), ret, reterr);
out:
	explicit_bzero(chunk, sizeof(chunk));
	if (fd != -1)
		close(fd);
	dockercfg_buf_wipe(&b);
	free(dflt);
	return rc;
}

void
dockercfg_free(struct dockercfg *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nauths; i++) {
		free(cfg->auths[i].key);
		free(cfg->auths[i].domain);
		dockercfg_wipe_free(cfg->auths[i].username);
		dockercfg_wipe_free(cfg->auths[i].secret);
	}
	free(cfg->auths);
	for (i = 0; i < cfg->nhelpers; i++) {
		free(cfg->helpers[i].domain);
		free(cfg->helpers[i].name);
	}
	free(cfg->helpers);
	free(cfg->creds_store);
	free(cfg);
}

void
dockercfg_cred_done(struct dockercfg_cred *c)
{
	if (c == NULL)
		return;
	dockercfg_wipe_free(c->username);
	dockercfg_wipe_free(c->secret);
	memset(c, 0, sizeof(*c));
}

/*
 * Credential helpers.
 */

/*
 * Runs "docker-credential-<name> get" with server on its stdin (stderr
 * discarded: it must not end up in our logs) and parses its answer.  The
 * helper is killed with its process group on timeout or overflow.
 */
static enum dr_err
dockercfg_helper_get(const char *name, const char *server,
    struct dockercfg_cred *ret, struct dr_error *reterr)
{
	struct proc_opts	 po = { 0 };
	struct proc_result	 res;
	json_t			*root = NULL;
	const json_t		*user, *secret;
	char			*argv[3];
	enum dr_err		 rc;

	argv[0] = xasprintf("docker-credential-%s", name);
	argv[1] = (char *)"get";
	argv[2] = NULL;
	po.in = span_str(server);
	po.timeout_ms = DOCKERCFG_HELPER_TIMEOUT_MS;
	po.out_max = DOCKERCFG_HELPER_OUT_MAX;
	po.flags = PROC_STDERR_NULL | PROC_OVERFLOW_FAILS;
	if ((rc = proc_run(argv, &po, &res, reterr)) != DR_OK)
		goto out;
	if (res.exit_code != 0) {
		/* docker-credential-helpers' errCredentialsNotFound. */
		if (memmem(buf_str(&res.out), res.out.len,
		    "credentials not found", 21) != NULL)
			rc = dr_fail(reterr, DR_ENOTFOUND,
			    "no credentials for %s in %s", server, argv[0]);
		else if (res.signal != 0)
			rc = dr_fail(reterr, DR_EAUTH, "%s killed by signal %d",
			    argv[0], res.signal);
		else
			rc = dr_fail(reterr, DR_EAUTH, "%s failed (exit %d)",
			    argv[0], res.exit_code);
		goto out;
	}
	root = json_loadb(buf_str(&res.out), res.out.len,
	    JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root) ||
	    !dockercfg_opt_string(root, "Username", &user) ||
	    !dockercfg_opt_string(root, "Secret", &secret)) {
		rc = dr_fail(reterr, DR_EPROTO, "%s answered malformed JSON",
		    argv[0]);
		goto out;
	}
	if (!dockercfg_nonempty(secret)) {
		rc = dr_fail(reterr, DR_ENOTFOUND, "no credentials for %s in %s",
		    server, argv[0]);
		goto out;
	}
	if (user != NULL && strcmp(json_string_value(user), "<token>") == 0)
		ret->identity_token = true;
	else if (dockercfg_nonempty(user))
		ret->username = xstrdup(json_string_value(user));
	ret->secret = xstrdup(json_string_value(secret));
out:
	/* jansson frees its copies unwiped; ours at least are wiped. */
	json_decref(root);
	dockercfg_buf_wipe(&res.out);
	proc_result_done(&res);
	free(argv[0]);
	return rc;
}

/*
 * The best "auths" entry with credentials for domain: the key docker
 * itself writes (DOCKERCFG_HUB_SERVER, or the bare domain) first, then
 * the first other key naming the same domain.
 */
static const struct dockercfg_auth *
dockercfg_find_auth(const struct dockercfg *cfg, const char *domain)
{
	const struct dockercfg_auth	*best = NULL, *a;
	const char			*canon;
	size_t				 i;

	canon = strcmp(domain, DOCKERCFG_HUB) == 0 ? DOCKERCFG_HUB_SERVER :
	    domain;
	for (i = 0; i < cfg->nauths; i++) {
		a = &cfg->auths[i];
		if (a->secret == NULL || strcmp(a->domain, domain) != 0)
			continue;
		if (strcmp(a->key, canon) == 0)
			return a;
		if (best == NULL)
			best = a;
	}
	return best;
}

enum dr_err
dockercfg_lookup(struct dockercfg *cfg, const char *domain,
    struct dockercfg_cred *ret, struct dr_error *reterr)
{
	const struct dockercfg_auth	*a;
	const char			*helper = NULL, *server;
	char				*d = NULL;
	size_t				 i;
	enum dr_err			 rc;

	memset(ret, 0, sizeof(*ret));
	if (!dockercfg_valid_domain(domain))
		return dr_fail(reterr, DR_EINVAL,
		    "invalid registry domain for credentials");
	if (cfg == NULL)
		return dr_fail(reterr, DR_ENOTFOUND, "no docker config");
	d = dockercfg_domain(domain);
	for (i = 0; i < cfg->nhelpers; i++)
		if (strcmp(cfg->helpers[i].domain, d) == 0) {
			helper = cfg->helpers[i].name;
			break;
		}
	if (helper == NULL)
		helper = cfg->creds_store;
	if (helper != NULL) {
		server = strcmp(d, DOCKERCFG_HUB) == 0 ? DOCKERCFG_HUB_SERVER :
		    d;
		rc = dockercfg_helper_get(helper, server, ret, reterr);
		goto out;
	}
	if ((a = dockercfg_find_auth(cfg, d)) == NULL) {
		rc = dr_fail(reterr, DR_ENOTFOUND, "no credentials for %s", d);
		goto out;
	}
	ret->username = a->username ? xstrdup(a->username) : NULL;
	ret->secret = xstrdup(a->secret);
	ret->identity_token = a->identity_token;
	rc = DR_OK;
out:
	if (rc != DR_OK)
		dockercfg_cred_done(ret);
	free(d);
	return rc;
}
