/*
 * recreate: test tool for swap-recreate.  Recreates container NAME (on
 * NEWIMAGE, default its own image reference) by running the steps in the
 * order swap-recreate.h recommends, undoing them on failure, and prints the
 * new container's id.
 *
 *   recreate [options] NAME [NEWIMAGE]
 *     --plan            print the plan as JSON and change nothing
 *     --keep-old        leave the old container parked (stopped, renamed)
 *     --twice           run every step twice (idempotence)
 *     --follow          then recreate the containers sharing NAME's
 *                       network/ipc/pid namespace, pointed at the new one
 *                       (prints "dependent OLDID NEWID" lines)
 *     --fail-after STEP pretend STEP failed: undo, exit 3
 *     --stop-after STEP exit 4 right after STEP, as if killed
 *     --plan-out FILE   write the plan (JSON) before the first step
 *     --plan-in FILE    resume: take the plan from FILE, run every step
 *   STEP: rename create connect stop start remove
 * Exit: 0 done, 1 failed and undone, 2 usage, 3 --fail-after, 4
 * --stop-after, 5 failed and the undo failed too.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker-client.h"
#include "err.h"
#include "swap-recreate.h"
#include "xmalloc.h"

struct step {
	const char	*name;
	enum dr_err	(*fn)(struct docker *, const struct recreate_plan *,
			    struct dr_error *);
	bool		 if_running;	/* only when the old one ran */
	bool		 removes;	/* skipped with --keep-old */
};

static enum dr_err
step_create(struct docker *d, const struct recreate_plan *p,
    struct dr_error *reterr)
{
	return recreate_create_new(d, p, NULL, reterr);
}

static const struct step steps[] = {
	{ "rename", recreate_rename_old, false, false },
	{ "create", step_create, false, false },
	{ "connect", recreate_connect_networks, false, false },
	{ "stop", recreate_stop_old, false, false },
	{ "start", recreate_start_new, true, false },
	{ "remove", recreate_remove_old, false, true },
};

struct opts {
	bool		 plan_only, keep_old, twice, follow;
	const char	*fail_after, *stop_after, *plan_out, *plan_in;
};

static void
usage(void)
{
	fprintf(stderr, "usage: recreate [--plan] [--keep-old] [--twice] "
	    "[--follow] [--fail-after STEP] [--stop-after STEP] "
	    "[--plan-out FILE] [--plan-in FILE] NAME [NEWIMAGE]\n");
	exit(2);
}

static bool
known_step(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (strcmp(steps[i].name, s) == 0)
			return true;
	return false;
}

/*
 * Runs the steps of plan p; 0 when done, else the exit status.  *ret_id
 * gets the new container's id.
 */
static int
run_plan(struct docker *d, const struct recreate_plan *p,
    const struct opts *o, char **ret_id)
{
	struct dr_error	 e;
	size_t		 i;
	int		 k;
	enum dr_err	 err = DR_OK;

	*ret_id = NULL;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i].if_running && !recreate_plan_was_running(p))
			continue;
		if (steps[i].removes && o->keep_old)
			continue;
		for (k = 0; k < (o->twice ? 2 : 1); k++) {
			dr_error_clear(&e);
			if ((err = steps[i].fn(d, p, &e)) != DR_OK)
				break;
		}
		if (err != DR_OK) {
			fprintf(stderr, "recreate: %s: %s: %s\n", steps[i].name,
			    dr_err_name(err), e.msg);
			break;
		}
		if (o->stop_after && strcmp(o->stop_after, steps[i].name) == 0)
			return 4;
		if (o->fail_after &&
		    strcmp(o->fail_after, steps[i].name) == 0) {
			err = DR_EINTERNAL;
			break;
		}
	}
	if (err == DR_OK) {
		dr_error_clear(&e);
		if ((err = recreate_create_new(d, p, ret_id, &e)) != DR_OK) {
			fprintf(stderr, "recreate: find new: %s\n", e.msg);
			return 1;
		}
		return 0;
	}
	for (k = 0; k < (o->twice ? 2 : 1); k++) {
		dr_error_clear(&e);
		if ((err = recreate_undo(d, p, &e)) != DR_OK) {
			fprintf(stderr, "recreate: undo: %s: %s\n",
			    dr_err_name(err), e.msg);
			return 5;
		}
	}
	fprintf(stderr, "recreate: undone\n");
	return o->fail_after ? 3 : 1;
}

