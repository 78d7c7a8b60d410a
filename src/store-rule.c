/*
 * store-rule: the ignore_rules table.  Values are validated with the
 * ignore-rule parser before any write, so the catalog can trust what it
 * reads back.
 */
#include "store-rule.h"

#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

static const char *const rule_kind_names[IGNORE_KIND_COUNT] = {
	[IGNORE_EXACT] = "exact",
	[IGNORE_PREFIX] = "prefix",
	[IGNORE_REGEX] = "regex",
	[IGNORE_RANGE] = "semver",
};

#define RULE_COLS							\
	"id, stack, service, kind, value, reason, enabled, created_at, "	\
	"updated_at"

const char *
store_rule_kind_name(enum ignore_kind k)
{
	if ((unsigned)k >= IGNORE_KIND_COUNT)
		return "unknown";
	return rule_kind_names[k];
}

enum dr_err
store_rule_kind_parse(const char *s, enum ignore_kind *ret,
    struct dr_error *reterr)
{
	int	i;

	if (s != NULL && strcmp(s, "range") == 0) {
		*ret = IGNORE_RANGE;
		return DR_OK;
	}
	if (s == NULL || (i = store_name_find(rule_kind_names,
	    IGNORE_KIND_COUNT, s)) < 0)
		return dr_fail(reterr, DR_EINVAL, "rule kind must be exact, "
		    "prefix, regex or semver");
	*ret = (enum ignore_kind)i;
	return DR_OK;
}

/* The checks every write makes on the resulting rule. */
static enum dr_err
rule_check(enum ignore_kind kind, const char *value, const char *reason,
    struct dr_error *reterr)
{
	struct ignore_rule	*ir = NULL;
	enum dr_err		 err;

	if (value == NULL)
		return dr_fail(reterr, DR_EINVAL, "rule value is missing");
	if ((err = ignore_rule_parse(kind, value, &ir, reterr)) != DR_OK)
		return err;
	ignore_rule_free(ir);
	if (reason != NULL && strlen(reason) > STORE_RULE_REASON_MAX)
		return dr_fail(reterr, DR_ETOOBIG, "reason is longer than %d "
		    "bytes", STORE_RULE_REASON_MAX);
	return DR_OK;
}

enum dr_err
store_rule_add(struct store *s, const struct store_rule *r, int64_t *ret_id,
    struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	int64_t		 now = store_now_ms();

	if (ret_id != NULL)
		*ret_id = 0;
	if ((err = store_check_text("stack", r->stack, true, reterr)) != DR_OK ||
	    (err = store_check_text("service", r->service, true, reterr)) !=
	    DR_OK ||
	    (err = rule_check(r->kind, r->value, r->reason, reterr)) != DR_OK)
		return err;
	if ((err = store_prepare(s, "INSERT INTO ignore_rules (stack, service, "
	    "kind, value, reason, enabled, created_at, updated_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)", &st, reterr)) != DR_OK)
		return err;
	store_bind_text(st, 1, r->stack);
	store_bind_text(st, 2, r->service);
	store_bind_text(st, 3, rule_kind_names[r->kind]);
	store_bind_text(st, 4, r->value);
	store_bind_text(st, 5, r->reason);
	sqlite3_bind_int(st, 6, r->enabled ? 1 : 0);
	sqlite3_bind_int64(st, 7, now);
	if ((err = store_exec(s, st, reterr)) == DR_OK && ret_id != NULL)
		*ret_id = store_last_insert_id(s);
	return err;
}

/* Fills zeroed r from a row of RULE_COLS. */
static enum dr_err
rule_row(sqlite3_stmt *st, struct store_rule *r, struct dr_error *reterr)
{
	int	k;

	if ((k = store_name_find(rule_kind_names, IGNORE_KIND_COUNT,
	    (const char *)sqlite3_column_text(st, 3))) < 0)
		return dr_fail(reterr, DR_EIO, "database holds an unknown "
		    "rule kind");
	r->id = sqlite3_column_int64(st, 0);
	r->stack = store_column_text(st, 1);
	r->service = store_column_text(st, 2);
	r->kind = (enum ignore_kind)k;
	r->value = store_column_text(st, 4);
	r->reason = store_column_text(st, 5);
	r->enabled = sqlite3_column_int(st, 6) != 0;
	r->created_at = sqlite3_column_int64(st, 7);
	r->updated_at = sqlite3_column_int64(st, 8);
	return DR_OK;
}

enum dr_err
store_rule_get(struct store *s, int64_t id, struct store_rule **ret,
    struct dr_error *reterr)
{
	struct store_rule	*r;
	sqlite3_stmt		*st;
	enum dr_err		 err;
	int			 rc;

