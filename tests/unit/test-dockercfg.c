/*
 * test-dockercfg: config.json parsing, lookups, and credential helpers run
 * for real: fake docker-credential-* shell scripts in a temporary
 * directory put first on PATH.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dockercfg.h"
#include "xmalloc.h"

static char	tmpdir[] = "/tmp/test-dockercfg.XXXXXX";

/* The fake helper: answers by the server URL it reads on stdin. */
static const char fake_helper[] =
	"#!/bin/sh\n"
	"[ \"$1\" = get ] || { echo \"bad verb $1\"; exit 3; }\n"
	"url=$(cat)\n"
	"case $url in\n"
	"https://index.docker.io/v1/)\n"
	"  printf '{\"ServerURL\":\"%s\",\"Username\":\"hubuser\","
	"\"Secret\":\"hubpass\"}' \"$url\" ;;\n"
	"ok.example|127.0.0.1:5000)\n"
	"  printf '{\"Username\":\"alice\",\"Secret\":\"s3cret\"}\\n' ;;\n"
	"token.example)\n"
	"  printf '{\"Username\":\"<token>\",\"Secret\":\"refresh-tok\"}' ;;\n"
	"missing.example)\n"
	"  echo 'credentials not found in native keychain'; exit 1 ;;\n"
	"fail.example) echo 'hunter2 leaked on failure'; exit 2 ;;\n"
	"badjson.example) echo 'hunter2 is not json' ;;\n"
	"empty.example) printf '{\"Username\":\"\",\"Secret\":\"\"}' ;;\n"
	"hang.example)\n"
	"  sleep 30 & echo $! > \"$FAKE_DIR/hang.pid\"; wait ;;\n"
	"closed.example) exec >&-; sleep 30 ;;\n"
	"huge.example) head -c 200000 /dev/zero | tr '\\0' x ;;\n"
	"signal.example) kill -9 $$ ;;\n"
	"stderr.example)\n"
	"  echo noise >&2; printf '{\"Username\":\"u\",\"Secret\":\"p\"}' ;;\n"
	"*) echo 'credentials not found in native keychain'; exit 1 ;;\n"
	"esac\n";

/* A second helper, to tell credHelpers from credsStore. */
static const char other_helper[] =
	"#!/bin/sh\n"
	"url=$(cat)\n"
	"printf '{\"Username\":\"other\",\"Secret\":\"%s\"}' \"$url\"\n";

static void
write_file(const char *name, const char *text, mode_t mode)
{
	char	*path = xasprintf("%s/%s", tmpdir, name);
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CHECK(fd != -1);
	if (fd != -1) {
		CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
		close(fd);
	}
	free(path);
}

static void
setup(void)
{
	const char	*old = getenv("PATH");
	char		*path;

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	write_file("docker-credential-fake", fake_helper, 0755);
	write_file("docker-credential-other", other_helper, 0755);
	path = xasprintf("%s:%s", tmpdir, old ? old : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	setenv("FAKE_DIR", tmpdir, 1);
	free(path);
}

static void
cleanup(void)
{
	const char	*names[] = { "docker-credential-fake",
	    "docker-credential-other", "hang.pid", "config.json",
	    "big.json", "fifo", "sub/config.json", "home/.docker/config.json",
	    "home/.docker", "home", "sub" };
	size_t		 i;
	char		*p;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		p = xasprintf("%s/%s", tmpdir, names[i]);
		remove(p);
		free(p);
	}
	CHECK(rmdir(tmpdir) == 0);
}

static struct dockercfg *
parse(const char *json)
{
	struct dockercfg	*cfg = NULL;
	struct dr_error		 err;

	dr_error_clear(&err);
	if (dockercfg_parse(span_str(json), &cfg, &err) != DR_OK)
		fprintf(stderr, "parse failed: %s: %s\n", json, err.msg);
	CHECK(cfg != NULL);
	return cfg;
}

/* "alice:s3cret" and friends in base64. */
#define B64_ALICE	"YWxpY2U6czNjcmV0"		/* alice:s3cret */
#define B64_BOB		"Ym9iOmh1bnRlcjI="	/* bob:hunter2 */
#define B64_CAROL	"Y2Fyb2w6cDpxOnI="		/* carol:p:q:r */
#define B64_NOCOLON	"bm9jb2xvbg=="			/* nocolon */

