/*
 * cmd-rollback: `dockrev rollback --service NAME [--to DIGEST|TAG]`.
 * Without --to, puts back what the service ran before its last successful
 * job (the old image ID, under its old tag); --to names a tag or a
 * registry digest.  The image comes from the engine when it is still
 * there (no registry needed: re-tagged, not pulled), else from the
 * registry by digest.  The swap is the update's, as a job of kind
 * rollback, under the same health gate.
 */
#include "cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd-run.h"
#include "imageref.h"
#include "inventory.h"
#include "pull.h"
#include "store-job.h"
#include "xmalloc.h"

#define RB_JOBS_SCANNED	2000

/* True when target t of a job is the service or container of c. */
static bool
rb_same(const struct store_job_target *t, const struct inv_container *c)
{
	if (c->kind == INV_STANDALONE || c->stack == NULL)
		return t->stack == NULL && strcmp(t->service, c->name) == 0;
	return t->stack != NULL && strcmp(t->stack, c->stack) == 0 &&
	    strcmp(t->service, c->service) == 0;
}

/*
 * The newest target that changed c's image (a succeeded job whose target
 * was updated), copied into *ret; false when there is none.  With digest,
 * the newest whose old digest is that one.
 */
static bool
rb_last_change(struct store *st, const struct inv_container *c,
    const char *digest, struct store_job_target *ret)
{
	struct store_job_filter	 f = { 0 };
	struct store_job_list	 l;
	struct store_job	*j;
	size_t			 i, k, seen = 0;
	bool			 found = false;

	f.states = STORE_JOB_STATE_BIT(STORE_JOB_SUCCEEDED);
	f.stack = c->kind == INV_STANDALONE ? NULL : c->stack;
	f.limit = STORE_JOB_PAGE_MAX;
	while (!found && seen < RB_JOBS_SCANNED &&
	    store_job_list(st, &f, &l, NULL) == DR_OK) {
		for (i = 0; i < l.n && !found; i++) {
			j = NULL;
			if (store_job_get(st, l.jobs[i].id, &j, NULL) != DR_OK)
				continue;
			for (k = 0; k < j->ntargets && !found; k++) {
				struct store_job_target	*t = &j->targets[k];

				if (t->result != STORE_TARGET_UPDATED ||
				    !rb_same(t, c) || t->old_image_id == NULL ||
				    (digest != NULL && (t->old_digest == NULL ||
				    strcmp(t->old_digest, digest) != 0)))
					continue;
				memset(ret, 0, sizeof(*ret));
				ret->old_image_id = xstrdup(t->old_image_id);
				ret->old_digest = t->old_digest ?
				    xstrdup(t->old_digest) : NULL;
				ret->old_tag = t->old_tag ? xstrdup(t->old_tag) :
				    NULL;
				found = true;
			}
			store_job_free(j);
		}
		seen += l.n;
		f.before_id = l.next_before;
		i = l.more;
		store_job_list_done(&l);
		if (i == 0)
			break;
	}
	return found;
}

static bool
rb_is_digest(const char *s)
{
	size_t	i;

	if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != 7 + 64)
		return false;
	for (i = 7; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return false;
	return true;
}

/* The local image ID of ref "repo:tag" or "repo@digest", or NULL. */
static char *
rb_local(struct docker *d, const char *image, const struct imageref *ref)
{
	struct pull_result	pr;

	if (pull_inspect(d, image, ref, &pr, NULL) != DR_OK ||
	    pr.image_id[0] == '\0')
		return NULL;
	return xstrdup(pr.image_id);
}

/*
 * Plans the rollback of c into *ri; prints why not and returns -1 when
 * there is nothing to roll back to.
 */
static int
rb_plan(struct run_env *env, const struct inv_container *c, const char *to,
    struct run_item *ri)
{
	struct store_job_target	 last = { 0 };
	struct imageref		*ref = NULL;
	struct dr_error		 e;
	struct buf		 repo;
	const char		*tag;
	int			 rc = -1;

