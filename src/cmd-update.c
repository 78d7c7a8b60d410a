/*
 * cmd-update: `dockrev update`, `dockrev jobs`, `dockrev job N`.  update
 * checks the services of its scope (one service, one stack, everything),
 * picks each one's new image (the same tag moved, or the highest
 * same-level candidate that runs on this host, or --to TAG for one
 * service) and runs them as journaled jobs (cmd-run.c), waiting for their
 * end.  Exit status 0 only when every job succeeded (or there was nothing
 * to do).
 *
 * Hidden: `update --job ID` runs the queued job ID that the daemon
 * (trigger.c) recorded: its target is the service, its trigger_params
 * "to" the --to; the job is claimed instead of a new one recorded, and it
 * ends terminal even when there is nothing to do ("already up to date")
 * or the planning fails.
 */
#include "cmd.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "cmd-run.h"
#include "curl-lazy.h"
#include "detect.h"
#include "imageref.h"
#include "store-job.h"
#include "store-stack.h"
#include "xmalloc.h"

/*
 * Plans the update of it into *ri: 1 when there is one, 0 when it is up
 * to date (or skipped), -1 on a problem worth an error (printed when
 * loud).
 */
static int
upd_plan(const struct detect_item *it, const char *to, const char *scope,
    const struct store_svc *set, struct run_item *ri, bool loud)
{
	struct imageref	*ref = NULL;
	struct dr_error	 e;
	struct buf	 nref;
	const char	*new_tag = NULL, *want = NULL;
	bool		 allow_mismatch = set->allow_arch_mismatch == 1;
	ssize_t		 best;
	size_t		 i;
	int		 rc = -1;

	memset(ri, 0, sizeof(*ri));
	if (it->status == DETECT_SKIPPED && !loud)
		return 0;
	if (it->status == DETECT_SKIPPED || it->status == DETECT_ERROR) {
		fprintf(stderr, "dockrev update: %s: %s\n", it->c->name,
		    it->reason ? it->reason : "cannot be checked");
		return -1;
	}
	if (imageref_parse(span_str(it->c->image), &ref, &e) != DR_OK) {
		fprintf(stderr, "dockrev update: %s: %s\n", it->c->name, e.msg);
		return -1;
	}
	for (i = 0; to != NULL && i < it->nignored; i++) {
		if (strcmp(it->ignored[i].cand.tag, to) == 0) {
			fprintf(stderr, "dockrev update: %s: %s is ignored: %s "
			    "(rule %lld)\n", it->c->name, to,
			    it->ignored[i].reason, (long long)
			    it->ignored[i].rule_id);
			goto out;
		}
	}
	if (to != NULL) {
		new_tag = to;
		for (i = 0; i < it->ncands; i++)
			if (strcmp(it->cands[i].tag, to) == 0)
				want = it->cands[i].digest;
	} else {
		/* Never a major jump without --to (detect_best). */
		if ((best = detect_best(it->cands, it->ncands,
		    allow_mismatch)) >= 0) {
			new_tag = it->cands[best].tag;
			want = it->cands[best].digest;
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
		rc = 0;
		goto out;
	}
	buf_init(&nref, IMAGEREF_MAX);
	imageref_format_repo(ref, &nref);
	buf_printf(&nref, ":%s", new_tag);
	run_item_from_container(ri, it->c);
	ri->job_kind = STORE_JOB_UPDATE;
	ri->new_ref = buf_steal(&nref);
	ri->want_digest = want ? xstrdup(want) : NULL;
	ri->old_tag = xstrdup(imageref_tag(ref));
	ri->new_tag = xstrdup(new_tag);
	if (scope != NULL)
		ri->trigger_params = xstrdup(scope);
	/* Service settings (PUT .../settings); flags still win. */
	if (set->health_deadline_s > 0)
		ri->health.deadline_ms = set->health_deadline_s * 1000L;
	if (set->settle_s >= 0)
		ri->health.settle_ms = set->settle_s > 0 ? set->settle_s *
		    1000L : 1;
	ri->rollback = set->auto_rollback < 0 ? 0 : set->auto_rollback ? 1 :
	    -1;
	rc = 1;
out:
	imageref_free(ref);
	return rc;
}

/* What the JSON plan shows besides the item: from the check. */
struct upd_extra {
	const char	*from_digest;
	const char	*kind;		/* "minor", "patch", "digest", ... */
};

/* Prints the plan (--dry-run) as text or as one JSON array. */
static void
upd_print_plan(const struct run_item *items, const struct upd_extra *x,
    size_t n, bool json)
{
	json_t	*a;
	size_t	 i;

	if (!json) {
		for (i = 0; i < n; i++)
			printf("plan: %s: %s -> %s%s%s (pull, %s, health gate, "
			    "rollback on failure)\n", items[i].name,
			    items[i].image, items[i].new_ref, items[i].want_digest ?
			    " @ " : "", items[i].want_digest ?
			    items[i].want_digest : "", items[i].kind ==
			    INV_COMPOSE ? "compose up of the service" :
			    items[i].kind == INV_SWARM ? "Swarm service update "
			    "pinned to the digest" : "recreate with the same "
			    "configuration");
		return;
	}
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:b, s:s, s:s, s:s, s:s?, "
		    "s:s?, s:s?, s:s, s:s?, s:s?, s:s?, s:s?, s:s?}",
		    "dry_run", 1, "service", items[i].name, "image",
		    items[i].image, "new_image", items[i].new_ref, "new_digest",
		    items[i].want_digest, "stack", items[i].stack, "name",
		    items[i].service ? items[i].service : items[i].name,
		    "swap", items[i].kind == INV_COMPOSE ? "compose" :
		    items[i].kind == INV_SWARM ? "swarm" : "recreate",
		    "from_tag", items[i].old_tag, "to_tag", items[i].new_tag,
		    "from_digest", x[i].from_digest, "kind", x[i].kind,
		    "container", items[i].container));
	json_dumpf(a, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("\n");
	json_decref(a);
}