static const struct {
	const char	*json;
	const char	*domain;
	enum dr_err	 rc;
	const char	*username, *secret;
	bool		 identity_token;
} lookup_cases[] = {
	/* Docker Hub under its many names. */
	{ "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" B64_BOB
	  "\"}}}", "docker.io", DR_OK, "bob", "hunter2", false },
	{ "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" B64_BOB
	  "\"}}}", "index.docker.io", DR_OK, "bob", "hunter2", false },
	{ "{\"auths\":{\"docker.io\":{\"auth\":\"" B64_BOB "\"}}}",
	  "docker.io", DR_OK, "bob", "hunter2", false },
	{ "{\"auths\":{\"registry-1.docker.io\":{\"auth\":\"" B64_BOB "\"}}}",
	  "docker.io", DR_OK, "bob", "hunter2", false },
	{ "{\"auths\":{\"https://registry-1.docker.io/v2/\":{\"auth\":\""
	  B64_BOB "\"}}}", "docker.io", DR_OK, "bob", "hunter2", false },
	/* The key docker writes wins over another spelling. */
	{ "{\"auths\":{\"docker.io\":{\"auth\":\"" B64_ALICE "\"},"
	  "\"https://index.docker.io/v1/\":{\"auth\":\"" B64_BOB "\"}}}",
	  "docker.io", DR_OK, "bob", "hunter2", false },
	/* An entry without credentials does not hide one with. */
	{ "{\"auths\":{\"https://index.docker.io/v1/\":{},"
	  "\"docker.io\":{\"auth\":\"" B64_ALICE "\"}}}", "docker.io", DR_OK,
	  "alice", "s3cret", false },
	/* host:port with and without scheme and path. */
	{ "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"" B64_ALICE "\"}}}",
	  "127.0.0.1:5000", DR_OK, "alice", "s3cret", false },
	{ "{\"auths\":{\"https://127.0.0.1:5000\":{\"auth\":\"" B64_ALICE
	  "\"}}}", "127.0.0.1:5000", DR_OK, "alice", "s3cret", false },
	{ "{\"auths\":{\"http://Ghcr.IO/v2/\":{\"auth\":\"" B64_ALICE
	  "\"}}}", "ghcr.io", DR_OK, "alice", "s3cret", false },
	{ "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"" B64_ALICE "\"}}}",
	  "127.0.0.1:5001", DR_ENOTFOUND, NULL, NULL, false },
	{ "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"" B64_ALICE "\"}}}",
	  "127.0.0.1", DR_ENOTFOUND, NULL, NULL, false },
	/* Password may hold colons; unpadded base64 is accepted. */
	{ "{\"auths\":{\"r.example\":{\"auth\":\"" B64_CAROL "\"}}}",
	  "r.example", DR_OK, "carol", "p:q:r", false },
	{ "{\"auths\":{\"r.example\":{\"auth\":\"Ym9iOmh1bnRlcjI\"}}}",
	  "r.example", DR_OK, "bob", "hunter2", false },
	/* username/password members; "auth" wins over them. */
	{ "{\"auths\":{\"r.example\":{\"username\":\"u\",\"password\":\"p\""
	  "}}}", "r.example", DR_OK, "u", "p", false },
	{ "{\"auths\":{\"r.example\":{\"username\":\"u\",\"password\":\"p\","
	  "\"auth\":\"" B64_BOB "\"}}}", "r.example", DR_OK, "bob", "hunter2",
	  false },
	/* Identity tokens. */
	{ "{\"auths\":{\"r.example\":{\"auth\":\"" B64_BOB "\","
	  "\"identitytoken\":\"idtok\"}}}", "r.example", DR_OK, "bob",
	  "idtok", true },
	{ "{\"auths\":{\"r.example\":{\"identitytoken\":\"idtok\"}}}",
	  "r.example", DR_OK, NULL, "idtok", true },
	/* No credentials. */
	{ "{}", "docker.io", DR_ENOTFOUND, NULL, NULL, false },
	{ "", "docker.io", DR_ENOTFOUND, NULL, NULL, false },
	{ " \n", "docker.io", DR_ENOTFOUND, NULL, NULL, false },
	{ "{\"auths\":{}}", "docker.io", DR_ENOTFOUND, NULL, NULL, false },
	{ "{\"auths\":{\"r.example\":{\"auth\":\"\"}}}", "r.example",
	  DR_ENOTFOUND, NULL, NULL, false },
	{ "{\"auths\":{\"r.example\":{\"username\":\"u\"}}}", "r.example",
	  DR_ENOTFOUND, NULL, NULL, false },
	{ "{\"auths\":null,\"credsStore\":\"\",\"credHelpers\":null}",
	  "docker.io", DR_ENOTFOUND, NULL, NULL, false },
	/* Other keys are ignored. */
	{ "{\"auths\":{\"r.example\":{\"auth\":\"" B64_BOB "\","
	  "\"email\":\"b@example.com\"}},\"proxies\":{\"default\":{}},"
	  "\"HttpHeaders\":{\"User-Agent\":\"x\"}}", "r.example", DR_OK,
	  "bob", "hunter2", false },
	/* Bad domains. */
	{ "{}", "", DR_EINVAL, NULL, NULL, false },
	{ "{}", "a/b", DR_EINVAL, NULL, NULL, false },
	{ "{}", "a b", DR_EINVAL, NULL, NULL, false },
	{ "{}", "a\nb", DR_EINVAL, NULL, NULL, false },
	/* Helpers. */
	{ "{\"credsStore\":\"fake\"}", "ok.example", DR_OK, "alice",
	  "s3cret", false },
	{ "{\"credsStore\":\"fake\"}", "docker.io", DR_OK, "hubuser",
	  "hubpass", false },
	{ "{\"credsStore\":\"fake\"}", "registry-1.docker.io", DR_OK,
	  "hubuser", "hubpass", false },
	{ "{\"credsStore\":\"fake\"}", "127.0.0.1:5000", DR_OK, "alice",
	  "s3cret", false },
	{ "{\"credsStore\":\"fake\"}", "token.example", DR_OK, NULL,
	  "refresh-tok", true },
	{ "{\"credsStore\":\"fake\"}", "stderr.example", DR_OK, "u", "p",
	  false },
	{ "{\"credsStore\":\"fake\"}", "missing.example", DR_ENOTFOUND, NULL,
	  NULL, false },
	{ "{\"credsStore\":\"fake\"}", "empty.example", DR_ENOTFOUND, NULL,
	  NULL, false },
	{ "{\"credsStore\":\"fake\"}", "fail.example", DR_EAUTH, NULL, NULL,
	  false },
	{ "{\"credsStore\":\"fake\"}", "signal.example", DR_EAUTH, NULL,
	  NULL, false },
	{ "{\"credsStore\":\"fake\"}", "badjson.example", DR_EPROTO, NULL,
	  NULL, false },
	{ "{\"credsStore\":\"fake\"}", "huge.example", DR_ETOOBIG, NULL,
	  NULL, false },
	{ "{\"credsStore\":\"nonexistent-helper-xyz\"}", "ok.example",
	  DR_ECONFIG, NULL, NULL, false },
	/* credsStore wins over auths, even when it has nothing. */
	{ "{\"credsStore\":\"fake\",\"auths\":{\"missing.example\":{\"auth\":"
	  "\"" B64_BOB "\"}}}", "missing.example", DR_ENOTFOUND, NULL, NULL,
	  false },
	/* credHelpers wins over credsStore, for its domain only. */
	{ "{\"credsStore\":\"fake\",\"credHelpers\":{\"ok.example\":"
	  "\"other\"}}", "ok.example", DR_OK, "other", "ok.example", false },
	{ "{\"credsStore\":\"fake\",\"credHelpers\":{\"other.example\":"
	  "\"other\"}}", "ok.example", DR_OK, "alice", "s3cret", false },
	{ "{\"credHelpers\":{\"index.docker.io\":\"other\"}}", "docker.io",
	  DR_OK, "other", "https://index.docker.io/v1/", false },
	{ "{\"credHelpers\":{\"https://ghcr.io\":\"other\"}}", "ghcr.io",
	  DR_OK, "other", "ghcr.io", false },
	{ "{\"credHelpers\":{\"ghcr.io\":\"\"},\"auths\":{\"ghcr.io\":{"
	  "\"auth\":\"" B64_BOB "\"}}}", "ghcr.io", DR_OK, "bob", "hunter2",
	  false },
};

