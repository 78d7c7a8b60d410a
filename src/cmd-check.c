/*
 * cmd-check: `dockrev check`, the one-shot detect run.  Prints a table
 * grouped by stack on a terminal, or the documented JSON with --json.
 * Exit status 0 when the check ran, whatever it found.  The internal
 * --catalog-json mode is the daemon's check child (catalog-check.h).
 */
#include "cmd.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog-check.h"
#include "catalog.h"
#include "curl-lazy.h"
#include "detect.h"
#include "docker-client.h"
#include "store.h"

static void
check_progress(const char *what, void *arg)
{
	fprintf(stderr, "\r\033[Kchecking: %s…", what);
	fflush(stderr);
}

static const char *
check_short(const char *digest)
{
	static char	out[24];

	if (digest == NULL)
		return "-";
	snprintf(out, sizeof(out), "%.19s", digest);
	return out;
}

static const char *
check_arch(enum detect_arch a)
{
	return a == DETECT_ARCH_MATCH ? "arch ok" : a == DETECT_ARCH_MISMATCH ?
	    "ARCH MISMATCH" : "arch unknown";
}

/*
 * Moves the candidates the ignore rules hide to each item's ignored list.
 * Without a readable state file there are no rules: a warning, not an
 * error (check stays read-only and works anywhere).
 */
static void
check_rules(struct detect_result *res)
{
	struct catalog_rules	*rules = NULL;
	struct store		*st = NULL;
	struct dr_error		 e;
	char			*path = NULL;

	if (store_default_path(&path, &e) != DR_OK ||
	    store_open(path, &st, &e) != DR_OK ||
	    catalog_rules_load(st, &rules, &e) != DR_OK)
		fprintf(stderr, "dockrev: ignore rules not applied: %s\n",
		    e.msg);
	else
		catalog_apply_detect(rules, res);
	catalog_rules_unref(rules);
	store_close(st);
	free(path);
}

static void
check_print(const struct detect_result *res)
{
	const char	*group = NULL;
	size_t		 i, k, updates = 0, errors = 0, skipped = 0;

	for (i = 0; i < res->nitems; i++) {
		const struct detect_item	*it = &res->items[i];
		const char			*g = it->c->stack;

		if (i == 0 || (g == NULL) != (group == NULL) ||
		    (g != NULL && strcmp(g, group) != 0)) {
			printf("%s%s%s\n", i ? "\n" : "", g ? g :
			    "standalone containers", it->c->kind ==
			    INV_COMPOSE ? " (compose)" : it->c->kind ==
			    INV_SWARM ? " (swarm)" : "");
			group = g;
		}
		printf("  %-24s %-40s ", it->c->name, it->c->image);
		switch (it->status) {
		case DETECT_UP_TO_DATE:
			printf("up to date");
			break;
		case DETECT_UPDATE_AVAILABLE:
			updates++;
			printf("UPDATE");
			if (it->remote_digest != NULL && it->current_digest &&
			    strcmp(it->remote_digest, it->current_digest) != 0)
				printf(" (tag moved: %s)",
				    check_short(it->remote_digest));
			break;
		case DETECT_SKIPPED:
			skipped++;
			printf("skipped: %s", it->reason ? it->reason : "");
			break;
		case DETECT_ERROR:
			errors++;
			printf("error: %s", it->reason ? it->reason : "");
			break;
		}
		printf("\n");
		for (k = 0; k < it->ncands; k++) {
			const struct detect_candidate	*c = &it->cands[k];

			printf("  %-24s   -> %-36s %s%s, %s, %s\n", "", c->tag,
			    version_kind_name(c->kind), c->same_level ?
			    " same-level" : "", check_arch(c->arch),
			    check_short(c->digest));
		}
		for (k = 0; k < it->nignored; k++)
			printf("  %-24s   (ignored %s: %s)\n", "",
			    it->ignored[k].cand.tag, it->ignored[k].reason ?
			    it->ignored[k].reason : "");
	}
	printf("\n%zu containers, %zu with updates, %zu skipped, %zu errors; "
	    "%u images, %u registry requests, %ld ms; host %s/%s%s%s\n",
	    res->nitems, updates, skipped, errors, res->images,
	    res->registry_requests, res->duration_ms, res->host.os,
	    res->host.arch, res->host.variant[0] ? "/" : "",
	    res->host.variant);
	if (res->ratelimit_remaining >= 0 && res->ratelimit_limit > 0)
		printf("registry rate limit: %ld of %ld pulls left\n",
		    res->ratelimit_remaining, res->ratelimit_limit);
	else if (res->ratelimit_remaining >= 0)
		printf("registry rate limit: %ld pulls left\n",
		    res->ratelimit_remaining);
}

