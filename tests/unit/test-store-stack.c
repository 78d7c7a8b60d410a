/*
 * test-store-stack: registering, replacing and reading stacks with their
 * compose files in order and services, discovery never replacing a
 * registered stack, removal refused while a job holds the stack, hostile
 * names, and size limits.
 */
#include <sys/stat.h>

#include <ftw.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "store-job.h"
#include "store-stack.h"
#include "store.h"
#include "xmalloc.h"

static char	tmpdir[] = "/tmp/test-store-stack.XXXXXX";

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
test_put_get(struct store *s)
{
	static const char *const	 files[] = {
		"/srv/shop/compose.yml", "/srv/shop/compose.prod.yml",
		"/srv/shop/compose.override.yml",
	};
	static const char *const	 files2[] = { "/srv/shop/new.yml" };
	struct store_stack_spec		 sp = {
		.name = "shop",
		.project = "shop",
		.env_file = "/srv/shop/.env",
		.working_dir = "/srv/shop",
		.source = STORE_STACK_REGISTERED,
		.files = files,
		.nfiles = 3,
	};
	struct store_service_spec	 sv[] = {
		{ "web", "registry:5000/shop/web:1.0" },
		{ "db", "postgres:16" },
		{ "worker", NULL },
	};
	struct store_stack		*k = NULL;
	struct dr_error			 e;
	int64_t				 id, id2;
	size_t				 i;

	CHECK_INTEQ(store_stack_put(s, &sp, &id, &e), DR_OK);
	CHECK(id > 0);
	CHECK_INTEQ(store_stack_set_services(s, "shop", sv, 3, &e), DR_OK);
	CHECK_INTEQ(store_stack_get(s, "shop", &k, &e), DR_OK);
	if (k != NULL) {
		CHECK_INTEQ(k->id, id);
		CHECK_STREQ(k->name, "shop");
		CHECK_STREQ(k->project, "shop");
		CHECK_STREQ(k->env_file, "/srv/shop/.env");
		CHECK_STREQ(k->working_dir, "/srv/shop");
		CHECK_INTEQ(k->source, STORE_STACK_REGISTERED);
		CHECK_INTEQ(k->nfiles, 3);
		for (i = 0; i < k->nfiles && i < 3; i++)
			CHECK_STREQ(k->files[i], files[i]);
		CHECK_INTEQ(k->nservices, 3);
		if (k->nservices == 3) {
			CHECK_STREQ(k->services[0].name, "db");
			CHECK_STREQ(k->services[1].name, "web");
			CHECK_STREQ(k->services[1].image,
			    "registry:5000/shop/web:1.0");
			CHECK(k->services[2].image == NULL);
		}
		CHECK(k->created_at > 0 && k->updated_at >= k->created_at);
	}
	store_stack_free(k);

	/* Replace: same id, new files, no env file, services kept. */
	sp.files = files2;
	sp.nfiles = 1;
	sp.env_file = NULL;
	sp.project = "shop-prod";
	CHECK_INTEQ(store_stack_put(s, &sp, &id2, &e), DR_OK);
	CHECK_INTEQ(id2, id);
	CHECK_INTEQ(store_stack_get(s, "shop", &k, &e), DR_OK);
	if (k != NULL) {
		CHECK_INTEQ(k->nfiles, 1);
		if (k->nfiles == 1)
			CHECK_STREQ(k->files[0], "/srv/shop/new.yml");
		CHECK(k->env_file == NULL);
		CHECK_STREQ(k->project, "shop-prod");
		CHECK_INTEQ(k->nservices, 3);
	}
	store_stack_free(k);

	/* A repeated service: refused, the old list stays. */
	sv[2].name = "web";
	CHECK_INTEQ(store_stack_set_services(s, "shop", sv, 3, &e),
	    DR_EINVAL);
	CHECK(strstr(e.msg, "twice") != NULL);
	CHECK_INTEQ(store_stack_get(s, "shop", &k, &e), DR_OK);
	if (k != NULL)
		CHECK_INTEQ(k->nservices, 3);
	store_stack_free(k);
	CHECK_INTEQ(store_stack_set_services(s, "shop", sv, 1, &e), DR_OK);
	CHECK_INTEQ(store_stack_set_services(s, "nope", sv, 1, &e),
	    DR_ENOTFOUND);
	sv[0].name = NULL;
	CHECK_INTEQ(store_stack_set_services(s, "shop", sv, 1, &e),
	    DR_EINVAL);
	CHECK_INTEQ(store_stack_set_services(s, "shop", NULL, 0, &e), DR_OK);
	CHECK_INTEQ(store_stack_get(s, "shop", &k, &e), DR_OK);
	if (k != NULL)
		CHECK_INTEQ(k->nservices, 0);
	store_stack_free(k);

	k = (struct store_stack *)1;
	CHECK_INTEQ(store_stack_get(s, "nope", &k, &e), DR_ENOTFOUND);
	CHECK(k == NULL);
	store_stack_free(NULL);
}

