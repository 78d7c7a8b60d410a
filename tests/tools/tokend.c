/*
 * tokend: a small registry token issuer for the test rig, speaking the
 * Docker token protocol (GET /token?service=..&scope=..) and signing ES256
 * JWTs that a docker-registry configured with the same certificate trusts.
 * Invariant: a token never grants more than the caller is allowed: anonymous
 * callers get "pull" on "public/..." only, the one configured user gets every
 * requested action among pull, push, delete and "*".
 *
 * usage: tokend -k KEY.pem -c CERT.pem [-a ADDR] [-p PORT] [-i ISSUER]
 *               [-u USER:PASSWORD] [-l LOGFILE] [-t TTL]
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#define TOKEND_SCOPES_MAX	64	/* scope parameters per request */
#define TOKEND_SCOPE_LEN_MAX	512	/* bytes in one scope parameter */
#define TOKEND_ACTIONS_MAX	8	/* actions in one scope */
#define TOKEND_LOG_LINE_MAX	8192
#define TOKEND_ES256_HALF	32	/* bytes of r and of s */

struct tokend_config {
	const char	*addr;
	unsigned short	 port;
	const char	*issuer;
	const char	*user;
	const char	*password;
	long		 ttl;
	int		 log_fd;
	EVP_PKEY	*key;
	char		*x5c;		/* base64 (not url) DER certificate */
};

/* One scope parameter as requested and, after grant_scope(), as granted. */
struct tokend_scope {
	char		 type[64];
	char		 name[TOKEND_SCOPE_LEN_MAX];
	const char	*asked[TOKEND_ACTIONS_MAX];
	size_t		 nasked;
	char		 buf[TOKEND_SCOPE_LEN_MAX];
};

/* Per-request collection of the scope query parameters. */
struct tokend_request {
	struct tokend_scope	 scopes[TOKEND_SCOPES_MAX];
	size_t			 nscopes;
	bool			 too_many;
};

static struct tokend_config config = {
	.addr = "127.0.0.1",
	.port = 5004,
	.issuer = "dockrev-test-issuer",
	.user = "tester",
	.password = "testpass",
	.ttl = 300,
	.log_fd = -1,
};

