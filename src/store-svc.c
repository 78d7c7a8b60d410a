/*
 * store-svc: the service_settings table.  NULL columns are unset fields;
 * a put merges with what is stored in one statement.
 */
#include "store-svc.h"

#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

void
store_svc_init(struct store_svc *s)
{
	s->auto_rollback = s->health_deadline_s = s->settle_s =
	    s->allow_arch_mismatch = -1;
}

static void
svc_bind(sqlite3_stmt *st, int idx, int v)
{
	if (v < 0)
		sqlite3_bind_null(st, idx);
	else
		sqlite3_bind_int(st, idx, v);
}

static int
svc_col(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(st, col);
}

enum dr_err
store_svc_get(struct store *s, const char *stack, const char *service,
    struct store_svc *ret, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	int		 rc;

	store_svc_init(ret);
	if ((err = store_prepare(s, "SELECT auto_rollback, health_deadline_s, "
	    "settle_s, allow_arch_mismatch FROM service_settings "
	    "WHERE stack = ?1 AND service = ?2", &st, reterr)) != DR_OK)
		return err;
	store_bind_text(st, 1, stack);
	store_bind_text(st, 2, service);
	if ((rc = store_step(s, st)) == SQLITE_ROW) {
		ret->auto_rollback = svc_col(st, 0);
		ret->health_deadline_s = svc_col(st, 1);
		ret->settle_s = svc_col(st, 2);
		ret->allow_arch_mismatch = svc_col(st, 3);
	} else if (rc != SQLITE_DONE)
		err = store_fail(s, rc, reterr);
	store_done(st);
	return err;
}

enum dr_err
store_svc_put(struct store *s, const char *stack, const char *service,
    const struct store_svc *v, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;

	if ((err = store_check_text("stack", stack, true, reterr)) != DR_OK ||
	    (err = store_check_text("service", service, true, reterr)) !=
	    DR_OK)
		return err;
	if (v->auto_rollback > 1)
		return dr_fail(reterr, DR_EINVAL, "auto_rollback must be a "
		    "boolean");
	if (v->allow_arch_mismatch > 1)
		return dr_fail(reterr, DR_EINVAL, "allow_arch_mismatch must "
		    "be a boolean");
	if (v->health_deadline_s != -1 && (v->health_deadline_s <
	    STORE_SVC_DEADLINE_MIN || v->health_deadline_s >
	    STORE_SVC_DEADLINE_MAX))
		return dr_fail(reterr, DR_EINVAL, "health_deadline_s must be "
		    "%d to %d", STORE_SVC_DEADLINE_MIN, STORE_SVC_DEADLINE_MAX);
	if (v->settle_s != -1 && (v->settle_s < STORE_SVC_SETTLE_MIN ||
	    v->settle_s > STORE_SVC_SETTLE_MAX))
		return dr_fail(reterr, DR_EINVAL, "settle_s must be %d to %d",
		    STORE_SVC_SETTLE_MIN, STORE_SVC_SETTLE_MAX);
	if ((err = store_prepare(s, "INSERT INTO service_settings (stack, "
	    "service, auto_rollback, health_deadline_s, settle_s, "
	    "allow_arch_mismatch, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	    "?7) ON CONFLICT (stack, service) DO UPDATE SET "
	    "auto_rollback = COALESCE(?3, auto_rollback), "
	    "health_deadline_s = COALESCE(?4, health_deadline_s), "
	    "settle_s = COALESCE(?5, settle_s), "
	    "allow_arch_mismatch = COALESCE(?6, allow_arch_mismatch), "
	    "updated_at = ?7", &st, reterr)) != DR_OK)
		return err;
	store_bind_text(st, 1, stack);
	store_bind_text(st, 2, service);
	svc_bind(st, 3, v->auto_rollback);
	svc_bind(st, 4, v->health_deadline_s);
	svc_bind(st, 5, v->settle_s);
	svc_bind(st, 6, v->allow_arch_mismatch);
	sqlite3_bind_int64(st, 7, store_now_ms());
	return store_exec(s, st, reterr);
}

enum dr_err
store_svc_list(struct store *s, struct store_svc_list *ret,
    struct dr_error *reterr)
{
	struct store_svc_entry	*e;
	sqlite3_stmt		*st;
	enum dr_err		 err = DR_OK;
	size_t			 cap = 0;
	int			 rc;

	memset(ret, 0, sizeof(*ret));
	if ((err = store_prepare(s, "SELECT stack, service, auto_rollback, "
	    "health_deadline_s, settle_s, allow_arch_mismatch "
	    "FROM service_settings ORDER BY stack, service LIMIT ?1", &st,
	    reterr)) != DR_OK)
		return err;
	sqlite3_bind_int(st, 1, STORE_SVC_LIST_MAX);
	while ((rc = store_step(s, st)) == SQLITE_ROW) {
		if (ret->n == cap) {
			cap = cap ? cap * 2 : 16;
			ret->entries = xreallocarray(ret->entries, cap,
			    sizeof(*ret->entries));
		}
		e = &ret->entries[ret->n++];
		e->stack = store_column_text(st, 0);
		e->service = store_column_text(st, 1);
		e->s.auto_rollback = svc_col(st, 2);
		e->s.health_deadline_s = svc_col(st, 3);
		e->s.settle_s = svc_col(st, 4);
		e->s.allow_arch_mismatch = svc_col(st, 5);
	}
	if (rc != SQLITE_DONE)
		err = store_fail(s, rc, reterr);
	store_done(st);
	if (err != DR_OK)
		store_svc_list_done(ret);
	return err;
}

void
store_svc_list_done(struct store_svc_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->entries[i].stack);
		free(l->entries[i].service);
	}
	free(l->entries);
	memset(l, 0, sizeof(*l));
}