	*ret = NULL;
	if ((err = store_prepare(s, "SELECT " RULE_COLS " FROM ignore_rules "
	    "WHERE id = ?1", &st, reterr)) != DR_OK)
		return err;
	sqlite3_bind_int64(st, 1, id);
	r = xcalloc(1, sizeof(*r));
	if ((rc = store_step(s, st)) == SQLITE_ROW)
		err = rule_row(st, r, reterr);
	else if (rc == SQLITE_DONE)
		err = dr_fail(reterr, DR_ENOTFOUND, "no rule %lld",
		    (long long)id);
	else
		err = store_fail(s, rc, reterr);
	store_done(st);
	if (err != DR_OK) {
		store_rule_free(r);
		return err;
	}
	*ret = r;
	return DR_OK;
}

enum dr_err
store_rule_update(struct store *s, int64_t id,
    const struct store_rule_patch *p, struct dr_error *reterr)
{
	struct store_rule	*cur = NULL;
	sqlite3_stmt		*st;
	enum dr_err		 err;
	enum ignore_kind	 kind;
	const char		*value, *reason;

	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if ((err = store_rule_get(s, id, &cur, reterr)) != DR_OK)
		goto out;
	kind = p->has_kind ? p->kind : cur->kind;
	value = p->has_value ? p->value : cur->value;
	reason = p->has_reason ? p->reason : cur->reason;
	if ((err = rule_check(kind, value, reason, reterr)) != DR_OK)
		goto out;
	if ((err = store_prepare(s, "UPDATE ignore_rules SET kind = ?2, "
	    "value = ?3, reason = ?4, enabled = ?5, updated_at = ?6 "
	    "WHERE id = ?1", &st, reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, rule_kind_names[kind]);
	store_bind_text(st, 3, value);
	store_bind_text(st, 4, reason);
	sqlite3_bind_int(st, 5, (p->has_enabled ? p->enabled : cur->enabled) ?
	    1 : 0);
	sqlite3_bind_int64(st, 6, store_now_ms());
	err = store_exec(s, st, reterr);
out:
	store_rule_free(cur);
	return store_tx_end(s, err, reterr);
}

enum dr_err
store_rule_delete(struct store *s, int64_t id, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;

	if ((err = store_prepare(s, "DELETE FROM ignore_rules WHERE id = ?1",
	    &st, reterr)) != DR_OK)
		return err;
	sqlite3_bind_int64(st, 1, id);
	if ((err = store_exec(s, st, reterr)) != DR_OK)
		return err;
	if (store_changes(s) == 0)
		return dr_fail(reterr, DR_ENOTFOUND, "no rule %lld",
		    (long long)id);
	return DR_OK;
}

enum dr_err
store_rule_list(struct store *s, const char *stack, const char *service,
    struct store_rule_list *ret, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err = DR_OK;
	size_t		 cap = 0;
	int		 rc;

	memset(ret, 0, sizeof(*ret));
	if ((err = store_prepare(s, "SELECT " RULE_COLS " FROM ignore_rules "
	    "WHERE ?1 IS NULL OR (stack = ?1 AND service = ?2) "
	    "ORDER BY stack, service, id LIMIT ?3", &st, reterr)) != DR_OK)
		return err;
	store_bind_text(st, 1, stack);
	store_bind_text(st, 2, service);
	sqlite3_bind_int(st, 3, STORE_RULE_LIST_MAX);
	while ((rc = store_step(s, st)) == SQLITE_ROW) {
		if (ret->n == cap) {
			cap = cap ? cap * 2 : 16;
			ret->rules = xreallocarray(ret->rules, cap,
			    sizeof(*ret->rules));
		}
		memset(&ret->rules[ret->n], 0, sizeof(ret->rules[0]));
		if ((err = rule_row(st, &ret->rules[ret->n++], reterr)) !=
		    DR_OK)
			break;
	}
	if (err == DR_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = store_fail(s, rc, reterr);
	store_done(st);
	if (err != DR_OK)
		store_rule_list_done(ret);
	return err;
}

void
store_rule_clear(struct store_rule *r)
{
	if (r == NULL)
		return;
	free(r->stack);
	free(r->service);
	free(r->value);
	free(r->reason);
	memset(r, 0, sizeof(*r));
}

void
store_rule_free(struct store_rule *r)
{
	store_rule_clear(r);
	free(r);
}

void
store_rule_list_done(struct store_rule_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		store_rule_clear(&l->rules[i]);
	free(l->rules);
	memset(l, 0, sizeof(*l));
}