static void
die(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fputs("tokend: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* Standard base64 of LEN bytes; returns a malloc'd NUL-terminated string. */
static char *
base64_std(const unsigned char *p, size_t len)
{
	size_t	 outlen = 4 * ((len + 2) / 3) + 1;
	char	*out;

	if ((out = malloc(outlen)) == NULL)
		abort();
	EVP_EncodeBlock((unsigned char *)out, p, (int)len);
	return out;
}

/* URL-safe base64 without padding (RFC 7515 section 2); malloc'd. */
static char *
base64_url(const unsigned char *p, size_t len)
{
	char	*out, *c;
	size_t	 n;

	out = base64_std(p, len);
	for (c = out; *c != '\0'; c++) {
		if (*c == '+')
			*c = '-';
		else if (*c == '/')
			*c = '_';
	}
	n = strlen(out);
	while (n > 0 && out[n - 1] == '=')
		out[--n] = '\0';
	return out;
}

static char *
json_to_b64url(json_t *j)
{
	char	*s, *out;

	if ((s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		abort();
	out = base64_url((unsigned char *)s, strlen(s));
	free(s);
	return out;
}

/*
 * ES256 over INPUT with the configured key; returns the malloc'd base64url
 * of the raw r||s signature (JWS wants that, OpenSSL gives DER), or NULL.
 */
static char *
sign_es256(const char *input)
{
	EVP_MD_CTX		*md = NULL;
	ECDSA_SIG		*sig = NULL;
	const BIGNUM		*r, *s;
	unsigned char		*der = NULL, raw[2 * TOKEND_ES256_HALF];
	const unsigned char	*p;
	size_t			 derlen = 0;
	char			*out = NULL;

	if ((md = EVP_MD_CTX_new()) == NULL)
		abort();
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, config.key) != 1 ||
	    EVP_DigestSign(md, NULL, &derlen, (const unsigned char *)input,
	    strlen(input)) != 1)
		goto out;
	if ((der = malloc(derlen)) == NULL)
		abort();
	if (EVP_DigestSign(md, der, &derlen, (const unsigned char *)input,
	    strlen(input)) != 1)
		goto out;
	p = der;
	if ((sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) == NULL)
		goto out;
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_bn2binpad(r, raw, TOKEND_ES256_HALF) != TOKEND_ES256_HALF ||
	    BN_bn2binpad(s, raw + TOKEND_ES256_HALF, TOKEND_ES256_HALF) !=
	    TOKEND_ES256_HALF)
		goto out;
	out = base64_url(raw, sizeof raw);
out:
	ECDSA_SIG_free(sig);
	free(der);
	EVP_MD_CTX_free(md);
	return out;
}

/* Splits "type:name:a,b" in place; false when it has no two colons. */
static bool
parse_scope(const char *value, struct tokend_scope *sc)
{
	char	*first, *last, *act, *save = NULL;
	size_t	 len = strlen(value);

	memset(sc, 0, sizeof *sc);
	if (len >= sizeof sc->buf)
		return false;
	memcpy(sc->buf, value, len + 1);
	first = strchr(sc->buf, ':');
	last = strrchr(sc->buf, ':');
	if (first == NULL || first == last)
		return false;
	*first = '\0';
	*last = '\0';
	if (strlen(sc->buf) >= sizeof sc->type)
		return false;
	memcpy(sc->type, sc->buf, strlen(sc->buf) + 1);
	memcpy(sc->name, first + 1, strlen(first + 1) + 1);
	for (act = strtok_r(last + 1, ",", &save); act != NULL &&
	    sc->nasked < TOKEND_ACTIONS_MAX; act = strtok_r(NULL, ",", &save))
		sc->asked[sc->nasked++] = act;
	return true;
}

static bool
action_allowed(const struct tokend_scope *sc, const char *action, bool authed)
{
	static const char *const user_actions[] = { "pull", "push", "delete",
	    "*" };
	size_t	 i;

	if (!authed)
		return strcmp(sc->type, "repository") == 0 &&
		    strncmp(sc->name, "public/", 7) == 0 &&
		    strcmp(action, "pull") == 0;
	for (i = 0; i < sizeof user_actions / sizeof user_actions[0]; i++)
		if (strcmp(action, user_actions[i]) == 0)
			return true;
	return false;
}

/* The JWT "access" claim: one entry per scope, possibly with no actions. */
static json_t *
access_claim(const struct tokend_request *req, bool authed)
{
	json_t	*access, *entry, *actions;
	size_t	 i, j;

	access = json_array();
	for (i = 0; i < req->nscopes; i++) {
		const struct tokend_scope *sc = &req->scopes[i];

		actions = json_array();
		for (j = 0; j < sc->nasked; j++)
			if (action_allowed(sc, sc->asked[j], authed))
				json_array_append_new(actions,
				    json_string(sc->asked[j]));
		entry = json_pack("{s:s, s:s, s:o}", "type", sc->type,
		    "name", sc->name, "actions", actions);
		json_array_append_new(access, entry);
	}
	return access;
}

/* Builds and signs the JWT; returns it malloc'd, or NULL on signing error. */
static char *
make_token(const struct tokend_request *req, const char *user,
    const char *service, time_t now)
{
	json_t		*header = NULL, *claims = NULL;
	char		*h64 = NULL, *c64 = NULL, *input = NULL, *sig = NULL;
	char		*token = NULL, jti[33];
	unsigned char	 rnd[16];
	size_t		 i;

	if (RAND_bytes(rnd, sizeof rnd) != 1)
		goto out;
	for (i = 0; i < sizeof rnd; i++)
		snprintf(jti + 2 * i, 3, "%02x", rnd[i]);
	header = json_pack("{s:s, s:s, s:[s]}", "typ", "JWT", "alg", "ES256",
	    "x5c", config.x5c);
	claims = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:o}",
	    "iss", config.issuer, "sub", user, "aud", service,
	    "exp", (json_int_t)(now + config.ttl),
	    "nbf", (json_int_t)(now - 10), "iat", (json_int_t)now,
	    "jti", jti, "access", access_claim(req, *user != '\0'));
	if (header == NULL || claims == NULL)
		goto out;
	h64 = json_to_b64url(header);
	c64 = json_to_b64url(claims);
	if (asprintf(&input, "%s.%s", h64, c64) < 0)
		abort();
	if ((sig = sign_es256(input)) == NULL)
		goto out;
	if (asprintf(&token, "%s.%s", input, sig) < 0)
		abort();
