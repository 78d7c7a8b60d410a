/*
 * test-compose-cli: program spec parsing, version parsing, name
 * validation, argv building for both dialects with hostile names, version
 * detection and exec (the runner itself is test-proc's).  Fake compose
 * programs are shell scripts in a temporary directory; when the real
 * docker-compose is on PATH, a file rewritten by compose-file is also
 * checked with `config -q`.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "compose-cli.h"
#include "compose-file.h"
#include "proc.h"
#include "xmalloc.h"

static char	tmpdir[] = "/tmp/test-compose-cli.XXXXXX";

static char *
write_script(const char *name, const char *text)
{
	char	*path = xasprintf("%s/%s", tmpdir, name);
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	CHECK(fd != -1);
	if (fd != -1) {
		CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
		close(fd);
	}
	return path;
}

/* argv as one string, words separated by '|'. */
static char *
joined(char *const argv[])
{
	struct buf	b;
	size_t		i;

	buf_init(&b, 1 << 16);
	for (i = 0; argv[i] != NULL; i++) {
		if (i > 0)
			buf_addc(&b, '|');
		buf_adds(&b, argv[i]);
	}
	return buf_steal(&b);
}

static const struct {
	const char	*spec;
	enum dr_err	 want;
	const char	*words;
} specs[] = {
	{ "", DR_OK, "docker-compose" },
	{ "  ", DR_OK, "docker-compose" },
	{ "docker-compose", DR_OK, "docker-compose" },
	{ "docker compose", DR_OK, "docker|compose" },
	{ "  docker \t compose  ", DR_OK, "docker|compose" },
	{ "/usr/local/bin/docker compose", DR_OK,
	    "/usr/local/bin/docker|compose" },
	{ "/opt/compose/bin/docker-compose", DR_OK,
	    "/opt/compose/bin/docker-compose" },
	{ "docker compose up", DR_ECONFIG, NULL },
	{ "docker foo", DR_ECONFIG, NULL },
	{ "-rf", DR_ECONFIG, NULL },
	{ "docker -H", DR_ECONFIG, NULL },
	{ "docker\ncompose", DR_ECONFIG, NULL },
	{ "docker-compose;id", DR_OK, "docker-compose;id" },	/* a name */
};

static void
test_init(void)
{
	struct compose_cli	 cli;
	struct dr_error		 e;
	size_t			 i;
	char			*j;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		enum dr_err	rc = compose_cli_init(&cli, specs[i].spec, &e);

		CHECK_INTEQ(rc, specs[i].want);
		if (rc == DR_OK) {
			j = joined(cli.words);
			CHECK_STREQ(j, specs[i].words);
			free(j);
			CHECK_INTEQ(cli.dialect, COMPOSE_CLI_UNKNOWN);
		}
		compose_cli_done(&cli);
	}
	/* NULL reads DOCKREV_COMPOSE_BIN. */
	setenv(COMPOSE_CLI_ENV_BIN, "docker compose", 1);
	CHECK_INTEQ(compose_cli_init(&cli, NULL, &e), DR_OK);
	CHECK_INTEQ(cli.nwords, 2);
	compose_cli_done(&cli);
	unsetenv(COMPOSE_CLI_ENV_BIN);
	CHECK_INTEQ(compose_cli_init(&cli, NULL, &e), DR_OK);
	CHECK_STREQ(cli.words[0], "docker-compose");
	CHECK(cli.words[1] == NULL);
	compose_cli_done(&cli);
	compose_cli_done(&cli);
}