static void
test_lookups(void)
{
	struct dockercfg	*cfg;
	struct dockercfg_cred	 cred;
	struct dr_error		 err;
	enum dr_err		 rc;
	size_t			 i;

	for (i = 0; i < sizeof(lookup_cases) / sizeof(lookup_cases[0]); i++) {
		if ((cfg = parse(lookup_cases[i].json)) == NULL)
			continue;
		dr_error_clear(&err);
		rc = dockercfg_lookup(cfg, lookup_cases[i].domain, &cred, &err);
		if (rc != lookup_cases[i].rc)
			fprintf(stderr, "case %zu (%s): %s\n", i,
			    lookup_cases[i].domain, err.msg);
		CHECK_INTEQ(rc, lookup_cases[i].rc);
		CHECK_STREQ(cred.username, lookup_cases[i].username);
		CHECK_STREQ(cred.secret, lookup_cases[i].secret);
		CHECK_INTEQ(cred.identity_token,
		    lookup_cases[i].identity_token);
		if (rc != DR_OK) {
			CHECK(err.msg[0] != '\0');
			CHECK(strstr(err.msg, "hunter2") == NULL);
			CHECK(strstr(err.msg, "s3cret") == NULL);
		}
		dockercfg_cred_done(&cred);
		dockercfg_cred_done(NULL);
		dockercfg_free(cfg);
	}
	dockercfg_free(NULL);
	/* A NULL config is an empty one. */
	CHECK_INTEQ(dockercfg_lookup(NULL, "docker.io", &cred, NULL),
	    DR_ENOTFOUND);
}

