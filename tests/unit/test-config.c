/*
 * test-config: defaults, every key from YAML and from the environment,
 * the environment winning, errors naming the key and FILE:LINE, unknown
 * and repeated keys, YAML features refused (aliases, anchors, tags,
 * several documents), value checks per key, the loopback rule of auth
 * mode none, and the Watchtower token's second variable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"

static char	dir[] = "/tmp/test-config.XXXXXX";

/* Writes text to DIR/name; returns the path (static buffer). */
static const char *
write_file(const char *name, const char *text)
{
	static char	path[256];
	FILE		*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void
test_defaults(void)
{
	char *const	 env[] = { NULL };
	struct config	*c = NULL;
	struct dr_error	 e;

	CHECK(config_load(NULL, env, &c, &e) == DR_OK);
	CHECK_STREQ(c->listen, "127.0.0.1:8080");
	CHECK_INTEQ(c->auth_mode, CONFIG_AUTH_FORWARD);
	CHECK_STREQ(c->auth_header, "X-Forwarded-User");
	CHECK_INTEQ(c->ntrusted_proxies, 2);
	CHECK(c->origin == NULL);
	CHECK_INTEQ(c->log_format, LOG_FORMAT_TEXT);
	CHECK_INTEQ(c->log_level, LOG_LEVEL_INFO);
	CHECK(c->state_dir == NULL);
	CHECK_INTEQ(c->concurrency, 2);
	CHECK_STREQ(c->schedule_check.expr, "@every 6h");
	CHECK(c->schedule_check.enabled);
	CHECK(c->schedule_update.expr == NULL);
	CHECK(!c->schedule_update.enabled);
	CHECK(c->http_api_token == NULL);
	CHECK(c->compose_bin == NULL);
	CHECK(config_listen_is_loopback(c));
	config_free(c);
}

static void
test_file_and_env(void)
{
	const char	*path = write_file("full.yaml",
	    "# every key\n"
	    "listen: \"[::1]:9090\"\n"
	    "auth:\n"
	    "  mode: forward\n"
	    "  header: Remote-User\n"
	    "  trusted_proxies:\n"
	    "    - 10.0.0.0/8\n"
	    "    - fd00::/8\n"
	    "origin: https://dockrev.example.org/\n"
	    "log:\n"
	    "  format: json\n"
	    "  level: debug\n"
	    "state_dir: /var/lib/dockrev-test\n"
	    "concurrency: 8\n"
	    "schedules:\n"
	    "  check: {expr: \"0 */6 * * *\", tz: Europe/Paris, jitter_s: 30}\n"
	    "  update:\n"
	    "    expr: \"@daily\"\n"
	    "    enabled: yes\n"
	    "http_api_token: s3cret-token\n"
	    "compose_bin: docker compose\n");
	char *const	 env[] = { NULL };
	char *const	 env2[] = {
		"DOCKREV_LISTEN=127.0.0.1:7070",
		"DOCKREV_LOG_LEVEL=warn",
		"DOCKREV_TRUSTED_PROXIES=192.168.0.0/16",
		"DOCKREV_SCHEDULE_UPDATE_ENABLED=false",
		"DOCKREV_CONCURRENCY=",		/* empty: unset */
		"WATCHTOWER_HTTP_API_TOKEN=wt-token",
		"UNRELATED=1",
		NULL,
	};
	struct config	*c = NULL;
	struct dr_error	 e;

	CHECK(config_load(path, env, &c, &e) == DR_OK);
	if (c == NULL) {
		fprintf(stderr, "%s\n", e.msg);
		return;
	}
	CHECK_STREQ(c->listen, "[::1]:9090");
	CHECK(config_listen_is_loopback(c));
	CHECK_STREQ(c->auth_header, "Remote-User");
	CHECK_INTEQ(c->ntrusted_proxies, 2);
	CHECK_STREQ(c->origin, "https://dockrev.example.org");
	CHECK_INTEQ(c->log_format, LOG_FORMAT_JSON);
	CHECK_INTEQ(c->log_level, LOG_LEVEL_DEBUG);
	CHECK_STREQ(c->state_dir, "/var/lib/dockrev-test");
	CHECK_INTEQ(c->concurrency, 8);
	CHECK_STREQ(c->schedule_check.expr, "0 */6 * * *");
	CHECK_STREQ(c->schedule_check.tz, "Europe/Paris");
	CHECK_INTEQ(c->schedule_check.jitter_s, 30);
	CHECK(c->schedule_check.enabled);
	CHECK_STREQ(c->schedule_update.expr, "@daily");
	CHECK(c->schedule_update.enabled);
	CHECK_STREQ(c->http_api_token, "s3cret-token");
	CHECK_STREQ(c->compose_bin, "docker compose");
	CHECK_STREQ(c->path, path);
	config_free(c);

	/* The environment wins over the file, key by key. */
	CHECK(config_load(path, env2, &c, &e) == DR_OK);
	if (c == NULL) {
		fprintf(stderr, "%s\n", e.msg);
		return;
	}
	CHECK_STREQ(c->listen, "127.0.0.1:7070");
	CHECK_INTEQ(c->log_level, LOG_LEVEL_WARN);
	CHECK_INTEQ(c->log_format, LOG_FORMAT_JSON);
	CHECK_INTEQ(c->ntrusted_proxies, 1);
	CHECK(!c->schedule_update.enabled);
	CHECK_INTEQ(c->concurrency, 8);
	/* WATCHTOWER_HTTP_API_TOKEN stands in for an unset
	 * DOCKREV_HTTP_API_TOKEN; like any variable it beats the file. */
	CHECK_STREQ(c->http_api_token, "wt-token");
	config_free(c);

	/* DOCKREV_CONFIG names the file when no path is given. */
	{
		char		 var[300];
		char *const	 env3[] = { var, NULL };

		snprintf(var, sizeof(var), "DOCKREV_CONFIG=%s", path);
		CHECK(config_load(NULL, env3, &c, &e) == DR_OK);
		CHECK(c != NULL && c->concurrency == 8);
		config_free(c);
	}
}

/* Each bad file fails, and the message holds want. */
static void
test_bad_files(void)
{
	static const struct {
		const char	*text;
		const char	*want;
	} cases[] = {
		{ "listen: 1.2.3.4\n", "bad.yaml:1: listen:" },
		{ "\n\nlisten: localhost:99999\n", "bad.yaml:3: listen:" },
		{ "auth:\n  mode: basic\n", "bad.yaml:2: auth.mode: want "
		    "forward or none" },
		{ "auth:\n  header: X Forwarded\n", "bad.yaml:2: auth.header" },
		{ "auth:\n  trusted_proxies: [10.0.0.1/8]\n",
		    "bad.yaml:2: auth.trusted_proxies: \"10.0.0.1/8\": host "
		    "bits set" },
		{ "auth:\n  trusted_proxies: 10.0.0.0/33\n",
		    "bad.yaml:2: auth.trusted_proxies" },
		{ "auth:\n  trusted_proxies:\n    - [a]\n",
		    "bad.yaml:3: auth.trusted_proxies: want a list" },
		{ "auth: forward\n", "bad.yaml:1: auth: want a mapping" },
		{ "colour: blue\n", "bad.yaml:1: unknown key \"colour\"" },
		{ "log:\n  colour: blue\n",
		    "bad.yaml:2: unknown key \"log.colour\"" },
		{ "listen:\n  port: 1\n", "bad.yaml:1: listen: want a value" },
		{ "Listen: 127.0.0.1:1\n", "bad.yaml:1: unknown key" },
		{ "concurrency: 0\n", "bad.yaml:1: concurrency: want a whole "
		    "number 1-32" },
		{ "concurrency: 33\n", "concurrency" },
		{ "concurrency: 07\n", "concurrency" },
		{ "concurrency: 2\nconcurrency: 3\n",
		    "bad.yaml:2: concurrency: repeated key" },
		{ "log:\n  format: xml\n", "bad.yaml:2: log.format" },
		{ "log:\n  level: loud\n", "bad.yaml:2: log.level" },
		{ "state_dir: relative/path\n", "bad.yaml:1: state_dir" },
		{ "origin: dockrev.example.org\n", "bad.yaml:1: origin" },
		{ "origin: https://a.example/path\n", "bad.yaml:1: origin" },
		{ "schedules:\n  check:\n    expr: \"61 * * * *\"\n",
		    "bad.yaml:3: schedules.check.expr:" },
		{ "schedules:\n  check:\n    tz: Mars/Olympus\n",
		    "bad.yaml:3: schedules.check.tz" },
		{ "schedules:\n  update:\n    tz: ../etc/passwd\n",
		    "bad.yaml:3: schedules.update.tz" },
		{ "schedules:\n  update:\n    jitter_s: 86401\n",
		    "schedules.update.jitter_s" },
		{ "schedules:\n  update:\n    enabled: maybe\n",
		    "schedules.update.enabled" },
		{ "schedules:\n  weekly: x\n", "unknown key" },
		{ "http_api_token: \"has space\"\n", "bad.yaml:1: "
		    "http_api_token: want 1-256" },
		{ "compose_bin: \"-x\"\n", "bad.yaml:1: compose_bin" },
		{ "a: &x 1\n", "anchors and tags are not supported" },
		{ "concurrency: *x\n", "aliases are not supported" },
		{ "concurrency: !!int 3\n", "tags" },
		{ "concurrency: 2\n---\nlisten: 127.0.0.1:1\n",
		    "bad.yaml:2: one YAML document only" },
		{ "- a\n- b\n", "bad.yaml:1: want a mapping of keys" },
		{ "just text\n", "bad.yaml:1: want a mapping of keys" },
		{ "listen: [1, 2]\n", "bad.yaml:1: listen: want a single value" },
		{ "listen: \"127.0.0.1:80\n", "bad.yaml:" },
		{ "log:\n\tformat: json\n", "bad.yaml:" },
		{ "concurrency: \"4\\0\"\n", "NUL" },
		{ "concurrency: ~\n", "concurrency: needs a value" },
		{ "a:\n b:\n  c:\n   d:\n    e: 1\n", "unknown key \"a\"" },
		{ "auth:\n  mode: none\nlisten: 0.0.0.0:8080\n",
		    "only allowed on a loopback" },
	};
	char *const	 env[] = { NULL };
	struct config	*c;
	struct dr_error	 e;
	size_t		 i;
	const char	*path;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		path = write_file("bad.yaml", cases[i].text);
		c = NULL;
		e.msg[0] = '\0';
		if (config_load(path, env, &c, &e) != DR_ECONFIG ||
		    c != NULL || strstr(e.msg, cases[i].want) == NULL) {
			fprintf(stderr, "case %zu: \"%s\": got \"%s\"\n", i,
			    cases[i].want, e.msg);
			CHECK(0);
		} else
			CHECK(1);
		config_free(c);
	}
}