/* Prints the jobs: text lines, one JSON object (one service) or an array. */
void
cmd_print_jobs(struct store *st, const int64_t *ids, size_t n, bool json,
    bool one)
{
	size_t	i, shown = 0;

	if (json && !one)
		printf("[");
	for (i = 0; i < n; i++) {
		if (ids[i] <= 0)
			continue;
		if (json && !one && shown++ > 0)
			printf(",");
		run_print_job(st, ids[i], json);
	}
	if (json && !one)
		printf("]\n");
}

/* The kind of the step from it to new_tag, for the plan. */
static const char *
upd_kind(const struct detect_item *it, const char *new_tag)
{
	size_t	i;

	for (i = 0; new_tag != NULL && i < it->ncands; i++)
		if (strcmp(it->cands[i].tag, new_tag) == 0)
			return it->cands[i].kind == VERSION_MINOR ? "minor" :
			    it->cands[i].kind == VERSION_PATCH ? "patch" :
			    it->cands[i].kind == VERSION_MAJOR ? "major" :
			    "other";
	return "digest";
}

/* Ends the daemon's job id (when still queued) without running it. */
static void
upd_job_close(struct store *st, int64_t id, enum store_job_state to,
    const char *summary)
{
	struct store_job	*j = NULL;

	if (id <= 0 || store_job_get(st, id, &j, NULL) != DR_OK)
		return;
	if (j->state == STORE_JOB_QUEUED &&
	    store_job_claim(st, id, j->owner, job_owner_self(), NULL) ==
	    DR_OK) {
		if (to != STORE_JOB_FAILED)
			store_job_set_state(st, id, STORE_JOB_RUNNING, NULL,
			    NULL);
		store_job_set_state(st, id, to, summary, NULL);
	}
	store_job_free(j);
}

/*
 * --job ID: reads the daemon's queued job into the update's options:
 * *ret_service (owned), *ret_to (owned, NULL: none) and the health gate's
 * times (trigger_params "health_deadline_s", "settle_s" when set).  -1
 * when it is not a queued update (printed).
 */
static int
upd_job_load(struct store *st, int64_t id, char **ret_service, char **ret_to,
    struct health_opts *ret_health)
{
	struct store_job	*j = NULL;
	struct dr_error		 e;
	json_t			*p = NULL;
	const char		*to;
	int			 rc = -1;

	*ret_service = *ret_to = NULL;
	if (store_job_get(st, id, &j, &e) != DR_OK) {
		fprintf(stderr, "dockrev update: job %lld: %s\n", (long long)id,
		    e.msg);
		return -1;
	}
	if (j->state != STORE_JOB_QUEUED || j->kind != STORE_JOB_UPDATE ||
	    j->scope != STORE_SCOPE_SERVICE) {
		fprintf(stderr, "dockrev update: job %lld is not a queued "
		    "service update\n", (long long)id);
		goto out;
	}
	p = json_loads(j->trigger_params, 0, NULL);
	to = json_string_value(json_object_get(p, "to"));
	if (to != NULL && !imageref_valid_tag(span_str(to))) {
		upd_job_close(st, id, STORE_JOB_FAILED, "bad \"to\" tag");
		goto out;
	}
	if (json_integer_value(json_object_get(p, "health_deadline_s")) > 0)
		ret_health->deadline_ms = (long)json_integer_value(
		    json_object_get(p, "health_deadline_s")) * 1000;
	if (json_integer_value(json_object_get(p, "settle_s")) > 0)
		ret_health->settle_ms = (long)json_integer_value(
		    json_object_get(p, "settle_s")) * 1000;
	*ret_service = xstrdup(j->target);
	*ret_to = to ? xstrdup(to) : NULL;
	rc = 0;
out:
	json_decref(p);
	store_job_free(j);
	return rc;
}

