/*
 * cmd-update: `dockrev update`, `dockrev jobs`, `dockrev job N`.  update
 * checks the one service, picks its new image (the same tag moved, or the
 * highest same-level candidate that runs on this host, or --to TAG), and
 * runs it as a journaled job, waiting for its end.  Exit status 0 only
 * when the job succeeded (or there was nothing to do).
 */
#include "cmd.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect.h"
#include "docker-client.h"
#include "dockercfg.h"
#include "imageref.h"
#include "job.h"
#include "store-job.h"
#include "store.h"
#include "xmalloc.h"

struct upd_env {
	struct docker		*docker;
	struct store		*store;
	struct dockercfg	*creds;
	struct job_ctx		 ctx;
};

static void
upd_echo(const char *line, void *arg)
{
	fprintf(stderr, "  %s\n", line);
}

static void
upd_env_done(struct upd_env *env)
{
	store_close(env->store);
	dockercfg_free(env->creds);
	docker_free(env->docker);
}

/* Opens the engine and the store and finishes interrupted jobs. */
static int
upd_env_open(struct upd_env *env, const char *docker_config, bool quiet)
{
	struct dr_error	 e;
	char		*path = NULL;
	int		 n = 0;

	memset(env, 0, sizeof(*env));
	if (docker_open(NULL, &env->docker, &e) != DR_OK ||
	    store_default_path(&path, &e) != DR_OK ||
	    store_open(path, &env->store, &e) != DR_OK ||
	    dockercfg_load(docker_config, &env->creds, &e) != DR_OK) {
		fprintf(stderr, "dockrev: %s\n", e.msg);
		free(path);
		upd_env_done(env);
		return 1;
	}
	free(path);
	env->ctx.docker = env->docker;
	env->ctx.store = env->store;
	env->ctx.creds = env->creds;
	platform_set(&env->ctx.host, span_str(docker_version(env->docker)->os),
	    span_str(docker_version(env->docker)->arch), span_make("", 0));
	if (!quiet)
		env->ctx.echo = upd_echo;
	if (job_recover(&env->ctx, &n, &e) != DR_OK)
		fprintf(stderr, "dockrev: recovery: %s\n", e.msg);
	else if (n > 0)
		fprintf(stderr, "dockrev: finished %d interrupted job(s)\n", n);
	return 0;
}

static long
upd_seconds(const char *s, const char *what)
{
	char	*end;
	double	 v = strtod(s, &end);

	if (*end != '\0' || v <= 0 || v > 86400) {
		fprintf(stderr, "dockrev update: bad %s \"%s\"\n", what, s);
		return -1;
	}
	return (long)(v * 1000);
}

static void
upd_print_job(struct store *st, int64_t id, bool json)
{
	struct store_job	*j = NULL;
	json_t			*o;
	size_t			 i;

	if (store_job_get(st, id, &j, NULL) != DR_OK)
		return;
	if (json) {
		o = job_to_json(st, j, false);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("\n");
		json_decref(o);
	} else {
		printf("job %lld %s: %s\n", (long long)j->id,
		    store_job_state_name(j->state), j->summary ? j->summary :
		    "");
		for (i = 0; i < j->ntargets; i++)
			printf("  %s: %s@%s -> %s@%s (%s)\n",
			    j->targets[i].service, j->targets[i].old_tag ?
			    j->targets[i].old_tag : "?", j->targets[i].old_digest ?
			    j->targets[i].old_digest : "-", j->targets[i].new_tag ?
			    j->targets[i].new_tag : "?", j->targets[i].new_digest ?
			    j->targets[i].new_digest : "-",
			    store_target_result_name(j->targets[i].result));
	}
	store_job_free(j);
}

/* Runs u for the Compose service of it, from its container's labels. */
static enum dr_err
upd_compose(struct upd_env *env, const struct detect_item *it,
    const struct job_update *u, int64_t *ret_id,
    enum store_job_state *ret_state, struct dr_error *reterr)
{
	struct job_compose_update	 cu = { 0 };
	const char			*files, *wd, *envf;
	char				**fv = NULL, *copy, *tok, *save = NULL;
	char				*dotenv = NULL;
	size_t				 n = 0, i;
	enum dr_err			 err;

