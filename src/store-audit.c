/*
 * store-audit: the audit table.  Append, list, prune and export; no
 * function updates an entry.  Exported text is made valid UTF-8 here,
 * because the store keeps whatever bytes it was given.
 */
#include "store-audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xmalloc.h"

static const char *const audit_result_names[STORE_AUDIT_RESULT_COUNT] = {
	[STORE_AUDIT_OK] = "ok",
	[STORE_AUDIT_FAILED] = "failed",
	[STORE_AUDIT_DENIED] = "denied",
};

#define AUDIT_COLS							\
	"id, ts, actor, trigger_source, origin, action, target, params, "\
	"result, summary, job_id"

const char *
store_audit_result_name(enum store_audit_result r)
{
	if ((unsigned)r >= STORE_AUDIT_RESULT_COUNT)
		return "unknown";
	return audit_result_names[r];
}

enum dr_err
store_audit_add(struct store *s, const struct store_audit_spec *a,
    int64_t *ret_id, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	int64_t		 id = 0;

	if (ret_id != NULL)
		*ret_id = 0;
	if ((unsigned)a->trigger >= STORE_TRIGGER_COUNT ||
	    (unsigned)a->result >= STORE_AUDIT_RESULT_COUNT)
		return dr_fail(reterr, DR_EINVAL, "bad audit trigger or "
		    "result");
	if ((err = store_check_text("actor", a->actor, true, reterr)) !=
	    DR_OK ||
	    (err = store_check_text("origin", a->origin, false, reterr)) !=
	    DR_OK ||
	    (err = store_check_text("action", a->action, true, reterr)) !=
	    DR_OK ||
	    (err = store_check_text("target", a->target, false, reterr)) !=
	    DR_OK ||
	    (err = store_check_text("summary", a->summary, false, reterr)) !=
	    DR_OK ||
	    (err = store_check_json("parameters", a->params, reterr)) != DR_OK)
		return err;
	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if ((err = store_prepare(s, "INSERT INTO audit (ts, actor, "
	    "trigger_source, origin, action, target, params, result, summary, "
	    "job_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, COALESCE(?7, '{}'), ?8, "
	    "?9, NULLIF(?10, 0))", &st, reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, store_now_ms());
	store_bind_text(st, 2, a->actor);
	store_bind_text(st, 3, store_trigger_name(a->trigger));
	store_bind_text(st, 4, a->origin);
	store_bind_text(st, 5, a->action);
	store_bind_text(st, 6, a->target);
	store_bind_text(st, 7, a->params);
	store_bind_text(st, 8, audit_result_names[a->result]);
	store_bind_text(st, 9, a->summary);
	sqlite3_bind_int64(st, 10, a->job_id > 0 ? a->job_id : 0);
	if ((err = store_exec(s, st, reterr)) == DR_OK)
		id = store_last_insert_id(s);
out:
	if ((err = store_tx_end(s, err, reterr)) == DR_OK && ret_id != NULL)
		*ret_id = id;
	return err;
}

static void
audit_clear(struct store_audit_entry *e)
{
	free(e->actor);
	free(e->origin);
	free(e->action);
	free(e->target);
	free(e->params);
	free(e->summary);
	memset(e, 0, sizeof(*e));
}

void
store_audit_list_done(struct store_audit_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		audit_clear(&l->entries[i]);
	free(l->entries);
	memset(l, 0, sizeof(*l));
}

/* Fills zeroed e from a row of AUDIT_COLS. */
static enum dr_err
audit_row(sqlite3_stmt *st, struct store_audit_entry *e,
    struct dr_error *reterr)
{
	int	r;

	if (!store_trigger_parse((const char *)sqlite3_column_text(st, 3),
	    &e->trigger) ||
	    (r = store_name_find(audit_result_names, STORE_AUDIT_RESULT_COUNT,
	    (const char *)sqlite3_column_text(st, 8))) < 0)
		return dr_fail(reterr, DR_EIO, "database holds an unknown "
		    "audit trigger or result");
	e->id = sqlite3_column_int64(st, 0);
	e->ts = sqlite3_column_int64(st, 1);
	e->actor = store_column_text(st, 2);
	e->origin = store_column_text(st, 4);
	e->action = store_column_text(st, 5);
	e->target = store_column_text(st, 6);
	e->params = store_column_text(st, 7);
	e->result = (enum store_audit_result)r;
	e->summary = store_column_text(st, 9);
	e->job_id = sqlite3_column_int64(st, 10);
	return DR_OK;
}

enum dr_err
store_audit_list(struct store *s, const struct store_audit_filter *f,
    struct store_audit_list *ret, struct dr_error *reterr)
{
	static const struct store_audit_filter	 all;
	sqlite3_stmt				*st;
	enum dr_err				 err = DR_OK;
	size_t					 limit, cap = 0;
	int					 rc;

	memset(ret, 0, sizeof(*ret));
	if (f == NULL)
		f = &all;
	limit = f->limit == 0 ? STORE_AUDIT_PAGE_DEFAULT : f->limit;
	if (limit > STORE_AUDIT_PAGE_MAX)
		limit = STORE_AUDIT_PAGE_MAX;
	if ((err = store_prepare(s, "SELECT " AUDIT_COLS " FROM audit "
	    "WHERE (?1 = 0 OR ts >= ?1) AND (?2 = 0 OR ts < ?2) "
	    "AND (?3 = 0 OR id < ?3) ORDER BY id DESC LIMIT ?4", &st,
	    reterr)) != DR_OK)
		return err;
	sqlite3_bind_int64(st, 1, f->since_ms);
	sqlite3_bind_int64(st, 2, f->until_ms);
	sqlite3_bind_int64(st, 3, f->before_id > 0 ? f->before_id : 0);
	sqlite3_bind_int64(st, 4, (int64_t)limit + 1);
	while ((rc = store_step(s, st)) == SQLITE_ROW) {
		if (ret->n == limit) {
			ret->more = true;
			break;
		}
		if (ret->n == cap) {
			cap = cap ? cap * 2 : 16;
			ret->entries = xreallocarray(ret->entries, cap,
			    sizeof(*ret->entries));
		}
		memset(&ret->entries[ret->n], 0, sizeof(ret->entries[0]));
		ret->n++;
		if ((err = audit_row(st, &ret->entries[ret->n - 1], reterr)) !=
		    DR_OK)
			goto out;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = store_fail(s, rc, reterr);
	else if (ret->more)
		ret->next_before = ret->entries[ret->n - 1].id;
out:
	store_done(st);
	if (err != DR_OK)
		store_audit_list_done(ret);
	return err;
}

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t
audit_utf8_len(const unsigned char *p, size_t n)
{
	size_t		len, i;
	unsigned	cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates, past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* A JSON string of s with invalid UTF-8 replaced; null for NULL. */
static json_t *
audit_json_str(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	json_t			*j;
	char			*fixed;
	size_t			 n, i, k, o = 0;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	n = strlen(s);
	fixed = xmalloc(n * 3 + 1);
	for (i = 0; i < n; i += k) {
		if ((k = audit_utf8_len(p + i, n - i)) == 0) {
			memcpy(fixed + o, "\xef\xbf\xbd", 3);
			o += 3;
			k = 1;
			continue;
		}
		memcpy(fixed + o, p + i, k);
		o += k;
	}
	fixed[o] = '\0';
	j = json_string(fixed);
	free(fixed);
	return j != NULL ? j : json_string("");
}

json_t *
store_audit_entry_json(const struct store_audit_entry *e)
{
	json_t		*o, *params;
	struct tm	 tm;
	time_t		 secs = (time_t)(e->ts / 1000);
	char		 when[64], stamp[32];

	if (gmtime_r(&secs, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		stamp[0] = '\0';
	snprintf(when, sizeof(when), "%s.%03dZ", stamp, (int)(e->ts % 1000));
	params = e->params ? json_loads(e->params, 0, NULL) : NULL;
	if (params == NULL)
		params = json_object();
	o = json_object();
	json_object_set_new(o, "id", json_integer(e->id));
	json_object_set_new(o, "ts", json_integer(e->ts));
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "actor", audit_json_str(e->actor));
	json_object_set_new(o, "trigger",
	    json_string(store_trigger_name(e->trigger)));
	json_object_set_new(o, "origin", audit_json_str(e->origin));
	json_object_set_new(o, "action", audit_json_str(e->action));
	json_object_set_new(o, "target", audit_json_str(e->target));
	json_object_set_new(o, "params", params);
	json_object_set_new(o, "result",
	    json_string(store_audit_result_name(e->result)));
	json_object_set_new(o, "summary", audit_json_str(e->summary));
	json_object_set_new(o, "job_id", e->job_id > 0 ?
	    json_integer(e->job_id) : json_null());
	return o;
}

enum dr_err
store_audit_export(struct store *s, int64_t since_ms, int64_t until_ms,
    struct buf *out, struct dr_error *reterr)
{
	struct store_audit_entry	 e;
	sqlite3_stmt			*st;
	json_t				*j;
	enum dr_err			 err;
	char				*text;
	bool				 first = true;
	int				 rc = SQLITE_DONE;

	memset(&e, 0, sizeof(e));
	/* One snapshot for the whole document. */
	if ((err = store_tx_begin_read(s, reterr)) != DR_OK)
		return err;
	if ((err = store_prepare(s, "SELECT " AUDIT_COLS " FROM audit "
	    "WHERE (?1 = 0 OR ts >= ?1) AND (?2 = 0 OR ts < ?2) ORDER BY id",
	    &st, reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, since_ms);
	sqlite3_bind_int64(st, 2, until_ms);
	buf_printf(out, "{\"format\":\"dockrev-audit\",\"version\":%d,"
	    "\"exported_at\":%lld,\"entries\":[", STORE_AUDIT_EXPORT_VERSION,
	    (long long)store_now_ms());
	while (!buf_failed(out) && (rc = store_step(s, st)) == SQLITE_ROW) {
		if ((err = audit_row(st, &e, reterr)) != DR_OK)
			break;
		j = store_audit_entry_json(&e);
		audit_clear(&e);
		text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(j);
		if (text == NULL) {
			err = dr_fail(reterr, DR_EINTERNAL, "cannot encode an "
			    "audit entry");
			break;
		}
		if (!first)
			buf_addc(out, ',');
		first = false;
		buf_adds(out, text);
		free(text);
	}
	if (err == DR_OK && !buf_failed(out) && rc != SQLITE_DONE)
		err = store_fail(s, rc, reterr);
	store_done(st);
	audit_clear(&e);
	buf_adds(out, "]}\n");
	if (err == DR_OK && buf_failed(out))
		err = dr_fail(reterr, DR_ETOOBIG, "audit export is larger "
		    "than %zu bytes", out->max);
out:
	return store_tx_end(s, err, reterr);
}

enum dr_err
store_audit_prune(struct store *s, int64_t before_ms, int64_t *ret_count,
    struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	int64_t		 n = 0;

	if (ret_count != NULL)
		*ret_count = 0;
	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if ((err = store_prepare(s, "DELETE FROM audit WHERE ts < ?1", &st,
	    reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, before_ms);
	if ((err = store_exec(s, st, reterr)) == DR_OK)
		n = store_changes(s);
out:
	if ((err = store_tx_end(s, err, reterr)) == DR_OK && ret_count != NULL)
		*ret_count = n;
	return err;
}