static void
test_env_errors(void)
{
	static const struct {
		const char	*var;
		const char	*want;
	} cases[] = {
		{ "DOCKREV_LISTEN=nowhere", "DOCKREV_LISTEN: listen:" },
		{ "DOCKREV_AUTH_MODE=basic", "DOCKREV_AUTH_MODE: auth.mode" },
		{ "DOCKREV_TRUSTED_PROXIES=10.0.0.0/8,,::1",
		    "DOCKREV_TRUSTED_PROXIES" },
		{ "DOCKREV_TRUSTED_PROXIES=10.0.0.0/8,bogus",
		    "\"bogus\": want a CIDR" },
		{ "DOCKREV_CONCURRENCY=-1", "DOCKREV_CONCURRENCY" },
		{ "DOCKREV_SCHEDULE_CHECK=@sometimes",
		    "DOCKREV_SCHEDULE_CHECK: schedules.check.expr" },
		{ "DOCKREV_SCHEDULE_UPDATE_TZ=Nowhere/City",
		    "DOCKREV_SCHEDULE_UPDATE_TZ" },
		{ "DOCKREV_HTTP_API_TOKEN=a b", "DOCKREV_HTTP_API_TOKEN" },
		{ "DOCKREV_LOG_FORMAT=yaml", "DOCKREV_LOG_FORMAT" },
	};
	struct config	*c;
	struct dr_error	 e;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *const	env[] = { (char *)cases[i].var, NULL };

		c = NULL;
		e.msg[0] = '\0';
		if (config_load(NULL, env, &c, &e) != DR_ECONFIG ||
		    strstr(e.msg, cases[i].want) == NULL) {
			fprintf(stderr, "env case %zu: \"%s\": got \"%s\"\n",
			    i, cases[i].want, e.msg);
			CHECK(0);
		} else
			CHECK(1);
		config_free(c);
	}
	/* A token is never quoted back. */
	{
		char *const	env[] = { "DOCKREV_HTTP_API_TOKEN=sec ret", NULL };

		c = NULL;
		CHECK(config_load(NULL, env, &c, &e) == DR_ECONFIG);
		CHECK(strstr(e.msg, "sec ret") == NULL);
	}
	/* auth none: loopback only, IPv6 too. */
	{
		char *const	ok4[] = { "DOCKREV_AUTH_MODE=none", NULL };
		char *const	ok6[] = { "DOCKREV_AUTH_MODE=none",
		    "DOCKREV_LISTEN=[::1]:8080", NULL };
		char *const	bad4[] = { "DOCKREV_AUTH_MODE=none",
		    "DOCKREV_LISTEN=0.0.0.0:8080", NULL };
		char *const	bad6[] = { "DOCKREV_AUTH_MODE=none",
		    "DOCKREV_LISTEN=[::]:8080", NULL };
		char *const	bad_lan[] = { "DOCKREV_AUTH_MODE=none",
		    "DOCKREV_LISTEN=192.168.1.10:8080", NULL };

		CHECK(config_load(NULL, ok4, &c, &e) == DR_OK);
		config_free(c);
		CHECK(config_load(NULL, ok6, &c, &e) == DR_OK);
		config_free(c);
		CHECK(config_load(NULL, bad4, &c, &e) == DR_ECONFIG);
		CHECK(config_load(NULL, bad6, &c, &e) == DR_ECONFIG);
		CHECK(config_load(NULL, bad_lan, &c, &e) == DR_ECONFIG);
	}
}