static const struct {
	const char	*json;
	enum dr_err	 rc;
} parse_cases[] = {
	{ "[]", DR_EINVAL },
	{ "{", DR_EINVAL },
	{ "\"x\"", DR_EINVAL },
	{ "{\"auths\":[]}", DR_EINVAL },
	{ "{\"auths\":{\"r\":\"x\"}}", DR_EINVAL },
	{ "{\"auths\":{\"r\":{\"auth\":1}}}", DR_EINVAL },
	{ "{\"auths\":{\"r\":{\"password\":[]}}}", DR_EINVAL },
	{ "{\"auths\":{\"r\":{\"identitytoken\":{}}}}", DR_EINVAL },
	{ "{\"auths\":{\"r\":{\"auth\":\"" B64_NOCOLON "\"}}}", DR_EINVAL },
	{ "{\"auths\":{\"r\":{\"auth\":\"not base64!\"}}}", DR_EINVAL },
	{ "{\"auths\":{\"r\":{\"auth\":\"YWJj=\"}}}", DR_EINVAL },
	{ "{\"auths\":{\"r\":{\"auth\":\"Y\"}}}", DR_EINVAL },
	{ "{\"auths\":{\"r\":{\"auth\":\"====\"}}}", DR_EINVAL },
	{ "{\"auths\":{\"r\":{\"auth\":\"YW=j\"}}}", DR_EINVAL },
	{ "{\"auths\":{\"r\":{\"auth\":\"YQBiOmM=\"}}}", DR_EINVAL },
	{ "{\"auths\":{\"r\":{\"password\":\"a\\u0000b\"}}}", DR_EINVAL },
	{ "{\"auths\":{\"r\":{}},\"auths\":{}}", DR_EINVAL },
	{ "{\"credsStore\":1}", DR_EINVAL },
	{ "{\"credsStore\":\"../../bin/sh\"}", DR_EINVAL },
	{ "{\"credsStore\":\"a/b\"}", DR_EINVAL },
	{ "{\"credsStore\":\"a b\"}", DR_EINVAL },
	{ "{\"credsStore\":\"a;rm -rf /\"}", DR_EINVAL },
	{ "{\"credsStore\":\"a\\u0000b\"}", DR_EINVAL },
	{ "{\"credHelpers\":[]}", DR_EINVAL },
	{ "{\"credHelpers\":{\"ghcr.io\":1}}", DR_EINVAL },
	{ "{\"credHelpers\":{\"ghcr.io\":\"/usr/bin/evil\"}}", DR_EINVAL },
	{ "{\"credsStore\":\"desktop.exe\",\"credHelpers\":{\"gcr.io\":"
	  "\"gcloud\",\"x\":\"ecr-login\",\"y\":\"a_b-C.9\"}}", DR_OK },
	{ "{\"auths\":{\"r\":{\"auth\":\"" B64_BOB "\"}}}", DR_OK },
};