static const struct {
	const char		*out;
	enum compose_cli_dialect want;
	const char		*version;
} versions[] = {
	{ "1.29.2\n", COMPOSE_CLI_V1, "1.29.2" },
	{ "1.29.2", COMPOSE_CLI_V1, "1.29.2" },
	{ "v2.24.5\n", COMPOSE_CLI_V2, "2.24.5" },
	{ "2.24.5-desktop.1\n", COMPOSE_CLI_V2, "2.24.5-desktop.1" },
	{ "2.40.3+ds1-0ubuntu1\r\n", COMPOSE_CLI_V2, "2.40.3+ds1-0ubuntu1" },
	{ "\n  \n 1.25.0 \n", COMPOSE_CLI_V1, "1.25.0" },
	{ "2.3\n", COMPOSE_CLI_V2, "2.3" },
	{ "5.0.0\n", COMPOSE_CLI_V2, "5.0.0" },
	{ "1.29.2\nsome warning\n", COMPOSE_CLI_V1, "1.29.2" },
	{ "", COMPOSE_CLI_UNKNOWN, NULL },
	{ "\n\n", COMPOSE_CLI_UNKNOWN, NULL },
	{ "garbage\n", COMPOSE_CLI_UNKNOWN, NULL },
	{ "docker-compose version 1.29.2, build unknown\n",
	    COMPOSE_CLI_UNKNOWN, NULL },
	{ "Docker Compose version v2.24.5\n", COMPOSE_CLI_UNKNOWN, NULL },
	{ "1\n", COMPOSE_CLI_UNKNOWN, NULL },
	{ "1.\n", COMPOSE_CLI_UNKNOWN, NULL },
	{ ".1.2\n", COMPOSE_CLI_UNKNOWN, NULL },
	{ "0.9.1\n", COMPOSE_CLI_UNKNOWN, NULL },
	{ "v\n", COMPOSE_CLI_UNKNOWN, NULL },
	{ "vv2.1.0\n", COMPOSE_CLI_UNKNOWN, NULL },
	{ "2.x.1\n", COMPOSE_CLI_UNKNOWN, NULL },
	{ "1.2.3.4\n", COMPOSE_CLI_UNKNOWN, NULL },
	{ "1.29.2 extra\n", COMPOSE_CLI_UNKNOWN, NULL },
	{ "1.29.2-\xff\n", COMPOSE_CLI_UNKNOWN, NULL },
	{ "1234567.0.0\n", COMPOSE_CLI_UNKNOWN, NULL },
	{ "2.24.5-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\n", COMPOSE_CLI_UNKNOWN, NULL },
};

static void
test_versions(void)
{
	char				 v[COMPOSE_CLI_VERSION_MAX];
	enum compose_cli_dialect	 d;
	struct dr_error			 e;
	size_t				 i;
	enum dr_err			 rc;

	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		rc = compose_cli_parse_version(span_str(versions[i].out), &d, v,
		    &e);
		CHECK_INTEQ(rc, versions[i].want == COMPOSE_CLI_UNKNOWN ?
		    DR_EPROTO : DR_OK);
		CHECK_INTEQ(d, versions[i].want);
		if (rc == DR_OK)
			CHECK_STREQ(v, versions[i].version);
		else
			CHECK_STREQ(v, "");
	}
}

static const struct {
	const char	*s;
	bool		 project, service, path;
} names[] = {
	{ "shop", true, true, false },
	{ "my-shop_2", true, true, false },
	{ "0day", true, true, false },
	{ "Shop", false, true, false },
	{ "web.1", false, true, false },
	{ "_x", false, true, false },
	{ "-rf", false, false, false },
	{ "--project-name", false, false, false },
	{ "a;id", false, false, false },
	{ "$(id)", false, false, false },
	{ "`id`", false, false, false },
	{ "a b", false, false, false },
	{ "a\nb", false, false, false },
	{ "a/b", false, false, false },
	{ "", false, false, false },
	{ "/srv/stack/docker-compose.yml", false, false, true },
	{ "/srv/my stack/a;b $(id).yml", false, false, true },
	{ "/srv/a\n.yml", false, false, false },
	{ "/srv/a\t.yml", false, false, false },
	{ "relative.yml", false, true, false },
	{ "./a.yml", false, false, false },
	{ "oci://registry/x", false, false, false },
};

