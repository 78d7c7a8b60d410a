/*
 * test-catalog-check: the daemon's check child, both ends without an
 * engine.  Scope validation; the child's documents read back exactly
 * (result and error, every code); malformed or inconsistent answers
 * refused with DR_EPROTO and no snapshot; and catalog_check_spawn against
 * a fake binary (a shell script standing in for `dockrev`): its argv,
 * a result, an error, a death by signal, garbage, output over the cap,
 * a cancelled hang.
 */
#include <sys/stat.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog-check.h"
#include "check.h"
#include "xmalloc.h"

static char	tmpdir[] = "/tmp/test-catalog-check.XXXXXX";

static const char snapshot[] =
    "{\"version\":1,\"checked_at\":1764450000000,"
    "\"host\":{\"os\":\"linux\",\"arch\":\"amd64\",\"variant\":null},"
    "\"services\":["
    "{\"stack\":\"shop\",\"name\":\"web\",\"kind\":\"compose\","
    " \"containers\":[\"shop-web-1\"],"
    " \"image\":\"127.0.0.1:5001/app:5.2\",\"tag\":\"5.2\","
    " \"current_digest\":\"sha256:aa\",\"remote_digest\":null,"
    " \"status\":\"update_available\",\"reason\":null,\"moved\":false,"
    " \"candidates\":["
    "  {\"tag\":\"5.3\",\"digest\":\"sha256:53\",\"kind\":\"minor\","
    "   \"same_level\":true,\"arch_match\":true}]},"
    "{\"stack\":\"_\",\"name\":\"nginx\",\"kind\":\"standalone\","
    " \"containers\":[\"nginx\"],\"image\":\"nginx:1.25\","
    " \"current_digest\":null,\"remote_digest\":null,"
    " \"status\":\"skipped\",\"reason\":\"pinned by digest\","
    " \"moved\":false,\"candidates\":[]}]}";

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct catalog_snap *
fixture(void)
{
	struct catalog_snap	*s = NULL;
	json_t			*j = json_loads(snapshot, 0, NULL);

	CHECK(j != NULL);
	CHECK_INTEQ(catalog_snap_from_json(j, &s, NULL), DR_OK);
	json_decref(j);
	return s;
}

static char *
dump(json_t *j)
{
	char	*s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	return s;
}

static void
test_scope(void)
{
	static const struct {
		const char	*scope, *target;
		enum dr_err	 want;
	} rows[] = {
		{ NULL, NULL, DR_OK },
		{ "all", NULL, DR_OK },
		{ "all", "shop", DR_EINVAL },
		{ "stack", "shop", DR_OK },
		{ "stack", "_", DR_OK },
		{ "stack", NULL, DR_EINVAL },
		{ "stack", "", DR_EINVAL },
		{ "stack", "shop/web", DR_EINVAL },
		{ "service", "shop/web", DR_OK },
		{ "service", "_/nginx", DR_OK },
		{ "service", "web", DR_EINVAL },
		{ "service", "/web", DR_EINVAL },
		{ "service", "shop/", DR_EINVAL },
		{ "service", "a/b/c", DR_EINVAL },
		{ "service", NULL, DR_EINVAL },
		{ "everything", NULL, DR_EINVAL },
	};
	struct dr_error	e;
	size_t		i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		dr_error_clear(&e);
		CHECK_INTEQ(catalog_check_scope_valid(rows[i].scope,
		    rows[i].target, &e), rows[i].want);
		if (rows[i].want != DR_OK)
			CHECK(e.msg[0] != '\0');
	}
}

/* What the child prints is what the parent reads. */
static void
test_roundtrip(void)
{
	struct catalog_snap	*s = fixture(), *got = NULL;
	struct dr_error		 e;
	unsigned		 n = 99;
	char			*doc, *a, *b;
	int			 i;

	doc = dump(catalog_check_result_json(s, 17));
	CHECK_INTEQ(catalog_check_parse(span_str(doc), 0, &got, &n, &e),
	    DR_OK);
	CHECK_INTEQ(n, 17);
	CHECK(got != NULL);
	if (got != NULL) {
		CHECK_INTEQ(got->nsvcs, 2);
		CHECK_INTEQ(got->checked_at, 1764450000000LL);
		a = dump(catalog_snap_to_json(s));
		b = dump(catalog_snap_to_json(got));
		CHECK_STREQ(a, b);
		free(a);
		free(b);
	}
	catalog_snap_unref(got);
	free(doc);

	/* Every error code comes back as itself, with its message. */
	for (i = DR_OK + 1; i < DR_ERR_COUNT; i++) {
		doc = dump(catalog_check_error_json((enum dr_err)i,
		    "cannot connect to unix:///nope.sock: No such file"));
		dr_error_clear(&e);
		got = s;
		CHECK_INTEQ(catalog_check_parse(span_str(doc), 1, &got, &n,
		    &e), i);
		CHECK(got == NULL);
		CHECK_INTEQ(e.code, i);
		CHECK_STREQ(e.msg,
		    "cannot connect to unix:///nope.sock: No such file");
		free(doc);
	}
	catalog_snap_unref(s);
}