static void
test_parse_errors(void)
{
	struct dockercfg	*cfg;
	struct dr_error		 err;
	enum dr_err		 rc;
	size_t			 i;
	char			*big;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		dr_error_clear(&err);
		cfg = (struct dockercfg *)1;
		rc = dockercfg_parse(span_str(parse_cases[i].json), &cfg, &err);
		if (rc != parse_cases[i].rc)
			fprintf(stderr, "parse case %zu: %s: %s\n", i,
			    parse_cases[i].json, err.msg);
		CHECK_INTEQ(rc, parse_cases[i].rc);
		if (rc != DR_OK) {
			CHECK(cfg == NULL);
			CHECK(err.msg[0] != '\0');
			CHECK(strstr(err.msg, "bm9jb2xvbg") == NULL);
		}
		dockercfg_free(cfg);
	}

	big = xmalloc(DOCKERCFG_MAX + 1);
	memset(big, ' ', DOCKERCFG_MAX + 1);
	big[0] = '{';
	big[DOCKERCFG_MAX - 1] = '}';
	CHECK_INTEQ(dockercfg_parse(span_make(big, DOCKERCFG_MAX + 1), &cfg,
	    NULL), DR_ETOOBIG);
	CHECK_INTEQ(dockercfg_parse(span_make(big, DOCKERCFG_MAX), &cfg,
	    NULL), DR_OK);
	dockercfg_free(cfg);
	free(big);
}

static void
test_load(void)
{
	struct dockercfg	*cfg;
	struct dockercfg_cred	 cred;
	struct dr_error		 err;
	char			*p, *big;
	int			 fd;

	/* Missing file: an empty config. */
	p = xasprintf("%s/nope/config.json", tmpdir);
	CHECK_INTEQ(dockercfg_load(p, &cfg, NULL), DR_OK);
	CHECK(cfg != NULL);
	CHECK_INTEQ(dockercfg_lookup(cfg, "docker.io", &cred, NULL),
	    DR_ENOTFOUND);
	dockercfg_free(cfg);
	free(p);

	/* An explicit path. */
	write_file("config.json", "{\"auths\":{\"https://index.docker.io/v1/"
	    "\":{\"auth\":\"" B64_BOB "\"}}}", 0600);
	p = xasprintf("%s/config.json", tmpdir);
	CHECK_INTEQ(dockercfg_load(p, &cfg, NULL), DR_OK);
	CHECK_INTEQ(dockercfg_lookup(cfg, "docker.io", &cred, NULL), DR_OK);
	CHECK_STREQ(cred.secret, "hunter2");
	dockercfg_cred_done(&cred);
	dockercfg_free(cfg);
	free(p);

	/* $DOCKER_CONFIG first. */
	p = xasprintf("%s/sub", tmpdir);
	mkdir(p, 0700);
	setenv("DOCKER_CONFIG", p, 1);
	free(p);
	write_file("sub/config.json", "{\"auths\":{\"docker.io\":{\"auth\":\""
	    B64_ALICE "\"}}}", 0600);
	CHECK_INTEQ(dockercfg_load(NULL, &cfg, NULL), DR_OK);
	CHECK_INTEQ(dockercfg_lookup(cfg, "docker.io", &cred, NULL), DR_OK);
	CHECK_STREQ(cred.username, "alice");
	dockercfg_cred_done(&cred);
	dockercfg_free(cfg);

	/* Then $HOME/.docker. */
	unsetenv("DOCKER_CONFIG");
	p = xasprintf("%s/home", tmpdir);
	mkdir(p, 0700);
	setenv("HOME", p, 1);
	free(p);
	p = xasprintf("%s/home/.docker", tmpdir);
	mkdir(p, 0700);
	free(p);
	write_file("home/.docker/config.json", "{\"auths\":{\"ghcr.io\":{"
	    "\"username\":\"h\",\"password\":\"hp\"}}}", 0600);
	CHECK_INTEQ(dockercfg_load(NULL, &cfg, NULL), DR_OK);
	CHECK_INTEQ(dockercfg_lookup(cfg, "ghcr.io", &cred, NULL), DR_OK);
	CHECK_STREQ(cred.username, "h");
	dockercfg_cred_done(&cred);
	dockercfg_free(cfg);

	/* Neither set: empty. */
	unsetenv("HOME");
	CHECK_INTEQ(dockercfg_load(NULL, &cfg, NULL), DR_OK);
	CHECK(cfg != NULL);
	dockercfg_free(cfg);

	/* A directory, bad JSON, too big. */
	dr_error_clear(&err);
	CHECK_INTEQ(dockercfg_load(tmpdir, &cfg, &err), DR_EINVAL);
	CHECK(cfg == NULL);
	write_file("config.json", "{\"auths\":{\"r\":{\"auth\":\"!!\"}}}",
	    0600);
	p = xasprintf("%s/config.json", tmpdir);
	CHECK_INTEQ(dockercfg_load(p, &cfg, NULL), DR_EINVAL);
	free(p);
	p = xasprintf("%s/big.json", tmpdir);
	big = xmalloc(DOCKERCFG_MAX + 1);
	memset(big, ' ', DOCKERCFG_MAX + 1);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(write(fd, big, DOCKERCFG_MAX + 1) == DOCKERCFG_MAX + 1);
	close(fd);
	CHECK_INTEQ(dockercfg_load(p, &cfg, NULL), DR_ETOOBIG);
	free(big);
	free(p);

	/* A FIFO is refused at once, not read (nobody writes to it). */
	p = xasprintf("%s/fifo", tmpdir);
	CHECK(mkfifo(p, 0600) == 0);
	CHECK_INTEQ(dockercfg_load(p, &cfg, NULL), DR_EINVAL);
	free(p);
}