/*
 * The daemon's check child: one JSON document on stdout, never a word on
 * stderr (catalog-check.h).  Exit status 0 with a result, 1 with an
 * error document.
 */
static int
check_catalog_json(const char *scope, const char *target)
{
	struct catalog_snap	*snap = NULL;
	struct dr_error		 e;
	json_t			*j;
	unsigned		 requests;
	enum dr_err		 err;
	int			 rc;

	dr_error_clear(&e);
	curl_lazy_preload();
	err = catalog_check_local(scope, target, &snap, &requests, &e);
	j = err == DR_OK ? catalog_check_result_json(snap, requests) :
	    catalog_check_error_json(err, e.msg);
	rc = err == DR_OK ? 0 : 1;
	if (json_dumpf(j, stdout, JSON_COMPACT) != 0 || fputc('\n',
	    stdout) == EOF || fflush(stdout) != 0)
		rc = 1;
	json_decref(j);
	catalog_snap_unref(snap);
	return rc;
}

int
cmd_check(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "docker-config", required_argument, NULL, 'c' },
		{ "label-enable", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		/* Internal: the daemon's check child. */
		{ "catalog-json", no_argument, NULL, 'C' },
		{ "stack", required_argument, NULL, 'S' },
		{ "service", required_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct detect_opts	 o = { 0 };
	struct detect_result	*res = NULL;
	struct docker		*d = NULL;
	struct dr_error		 e;
	json_t			*j;
	const char		*scope = "all", *target = NULL;
	bool			 json = false, catalog = false, plain = false;
	int			 ch, rc = 1;

	o.label_enable = detect_label_enable_env();
	while ((ch = getopt_long(argc, argv, "ajc:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'L':
			o.label_enable = plain = true;
			break;
		case 'a':
			o.all = plain = true;
			break;
		case 'j':
			json = plain = true;
			break;
		case 'c':
			o.docker_config = optarg;
			plain = true;
			break;
		case 'C':
			catalog = true;
			break;
		case 'S':
		case 'V':
			if (target != NULL) {
				fprintf(stderr, "dockrev check: one of --stack "
				    "and --service\n");
				return 2;
			}
			scope = ch == 'S' ? "stack" : "service";
			target = optarg;
			break;
		case 'h':
			printf("usage: dockrev check [--all] [--json] "
			    "[--label-enable] [--docker-config PATH]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "dockrev check: unexpected argument \"%s\"\n",
		    argv[optind]);
		return 2;
	}
	if (catalog && plain) {
		fprintf(stderr, "dockrev check: --catalog-json takes only "
		    "--stack or --service\n");
		return 2;
	}
	if (!catalog && target != NULL) {
		fprintf(stderr, "dockrev check: --stack and --service are for "
		    "--catalog-json\n");
		return 2;
	}
	if (catalog)
		return check_catalog_json(scope, target);
	if (isatty(STDERR_FILENO) && !json)
		o.progress = check_progress;
	/* Loads libcurl for the registry while the engine answers. */
	curl_lazy_preload();
	if (docker_open(NULL, &d, &e) != DR_OK) {
		fprintf(stderr, "dockrev: %s\n", e.msg);
		goto out;
	}
	if (detect_run(d, &o, &res, &e) != DR_OK) {
		if (o.progress != NULL)
			fprintf(stderr, "\r\033[K");
		fprintf(stderr, "dockrev: %s\n", e.msg);
		goto out;
	}
	if (o.progress != NULL)
		fprintf(stderr, "\r\033[K");
	check_rules(res);
	if (json) {
		j = detect_result_json(res);
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("\n");
		json_decref(j);
	} else
		check_print(res);
	rc = 0;
out:
	detect_result_free(res);
	docker_free(d);
	return rc;
}