/* Malformed or inconsistent answers: DR_EPROTO, nothing to publish. */
static void
test_malformed(void)
{
	struct catalog_snap	*got;
	struct dr_error		 e;
	unsigned		 n;
	char			*ok = xasprintf("{\"registry_requests\":3,"
	    "\"snapshot\":%s}", snapshot);
	char			*neg = xasprintf("{\"registry_requests\":-1,"
	    "\"snapshot\":%s}", snapshot);
	char			*big = xasprintf("{\"registry_requests\":"
	    "99999999999,\"snapshot\":%s}", snapshot);
	char			*nocount = xasprintf("{\"snapshot\":%s}",
	    snapshot);
	char			*half = xstrndup(ok, strlen(ok) / 2);
	char			*trail = xasprintf("%s x", ok);
	char			*dup = xasprintf("{\"registry_requests\":3,"
	    "\"registry_requests\":4,\"snapshot\":%s}", snapshot);
	const struct {
		const char	*out;
		int		 exit_code;
		const char	*says;
	} rows[] = {
		{ "", 0, "said nothing" },
		{ "", 1, "said nothing" },
		{ "not json", 0, "not JSON" },
		{ half, 0, "not JSON" },
		{ trail, 0, "not JSON" },
		{ dup, 0, "not JSON" },
		{ "[]", 0, "not an object" },
		{ "{\"registry_requests\":1}", 0, "no \"snapshot\"" },
		{ nocount, 0, "\"registry_requests\"" },
		{ neg, 0, "\"registry_requests\"" },
		{ big, 0, "\"registry_requests\"" },
		{ "{\"registry_requests\":1,\"snapshot\":{\"version\":2}}", 0,
		    "snapshot: not a version 1" },
		{ "{\"registry_requests\":1,\"snapshot\":{\"version\":1,"
		    "\"services\":[{\"stack\":7}]}}", 0, "snapshot" },
		{ ok, 1, "status 1 without an error" },
		{ ok, 2, "status 2" },
		{ ok, 255, "status 255" },
		{ "{\"error\":{\"code\":\"network\",\"message\":\"x\"}}", 0,
		    "sent an error with exit status 0" },
		{ "{\"error\":{\"code\":\"bogus\",\"message\":\"x\"}}", 1,
		    "no known code" },
		{ "{\"error\":{\"code\":\"ok\",\"message\":\"x\"}}", 1,
		    "no known code" },
		{ "{\"error\":{\"code\":\"network\"}}", 1, "no known code" },
		{ "{\"error\":\"network\"}", 1, "no known code" },
	};
	size_t	i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		got = (struct catalog_snap *)1;
		n = 5;
		dr_error_clear(&e);
		CHECK_INTEQ(catalog_check_parse(span_str(rows[i].out),
		    rows[i].exit_code, &got, &n, &e), DR_EPROTO);
		CHECK(got == NULL);
		CHECK_INTEQ(n, 0);
		if (strstr(e.msg, rows[i].says) == NULL) {
			check_failed++;
			fprintf(stderr, "FAIL row %zu: \"%s\" lacks \"%s\"\n",
			    i, e.msg, rows[i].says);
		} else
			check_passed++;
	}
	/* The good one, for contrast. */
	CHECK_INTEQ(catalog_check_parse(span_str(ok), 0, &got, &n, &e), DR_OK);
	CHECK_INTEQ(n, 3);
	catalog_snap_unref(got);
	free(ok);
	free(neg);
	free(big);
	free(nocount);
	free(half);
	free(trail);
	free(dup);
}

/* ---- spawn against a fake binary --------------------------------------------- */

static char	*fake, *argsfile, *docfile;

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE	*f = fopen(path, "w");

	CHECK(f != NULL);
	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static char *
read_file(const char *path)
{
	FILE	*f = fopen(path, "r");
	char	 buf[1024];
	size_t	 n;

	if (f == NULL)
		return xstrdup("");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return xstrdup(buf);
}

struct hooks {
	pid_t	pid;
	int	asks;
	bool	cancel;
};

static void
hooks_start(void *arg, pid_t pid)
{
	((struct hooks *)arg)->pid = pid;
}

static bool
hooks_cancel(void *arg)
{
	struct hooks	*h = arg;

	h->asks++;
	return h->cancel;
}

static enum dr_err
spawn(const char *mode, const char *scope, const char *target,
    struct hooks *h, struct catalog_snap **ret, unsigned *ret_n,
    pid_t *ret_pid, struct dr_error *e)
{
	struct catalog_check_hooks	hk = { hooks_start, hooks_cancel, h };

	setenv("FAKE_MODE", mode, 1);
	dr_error_clear(e);
	return catalog_check_spawn(fake, scope, target, &hk, ret, ret_n,
	    ret_pid, e);
}