static void
test_names(void)
{
	size_t	i;
	char	long_name[COMPOSE_CLI_NAME_MAX + 2];

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CHECK_INTEQ(compose_cli_valid_project(names[i].s),
		    names[i].project);
		CHECK_INTEQ(compose_cli_valid_service(names[i].s),
		    names[i].service);
		CHECK_INTEQ(compose_cli_valid_path(names[i].s), names[i].path);
	}
	CHECK(!compose_cli_valid_project(NULL));
	CHECK(!compose_cli_valid_service(NULL));
	CHECK(!compose_cli_valid_path(NULL));
	memset(long_name, 'a', COMPOSE_CLI_NAME_MAX);
	long_name[COMPOSE_CLI_NAME_MAX] = '\0';
	CHECK(compose_cli_valid_project(long_name));
	CHECK(compose_cli_valid_service(long_name));
	long_name[COMPOSE_CLI_NAME_MAX] = 'a';
	long_name[COMPOSE_CLI_NAME_MAX + 1] = '\0';
	CHECK(!compose_cli_valid_project(long_name));
	CHECK(!compose_cli_valid_service(long_name));
}

static const char *const one_file[] = { "/srv/shop/docker-compose.yml" };
static const char *const two_files[] = { "/srv/shop/base.yml",
    "/srv/shop/override.yml" };
static const char *const odd_files[] = { "/srv/my stack/a;b $(id).yml" };
static const char *const rel_files[] = { "docker-compose.yml" };
static const char *const dash_files[] = { "-f" };
static const char *const nl_files[] = { "/srv/a\n.yml" };

#define P(name, files, env)	{ name, files, sizeof(files) / \
	sizeof(files[0]), env }
#define DC	"docker-compose|--project-name|shop|-f|" \
	"/srv/shop/docker-compose.yml"
#define D2	"docker|compose|--project-name|shop|-f|" \
	"/srv/shop/docker-compose.yml"

