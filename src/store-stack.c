/*
 * store-stack: the stacks, stack_files and services tables.  A stack and
 * its files are written in one transaction, so a reader never sees a stack
 * with half its file list.
 */
#include "store-stack.h"

#include <stdlib.h>
#include <string.h>

#include "store-job.h"
#include "xmalloc.h"

static const char *const stack_source_names[STORE_STACK_SOURCE_COUNT] = {
	[STORE_STACK_REGISTERED] = "registered",
	[STORE_STACK_DISCOVERED] = "discovered",
};

#define STACK_COLS							\
	"id, name, project, env_file, working_dir, source, created_at, "	\
	"updated_at"

const char *
store_stack_source_name(enum store_stack_source src)
{
	if ((unsigned)src >= STORE_STACK_SOURCE_COUNT)
		return "unknown";
	return stack_source_names[src];
}

static enum dr_err
stack_check_spec(const struct store_stack_spec *sp, struct dr_error *reterr)
{
	enum dr_err	err;
	size_t		i;

	if ((unsigned)sp->source >= STORE_STACK_SOURCE_COUNT)
		return dr_fail(reterr, DR_EINVAL, "bad stack source");
	if ((err = store_check_text("stack name", sp->name, true, reterr)) !=
	    DR_OK ||
	    (err = store_check_text("project", sp->project, true, reterr)) !=
	    DR_OK ||
	    (err = store_check_text("env file", sp->env_file, false,
	    reterr)) != DR_OK ||
	    (err = store_check_text("working dir", sp->working_dir, false,
	    reterr)) != DR_OK)
		return err;
	if (sp->env_file != NULL && *sp->env_file == '\0')
		return dr_fail(reterr, DR_EINVAL, "env file is empty");
	if (sp->nfiles > STORE_STACK_FILES_MAX)
		return dr_fail(reterr, DR_EINVAL, "more than %d compose files",
		    STORE_STACK_FILES_MAX);
	for (i = 0; i < sp->nfiles; i++)
		if ((err = store_check_text("compose file", sp->files[i], true,
		    reterr)) != DR_OK)
			return err;
	return DR_OK;
}

/* The id and source of stack name; *ret_id 0 when absent. */
static enum dr_err
stack_find(struct store *s, const char *name, int64_t *ret_id,
    enum store_stack_source *ret_src, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	int		 rc, src;

	*ret_id = 0;
	if ((err = store_prepare(s, "SELECT id, source FROM stacks "
	    "WHERE name = ?1", &st, reterr)) != DR_OK)
		return err;
	store_bind_text(st, 1, name);
	if ((rc = store_step(s, st)) == SQLITE_ROW) {
		src = store_name_find(stack_source_names,
		    STORE_STACK_SOURCE_COUNT,
		    (const char *)sqlite3_column_text(st, 1));
		if (src < 0)
			err = dr_fail(reterr, DR_EIO, "database holds an "
			    "unknown stack source");
		else {
			*ret_id = sqlite3_column_int64(st, 0);
			if (ret_src != NULL)
				*ret_src = (enum store_stack_source)src;
		}
	} else if (rc != SQLITE_DONE)
		err = store_fail(s, rc, reterr);
	store_done(st);
	return err;
}

