/*
 * cmd-run: the jobs of `update` and `rollback`, grouped by stack, groups
 * in parallel child processes.
 */
#include "cmd-run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "curl-lazy.h"
#include "store-job.h"
#include "store-stack.h"
#include "xmalloc.h"

static void
run_echo(const char *line, void *arg)
{
	const char	*name = arg;

	fprintf(stderr, "  %s%s%s\n", name ? name : "", name ? ": " : "", line);
}

void
run_env_done(struct run_env *env)
{
	store_close(env->store);
	dockercfg_free(env->creds);
	docker_free(env->docker);
	memset(env, 0, sizeof(*env));
}

int
run_env_open(struct run_env *env, const char *docker_config, bool quiet,
    bool recover)
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
		run_env_done(env);
		return -1;
	}
	free(path);
	env->ctx.docker = env->docker;
	env->ctx.store = env->store;
	env->ctx.creds = env->creds;
	/* ctx.host is filled when a job first pulls (job_pull_step), from
	 * what the check learned of the engine, or from /version. */
	if (!quiet)
		env->ctx.echo = run_echo;
	if (!recover)
		return 0;
	if (job_recover(&env->ctx, &n, &e) != DR_OK)
		fprintf(stderr, "dockrev: recovery: %s\n", e.msg);
	else if (n > 0)
		fprintf(stderr, "dockrev: finished %d interrupted job(s)\n", n);
	return 0;
}

void
run_item_done(struct run_item *it)
{
	size_t	i;

	free(it->container);
	free(it->name);
	free(it->stack);
	free(it->service);
	free(it->image);
	free(it->new_ref);
	free(it->source);
	free(it->want_digest);
	free(it->old_tag);
	free(it->new_tag);
	free(it->trigger_params);
	for (i = 0; i < it->nfiles; i++)
		free(it->files[i]);
	free(it->files);
	free(it->env_file);
	free(it->swarm_service);
	free(it->swarm_service_id);
	memset(it, 0, sizeof(*it));
}

void
run_item_from_container(struct run_item *it, const struct inv_container *c)
{
	const char	*files, *wd, *envf;
	char		*copy, *tok, *save = NULL, *dotenv;

	it->kind = c->kind;
	it->container = xstrdup(c->id);
	it->image = xstrdup(c->image);
	if (c->kind == INV_SWARM) {
		const char	*full = inventory_label(c,
		    "com.docker.swarm.service.name");
		const char	*sid = inventory_label(c,
		    "com.docker.swarm.service.id");

		it->swarm_service = full ? xstrdup(full) : NULL;
		it->swarm_service_id = sid ? xstrdup(sid) : NULL;
		if (c->stack == NULL) {
			it->name = xstrdup(full ? full : c->name);
			return;
		}
	}
	if (c->kind == INV_STANDALONE || c->stack == NULL ||
	    c->service == NULL) {
		it->kind = c->kind == INV_COMPOSE ? INV_STANDALONE : c->kind;
		it->name = xstrdup(c->name);
		return;
	}
	it->stack = xstrdup(c->stack);
	it->service = xstrdup(c->service);
	it->name = xasprintf("%s/%s", c->stack, c->service);
	if (c->kind != INV_COMPOSE)
		return;
	files = inventory_label(c, "com.docker.compose.project.config_files");
	wd = inventory_label(c, "com.docker.compose.project.working_dir");
	envf = inventory_label(c, "com.docker.compose.project.environment_file");
	if (files != NULL) {
		copy = xstrdup(files);
		for (tok = strtok_r(copy, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save)) {
			it->files = xreallocarray(it->files, it->nfiles + 1,
			    sizeof(*it->files));
			it->files[it->nfiles++] = tok[0] == '/' || wd == NULL ?
			    xstrdup(tok) : xasprintf("%s/%s", wd, tok);
		}
		free(copy);
	}
	if (envf != NULL)
		it->env_file = xstrdup(envf);
	else if (wd != NULL) {
		dotenv = xasprintf("%s/.env", wd);
		if (access(dotenv, R_OK) == 0)
			it->env_file = dotenv;
		else
			free(dotenv);
	}
}