int
cmd_update(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "service", required_argument, NULL, 's' },
		{ "stack", required_argument, NULL, 'k' },
		{ "all", no_argument, NULL, 'a' },
		{ "to", required_argument, NULL, 't' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "yes", no_argument, NULL, 'y' },
		{ "json", no_argument, NULL, 'j' },
		{ "docker-config", required_argument, NULL, 'c' },
		{ "deadline", required_argument, NULL, 'D' },
		{ "settle", required_argument, NULL, 'S' },
		{ "parallel", required_argument, NULL, 'P' },
		{ "label-enable", no_argument, NULL, 'L' },
		{ "job", required_argument, NULL, 'J' },	/* hidden */
		{ NULL, 0, NULL, 0 },
	};
	struct run_env		 env;
	struct run_opts		 ro = { 0 };
	struct detect_opts	 o = { 0 };
	struct detect_result	*res = NULL;
	struct catalog_rules	*rules = NULL;
	struct run_item		*items = NULL;
	struct dr_error		 e;
	const char		*service = NULL, *stack = NULL, *to = NULL;
	char			*scope = NULL, *project = NULL;
	const char		*sstack, *sname;
	char			*job_service = NULL, *job_to = NULL;
	struct upd_extra	*extra = NULL;
	int64_t			*ids = NULL, job = 0;
	char			*end;
	size_t			 n = 0, i, j, bad, errors = 0;
	bool			 all = false, dry = false, yes = false;
	bool			 json = false, dup, found = false;
	int			 ch, nscopes, rc = 1, p;

	o.label_enable = detect_label_enable_env();
	while ((ch = getopt_long(argc, argv, "s:t:nyjc:", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'L': o.label_enable = true; break;
		case 'J':
			job = strtoll(optarg, &end, 10);
			if (job <= 0 || *end != '\0') {
				fprintf(stderr, "dockrev update: bad --job\n");
				return 2;
			}
			break;
		case 's': service = optarg; break;
		case 'k': stack = optarg; break;
		case 'a': all = true; break;
		case 't': to = optarg; break;
		case 'n': dry = true; break;
		case 'y': yes = true; break;
		case 'j': json = true; break;
		case 'c': ro.docker_config = optarg; break;
		case 'D':
			if ((ro.health.deadline_ms = run_seconds(optarg,
			    "--deadline")) < 0)
				return 2;
			break;
		case 'S':
			if ((ro.health.settle_ms = run_seconds(optarg,
			    "--settle")) < 0)
				return 2;
			break;
		case 'P':
			if ((ro.parallel = run_parallel(optarg)) == 0)
				return 2;
			break;
		default:
			return 2;
		}
	}
	if (ro.parallel == 0 && getenv("DOCKREV_PARALLEL") != NULL &&
	    (ro.parallel = run_parallel(getenv("DOCKREV_PARALLEL"))) == 0)
		return 2;
	nscopes = (service != NULL) + (stack != NULL) + all + (job > 0);
	if (nscopes != 1 || optind != argc || (to != NULL && service == NULL)) {
		fprintf(stderr, "usage: dockrev update (--service NAME | --stack "
		    "STACK | --all) [--to TAG (with --service)] [--dry-run] "
		    "[--yes] [--json] [--deadline S] [--settle S] "
		    "[--parallel N] [--label-enable]\n");
		return 2;
	}
	if (to != NULL && !imageref_valid_tag(span_str(to))) {
		fprintf(stderr, "dockrev update: \"%s\" is not a valid tag\n", to);
		return 2;
	}
	if (job > 0) {
		yes = json = true;
		dry = false;
	}
	ro.quiet = json;
	/* The check asks the registry: libcurl loads while the engine and
	 * the store are opened. */
	curl_lazy_preload();
	if (run_env_open(&env, ro.docker_config, json, true) != 0)
		return 1;
	if (job > 0) {
		if (upd_job_load(env.store, job, &job_service, &job_to,
		    &ro.health) != 0) {
			run_env_done(&env);
			return 1;
		}
		service = job_service;
		to = job_to;
		env.ctx.claim = job;
	}
	o.docker_config = ro.docker_config;
	o.only = service;
	if (stack != NULL) {
		struct store_stack	*reg = run_registered(env.store, stack);

		if (reg != NULL)
			stack = project = xstrdup(reg->project);
		store_stack_free(reg);
	}
	o.only_stack = stack;
	if (detect_run(env.docker, &o, &res, &e) != DR_OK ||
	    catalog_rules_load(env.store, &rules, &e) != DR_OK) {
		fprintf(stderr, "dockrev: %s\n", e.msg);
		detect_result_free(res);
		upd_job_close(env.store, job, STORE_JOB_FAILED, e.msg);
		run_env_done(&env);
		free(project);
		free(job_service);
		free(job_to);
		return 1;
	}
	/* Never take a candidate an ignore rule hides. */
	catalog_apply_detect(rules, res);
	if (stack != NULL) {
		json_t	*sj = json_pack("{s:s, s:s}", "scope", "stack", "stack",
		    stack);

		scope = json_dumps(sj, JSON_COMPACT);
		json_decref(sj);
	} else if (all)
		scope = xstrdup("{\"scope\":\"all\"}");

	items = xcalloc(res->nitems + 1, sizeof(*items));
	extra = xcalloc(res->nitems + 1, sizeof(*extra));
	for (i = 0; i < res->nitems; i++) {
		const struct inv_container	*c = res->items[i].c;

		if (service != NULL && !inventory_matches(c, service))
			continue;
		if (stack != NULL && (c->stack == NULL || c->kind ==
		    INV_STANDALONE || strcmp(c->stack, stack) != 0))
			continue;
		/* One job per service, whatever its number of replicas. */
		for (j = 0, dup = false; j < n && !dup; j++)
			dup = c->stack != NULL && c->service != NULL &&
			    items[j].stack != NULL && strcmp(items[j].stack,
			    c->stack) == 0 && strcmp(items[j].service,
			    c->service) == 0;
		if (dup || (found && service != NULL))
			continue;
		found = true;
		catalog_identity(c, &sstack, &sname);
		p = upd_plan(&res->items[i], to, scope, catalog_rules_settings(
		    rules, sstack, sname), &items[n], service != NULL);
		if (p < 0)
			errors++;
		else if (p > 0) {
			extra[n].from_digest = res->items[i].current_digest;
			extra[n].kind = upd_kind(&res->items[i],
			    items[n].new_tag);
			n++;
		}
		else if (service != NULL) {
			const struct detect_item	*it = &res->items[i];

			printf("%s is up to date", service);
			for (j = 0; j < it->ncands; j++)
				printf("%s%s", j ? ", " : " (newer, use --to: ",
				    it->cands[j].tag);
			printf("%s\n", it->ncands ? ")" : "");
		}
	}
	if (!found) {
		fprintf(stderr, "dockrev update: no running container or %s "
		    "\"%s\"\n", stack ? "stack" : "Compose service", stack ?
		    stack : service ? service : "*");
		upd_job_close(env.store, job, STORE_JOB_FAILED, "no running "
		    "container of the service");
		goto out;
	}
	if (service != NULL && errors > 0) {
		upd_job_close(env.store, job, STORE_JOB_FAILED, "the service "
		    "cannot be checked; nothing changed");
		goto out;
	}
	if (n == 0) {
		upd_job_close(env.store, job, STORE_JOB_SUCCEEDED, "already up "
		    "to date");
		if (service == NULL)
			printf("%s\n", json ? "[]" : "everything is up to date");
		rc = errors > 0 ? 1 : 0;
		goto out;
	}
	if (dry) {
		upd_print_plan(items, extra, n, json);
		rc = 0;
		goto out;
	}
	if (!yes && (rc = run_confirm("update", items, n)) != 0)
		goto out;
	bad = run_items(&ro, &env, items, n, &ids);
	/* A job that could not start (its container went away...). */
	upd_job_close(env.store, job, STORE_JOB_FAILED, "the job could not "
	    "start; nothing changed");
	cmd_print_jobs(env.store, ids, n, json, service != NULL);
	rc = bad == 0 && errors == 0 ? 0 : 1;
out:
	for (i = 0; i < n; i++)
		run_item_done(&items[i]);
	free(items);
	free(extra);
	free(ids);
	free(job_service);
	free(job_to);
	free(scope);
	free(project);
	detect_result_free(res);
	catalog_rules_unref(rules);
	run_env_done(&env);
	return rc;
}

int
cmd_jobs(int argc, char **argv)
{
	struct run_env		 env;
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
	if (run_env_open(&env, NULL, true, true) != 0)
		return 1;
	f.limit = 50;
	if (store_job_list(env.store, &f, &l, &e) != DR_OK) {
		fprintf(stderr, "dockrev: %s\n", e.msg);
		run_env_done(&env);
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
	run_env_done(&env);
	return 0;
}

int
cmd_job(int argc, char **argv)
{
	struct run_env		 env;
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
	if (run_env_open(&env, NULL, true, true) != 0)
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
		run_print_job(env.store, id, false);
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
	run_env_done(&env);
	return rc;
}