enum dr_err
store_stack_put(struct store *s, const struct store_stack_spec *sp,
    int64_t *ret_id, struct dr_error *reterr)
{
	enum store_stack_source	 cur;
	sqlite3_stmt		*st;
	enum dr_err		 err;
	int64_t			 id = 0, now = store_now_ms();
	size_t			 i;

	if (ret_id != NULL)
		*ret_id = 0;
	if ((err = stack_check_spec(sp, reterr)) != DR_OK)
		return err;
	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if ((err = stack_find(s, sp->name, &id, &cur, reterr)) != DR_OK)
		goto out;
	if (id != 0 && cur == STORE_STACK_REGISTERED &&
	    sp->source == STORE_STACK_DISCOVERED) {
		err = dr_fail(reterr, DR_ECONFLICT, "stack %s is registered; "
		    "discovery does not replace it", sp->name);
		goto out;
	}
	if ((err = store_prepare(s, "INSERT INTO stacks (name, project, "
	    "env_file, working_dir, source, created_at, updated_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (name) DO UPDATE "
	    "SET project = excluded.project, env_file = excluded.env_file, "
	    "working_dir = excluded.working_dir, source = excluded.source, "
	    "updated_at = excluded.updated_at", &st, reterr)) != DR_OK)
		goto out;
	store_bind_text(st, 1, sp->name);
	store_bind_text(st, 2, sp->project);
	store_bind_text(st, 3, sp->env_file);
	store_bind_text(st, 4, sp->working_dir);
	store_bind_text(st, 5, stack_source_names[sp->source]);
	sqlite3_bind_int64(st, 6, now);
	if ((err = store_exec(s, st, reterr)) != DR_OK)
		goto out;
	/* The upsert's rowid is unreliable when it updated: look it up. */
	if ((err = stack_find(s, sp->name, &id, NULL, reterr)) != DR_OK)
		goto out;
	if ((err = store_prepare(s, "DELETE FROM stack_files WHERE "
	    "stack_id = ?1", &st, reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	if ((err = store_exec(s, st, reterr)) != DR_OK)
		goto out;
	for (i = 0; i < sp->nfiles; i++) {
		if ((err = store_prepare(s, "INSERT INTO stack_files (stack_id, "
		    "position, path) VALUES (?1, ?2, ?3)", &st, reterr)) !=
		    DR_OK)
			goto out;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		store_bind_text(st, 3, sp->files[i]);
		if ((err = store_exec(s, st, reterr)) != DR_OK)
			goto out;
	}
out:
	if ((err = store_tx_end(s, err, reterr)) == DR_OK && ret_id != NULL)
		*ret_id = id;
	return err;
}

static void
stack_clear(struct store_stack *k)
{
	size_t	i;

	free(k->name);
	free(k->project);
	free(k->env_file);
	free(k->working_dir);
	for (i = 0; i < k->nfiles; i++)
		free(k->files[i]);
	free(k->files);
	for (i = 0; i < k->nservices; i++) {
		free(k->services[i].name);
		free(k->services[i].image);
	}
	free(k->services);
	memset(k, 0, sizeof(*k));
}

void
store_stack_free(struct store_stack *k)
{
	if (k == NULL)
		return;
	stack_clear(k);
	free(k);
}

void
store_stack_list_done(struct store_stack_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		stack_clear(&l->stacks[i]);
	free(l->stacks);
	memset(l, 0, sizeof(*l));
}

static enum dr_err
stack_row(sqlite3_stmt *st, struct store_stack *k, struct dr_error *reterr)
{
	int	src = store_name_find(stack_source_names,
		    STORE_STACK_SOURCE_COUNT,
		    (const char *)sqlite3_column_text(st, 5));

	if (src < 0)
		return dr_fail(reterr, DR_EIO, "database holds an unknown "
		    "stack source");
	k->id = sqlite3_column_int64(st, 0);
	k->name = store_column_text(st, 1);
	k->project = store_column_text(st, 2);
	k->env_file = store_column_text(st, 3);
	k->working_dir = store_column_text(st, 4);
	k->source = (enum store_stack_source)src;
	k->created_at = sqlite3_column_int64(st, 6);
	k->updated_at = sqlite3_column_int64(st, 7);
	return DR_OK;
}

/* Reads the files and services of k (its id set). */
static enum dr_err
stack_read_children(struct store *s, struct store_stack *k,
    struct dr_error *reterr)
{
	struct store_service	*sv;
	sqlite3_stmt		*st;
	enum dr_err		 err;
	size_t			 cap = 0;
	int			 rc;

	if ((err = store_prepare(s, "SELECT path FROM stack_files "
	    "WHERE stack_id = ?1 ORDER BY position", &st, reterr)) != DR_OK)
		return err;
	sqlite3_bind_int64(st, 1, k->id);
	while ((rc = store_step(s, st)) == SQLITE_ROW) {
		if (k->nfiles == cap) {
			cap = cap ? cap * 2 : 4;
			k->files = xreallocarray(k->files, cap,
			    sizeof(*k->files));
		}
		k->files[k->nfiles++] = store_column_text(st, 0);
	}
	if (rc != SQLITE_DONE)
		err = store_fail(s, rc, reterr);
	store_done(st);
	if (err != DR_OK)
		return err;

	cap = 0;
	if ((err = store_prepare(s, "SELECT name, image FROM services "
	    "WHERE stack_id = ?1 ORDER BY name", &st, reterr)) != DR_OK)
		return err;
	sqlite3_bind_int64(st, 1, k->id);
	while ((rc = store_step(s, st)) == SQLITE_ROW) {
		if (k->nservices == cap) {
			cap = cap ? cap * 2 : 8;
			k->services = xreallocarray(k->services, cap,
			    sizeof(*k->services));
		}
		sv = &k->services[k->nservices++];
		sv->name = store_column_text(st, 0);
		sv->image = store_column_text(st, 1);
	}
	if (rc != SQLITE_DONE)
		err = store_fail(s, rc, reterr);
	store_done(st);
	return err;
}

enum dr_err
store_stack_get(struct store *s, const char *name, struct store_stack **ret,
    struct dr_error *reterr)
{
	struct store_stack	*k = NULL;
	sqlite3_stmt		*st;
	enum dr_err		 err;
	int			 rc;

	*ret = NULL;
	if ((err = store_check_text("stack name", name, true, reterr)) !=
	    DR_OK)
		return err;
	if ((err = store_tx_begin_read(s, reterr)) != DR_OK)
		return err;
	if ((err = store_prepare(s, "SELECT " STACK_COLS " FROM stacks "
	    "WHERE name = ?1", &st, reterr)) != DR_OK)
		goto out;
	store_bind_text(st, 1, name);
	k = xcalloc(1, sizeof(*k));
	if ((rc = store_step(s, st)) == SQLITE_ROW)
		err = stack_row(st, k, reterr);
	else if (rc == SQLITE_DONE)
		err = dr_fail(reterr, DR_ENOTFOUND, "no stack %s", name);
	else
		err = store_fail(s, rc, reterr);
	store_done(st);
	if (err != DR_OK ||
	    (err = stack_read_children(s, k, reterr)) != DR_OK)
		goto out;
	*ret = k;
	k = NULL;
out:
	store_stack_free(k);
	if ((err = store_tx_end(s, err, reterr)) != DR_OK && *ret != NULL) {
		store_stack_free(*ret);
		*ret = NULL;
	}
	return err;
}

enum dr_err
store_stack_list(struct store *s, struct store_stack_list *ret,
    struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	size_t		 cap = 0, i;
	int		 rc;

	memset(ret, 0, sizeof(*ret));
	if ((err = store_tx_begin_read(s, reterr)) != DR_OK)
		return err;
	if ((err = store_prepare(s, "SELECT " STACK_COLS " FROM stacks "
	    "ORDER BY name", &st, reterr)) != DR_OK)
		goto out;
	while ((rc = store_step(s, st)) == SQLITE_ROW) {
		if (ret->n == cap) {
			cap = cap ? cap * 2 : 8;
			ret->stacks = xreallocarray(ret->stacks, cap,
			    sizeof(*ret->stacks));
		}
		memset(&ret->stacks[ret->n], 0, sizeof(ret->stacks[0]));
		ret->n++;
		if ((err = stack_row(st, &ret->stacks[ret->n - 1], reterr)) !=
		    DR_OK)
			break;
	}
	if (err == DR_OK && rc != SQLITE_DONE)
		err = store_fail(s, rc, reterr);
	store_done(st);
	/* The children's statements differ from the list's: no clash. */
	for (i = 0; err == DR_OK && i < ret->n; i++)
		err = stack_read_children(s, &ret->stacks[i], reterr);
out:
	if ((err = store_tx_end(s, err, reterr)) != DR_OK)
		store_stack_list_done(ret);
	return err;
}

enum dr_err
store_stack_set_services(struct store *s, const char *name,
    const struct store_service_spec *sv, size_t n, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	int64_t		 id, now = store_now_ms();
	size_t		 i;

	if ((err = store_check_text("stack name", name, true, reterr)) !=
	    DR_OK)
		return err;
	if (n > STORE_STACK_SERVICES_MAX)
		return dr_fail(reterr, DR_EINVAL, "more than %d services",
		    STORE_STACK_SERVICES_MAX);
	for (i = 0; i < n; i++)
		if ((err = store_check_text("service name", sv[i].name, true,
		    reterr)) != DR_OK ||
		    (err = store_check_text("service image", sv[i].image, false,
		    reterr)) != DR_OK)
			return err;
	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if ((err = stack_find(s, name, &id, NULL, reterr)) != DR_OK)
		goto out;
	if (id == 0) {
		err = dr_fail(reterr, DR_ENOTFOUND, "no stack %s", name);
		goto out;
	}
	if ((err = store_prepare(s, "DELETE FROM services WHERE stack_id = ?1",
	    &st, reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	if ((err = store_exec(s, st, reterr)) != DR_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if ((err = store_prepare(s, "INSERT INTO services (stack_id, "
		    "name, image, updated_at) VALUES (?1, ?2, ?3, ?4)", &st,
		    reterr)) != DR_OK)
			goto out;
		sqlite3_bind_int64(st, 1, id);
		store_bind_text(st, 2, sv[i].name);
		store_bind_text(st, 3, sv[i].image);
		sqlite3_bind_int64(st, 4, now);
		if ((err = store_exec(s, st, reterr)) != DR_OK) {
			if (err == DR_ECONFLICT)
				err = dr_fail(reterr, DR_EINVAL, "service %s "
				    "is listed twice", sv[i].name);
			goto out;
		}
	}
out:
	return store_tx_end(s, err, reterr);
}

enum dr_err
store_stack_remove(struct store *s, const char *name,
    struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	int64_t		 id, holder = 0;

	if ((err = store_check_text("stack name", name, true, reterr)) !=
	    DR_OK)
		return err;
	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if ((err = stack_find(s, name, &id, NULL, reterr)) != DR_OK)
		goto out;
	if (id == 0) {
		err = dr_fail(reterr, DR_ENOTFOUND, "no stack %s", name);
		goto out;
	}
	if ((err = store_job_lock_holder(s, name, &holder, reterr)) != DR_OK)
		goto out;
	if (holder != 0) {
		err = dr_fail(reterr, DR_ECONFLICT, "stack %s is locked by job "
		    "%lld", name, (long long)holder);
		goto out;
	}
	if ((err = store_prepare(s, "DELETE FROM stacks WHERE id = ?1", &st,
	    reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	err = store_exec(s, st, reterr);
out:
	return store_tx_end(s, err, reterr);
}