static const struct {
	enum compose_cli_dialect	 dialect;
	struct compose_cli_project	 project;
	enum compose_cli_verb		 verb;
	const char			*service;
	unsigned			 flags;
	enum dr_err			 want;
	const char			*argv;
} argvs[] = {
	{ COMPOSE_CLI_V1, P("shop", one_file, NULL), COMPOSE_CLI_PULL, NULL, 0,
	    DR_OK, DC "|pull" },
	{ COMPOSE_CLI_V1, P("shop", one_file, NULL), COMPOSE_CLI_PULL, "web", 0,
	    DR_OK, DC "|pull|--|web" },
	{ COMPOSE_CLI_V2, P("shop", one_file, NULL), COMPOSE_CLI_PULL, "web", 0,
	    DR_OK, D2 "|pull|--|web" },
	{ COMPOSE_CLI_V1, P("shop", one_file, NULL), COMPOSE_CLI_UP, NULL, 0,
	    DR_OK, DC "|up|-d" },
	{ COMPOSE_CLI_V1, P("shop", one_file, NULL), COMPOSE_CLI_UP, "web",
	    COMPOSE_CLI_NO_DEPS, DR_OK, DC "|up|-d|--no-deps|--|web" },
	{ COMPOSE_CLI_V2, P("shop", one_file, NULL), COMPOSE_CLI_UP, "web",
	    COMPOSE_CLI_NO_DEPS, DR_OK, D2 "|up|-d|--no-deps|--|web" },
	{ COMPOSE_CLI_V1, P("shop", one_file, NULL), COMPOSE_CLI_UP_NO_PULL,
	    "web", COMPOSE_CLI_NO_DEPS, DR_OK, DC "|up|-d|--no-deps|--|web" },
	{ COMPOSE_CLI_V2, P("shop", one_file, NULL), COMPOSE_CLI_UP_NO_PULL,
	    "web", COMPOSE_CLI_NO_DEPS, DR_OK,
	    D2 "|up|-d|--pull|never|--no-deps|--|web" },
	{ COMPOSE_CLI_V2, P("shop", one_file, NULL), COMPOSE_CLI_UP_NO_PULL,
	    NULL, 0, DR_OK, D2 "|up|-d|--pull|never" },
	{ COMPOSE_CLI_V1, P("shop", one_file, NULL), COMPOSE_CLI_PS, "web", 0,
	    DR_OK, DC "|ps|-q|--|web" },
	{ COMPOSE_CLI_V2, P("shop", one_file, NULL), COMPOSE_CLI_PS, NULL, 0,
	    DR_OK, D2 "|ps|-a|-q" },
	{ COMPOSE_CLI_V1, P("shop", one_file, NULL), COMPOSE_CLI_CONFIG, NULL,
	    0, DR_OK, DC "|config|-q" },
	{ COMPOSE_CLI_V2, P("shop", one_file, NULL), COMPOSE_CLI_SERVICES,
	    NULL, 0, DR_OK, D2 "|config|--services" },
	/* Files in order, env file only when set. */
	{ COMPOSE_CLI_V1, P("shop", two_files, "/srv/shop/.env"),
	    COMPOSE_CLI_PULL, NULL, 0, DR_OK,
	    "docker-compose|--project-name|shop|-f|/srv/shop/base.yml|-f|"
	    "/srv/shop/override.yml|--env-file|/srv/shop/.env|pull" },
	{ COMPOSE_CLI_V2, P("shop", two_files, NULL), COMPOSE_CLI_UP, "db", 0,
	    DR_OK, "docker|compose|--project-name|shop|-f|/srv/shop/base.yml|"
	    "-f|/srv/shop/override.yml|up|-d|--|db" },
	/* Odd but valid paths are one word each, passed as data. */
	{ COMPOSE_CLI_V1, P("shop", odd_files, "/srv/my stack/.env $(id)"),
	    COMPOSE_CLI_PULL, NULL, 0, DR_OK,
	    "docker-compose|--project-name|shop|-f|/srv/my stack/a;b $(id).yml"
	    "|--env-file|/srv/my stack/.env $(id)|pull" },
	/* Hostile names. */
	{ COMPOSE_CLI_V1, P("a;id", one_file, NULL), COMPOSE_CLI_PULL, NULL, 0,
	    DR_EINVAL, NULL },
	{ COMPOSE_CLI_V1, P("$(id)", one_file, NULL), COMPOSE_CLI_PULL, NULL,
	    0, DR_EINVAL, NULL },
	{ COMPOSE_CLI_V1, P("-rf", one_file, NULL), COMPOSE_CLI_PULL, NULL, 0,
	    DR_EINVAL, NULL },
	{ COMPOSE_CLI_V1, P("shop\nid", one_file, NULL), COMPOSE_CLI_PULL,
	    NULL, 0, DR_EINVAL, NULL },
	{ COMPOSE_CLI_V1, P(NULL, one_file, NULL), COMPOSE_CLI_PULL, NULL, 0,
	    DR_EINVAL, NULL },
	{ COMPOSE_CLI_V1, P("shop", one_file, NULL), COMPOSE_CLI_PULL, "a;id",
	    0, DR_EINVAL, NULL },
	{ COMPOSE_CLI_V1, P("shop", one_file, NULL), COMPOSE_CLI_PULL, "$(id)",
	    0, DR_EINVAL, NULL },
	{ COMPOSE_CLI_V1, P("shop", one_file, NULL), COMPOSE_CLI_PULL, "`id`",
	    0, DR_EINVAL, NULL },
	{ COMPOSE_CLI_V2, P("shop", one_file, NULL), COMPOSE_CLI_UP, "-rf",
	    0, DR_EINVAL, NULL },
	{ COMPOSE_CLI_V2, P("shop", one_file, NULL), COMPOSE_CLI_UP,
	    "--build", 0, DR_EINVAL, NULL },
	{ COMPOSE_CLI_V2, P("shop", one_file, NULL), COMPOSE_CLI_UP,
	    "web\nid", 0, DR_EINVAL, NULL },
	{ COMPOSE_CLI_V2, P("shop", one_file, NULL), COMPOSE_CLI_UP, "", 0,
	    DR_EINVAL, NULL },
	{ COMPOSE_CLI_V1, P("shop", rel_files, NULL), COMPOSE_CLI_PULL, NULL,
	    0, DR_EINVAL, NULL },
	{ COMPOSE_CLI_V1, P("shop", dash_files, NULL), COMPOSE_CLI_PULL, NULL,
	    0, DR_EINVAL, NULL },
	{ COMPOSE_CLI_V1, P("shop", nl_files, NULL), COMPOSE_CLI_PULL, NULL,
	    0, DR_EINVAL, NULL },
	{ COMPOSE_CLI_V1, P("shop", one_file, "-e"), COMPOSE_CLI_PULL, NULL,
	    0, DR_EINVAL, NULL },
	{ COMPOSE_CLI_V1, P("shop", one_file, ".env"), COMPOSE_CLI_PULL, NULL,
	    0, DR_EINVAL, NULL },
	/* Verb misuse. */
	{ COMPOSE_CLI_V1, P("shop", one_file, NULL), COMPOSE_CLI_CONFIG, "web",
	    0, DR_EINVAL, NULL },
	{ COMPOSE_CLI_V1, P("shop", one_file, NULL), COMPOSE_CLI_PULL, NULL,
	    COMPOSE_CLI_NO_DEPS, DR_EINVAL, NULL },
	{ COMPOSE_CLI_V1, P("shop", one_file, NULL), COMPOSE_CLI_UP, NULL, 0x8,
	    DR_EINVAL, NULL },
	{ COMPOSE_CLI_V1, P("shop", one_file, NULL), COMPOSE_CLI_VERB_COUNT,
	    NULL, 0, DR_EINVAL, NULL },
	{ COMPOSE_CLI_UNKNOWN, P("shop", one_file, NULL), COMPOSE_CLI_PULL,
	    NULL, 0, DR_EINVAL, NULL },
};