struct store_stack *
run_registered(struct store *st, const char *name)
{
	struct store_stack_list	 l;
	struct store_stack	*found = NULL;
	size_t			 i;

	if (store_stack_list(st, &l, NULL) != DR_OK)
		return NULL;
	for (i = 0; i < l.n && found == NULL; i++) {
		if (l.stacks[i].source == STORE_STACK_REGISTERED &&
		    (strcmp(l.stacks[i].project, name) == 0 ||
		    strcmp(l.stacks[i].name, name) == 0))
			store_stack_get(st, l.stacks[i].name, &found, NULL);
	}
	store_stack_list_done(&l);
	return found;
}

/* Runs the compose swap of it; a registered stack's files win. */
static enum dr_err
run_compose(struct run_env *env, const struct run_item *it, int64_t *ret_id,
    enum store_job_state *ret_state, struct dr_error *reterr)
{
	struct job_compose_update	 cu = { 0 };
	struct store_stack		*st = NULL;
	const char *const		*files = (const char *const *)it->files;
	size_t				 nfiles = it->nfiles, i;
	enum dr_err			 err;

	cu.project = it->stack;
	cu.env_file = it->env_file;
	if ((st = run_registered(env->store, it->stack)) != NULL) {
		files = (const char *const *)st->files;
		nfiles = st->nfiles;
		cu.project = st->project;
		cu.env_file = st->env_file;
	}
	if (nfiles == 0) {
		err = dr_fail(reterr, DR_ENOTFOUND, "%s: no compose files in its "
		    "labels (register the stack: dockrev stack add)", it->name);
		goto out;
	}
	for (i = 0; i < nfiles; i++) {
		if (access(files[i], R_OK) != 0) {
			err = dr_fail(reterr, DR_ENOTFOUND, "compose file %s does "
			    "not exist (moved? register the stack: dockrev stack "
			    "add); nothing changed", files[i]);
			goto out;
		}
	}
	if (cu.env_file != NULL && access(cu.env_file, R_OK) != 0) {
		err = dr_fail(reterr, DR_ENOTFOUND, "env file %s does not "
		    "exist; nothing changed", cu.env_file);
		goto out;
	}
	cu.kind = it->job_kind;
	cu.service = it->service;
	cu.files = files;
	cu.nfiles = nfiles;
	cu.container = it->container;
	cu.new_ref = it->new_ref;
	cu.source = it->source;
	cu.want_digest = it->want_digest;
	cu.old_tag = it->old_tag;
	cu.new_tag = it->new_tag;
	cu.trigger = STORE_TRIGGER_CLI;
	cu.trigger_params = it->trigger_params;
	err = job_run_compose_update(&env->ctx, &cu, ret_id, ret_state, reterr);
out:
	store_stack_free(st);
	return err;
}

/* Runs one item as a job; its id (0: none) and final state. */
static void
run_one(struct run_env *env, const struct run_item *it, int64_t *ret_id,
    enum store_job_state *ret_state)
{
	struct job_update	 u = { 0 };
	struct job_swarm_update	 su = { 0 };
	struct dr_error		 e;
	enum dr_err		 err;

	*ret_id = 0;
	*ret_state = STORE_JOB_FAILED;
	env->ctx.echo_arg = it->name;
	switch (it->kind) {
	case INV_COMPOSE:
		err = run_compose(env, it, ret_id, ret_state, &e);
		break;
	case INV_STANDALONE:
		u.kind = it->job_kind;
		u.container = it->name;
		u.new_ref = it->new_ref;
		u.source = it->source;
		u.want_digest = it->want_digest;
		u.old_tag = it->old_tag;
		u.new_tag = it->new_tag;
		u.trigger = STORE_TRIGGER_CLI;
		u.trigger_params = it->trigger_params;
		err = job_run_update(&env->ctx, &u, ret_id, ret_state, &e);
		break;
	case INV_SWARM:
		if (it->job_kind != STORE_JOB_UPDATE || it->source != NULL) {
			err = dr_fail(&e, DR_EUNSUPPORTED, "%s is a Swarm "
			    "service: roll it back with `docker service "
			    "rollback %s`", it->name, it->swarm_service ?
			    it->swarm_service : it->name);
			break;
		}
		su.stack = it->stack;
		su.service = it->swarm_service;
		su.service_id = it->swarm_service_id;
		su.container = it->container;
		su.new_ref = it->new_ref;
		su.want_digest = it->want_digest;
		su.old_tag = it->old_tag;
		su.new_tag = it->new_tag;
		su.trigger = STORE_TRIGGER_CLI;
		su.trigger_params = it->trigger_params;
		err = job_run_swarm_update(&env->ctx, &su, ret_id, ret_state,
		    &e);
		break;
	default:
		err = dr_fail(&e, DR_EINTERNAL, "%s: unknown kind", it->name);
		break;
	}
	if (err != DR_OK)
		fprintf(stderr, "dockrev: %s: %s\n", it->name, e.msg);
}