out:
	json_decref(header);
	json_decref(claims);
	free(h64);
	free(c64);
	free(input);
	free(sig);
	return token;
}

/* One log line per token request, written with one append. */
static void
log_request(const char *user, unsigned int status,
    const struct tokend_request *req)
{
	char		 line[TOKEND_LOG_LINE_MAX], stamp[32];
	struct tm	 tm;
	time_t		 now = time(NULL);
	size_t		 len, i;
	int		 n;

	if (config.log_fd == -1)
		return;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof line, "%s %s %u", stamp,
	    *user != '\0' ? user : "anonymous", status);
	len = (size_t)n;
	for (i = 0; i < req->nscopes && len < sizeof line; i++) {
		const struct tokend_scope *sc = &req->scopes[i];
		size_t j;

		n = snprintf(line + len, sizeof line - len, " %s:%s:", sc->type,
		    sc->name);
		len += (size_t)n;
		for (j = 0; j < sc->nasked && len < sizeof line; j++) {
			n = snprintf(line + len, sizeof line - len, "%s%s",
			    j > 0 ? "," : "", sc->asked[j]);
			len += (size_t)n;
		}
	}
	if (len >= sizeof line - 1)
		len = sizeof line - 2;
	line[len++] = '\n';
	if (write(config.log_fd, line, len) == -1)
		fprintf(stderr, "tokend: log: %s\n", strerror(errno));
}