	files = inventory_label(it->c, "com.docker.compose.project.config_files");
	wd = inventory_label(it->c, "com.docker.compose.project.working_dir");
	envf = inventory_label(it->c,
	    "com.docker.compose.project.environment_file");
	if (files == NULL || *files == '\0')
		return dr_fail(reterr, DR_ENOTFOUND, "%s: no compose files in "
		    "its labels", it->c->name);
	copy = xstrdup(files);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		fv = xreallocarray(fv, n + 1, sizeof(*fv));
		fv[n++] = tok[0] == '/' || wd == NULL ? xstrdup(tok) :
		    xasprintf("%s/%s", wd, tok);
	}
	if (envf == NULL && wd != NULL) {
		dotenv = xasprintf("%s/.env", wd);
		if (access(dotenv, R_OK) == 0)
			envf = dotenv;
	}
	for (i = 0; i < n; i++) {
		if (access(fv[i], R_OK) != 0) {
			err = dr_fail(reterr, DR_ENOTFOUND, "compose file %s "
			    "does not exist (moved?); nothing changed", fv[i]);
			goto out;
		}
	}
	cu.project = it->c->stack;
	cu.service = it->c->service;
	cu.files = (const char *const *)fv;
	cu.nfiles = n;
	cu.env_file = envf;
	cu.container = it->c->id;
	cu.new_ref = u->new_ref;
	cu.want_digest = u->want_digest;
	cu.old_tag = u->old_tag;
	cu.new_tag = u->new_tag;
	cu.trigger = u->trigger;
	cu.trigger_params = u->trigger_params;
	err = job_run_compose_update(&env->ctx, &cu, ret_id, ret_state, reterr);
out:
	for (i = 0; i < n; i++)
		free(fv[i]);
	free(fv);
	free(copy);
	free(dotenv);
	return err;
}

/* Runs u for the Swarm service whose task container it is. */
static enum dr_err
upd_swarm(struct upd_env *env, const struct detect_item *it,
    const struct job_update *u, int64_t *ret_id,
    enum store_job_state *ret_state, struct dr_error *reterr)
{
	struct job_swarm_update	 su = { 0 };

	su.stack = it->c->stack;
	su.service = inventory_label(it->c, "com.docker.swarm.service.name");
	su.service_id = inventory_label(it->c, "com.docker.swarm.service.id");
	su.container = it->c->id;
	su.new_ref = u->new_ref;
	su.want_digest = u->want_digest;
	su.old_tag = u->old_tag;
	su.new_tag = u->new_tag;
	su.trigger = u->trigger;
	su.trigger_params = u->trigger_params;
	return job_run_swarm_update(&env->ctx, &su, ret_id, ret_state, reterr);
}

