/*
 * cmd-stack: `dockrev stack add|ls|rm`.  A registered stack names the
 * compose files (in order), env file and project name that jobs use for
 * that Compose project instead of what its containers' labels say (the
 * labels point to where the project was first started, which may have
 * moved, and they cannot say which env file to keep using).
 */
#include "cmd.h"

#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compose-cli.h"
#include "store-stack.h"
#include "store.h"
#include "xmalloc.h"

static struct store *
stk_open(void)
{
	struct store	*st = NULL;
	struct dr_error	 e;
	char		*path = NULL;

	if (store_default_path(&path, &e) != DR_OK ||
	    store_open(path, &st, &e) != DR_OK)
		fprintf(stderr, "dockrev: %s\n", e.msg);
	free(path);
	return st;
}

/* The absolute, resolved path of an existing readable file, or NULL. */
static char *
stk_file(const char *what, const char *path)
{
	char	*real;

	if (!compose_cli_valid_path(path) || (real = realpath(path, NULL)) ==
	    NULL || access(real, R_OK) != 0) {
		fprintf(stderr, "dockrev stack add: %s \"%s\" is not a readable "
		    "file\n", what, path);
		return NULL;
	}
	return real;
}

static int
stk_add(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "env-file", required_argument, NULL, 'e' },
		{ "project-name", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_stack_spec	 spec = { 0 };
	struct store		*st = NULL;
	struct dr_error		 e;
	char			*files[STORE_STACK_FILES_MAX], *envf = NULL;
	char			*wd = NULL, *slash;
	const char		*project = NULL;
	size_t			 n = 0, i;
	int			 ch, rc = 1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:e:p:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (n == STORE_STACK_FILES_MAX) {
				fprintf(stderr, "dockrev stack add: more than %d "
				    "files\n", STORE_STACK_FILES_MAX);
				goto out;
			}
			if ((files[n] = stk_file("compose file", optarg)) ==
			    NULL)
				goto out;
			n++;
			break;
		case 'e':
			free(envf);
			if ((envf = stk_file("env file", optarg)) == NULL)
				goto out;
			break;
		case 'p':
			project = optarg;
			break;
		default:
			rc = 2;
			goto out;
		}
	}
	if (optind + 1 != argc || n == 0) {
		fprintf(stderr, "usage: dockrev stack add NAME -f FILE [-f FILE "
		    "...] [--env-file FILE] [--project-name NAME]\n");
		rc = 2;
		goto out;
	}
	spec.name = argv[optind];
	spec.project = project != NULL ? project : spec.name;
	if (!compose_cli_valid_project(spec.name) ||
	    !compose_cli_valid_project(spec.project)) {
		fprintf(stderr, "dockrev stack add: \"%s\" is not a valid stack "
		    "or project name (lowercase letters, digits, '-', '_')\n",
		    compose_cli_valid_project(spec.name) ? spec.project :
		    spec.name);
		rc = 2;
		goto out;
	}
	wd = xstrdup(files[0]);
	if ((slash = strrchr(wd, '/')) != NULL)
		*(slash == wd ? slash + 1 : slash) = '\0';
	spec.files = (const char *const *)files;
	spec.nfiles = n;
	spec.env_file = envf;
	spec.working_dir = wd;
	spec.source = STORE_STACK_REGISTERED;
	if ((st = stk_open()) == NULL)
		goto out;
	if (store_stack_put(st, &spec, NULL, &e) != DR_OK) {
		fprintf(stderr, "dockrev stack add: %s\n", e.msg);
		goto out;
	}
	printf("stack %s: project %s, %zu file(s)%s%s\n", spec.name,
	    spec.project, n, envf ? ", env file " : "", envf ? envf : "");
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(files[i]);
	free(envf);
	free(wd);
	store_close(st);
	return rc;
}

static int
stk_ls(bool json)
{
	struct store_stack_list	 l;
	struct store		*st;
	struct dr_error		 e;
	json_t			*a, *o, *f;
	size_t			 i, k;

	if ((st = stk_open()) == NULL)
		return 1;
	if (store_stack_list(st, &l, &e) != DR_OK) {
		fprintf(stderr, "dockrev: %s\n", e.msg);
		store_close(st);
		return 1;
	}
	a = json_array();
	for (i = 0; i < l.n; i++) {
		const struct store_stack	*s = &l.stacks[i];

		f = json_array();
		for (k = 0; k < s->nfiles; k++)
			json_array_append_new(f, json_string(s->files[k]));
		o = json_pack("{s:s, s:s, s:s, s:o, s:s?}", "name", s->name,
		    "project", s->project, "source",
		    store_stack_source_name(s->source), "files", f, "env_file",
		    s->env_file);
		json_array_append_new(a, o);
		if (!json)
			printf("%-20s %-20s %-10s %s%s%s\n", s->name, s->project,
			    store_stack_source_name(s->source), s->nfiles ?
			    s->files[0] : "", s->nfiles > 1 ? " ..." : "",
			    s->env_file ? " (env file)" : "");
	}
	if (json) {
		json_dumpf(a, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("\n");
	}
	json_decref(a);
	store_stack_list_done(&l);
	store_close(st);
	return 0;
}

static int
stk_rm(const char *name)
{
	struct store	*st;
	struct dr_error	 e;
	int		 rc = 1;

	if ((st = stk_open()) == NULL)
		return 1;
	if (store_stack_remove(st, name, &e) != DR_OK)
		fprintf(stderr, "dockrev stack rm: %s\n", e.msg);
	else {
		printf("stack %s forgotten (nothing else changed)\n", name);
		rc = 0;
	}
	store_close(st);
	return rc;
}

int
cmd_stack(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return stk_add(argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "ls") == 0)
		return stk_ls(false);
	if (argc == 3 && strcmp(argv[1], "ls") == 0 &&
	    strcmp(argv[2], "--json") == 0)
		return stk_ls(true);
	if (argc == 3 && strcmp(argv[1], "rm") == 0)
		return stk_rm(argv[2]);
	fprintf(stderr, "usage: dockrev stack add NAME -f FILE [-f FILE ...] "
	    "[--env-file FILE] [--project-name NAME]\n"
	    "       dockrev stack ls [--json]\n"
	    "       dockrev stack rm NAME\n");
	return 2;
}