static void
test_argv(void)
{
	struct compose_cli		 cli1, cli2;
	struct compose_cli_argv		 a;
	struct compose_cli_project	 p;
	struct dr_error			 e;
	const char			*many[COMPOSE_CLI_FILES_MAX + 1];
	struct buf			 b;
	size_t				 i;
	char				*j;
	enum dr_err			 rc;

	CHECK_INTEQ(compose_cli_init(&cli1, "docker-compose", &e), DR_OK);
	CHECK_INTEQ(compose_cli_init(&cli2, "docker compose", &e), DR_OK);
	for (i = 0; i < sizeof(argvs) / sizeof(argvs[0]); i++) {
		struct compose_cli	*cli = argvs[i].dialect ==
		    COMPOSE_CLI_V2 ? &cli2 : &cli1;

		cli->dialect = argvs[i].dialect;
		memset(&e, 0, sizeof(e));
		rc = compose_cli_argv(cli, &argvs[i].project, argvs[i].verb,
		    argvs[i].service, argvs[i].flags, &a, &e);
		if (rc != argvs[i].want)
			fprintf(stderr, "argv %zu: %s\n", i, e.msg);
		CHECK_INTEQ(rc, argvs[i].want);
		if (rc == DR_OK) {
			j = joined(a.argv);
			CHECK_STREQ(j, argvs[i].argv);
			free(j);
			CHECK(a.argv[a.argc] == NULL);
		} else {
			CHECK(a.argv == NULL);
			/* The message never carries a raw newline. */
			CHECK(strchr(e.msg, '\n') == NULL);
		}
		compose_cli_argv_done(&a);
	}

	/* File count limits. */
	cli1.dialect = COMPOSE_CLI_V1;
	for (i = 0; i <= COMPOSE_CLI_FILES_MAX; i++)
		many[i] = "/srv/x.yml";
	p.name = "shop";
	p.files = many;
	p.env_file = NULL;
	p.nfiles = COMPOSE_CLI_FILES_MAX;
	CHECK_INTEQ(compose_cli_argv(&cli1, &p, COMPOSE_CLI_PULL, NULL, 0, &a,
	    &e), DR_OK);
	CHECK_INTEQ(a.argc, 3 + 2 * COMPOSE_CLI_FILES_MAX + 1);
	compose_cli_argv_done(&a);
	p.nfiles = COMPOSE_CLI_FILES_MAX + 1;
	CHECK_INTEQ(compose_cli_argv(&cli1, &p, COMPOSE_CLI_PULL, NULL, 0, &a,
	    &e), DR_EINVAL);
	p.nfiles = 0;
	CHECK_INTEQ(compose_cli_argv(&cli1, &p, COMPOSE_CLI_PULL, NULL, 0, &a,
	    &e), DR_EINVAL);

	/* Log formatting. */
	{
		char	*words[] = { "docker-compose", "-f",
		    "/srv/my stack/a;b $(id).yml", "it's", "", "a\nb", NULL };

		buf_init(&b, 4096);
		compose_cli_argv_format(words, &b);
		CHECK_STREQ(buf_str(&b), "docker-compose -f "
		    "'/srv/my stack/a;b $(id).yml' 'it'\\''s' '' 'a?b'");
		buf_done(&b);
	}
	compose_cli_done(&cli1);
	compose_cli_done(&cli2);
}