static void
test_spawn(void)
{
	struct catalog_snap	*s = fixture(), *got = NULL;
	struct hooks		 h = { 0 };
	struct dr_error		 e;
	unsigned		 n = 0;
	pid_t			 pid = 0;
	char			*script, *doc, *args;
	int64_t			 t0;

	fake = xasprintf("%s/fake-dockrev", tmpdir);
	argsfile = xasprintf("%s/args", tmpdir);
	docfile = xasprintf("%s/doc", tmpdir);
	doc = dump(catalog_check_result_json(s, 4));
	write_file(docfile, doc, 0644);
	free(doc);
	script = xasprintf("#!/bin/sh\n"
	    "echo \"$*\" >%s\n"
	    "case $FAKE_MODE in\n"
	    "ok) cat %s; exit 0 ;;\n"
	    "err) echo '{\"error\":{\"code\":\"network\",\"message\":"
	    "\"cannot connect to the engine\"}}'; exit 1 ;;\n"
	    "kill) kill -9 $$ ;;\n"
	    "garbage) echo hello; exit 0 ;;\n"
	    "big) head -c %d /dev/zero; exit 0 ;;\n"
	    "hang) sleep 30 ;;\n"
	    "esac\n"
	    "exit 3\n", argsfile, docfile, CATALOG_CHECK_OUT_MAX + 4096);
	write_file(fake, script, 0755);
	free(script);

	CHECK_INTEQ(spawn("ok", "service", "shop/web", &h, &got, &n, &pid, &e),
	    DR_OK);
	CHECK(got != NULL && got->nsvcs == 2);
	CHECK_INTEQ(n, 4);
	CHECK(pid > 0 && pid == h.pid);
	args = read_file(argsfile);
	CHECK_STREQ(args, "check --catalog-json --service shop/web\n");
	free(args);
	catalog_snap_unref(got);

	CHECK_INTEQ(spawn("ok", "stack", "shop", &h, &got, &n, NULL, &e),
	    DR_OK);
	args = read_file(argsfile);
	CHECK_STREQ(args, "check --catalog-json --stack shop\n");
	free(args);
	catalog_snap_unref(got);

	CHECK_INTEQ(spawn("ok", "all", NULL, &h, &got, &n, NULL, &e), DR_OK);
	args = read_file(argsfile);
	CHECK_STREQ(args, "check --catalog-json\n");
	free(args);
	catalog_snap_unref(got);

	/* The child's error, exactly. */
	CHECK_INTEQ(spawn("err", "all", NULL, &h, &got, &n, NULL, &e),
	    DR_ENET);
	CHECK(got == NULL);
	CHECK_STREQ(e.msg, "cannot connect to the engine");

	/* Killed: a failed check naming its pid and the signal. */
	CHECK_INTEQ(spawn("kill", "all", NULL, &h, &got, &n, &pid, &e),
	    DR_EIO);
	CHECK(got == NULL);
	{
		char	*want = xasprintf("the check process (pid %d) was "
		    "killed by signal 9 (KILL)", (int)pid);

		CHECK_STREQ(e.msg, want);
		free(want);
	}

	CHECK_INTEQ(spawn("garbage", "all", NULL, &h, &got, &n, NULL, &e),
	    DR_EPROTO);
	CHECK(got == NULL);
	CHECK(strstr(e.msg, "not JSON") != NULL);

	CHECK_INTEQ(spawn("other", "all", NULL, &h, &got, &n, NULL, &e),
	    DR_EPROTO);
	CHECK(strstr(e.msg, "status 3") != NULL);

	CHECK_INTEQ(spawn("big", "all", NULL, &h, &got, &n, NULL, &e),
	    DR_ETOOBIG);
	CHECK(got == NULL);
	CHECK(strstr(e.msg, "wrote over") != NULL);

	/* Cancelled (the daemon stops): killed at once. */
	h.cancel = true;
	t0 = now_ms();
	CHECK_INTEQ(spawn("hang", "all", NULL, &h, &got, &n, NULL, &e),
	    DR_EUNSUPPORTED);
	CHECK(got == NULL);
	CHECK(now_ms() - t0 < 5000);
	CHECK(strstr(e.msg, "cancelled") != NULL);
	h.cancel = false;

	CHECK_INTEQ(catalog_check_spawn(NULL, "all", NULL, NULL, &got, &n,
	    NULL, &e), DR_EINTERNAL);
	CHECK_INTEQ(catalog_check_spawn(fake, "stack", "a/b", NULL, &got, &n,
	    NULL, &e), DR_EINVAL);
	CHECK_INTEQ(catalog_check_spawn("/nonexistent/dockrev", "all", NULL,
	    NULL, &got, &n, &pid, &e), DR_ECONFIG);
	CHECK_INTEQ(pid, 0);

	unlink(fake);
	unlink(argsfile);
	unlink(docfile);
	free(fake);
	free(argsfile);
	free(docfile);
	catalog_snap_unref(s);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_scope();
	test_roundtrip();
	test_malformed();
	test_spawn();
	rmdir(tmpdir);
	return check_summary("catalog-check");
}