/*
 * Runs the items idx[0..n) of one group in order in this process,
 * reporting "INDEX ID STATE" lines to fd (or into ids/states when fd < 0).
 * A rollback that failed stops the group: it needs a human.
 */
static void
run_group(const struct run_opts *o, struct run_env *shared,
    const struct run_item *items, const size_t *idx, size_t n, int fd,
    int64_t *ids, enum store_job_state *states)
{
	struct run_env		 own, *env = shared;
	enum store_job_state	 st = STORE_JOB_FAILED;
	int64_t			 id = 0;
	char			 line[64];
	size_t			 i;
	int			 len;

	if (env == NULL) {
		if (run_env_open(&own, o->docker_config, o->quiet, false) != 0)
			return;
		env = &own;
	}
	for (i = 0; i < n; i++) {
		/* Precedence: flag > service setting > label > default. */
		env->ctx.health = o->health;
		if (env->ctx.health.deadline_ms == 0)
			env->ctx.health.deadline_ms =
			    items[idx[i]].health.deadline_ms;
		if (env->ctx.health.settle_ms == 0)
			env->ctx.health.settle_ms =
			    items[idx[i]].health.settle_ms;
		env->ctx.rollback = items[idx[i]].rollback;
		run_one(env, &items[idx[i]], &id, &st);
		if (fd < 0) {
			ids[idx[i]] = id;
			states[idx[i]] = st;
		} else {
			len = snprintf(line, sizeof(line), "%zu %lld %d\n",
			    idx[i], (long long)id, (int)st);
			if (write(fd, line, (size_t)len) != len)
				break;
		}
		if (st == STORE_JOB_ROLLBACK_FAILED && i + 1 < n) {
			fprintf(stderr, "dockrev: %s: rollback failed; the rest "
			    "of its stack is left alone\n", items[idx[i]].name);
			break;
		}
	}
	if (env == &own)
		run_env_done(&own);
}

/* Parses a child's "INDEX ID STATE" lines in b[0..len); keeps the rest. */
static size_t
run_parse(char *b, size_t len, size_t nitems, int64_t *ids,
    enum store_job_state *states)
{
	char		*nl, *p = b;
	unsigned long	 idx;
	long long	 id;
	int		 st;

	while ((nl = memchr(p, '\n', len - (size_t)(p - b))) != NULL) {
		*nl = '\0';
		if (sscanf(p, "%lu %lld %d", &idx, &id, &st) == 3 &&
		    idx < nitems && st >= 0 && st < STORE_JOB_STATE_COUNT) {
			ids[idx] = id;
			states[idx] = (enum store_job_state)st;
		}
		p = nl + 1;
	}
	len -= (size_t)(p - b);
	memmove(b, p, len);
	return len;
}

size_t
run_order(const struct run_item *items, size_t n, size_t *order,
    size_t *gstart)
{
	bool	*placed = xcalloc(n + 1, sizeof(*placed));
	size_t	 i, j, k = 0, ngroups = 0;

	for (i = 0; i < n; i++) {
		if (placed[i])
			continue;
		gstart[ngroups++] = k;
		for (j = i; j < n; j++) {
			if (placed[j] || (j != i && (items[i].stack == NULL ||
			    items[j].stack == NULL || strcmp(items[i].stack,
			    items[j].stack) != 0)))
				continue;
			placed[j] = true;
			order[k++] = j;
		}
	}
	gstart[ngroups] = k;
	free(placed);
	return ngroups;
}

struct run_child {
	pid_t	pid;
	int	fd;
	char	buf[4096];
	size_t	len;
};

size_t
run_items(const struct run_opts *o, struct run_env *env,
    struct run_item *items, size_t n, int64_t **ret_ids)
{
	struct run_child	 kids[RUN_PARALLEL_MAX];
	struct pollfd		 pfd[RUN_PARALLEL_MAX];
	enum store_job_state	*states;
	int64_t			*ids;
	size_t			*order, *gstart, ngroups, g, i;
	size_t			 nkids = 0, bad = 0;
	unsigned		 parallel;