struct slow_case {
	const char		*domain;
	enum dr_err		 rc;
	struct dockercfg	*cfg;
};

static void *
slow_lookup(void *arg)
{
	struct slow_case	*sc = arg;
	struct dockercfg_cred	 cred;

	sc->rc = dockercfg_lookup(sc->cfg, sc->domain, &cred, NULL);
	dockercfg_cred_done(&cred);
	return NULL;
}

/* True when pid is gone or a zombie (our container's init may not reap). */
static bool
process_dead(long pid)
{
	char	 path[64], buf[256], *p;
	FILE	*f;
	bool	 dead = true;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return true;
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL && p[1] == ' ')
		dead = p[2] == 'Z' || p[2] == 'X';
	fclose(f);
	return dead;
}

/* Hung helpers are killed at the timeout: two at once, in threads. */
static void
test_timeouts(void)
{
	struct slow_case	 sc[2] = {
		{ "hang.example", DR_OK, NULL },
		{ "closed.example", DR_OK, NULL },
	};
	pthread_t		 t[2];
	struct timespec		 t0, t1;
	double			 secs;
	char			*p, line[64];
	FILE			*f;
	long			 pid = 0;
	int			 i;

	for (i = 0; i < 2; i++)
		sc[i].cfg = parse("{\"credsStore\":\"fake\"}");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, slow_lookup, &sc[i]) == 0);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK_INTEQ(sc[0].rc, DR_ETIMEOUT);
	CHECK_INTEQ(sc[1].rc, DR_ETIMEOUT);
	CHECK(secs >= DOCKERCFG_HELPER_TIMEOUT_MS / 1000.0 - 0.1);
	CHECK(secs < DOCKERCFG_HELPER_TIMEOUT_MS / 1000.0 + 3);
	for (i = 0; i < 2; i++)
		dockercfg_free(sc[i].cfg);

	/* The helper's own children went with it (process group kill). */
	p = xasprintf("%s/hang.pid", tmpdir);
	if ((f = fopen(p, "r")) != NULL) {
		if (fgets(line, sizeof(line), f) != NULL)
			pid = strtol(line, NULL, 10);
		fclose(f);
	}
	free(p);
	CHECK(pid > 0);
	if (pid > 0) {
		struct timespec	ts = { 0, 50 * 1000 * 1000 };

		for (i = 0; i < 20 && !process_dead(pid); i++)
			nanosleep(&ts, NULL);
		CHECK(process_dead(pid));
	}
}

int
main(void)
{
	setup();
	test_lookups();
	test_parse_errors();
	test_timeouts();
	test_load();
	cleanup();
	return check_summary("dockercfg");
}