static void
test_sources(struct store *s)
{
	static const char *const	 f[] = { "a.yml" };
	struct store_stack_spec		 sp = {
		.name = "found", .project = "found",
		.source = STORE_STACK_DISCOVERED, .files = f, .nfiles = 1,
	};
	struct store_stack		*k = NULL;
	struct dr_error			 e;

	CHECK_INTEQ(store_stack_put(s, &sp, NULL, &e), DR_OK);
	CHECK_INTEQ(store_stack_put(s, &sp, NULL, &e), DR_OK);
	/* The user registers it: it becomes registered... */
	sp.source = STORE_STACK_REGISTERED;
	sp.env_file = "/etc/found.env";
	CHECK_INTEQ(store_stack_put(s, &sp, NULL, &e), DR_OK);
	/* ...and discovery no longer overwrites it. */
	sp.source = STORE_STACK_DISCOVERED;
	sp.env_file = NULL;
	CHECK_INTEQ(store_stack_put(s, &sp, NULL, &e), DR_ECONFLICT);
	CHECK_INTEQ(store_stack_get(s, "found", &k, &e), DR_OK);
	if (k != NULL) {
		CHECK_INTEQ(k->source, STORE_STACK_REGISTERED);
		CHECK_STREQ(k->env_file, "/etc/found.env");
	}
	store_stack_free(k);
	CHECK_STREQ(store_stack_source_name(STORE_STACK_DISCOVERED),
	    "discovered");
	CHECK_STREQ(store_stack_source_name(STORE_STACK_SOURCE_COUNT),
	    "unknown");
}

static void
test_list_remove(struct store *s)
{
	struct store_stack_list	 l;
	struct store_job_spec	 js = {
		.kind = STORE_JOB_UPDATE, .scope = STORE_SCOPE_STACK,
		.stack = "shop", .target = "shop",
		.trigger = STORE_TRIGGER_CLI,
	};
	struct dr_error		 e;
	int64_t			 job;
	size_t			 i;

	CHECK_INTEQ(store_stack_list(s, &l, &e), DR_OK);
	CHECK_INTEQ(l.n, 2);
	if (l.n == 2) {
		CHECK_STREQ(l.stacks[0].name, "found");
		CHECK_STREQ(l.stacks[1].name, "shop");
		CHECK_INTEQ(l.stacks[0].nfiles, 1);
	}
	for (i = 0; i < l.n; i++)
		CHECK(l.stacks[i].id > 0);
	store_stack_list_done(&l);
	store_stack_list_done(NULL);

	/* Not while a job holds it. */
	CHECK_INTEQ(store_job_create(s, &js, &job, &e), DR_OK);
	CHECK_INTEQ(store_job_lock(s, job, "shop", &e), DR_OK);
	CHECK_INTEQ(store_stack_remove(s, "shop", &e), DR_ECONFLICT);
	CHECK(strstr(e.msg, "locked by job") != NULL);
	CHECK_INTEQ(store_job_set_state(s, job, STORE_JOB_FAILED, NULL, &e),
	    DR_OK);
	CHECK_INTEQ(store_stack_remove(s, "shop", &e), DR_OK);
	CHECK_INTEQ(store_stack_remove(s, "shop", &e), DR_ENOTFOUND);
	CHECK_INTEQ(store_stack_list(s, &l, &e), DR_OK);
	CHECK_INTEQ(l.n, 1);
	store_stack_list_done(&l);
}