static int
write_plan(const struct recreate_plan *p, const char *file)
{
	json_t	*j;
	int	 rc;

	j = recreate_plan_to_json(p);
	rc = json_dump_file(j, file, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(j);
	if (rc != 0)
		fprintf(stderr, "recreate: cannot write %s\n", file);
	return rc;
}

/* Recreates the dependents (planned before), pointed at new_id. */
static int
follow(struct docker *d, struct recreate_plan **deps, size_t n,
    const char *old_id, const char *new_id, const struct opts *o)
{
	struct opts	 so = *o;
	char		*id = NULL;
	size_t		 i;
	int		 rc;

	so.fail_after = so.stop_after = NULL;
	for (i = 0; i < n; i++) {
		recreate_plan_retarget(deps[i], old_id, new_id);
		if ((rc = run_plan(d, deps[i], &so, &id)) != 0)
			return rc;
		printf("dependent %s %s\n", recreate_plan_old_id(deps[i]), id);
		free(id);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts		 o;
	struct docker		*d = NULL;
	struct recreate_plan	*p = NULL;
	struct dr_error		 e;
	json_t			*j;
	json_error_t		 jerr;
	struct recreate_plan	**dplans = NULL;
	char			**deps = NULL, *id = NULL;
	size_t			 ndeps = 0, k;
	bool			 keep_old;
	int			 i, rc = 1;

	memset(&o, 0, sizeof(o));
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--plan") == 0)
			o.plan_only = true;
		else if (strcmp(argv[i], "--keep-old") == 0)
			o.keep_old = true;
		else if (strcmp(argv[i], "--twice") == 0)
			o.twice = true;
		else if (strcmp(argv[i], "--follow") == 0)
			o.follow = true;
		else if (i + 1 < argc && strcmp(argv[i], "--fail-after") == 0)
			o.fail_after = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--stop-after") == 0)
			o.stop_after = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--plan-out") == 0)
			o.plan_out = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--plan-in") == 0)
			o.plan_in = argv[++i];
		else
			usage();
	}
	if ((o.fail_after && !known_step(o.fail_after)) ||
	    (o.stop_after && !known_step(o.stop_after)))
		usage();
	if (o.plan_in == NULL && (argc - i < 1 || argc - i > 2))
		usage();
	dr_error_clear(&e);
	if (docker_open(NULL, &d, &e) != DR_OK) {
		fprintf(stderr, "recreate: %s\n", e.msg);
		goto out;
	}
	if (o.plan_in != NULL) {
		if ((j = json_load_file(o.plan_in, 0, &jerr)) == NULL) {
			fprintf(stderr, "recreate: %s: %s\n", o.plan_in,
			    jerr.text);
			goto out;
		}
		rc = recreate_plan_from_json(j, &p, &e) == DR_OK ? 0 : 1;
		json_decref(j);
	} else
		rc = recreate_plan_new(d, argv[i], argc - i == 2 ?
		    argv[i + 1] : NULL, &p, &e) == DR_OK ? 0 : 1;
	if (rc != 0) {
		fprintf(stderr, "recreate: plan: %s\n", e.msg);
		goto out;
	}
	if (o.plan_only) {
		j = recreate_plan_to_json(p);
		json_dumpf(j, stdout, JSON_INDENT(1) | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(j);
		goto out;
	}
	if (o.plan_out != NULL && (rc = write_plan(p, o.plan_out)) != 0)
		goto out;
	keep_old = o.keep_old;
	if (o.follow && recreate_find_dependents(d, recreate_plan_old_id(p),
	    &deps, &ndeps, &e) != DR_OK) {
		fprintf(stderr, "recreate: dependents: %s\n", e.msg);
		rc = 1;
		goto out;
	}
	/* Plan the dependents before the swap renames their target. */
	dplans = xcalloc(ndeps + 1, sizeof(*dplans));
	for (k = 0; k < ndeps; k++) {
		if (recreate_plan_new(d, deps[k], NULL, &dplans[k], &e) !=
		    DR_OK) {
			fprintf(stderr, "recreate: plan %s: %s\n", deps[k],
			    e.msg);
			rc = 1;
			goto out;
		}
	}
	/* With dependents, the old container goes after them. */
	o.keep_old = o.keep_old || ndeps > 0;
	if ((rc = run_plan(d, p, &o, &id)) != 0)
		goto out;
	printf("%s\n", id);
	if (ndeps > 0 && (rc = follow(d, dplans, ndeps,
	    recreate_plan_old_id(p), id, &o)) == 0 && !keep_old) {
		if (recreate_remove_old(d, p, &e) != DR_OK) {
			fprintf(stderr, "recreate: remove: %s\n", e.msg);
			rc = 1;
		}
	}
out:
	for (k = 0; dplans != NULL && k < ndeps; k++)
		recreate_plan_free(dplans[k]);
	free(dplans);
	free(id);
	recreate_ids_free(deps);
	recreate_plan_free(p);
	docker_free(d);
	return rc;
}