	buf_init(&repo, IMAGEREF_MAX);
	if (imageref_parse(span_str(c->image), &ref, &e) != DR_OK) {
		fprintf(stderr, "dockrev rollback: %s: %s\n", c->name, e.msg);
		goto out;
	}
	imageref_format_repo(ref, &repo);
	memset(ri, 0, sizeof(*ri));
	run_item_from_container(ri, c);
	ri->job_kind = STORE_JOB_ROLLBACK;
	ri->old_tag = xstrdup(imageref_tag(ref));
	if (to != NULL && !rb_is_digest(to)) {
		/* A tag: the local one if it is here, else the registry's. */
		char	*full = xasprintf("%s:%s", buf_str(&repo), to);

		ri->new_tag = xstrdup(to);
		ri->source = rb_local(env->docker, full, ref);
		free(full);
	} else if (to != NULL) {
		/* A registry digest: under the tag it last had here, or the
		 * tag the service runs now. */
		char	*full = xasprintf("%s@%s", buf_str(&repo), to);

		tag = rb_last_change(env->store, c, to, &last) && last.old_tag ?
		    last.old_tag : imageref_tag(ref);
		ri->new_tag = xstrdup(tag);
		ri->want_digest = xstrdup(to);
		if ((ri->source = rb_local(env->docker, full, ref)) == NULL)
			ri->source = xstrdup(full);
		free(full);
	} else {
		if (!rb_last_change(env->store, c, NULL, &last) ||
		    last.old_tag == NULL) {
			fprintf(stderr, "dockrev rollback: %s: no update of it "
			    "on record; name the image with --to TAG|DIGEST\n",
			    ri->name);
			goto out;
		}
		ri->new_tag = xstrdup(last.old_tag);
		if ((ri->source = rb_local(env->docker, last.old_image_id,
		    ref)) == NULL) {
			if (last.old_digest == NULL) {
				fprintf(stderr, "dockrev rollback: %s: the old "
				    "image %s is gone and its digest is not on "
				    "record\n", ri->name, last.old_image_id);
				goto out;
			}
			ri->source = xasprintf("%s@%s", buf_str(&repo),
			    last.old_digest);
			ri->want_digest = xstrdup(last.old_digest);
		}
	}
	ri->new_ref = xasprintf("%s:%s", buf_str(&repo), ri->new_tag);
	rc = 0;
out:
	free(last.old_image_id);
	free(last.old_digest);
	free(last.old_tag);
	imageref_free(ref);
	buf_done(&repo);
	return rc;
}

int
cmd_rollback(int argc, char **argv)
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
	struct run_env		 env;
	struct run_opts		 ro = { 0 };
	struct run_item		 ri = { 0 };
	struct inventory	*inv = NULL;
	const struct inv_container *c = NULL;
	struct dr_error		 e;
	const char		*service = NULL, *to = NULL;
	int64_t			*ids = NULL;
	size_t			 i;
	bool			 dry = false, yes = false, json = false;
	int			 ch, rc = 1;

	while ((ch = getopt_long(argc, argv, "s:t:nyjc:", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 's': service = optarg; break;
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
		default:
			return 2;
		}
	}
	if (service == NULL || optind != argc) {
		fprintf(stderr, "usage: dockrev rollback --service NAME [--to "
		    "DIGEST|TAG] [--dry-run] [--yes] [--json] [--deadline S] "
		    "[--settle S]\n");
		return 2;
	}
	if (to != NULL && !rb_is_digest(to) &&
	    !imageref_valid_tag(span_str(to))) {
		fprintf(stderr, "dockrev rollback: \"%s\" is neither a tag nor "
		    "a sha256 digest\n", to);
		return 2;
	}
	ro.quiet = json;
	if (run_env_open(&env, ro.docker_config, json, true) != 0)
		return 1;
	if (inventory_load(env.docker, true, &inv, &e) != DR_OK) {
		fprintf(stderr, "dockrev: %s\n", e.msg);
		goto out;
	}
	for (i = 0; i < inv->ncontainers; i++) {
		if (!inventory_matches(&inv->containers[i], service))
			continue;
		if (c == NULL || strcmp(inv->containers[i].state, "running") ==
		    0)
			c = &inv->containers[i];
	}
	if (c == NULL) {
		fprintf(stderr, "dockrev rollback: no container or Compose "
		    "service \"%s\"\n", service);
		goto out;
	}
	if (rb_plan(&env, c, to, &ri) != 0)
		goto out;
	if (dry) {
		printf("plan: roll %s back: %s -> %s (%s)\n", ri.name, ri.image,
		    ri.new_ref, ri.source == NULL ? "pull" : strncmp(ri.source,
		    "sha256:", 7) == 0 ? "the local image, no pull" :
		    ri.source);
		rc = 0;
		goto out;
	}
	if (!yes && (rc = run_confirm("rollback", &ri, 1)) != 0)
		goto out;
	inventory_free(inv);
	inv = NULL;
	rc = run_items(&ro, &env, &ri, 1, &ids) == 0 ? 0 : 1;
	cmd_print_jobs(env.store, ids, 1, json, true);
out:
	free(ids);
	run_item_done(&ri);
	inventory_free(inv);
	run_env_done(&env);
	return rc;
}