	ids = xcalloc(n + 1, sizeof(*ids));
	states = xcalloc(n + 1, sizeof(*states));
	order = xcalloc(n + 1, sizeof(*order));
	gstart = xcalloc(n + 2, sizeof(*gstart));
	for (i = 0; i < n; i++)
		states[i] = STORE_JOB_FAILED;
	ngroups = run_order(items, n, order, gstart);
	parallel = o->parallel == 0 ? RUN_PARALLEL_DEFAULT : o->parallel;
	if (parallel > RUN_PARALLEL_MAX)
		parallel = RUN_PARALLEL_MAX;

	fflush(NULL);
	for (g = 0; g < ngroups || nkids > 0;) {
		if (g < ngroups && (ngroups == 1 || parallel == 1)) {
			run_group(o, env, items, order + gstart[g],
			    gstart[g + 1] - gstart[g], -1, ids, states);
			g++;
			continue;
		}
		while (g < ngroups && nkids < parallel) {
			int	fds[2];
			pid_t	pid;

			/* No child may inherit libcurl half loaded. */
			curl_lazy_wait();
			if (pipe2(fds, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
				fprintf(stderr, "dockrev: cannot start a worker: "
				    "%s\n", strerror(errno));
				g = ngroups;
				break;
			}
			if (pid == 0) {
				close(fds[0]);
				run_group(o, NULL, items, order + gstart[g],
				    gstart[g + 1] - gstart[g], fds[1], NULL,
				    NULL);
				fflush(NULL);
				_exit(0);
			}
			close(fds[1]);
			kids[nkids].pid = pid;
			kids[nkids].fd = fds[0];
			kids[nkids].len = 0;
			nkids++;
			g++;
		}
		if (nkids == 0)
			continue;
		for (i = 0; i < nkids; i++) {
			pfd[i].fd = kids[i].fd;
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, nkids, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = nkids; i > 0; i--) {
			struct run_child	*c = &kids[i - 1];
			ssize_t			 r;

			if (pfd[i - 1].revents == 0)
				continue;
			r = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 -
			    c->len);
			if (r > 0) {
				c->len = run_parse(c->buf, c->len + (size_t)r, n,
				    ids, states);
				continue;
			}
			if (r < 0 && errno == EINTR)
				continue;
			close(c->fd);
			while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
				;
			*c = kids[--nkids];
		}
	}
	for (i = 0; i < n; i++)
		if (states[i] != STORE_JOB_SUCCEEDED)
			bad++;
	free(states);
	free(order);
	free(gstart);
	*ret_ids = ids;
	return bad;
}

void
run_print_job(struct store *st, int64_t id, bool json)
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

int
run_confirm(const char *verb, const struct run_item *items, size_t n)
{
	char	answer[16] = "";
	size_t	i;

	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "dockrev %s: not a terminal: add --yes to %s "
		    "%s%s\n", verb, verb, items[0].name, n > 1 ?
		    " and the others" : "");
		return 2;
	}
	for (i = 0; i < n; i++)
		printf("%s %s: %s -> %s\n", verb, items[i].name, items[i].image,
		    items[i].new_ref);
	printf("go on? [y/N] ");
	fflush(stdout);
	if (fgets(answer, sizeof(answer), stdin) == NULL ||
	    (answer[0] != 'y' && answer[0] != 'Y')) {
		printf("nothing changed\n");
		return 1;
	}
	return 0;
}

long
run_seconds(const char *s, const char *what)
{
	char	*end;
	double	 v = strtod(s, &end);

	if (*end != '\0' || end == s || v <= 0 || v > 86400) {
		fprintf(stderr, "dockrev: bad %s \"%s\"\n", what, s);
		return -1;
	}
	return (long)(v * 1000);
}

unsigned
run_parallel(const char *s)
{
	char		*end;
	unsigned long	 v = strtoul(s, &end, 10);

	if (*end != '\0' || end == s || v < 1 || v > RUN_PARALLEL_MAX) {
		fprintf(stderr, "dockrev: --parallel wants 1 to %d, not "
		    "\"%s\"\n", RUN_PARALLEL_MAX, s);
		return 0;
	}
	return (unsigned)v;
}