/* A fake compose that prints its arguments, one per line. */
static const char fake_echo[] =
	"#!/bin/sh\n"
	"if [ \"$1 $2\" = 'version --short' ]; then echo 1.29.2; exit 0; fi\n"
	"if [ \"$1 $2 $3\" = 'compose version --short' ]; then\n"
	"  echo v2.24.5; exit 0; fi\n"
	"printf '%s\\n' \"$@\"\n";

static void
test_detect_and_exec(void)
{
	struct compose_cli		 cli;
	struct proc_opts		 o;
	struct proc_result		 r;
	struct compose_cli_project	 p;
	struct dr_error			 e;
	char				*fake, *spec, *marker, *file;
	const char			*files[1];
	enum dr_err			 rc;

	fake = write_script("fake-compose", fake_echo);
	CHECK_INTEQ(compose_cli_init(&cli, fake, &e), DR_OK);
	CHECK_INTEQ(compose_cli_detect(&cli, 5000, &e), DR_OK);
	CHECK_INTEQ(cli.dialect, COMPOSE_CLI_V1);
	CHECK_STREQ(cli.version, "1.29.2");

	/* Hostile-looking data reaches the program verbatim, unexecuted. */
	marker = xasprintf("%s/pwned", tmpdir);
	file = xasprintf("/srv/$(touch %s)/`touch %s`;touch %s.yml", marker,
	    marker, marker);
	files[0] = file;
	p.name = "shop";
	p.files = files;
	p.nfiles = 1;
	p.env_file = "/srv/a b/.env";
	memset(&o, 0, sizeof(o));
	o.timeout_ms = 5000;
	rc = compose_cli_exec(&cli, &p, COMPOSE_CLI_UP, "web",
	    COMPOSE_CLI_NO_DEPS, &o, &r, &e);
	CHECK_INTEQ(rc, DR_OK);
	CHECK_INTEQ(r.exit_code, 0);
	{
		char	*want = xasprintf("--project-name\nshop\n-f\n%s\n"
		    "--env-file\n/srv/a b/.env\nup\n-d\n--no-deps\n--\nweb\n",
		    file);

		CHECK_STREQ(buf_str(&r.out), want);
		free(want);
	}
	CHECK(access(marker, F_OK) == -1);
	proc_result_done(&r);
	CHECK_INTEQ(compose_cli_exec(&cli, &p, COMPOSE_CLI_UP, "a;id", 0, &o,
	    &r, &e), DR_EINVAL);
	proc_result_done(&r);
	compose_cli_done(&cli);
	free(marker);
	free(file);

	/* "<prog> compose": the v2 plugin shape. */
	spec = xasprintf("%s compose", fake);
	CHECK_INTEQ(compose_cli_init(&cli, spec, &e), DR_OK);
	CHECK_INTEQ(compose_cli_detect(&cli, 5000, &e), DR_OK);
	CHECK_INTEQ(cli.dialect, COMPOSE_CLI_V2);
	CHECK_STREQ(cli.version, "2.24.5");
	compose_cli_done(&cli);
	free(spec);
	free(fake);

	/* Detection failures. */
	fake = write_script("fake-garbage", "#!/bin/sh\necho hello\n");
	CHECK_INTEQ(compose_cli_init(&cli, fake, &e), DR_OK);
	CHECK_INTEQ(compose_cli_detect(&cli, 5000, &e), DR_EPROTO);
	CHECK_INTEQ(cli.dialect, COMPOSE_CLI_UNKNOWN);
	compose_cli_done(&cli);
	free(fake);
	fake = write_script("fake-fail", "#!/bin/sh\necho 2.0.0\n"
	    "echo 'no such command' >&2\nexit 1\n");
	CHECK_INTEQ(compose_cli_init(&cli, fake, &e), DR_OK);
	CHECK_INTEQ(compose_cli_detect(&cli, 5000, &e), DR_EPROTO);
	CHECK(strstr(e.msg, "no such command") != NULL);
	compose_cli_done(&cli);
	free(fake);
	fake = write_script("fake-hang", "#!/bin/sh\nexec sleep 30\n");
	CHECK_INTEQ(compose_cli_init(&cli, fake, &e), DR_OK);
	CHECK_INTEQ(compose_cli_detect(&cli, 200, &e), DR_ETIMEOUT);
	compose_cli_done(&cli);
	free(fake);
	CHECK_INTEQ(compose_cli_init(&cli, "dockrev-no-such-compose", &e),
	    DR_OK);
	CHECK_INTEQ(compose_cli_detect(&cli, 5000, &e), DR_ECONFIG);
	compose_cli_done(&cli);
}