static void
test_misc(void)
{
	char *const	 env[] = { NULL };
	struct config	*c = NULL;
	struct dr_error	 e;
	const char	*path;

	/* Missing file: DR_EIO naming it. */
	CHECK(config_load("/nonexistent/dockrev.yaml", env, &c, &e) ==
	    DR_EIO);
	CHECK(strstr(e.msg, "/nonexistent/dockrev.yaml") != NULL);
	/* Empty and comment-only files are fine; so is an explicit null. */
	path = write_file("empty.yaml", "");
	CHECK(config_load(path, env, &c, &e) == DR_OK);
	config_free(c);
	path = write_file("comments.yaml", "# nothing\n---\n");
	CHECK(config_load(path, env, &c, &e) == DR_OK);
	config_free(c);
	/* Nulls reset nullable keys; schedules.check as a plain value. */
	path = write_file("nulls.yaml", "origin: ~\nschedules:\n  check: null\n"
	    "  update: \"@every 12h\"\n");
	CHECK(config_load(path, env, &c, &e) == DR_OK);
	if (c != NULL) {
		CHECK(c->schedule_check.expr == NULL);
		CHECK(!c->schedule_check.enabled);
		CHECK_STREQ(c->schedule_update.expr, "@every 12h");
		CHECK(c->schedule_update.enabled);
	}
	config_free(c);
	/* Too big. */
	{
		char	*big = malloc(CONFIG_FILE_MAX + 16);

		memset(big, '#', CONFIG_FILE_MAX + 15);
		big[CONFIG_FILE_MAX + 15] = '\0';
		path = write_file("big.yaml", big);
		CHECK(config_load(path, env, &c, &e) == DR_ECONFIG);
		free(big);
	}
	/* config_set directly, as --listen does. */
	c = config_new_default();
	CHECK(config_set(c, "listen", "localhost:0", "--listen", &e) ==
	    DR_OK);
	CHECK(config_set(c, "listen", "127.0.0.1:080", "--listen", &e) ==
	    DR_ECONFIG);
	CHECK(strstr(e.msg, "--listen: listen:") != NULL);
	CHECK(config_set(c, "nope", "1", "--x", &e) == DR_ECONFIG);
	config_free(c);
}

int
main(void)
{
	static const char *const files[] = { "full.yaml", "bad.yaml",
	    "empty.yaml", "comments.yaml", "nulls.yaml", "big.yaml" };
	char	path[300];
	size_t	i;

	if (mkdtemp(dir) == NULL)
		return 1;
	test_defaults();
	test_file_and_env();
	test_bad_files();
	test_env_errors();
	test_misc();
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	return check_summary("config");
}