static void
test_hostile(struct store *s)
{
	static const char *const	 evil[] = {
		"'; DROP TABLE stacks; --",
		"a;id",
		"$(id)",
		"-leading-dash",
		"new\nline",
		"\"quoted\" and \\back\\slash",
	};
	struct store_stack_spec		 sp = {
		.project = "p", .source = STORE_STACK_REGISTERED,
	};
	struct store_stack		*k = NULL;
	struct dr_error			 e;
	const char			*files[STORE_STACK_FILES_MAX + 1];
	char				 bin[256], *big;
	size_t				 i;

	for (i = 1; i < 256; i++)
		bin[i - 1] = (char)i;
	bin[255] = '\0';
	for (i = 0; i < sizeof(evil) / sizeof(evil[0]) + 1; i++) {
		const char	*v = i < sizeof(evil) / sizeof(evil[0]) ?
		    evil[i] : bin;

		sp.name = v;
		sp.project = v;
		sp.env_file = v;
		sp.working_dir = v;
		files[0] = v;
		files[1] = bin;
		sp.files = files;
		sp.nfiles = 2;
		CHECK_INTEQ(store_stack_put(s, &sp, NULL, &e), DR_OK);
		CHECK_INTEQ(store_stack_get(s, v, &k, &e), DR_OK);
		if (k != NULL) {
			CHECK_STREQ(k->name, v);
			CHECK_STREQ(k->project, v);
			CHECK_STREQ(k->env_file, v);
			CHECK_STREQ(k->working_dir, v);
			CHECK(k->nfiles == 2 && strcmp(k->files[0], v) == 0 &&
			    strcmp(k->files[1], bin) == 0);
		}
		store_stack_free(k);
		k = NULL;
	}

	/* Limits. */
	sp.name = "limits";
	sp.project = "limits";
	sp.env_file = "";
	CHECK_INTEQ(store_stack_put(s, &sp, NULL, &e), DR_EINVAL);
	sp.env_file = NULL;
	sp.project = NULL;
	CHECK_INTEQ(store_stack_put(s, &sp, NULL, &e), DR_EINVAL);
	sp.project = "limits";
	sp.name = "";
	CHECK_INTEQ(store_stack_put(s, &sp, NULL, &e), DR_EINVAL);
	sp.name = "limits";
	for (i = 0; i < STORE_STACK_FILES_MAX + 1; i++)
		files[i] = "f.yml";
	sp.nfiles = STORE_STACK_FILES_MAX + 1;
	CHECK_INTEQ(store_stack_put(s, &sp, NULL, &e), DR_EINVAL);
	sp.nfiles = STORE_STACK_FILES_MAX;
	CHECK_INTEQ(store_stack_put(s, &sp, NULL, &e), DR_OK);
	files[3] = "";
	CHECK_INTEQ(store_stack_put(s, &sp, NULL, &e), DR_EINVAL);
	big = xmalloc(1024 * 1024 + 1);
	memset(big, 'p', 1024 * 1024);
	big[1024 * 1024] = '\0';
	files[3] = big;
	CHECK_INTEQ(store_stack_put(s, &sp, NULL, &e), DR_ETOOBIG);
	sp.nfiles = 0;
	sp.working_dir = big;
	CHECK_INTEQ(store_stack_put(s, &sp, NULL, &e), DR_ETOOBIG);
	sp.working_dir = NULL;
	sp.name = big;
	CHECK_INTEQ(store_stack_put(s, &sp, NULL, &e), DR_ETOOBIG);
	CHECK_INTEQ(store_stack_get(s, big, &k, &e), DR_ETOOBIG);
	CHECK_INTEQ(store_stack_remove(s, big, &e), DR_ETOOBIG);
	{
		struct store_service_spec	sv = { "svc", big };

		CHECK_INTEQ(store_stack_set_services(s, "limits", &sv, 1, &e),
		    DR_ETOOBIG);
		CHECK_INTEQ(store_stack_set_services(s, "limits", &sv,
		    STORE_STACK_SERVICES_MAX + 1, &e), DR_EINVAL);
	}
	free(big);
	CHECK_INTEQ(store_stack_get(s, "limits", &k, &e), DR_OK);
	if (k != NULL)
		CHECK_INTEQ(k->nfiles, STORE_STACK_FILES_MAX);
	store_stack_free(k);
	sp.name = "bad";
	sp.source = STORE_STACK_SOURCE_COUNT;
	CHECK_INTEQ(store_stack_put(s, &sp, NULL, &e), DR_EINVAL);
}

int
main(void)
{
	struct store	*s = NULL;
	struct dr_error	 e;
	char		*path;

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	path = xasprintf("%s/stacks.db", tmpdir);
	CHECK_INTEQ(store_open(path, &s, &e), DR_OK);
	if (s != NULL) {
		test_put_get(s);
		test_sources(s);
		test_list_remove(s);
		test_hostile(s);
	}
	store_close(s);
	free(path);
	CHECK(nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0);
	return check_summary("store-stack");
}