static enum MHD_Result
collect_scope(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct tokend_request	*req = cls;
	struct tokend_scope	*sc;
	char			*copy, *part, *save = NULL;

	if (strcmp(key, "scope") != 0 || value == NULL)
		return MHD_YES;
	/* OAuth2 style clients put several scopes in one parameter. */
	if ((copy = strdup(value)) == NULL)
		abort();
	for (part = strtok_r(copy, " ", &save); part != NULL;
	    part = strtok_r(NULL, " ", &save)) {
		if (req->nscopes == TOKEND_SCOPES_MAX) {
			req->too_many = true;
			break;
		}
		sc = &req->scopes[req->nscopes];
		if (parse_scope(part, sc))
			req->nscopes++;
	}
	free(copy);
	return MHD_YES;
}

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned int status, const char *type,
    const char *body, bool basic_challenge)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 ret;

	resp = MHD_create_response_from_buffer(strlen(body), (void *)body,
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", type);
	if (basic_challenge)
		MHD_add_response_header(resp, "WWW-Authenticate",
		    "Basic realm=\"dockrev-test\"");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
reply_error(struct MHD_Connection *conn, unsigned int status,
    const char *code, const char *msg)
{
	json_t		*j;
	char		*body;
	enum MHD_Result	 ret;

	j = json_pack("{s:[{s:s, s:s}]}", "errors", "code", code, "message",
	    msg);
	if (j == NULL || (body = json_dumps(j, JSON_COMPACT)) == NULL)
		abort();
	json_decref(j);
	ret = reply(conn, status, "application/json", body, status == 401);
	free(body);
	return ret;
}

static enum MHD_Result
handle_token(struct MHD_Connection *conn)
{
	struct tokend_request	*req;
	const char		*service;
	char			*user = NULL, *pass = NULL, *token = NULL;
	char			*body = NULL, stamp[32];
	json_t			*j = NULL;
	struct tm		 tm;
	time_t			 now = time(NULL);
	enum MHD_Result		 ret;

	if ((req = calloc(1, sizeof *req)) == NULL)
		abort();
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_scope,
	    req);
	if ((service = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "service")) == NULL)
		service = "";
	user = MHD_basic_auth_get_username_password(conn, &pass);
	if (user != NULL && (strcmp(user, config.user) != 0 || pass == NULL ||
	    strcmp(pass, config.password) != 0)) {
		log_request(user, 401, req);
		ret = reply_error(conn, 401, "UNAUTHORIZED",
		    "incorrect username or password");
		goto out;
	}
	if (req->too_many) {
		log_request(user != NULL ? user : "", 400, req);
		ret = reply_error(conn, 400, "INVALID_REQUEST",
		    "too many scopes");
		goto out;
	}
	if ((token = make_token(req, user != NULL ? user : "", service,
	    now)) == NULL) {
		log_request(user != NULL ? user : "", 500, req);
		ret = reply_error(conn, 500, "UNKNOWN", "signing failed");
		goto out;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	j = json_pack("{s:s, s:s, s:I, s:s}", "token", token, "access_token",
	    token, "expires_in", (json_int_t)config.ttl, "issued_at", stamp);
	if (j == NULL || (body = json_dumps(j, JSON_COMPACT)) == NULL)
		abort();
	log_request(user != NULL ? user : "", 200, req);
	ret = reply(conn, 200, "application/json", body, false);
out:
	json_decref(j);
	free(body);
	free(token);
	MHD_free(user);
	MHD_free(pass);
	free(req);
	return ret;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	/* Answer after the whole (ignored) request body has arrived. */
	if (*con_cls == NULL) {
		*con_cls = conn;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/health") == 0)
		return reply(conn, 200, "text/plain", "ok\n", false);
	if (strcmp(url, "/token") != 0)
		return reply_error(conn, 404, "NOT_FOUND", "no such endpoint");
	if (strcmp(method, "GET") != 0)
		return reply_error(conn, 405, "UNSUPPORTED",
		    "only GET is supported");
	return handle_token(conn);
}

static EVP_PKEY *
load_key(const char *path)
{
	FILE		*f;
	EVP_PKEY	*key;

	if ((f = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (key == NULL || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		die("%s: not an EC private key", path);
	return key;
}

static char *
load_cert_x5c(const char *path)
{
	FILE		*f;
	X509		*cert;
	unsigned char	*der = NULL;
	char		*out;
	int		 len;

	if ((f = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (cert == NULL || (len = i2d_X509(cert, &der)) <= 0)
		die("%s: not a PEM certificate", path);
	out = base64_std(der, (size_t)len);
	OPENSSL_free(der);
	X509_free(cert);
	return out;
}

static void
usage(void)
{
	fprintf(stderr, "usage: tokend -k KEY.pem -c CERT.pem [-a ADDR] "
	    "[-p PORT] [-i ISSUER] [-u USER:PASSWORD] [-l LOGFILE] "
	    "[-t TTL]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct MHD_Daemon	*d;
	struct sockaddr_in	 sin;
	const char		*keyfile = NULL, *certfile = NULL;
	char			*colon, *end;
	sigset_t		 set;
	long			 v;
	int			 ch, sig;

	while ((ch = getopt(argc, argv, "a:c:i:k:l:p:t:u:")) != -1) {
		switch (ch) {
		case 'a':
			config.addr = optarg;
			break;
		case 'c':
			certfile = optarg;
			break;
		case 'i':
			config.issuer = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'l':
			config.log_fd = open(optarg,
			    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
			if (config.log_fd == -1)
				die("%s: %s", optarg, strerror(errno));
			break;
		case 'p':
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v <= 0 || v > 65535)
				usage();
			config.port = (unsigned short)v;
			break;
		case 't':
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v <= 0 || v > 86400)
				usage();
			config.ttl = v;
			break;
		case 'u':
			if ((colon = strchr(optarg, ':')) == NULL)
				usage();
			*colon = '\0';
			config.user = optarg;
			config.password = colon + 1;
			break;
		default:
			usage();
		}
	}
	if (keyfile == NULL || certfile == NULL || optind != argc)
		usage();
	config.key = load_key(keyfile);
	config.x5c = load_cert_x5c(certfile);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(config.port);
	if (inet_pton(AF_INET, config.addr, &sin.sin_addr) != 1)
		die("%s: not an IPv4 address", config.addr);

	/* Block the stop signals in every thread, then wait for them here. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG, config.port,
	    NULL, NULL, handle, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
	    MHD_OPTION_END);
	if (d == NULL)
		die("cannot listen on %s:%u", config.addr, config.port);
	fprintf(stderr, "tokend: listening on %s:%u issuer %s\n", config.addr,
	    config.port, config.issuer);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	EVP_PKEY_free(config.key);
	free(config.x5c);
	return 0;
}