int
cmd_update(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "service", required_argument, NULL, 's' },
		{ "to", required_argument, NULL, 't' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "yes", no_argument, NULL, 'y' },
		{ "json", no_argument, NULL, 'j' },
		{ "docker-config", required_argument, NULL, 'c' },
		{ "deadline", required_argument, NULL, 'D' },
		{ "settle", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct upd_env		 env;
	struct detect_opts	 o = { 0 };
	struct detect_result	*res = NULL;
	struct detect_item	*it = NULL;
	struct job_update	 u = { 0 };
	struct imageref		*ref = NULL;
	struct dr_error		 e;
	struct buf		 nref;
	const char		*service = NULL, *to = NULL, *cfg = NULL;
	const char		*new_tag = NULL, *want = NULL;
	enum store_job_state	 state = STORE_JOB_FAILED;
	enum dr_err		 err;
	int64_t			 id = 0;
	long			 deadline = 0, settle = 0;
	bool			 dry = false, yes = false, json = false;
	size_t			 i;
	int			 ch, rc = 1;

	buf_init(&nref, IMAGEREF_MAX);
	while ((ch = getopt_long(argc, argv, "s:t:nyjc:", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 's': service = optarg; break;
		case 't': to = optarg; break;
		case 'n': dry = true; break;
		case 'y': yes = true; break;
		case 'j': json = true; break;
		case 'c': cfg = optarg; break;
		case 'D':
			if ((deadline = upd_seconds(optarg, "--deadline")) < 0)
				return 2;
			break;
		case 'S':
			if ((settle = upd_seconds(optarg, "--settle")) < 0)
				return 2;
			break;
		default:
			return 2;
		}
	}
	if (service == NULL || optind != argc) {
		fprintf(stderr, "usage: dockrev update --service NAME [--to TAG] "
		    "[--dry-run] [--yes] [--json] [--deadline S] [--settle S]\n");
		return 2;
	}
	if (to != NULL && !imageref_valid_tag(span_str(to))) {
		fprintf(stderr, "dockrev update: \"%s\" is not a valid tag\n", to);
		return 2;
	}
	if (upd_env_open(&env, cfg, json) != 0)
		return 1;
	env.ctx.health.deadline_ms = deadline;
	env.ctx.health.settle_ms = settle;

	o.docker_config = cfg;
	if (strchr(service, '/') == NULL)
		o.only = service;
	if (detect_run(env.docker, &o, &res, &e) != DR_OK) {
		fprintf(stderr, "dockrev: %s\n", e.msg);
		goto out;
	}
	for (i = 0; i < res->nitems && it == NULL; i++) {
		const struct inv_container	*c = res->items[i].c;
		const char			*sn;
		size_t				 n;

		if (strcmp(c->name, service) == 0)
			it = &res->items[i];
		else if (c->kind == INV_SWARM && (sn = inventory_label(c,
		    "com.docker.swarm.service.name")) != NULL &&
		    strcmp(sn, service) == 0)
			it = &res->items[i];
		else if (c->kind != INV_STANDALONE && c->stack != NULL &&
		    c->service != NULL && (n = strlen(c->stack)) <
		    strlen(service) && strncmp(service, c->stack, n) == 0 &&
		    service[n] == '/' && strcmp(service + n + 1, c->service) ==
		    0)
			it = &res->items[i];
	}
	if (it == NULL) {
		fprintf(stderr, "dockrev update: no running container or "
		    "Compose service \"%s\"\n", service);
		goto out;
	}
	if (it->status == DETECT_SKIPPED || it->status == DETECT_ERROR) {
		fprintf(stderr, "dockrev update: %s: %s\n", service,
		    it->reason ? it->reason : "cannot be checked");
		goto out;
	}
	if (imageref_parse(span_str(it->c->image), &ref, &e) != DR_OK) {
		fprintf(stderr, "dockrev update: %s\n", e.msg);
		goto out;
	}
	if (to != NULL) {
		new_tag = to;
		for (i = 0; i < it->ncands; i++)
			if (strcmp(it->cands[i].tag, to) == 0)
				want = it->cands[i].digest;
	} else {
		for (i = 0; i < it->ncands && new_tag == NULL; i++) {
			if (it->cands[i].same_level &&
			    it->cands[i].arch == DETECT_ARCH_MATCH) {
				new_tag = it->cands[i].tag;
				want = it->cands[i].digest;
			}
		}
		if (new_tag == NULL && it->remote_digest != NULL &&
		    it->current_digest != NULL &&
		    strcmp(it->remote_digest, it->current_digest) != 0 &&
		    it->status == DETECT_UPDATE_AVAILABLE) {
			new_tag = imageref_tag(ref);
			want = it->remote_digest;
		}
	}
	if (new_tag == NULL) {
		printf("%s is up to date", service);
		for (i = 0; i < it->ncands; i++)
			printf("%s%s", i ? ", " : " (newer, use --to: ",
			    it->cands[i].tag);
		printf("%s\n", it->ncands ? ")" : "");
		rc = 0;
		goto out;
	}
	imageref_format_repo(ref, &nref);
	buf_printf(&nref, ":%s", new_tag);
	u.container = service;
	u.new_ref = buf_str(&nref);
	u.want_digest = want;
	u.old_tag = imageref_tag(ref);
	u.new_tag = new_tag;
	u.trigger = STORE_TRIGGER_CLI;
	if (dry) {
		if (json)
			printf("{\"dry_run\": true, \"service\": \"%s\", "
			    "\"image\": \"%s\", \"new_image\": \"%s\", "
			    "\"new_digest\": %s%s%s}\n", service, it->c->image,
			    u.new_ref, want ? "\"" : "", want ? want : "null",
			    want ? "\"" : "");
		else
			printf("plan: %s: %s -> %s%s%s (pull, recreate with the "
			    "same configuration, health gate, rollback on "
			    "failure)\n", service, it->c->image, u.new_ref,
			    want ? " @ " : "", want ? want : "");
		rc = 0;
		goto out;
	}
	if (!yes) {
		char	answer[16] = "";

		if (!isatty(STDIN_FILENO)) {
			fprintf(stderr, "dockrev update: not a terminal: add "
			    "--yes to update %s to %s\n", service, u.new_ref);
			rc = 2;
			goto out;
		}
		printf("update %s: %s -> %s? [y/N] ", service, it->c->image,
		    u.new_ref);
		fflush(stdout);
		if (fgets(answer, sizeof(answer), stdin) == NULL ||
		    (answer[0] != 'y' && answer[0] != 'Y')) {
			printf("nothing changed\n");
			rc = 1;
			goto out;
		}
	}
	if (it->c->kind == INV_COMPOSE)
		err = upd_compose(&env, it, &u, &id, &state, &e);
	else if (it->c->kind == INV_SWARM)
		err = upd_swarm(&env, it, &u, &id, &state, &e);
	else
		err = job_run_update(&env.ctx, &u, &id, &state, &e);
	if (err != DR_OK) {
		fprintf(stderr, "dockrev update: %s\n", e.msg);
		if (id > 0)
			upd_print_job(env.store, id, json);
		goto out;
	}
	upd_print_job(env.store, id, json);
	rc = state == STORE_JOB_SUCCEEDED ? 0 : 1;
out:
	imageref_free(ref);
	buf_done(&nref);
	detect_result_free(res);
	upd_env_done(&env);
	return rc;
}

int
cmd_jobs(int argc, char **argv)
{
	struct upd_env		 env;
	struct store_job_filter	 f = { 0 };
	struct store_job_list	 l;
	struct dr_error		 e;
	json_t			*a;
	bool			 json = argc > 1 && strcmp(argv[1], "--json") == 0;
	size_t			 i;

	if (argc > (json ? 2 : 1)) {
		fprintf(stderr, "usage: dockrev jobs [--json]\n");
		return 2;
	}
	if (upd_env_open(&env, NULL, true) != 0)
		return 1;
	f.limit = 50;
	if (store_job_list(env.store, &f, &l, &e) != DR_OK) {
		fprintf(stderr, "dockrev: %s\n", e.msg);
		upd_env_done(&env);
		return 1;
	}
	a = json_array();
	for (i = 0; i < l.n; i++) {
		if (json)
			json_array_append_new(a, job_to_json(env.store,
			    &l.jobs[i], false));
		else
			printf("%6lld  %-16s %-8s %-24s %s\n",
			    (long long)l.jobs[i].id,
			    store_job_state_name(l.jobs[i].state),
			    store_job_kind_name(l.jobs[i].kind),
			    l.jobs[i].target ? l.jobs[i].target : "",
			    l.jobs[i].summary ? l.jobs[i].summary : "");
	}
	if (json) {
		json_dumpf(a, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("\n");
	}
	json_decref(a);
	store_job_list_done(&l);
	upd_env_done(&env);
	return 0;
}

int
cmd_job(int argc, char **argv)
{
	struct upd_env		 env;
	struct store_job	*j = NULL;
	struct dr_error		 e;
	json_t			*o;
	char			*end;
	long long		 id;
	bool			 json = false;
	size_t			 i;
	int			 rc = 1;

	if (argc == 3 && strcmp(argv[2], "--json") == 0)
		json = true;
	if (argc < 2 || argc > 3 || (argc == 3 && !json) ||
	    (id = strtoll(argv[1], &end, 10)) <= 0 || *end != '\0') {
		fprintf(stderr, "usage: dockrev job ID [--json]\n");
		return 2;
	}
	if (upd_env_open(&env, NULL, true) != 0)
		return 1;
	if (store_job_get(env.store, id, &j, &e) != DR_OK) {
		fprintf(stderr, "dockrev: %s\n", e.msg);
		goto out;
	}
	o = job_to_json(env.store, j, true);
	if (json) {
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("\n");
	} else {
		upd_print_job(env.store, id, false);
		printf("steps:\n");
		for (i = 0; i < j->nsteps; i++)
			printf("  %2d %-18s %s%s%s\n", j->steps[i].seq,
			    j->steps[i].name,
			    store_step_status_name(j->steps[i].status),
			    j->steps[i].error ? ": " : "",
			    j->steps[i].error ? j->steps[i].error : "");
		printf("log:\n");
		for (i = 0; i < json_array_size(json_object_get(o, "log")); i++)
			printf("  %s\n", json_string_value(json_array_get(
			    json_object_get(o, "log"), i)));
	}
	json_decref(o);
	rc = 0;
out:
	store_job_free(j);
	upd_env_done(&env);
	return rc;
}