/* Copies tests/fixtures/compose/name to path. */
static bool
copy_fixture(const char *name, const char *path)
{
	char	*from = xasprintf("tests/fixtures/compose/%s", name);
	char	 chunk[4096];
	ssize_t	 n;
	int	 in, out;
	bool	 ok = true;

	in = open(from, O_RDONLY);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	free(from);
	if (in == -1 || out == -1)
		ok = false;
	while (ok && (n = read(in, chunk, sizeof(chunk))) > 0)
		ok = write(out, chunk, (size_t)n) == n;
	if (in != -1)
		close(in);
	if (out != -1)
		close(out);
	return ok;
}

/*
 * With the real docker-compose (when on PATH): a file rewritten by
 * compose-file is still accepted, and reads back with the new image.
 */
static void
test_real_compose(void)
{
	static const char *const fixtures[][3] = {
		{ "basic.yml", "web", "nginx:1.26" },
		{ "crlf.yml", "worker", "acme/worker:4" },
		{ "bom.yml", "api", "acme/api:1.1" },
		{ "anchors-xapp.yml", "web", "acme/app:1.1" },
		{ "flow.yml", "db", "postgres:16" },
		{ "spacing.yml", "tagged_anchor", "acme/ta:2.0" },
		{ "quotes.yml", "single", "12345" },
		{ "interp.yml", "tag", "registry.local:5000/acme/app:5.3" },
	};
	struct compose_cli		 cli;
	struct proc_opts		 o;
	struct proc_result		 r;
	struct compose_cli_project	 p;
	struct compose_file_change	 ch;
	struct dr_error			 e;
	const char			*files[1];
	char				*path, *envpath, *want;
	size_t				 i;
	int				 fd;

	CHECK_INTEQ(compose_cli_init(&cli, "docker-compose", &e), DR_OK);
	if (compose_cli_detect(&cli, 0, &e) != DR_OK) {
		printf("test-compose-cli: no docker-compose (%s); real check "
		    "skipped\n", e.msg);
		compose_cli_done(&cli);
		return;
	}
	path = xasprintf("%s/docker-compose.yml", tmpdir);
	envpath = xasprintf("%s/.env", tmpdir);
	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		bool	env = strcmp(fixtures[i][0], "interp.yml") == 0;

		CHECK(copy_fixture(fixtures[i][0], path));
		if (env)
			CHECK(copy_fixture("interp.env", envpath));
		CHECK_INTEQ(compose_file_update(path, env ? envpath : NULL,
		    fixtures[i][1], fixtures[i][2], &ch, &e), DR_OK);
		compose_file_change_done(&ch);

		files[0] = path;
		p.name = "dockrevtest";
		p.files = files;
		p.nfiles = 1;
		p.env_file = env ? envpath : NULL;
		memset(&o, 0, sizeof(o));
		o.timeout_ms = 60000;
		if (i == 0) {
			CHECK_INTEQ(compose_cli_exec(&cli, &p,
			    COMPOSE_CLI_CONFIG, NULL, 0, &o, &r, &e), DR_OK);
			CHECK_INTEQ(r.exit_code, 0);
			CHECK_STREQ(buf_str(&r.out), "");
			proc_result_done(&r);
		}

		/* `config` prints the resolved file: the new image is in. */
		{
			struct compose_cli_argv	a;

			CHECK_INTEQ(compose_cli_argv(&cli, &p,
			    COMPOSE_CLI_CONFIG, NULL, 0, &a, &e), DR_OK);
			CHECK_STREQ(a.argv[a.argc - 1], "-q");
			free(a.argv[--a.argc]);
			a.argv[a.argc] = NULL;
			CHECK_INTEQ(proc_run(a.argv, &o, &r, &e), DR_OK);
			compose_cli_argv_done(&a);
			if (r.exit_code != 0)
				fprintf(stderr, "%s: %s\n", fixtures[i][0],
				    buf_str(&r.err));
			CHECK_INTEQ(r.exit_code, 0);
			want = xasprintf("image: %s\n", fixtures[i][2]);
			if (strstr(buf_str(&r.out), want) == NULL &&
			    strstr(buf_str(&r.out), "image: '12345'") == NULL)
				fprintf(stderr, "%s: %s\n", fixtures[i][0],
				    buf_str(&r.out));
			CHECK(strstr(buf_str(&r.out), want) != NULL ||
			    strstr(buf_str(&r.out), "image: '12345'") != NULL);
			free(want);
			proc_result_done(&r);
		}
	}
	fd = open(path, O_RDONLY);
	CHECK(fd != -1);
	if (fd != -1)
		close(fd);
	unlink(path);
	unlink(envpath);
	free(path);
	free(envpath);
	compose_cli_done(&cli);
}

static void
cleanup(void)
{
	static const char *const files[] = { "fake-compose", "fake-garbage",
	    "fake-fail", "fake-hang" };
	size_t	i;
	char	*p;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		p = xasprintf("%s/%s", tmpdir, files[i]);
		unlink(p);
		free(p);
	}
	rmdir(tmpdir);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_init();
	test_versions();
	test_names();
	test_argv();
	test_detect_and_exec();
	test_real_compose();
	cleanup();
	return check_summary("compose-cli");
}
