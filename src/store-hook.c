/*
 * store-hook: the webhooks and webhook_deliveries tables.
 */
#include "store-hook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

static const char *const hook_auth_names[STORE_HOOK_AUTH_COUNT] = {
	[STORE_HOOK_HMAC] = "hmac",
	[STORE_HOOK_TOKEN] = "token",
};

#define HOOK_COLS \
	"id, name, action, scope, target, auth, secret, created_at, " \
	"COALESCE(last_delivery_at, 0)"

const char *
store_hook_auth_name(enum store_hook_auth a)
{
	return (unsigned)a < STORE_HOOK_AUTH_COUNT ? hook_auth_names[a] :
	    "unknown";
}

static bool
hook_hex64(const char *s)
{
	size_t	i;

	if (s == NULL || strlen(s) != 64)
		return false;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return false;
	return true;
}

enum dr_err
store_hook_create(struct store *s, const struct store_hook_spec *h,
    int64_t *ret_id, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	int64_t		 n = 0;
	int		 rc;

	*ret_id = 0;
	if ((err = store_check_text("name", h->name, true, reterr)) != DR_OK ||
	    (err = store_check_text("target", h->target, false, reterr)) !=
	    DR_OK)
		return err;
	if (h->action == NULL || (strcmp(h->action, "check") != 0 &&
	    strcmp(h->action, "update") != 0))
		return dr_fail(reterr, DR_EINVAL, "bad webhook action");
	if (h->scope == NULL || (strcmp(h->scope, "service") != 0 &&
	    strcmp(h->scope, "stack") != 0 && strcmp(h->scope, "all") != 0))
		return dr_fail(reterr, DR_EINVAL, "bad webhook scope");
	if (h->auth == STORE_HOOK_HMAC ? (h->sealed == NULL ||
	    h->sealed_len == 0 || h->sealed_len > STORE_HOOK_SEAL_MAX) :
	    h->auth == STORE_HOOK_TOKEN ? !hook_hex64(h->token_hash) : true)
		return dr_fail(reterr, DR_EINVAL, "bad webhook credentials");
	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if ((err = store_prepare(s, "SELECT COUNT(*) FROM webhooks", &st,
	    reterr)) != DR_OK)
		goto out;
	if ((rc = store_step(s, st)) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	store_done(st);
	if (n >= STORE_HOOK_MAX) {
		err = dr_fail(reterr, DR_ECONFLICT, "too many webhooks (%d)",
		    STORE_HOOK_MAX);
		goto out;
	}
	if ((err = store_prepare(s, "INSERT INTO webhooks (name, action, "
	    "scope, target, auth, secret, token_hash, created_at) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &st, reterr)) != DR_OK)
		goto out;
	store_bind_text(st, 1, h->name);
	store_bind_text(st, 2, h->action);
	store_bind_text(st, 3, h->scope);
	store_bind_text(st, 4, h->target);
	store_bind_text(st, 5, hook_auth_names[h->auth]);
	if (h->auth == STORE_HOOK_HMAC)
		sqlite3_bind_blob(st, 6, h->sealed, (int)h->sealed_len,
		    SQLITE_TRANSIENT);
	else
		store_bind_text(st, 7, h->token_hash);
	sqlite3_bind_int64(st, 8, store_now_ms());
	if ((err = store_exec(s, st, reterr)) == DR_OK)
		*ret_id = store_last_insert_id(s);
out:
	return store_tx_end(s, err, reterr);
}

static void
hook_row(sqlite3_stmt *st, struct store_hook *h)
{
	const void	*b;
	int		 a;

	memset(h, 0, sizeof(*h));
	h->id = sqlite3_column_int64(st, 0);
	h->name = store_column_text(st, 1);
	h->action = store_column_text(st, 2);
	h->scope = store_column_text(st, 3);
	h->target = store_column_text(st, 4);
	a = store_name_find(hook_auth_names, STORE_HOOK_AUTH_COUNT,
	    (const char *)sqlite3_column_text(st, 5));
	h->auth = a < 0 ? STORE_HOOK_TOKEN : (enum store_hook_auth)a;
	if ((b = sqlite3_column_blob(st, 6)) != NULL &&
	    sqlite3_column_bytes(st, 6) > 0) {
		h->sealed_len = (size_t)sqlite3_column_bytes(st, 6);
		h->sealed = xmalloc(h->sealed_len);
		memcpy(h->sealed, b, h->sealed_len);
	}
	h->created_at = sqlite3_column_int64(st, 7);
	h->last_delivery_at = sqlite3_column_int64(st, 8);
}

static void
hook_clear(struct store_hook *h)
{
	free(h->name);
	free(h->action);
	free(h->scope);
	free(h->target);
	free(h->sealed);
}

void
store_hook_free(struct store_hook *h)
{
	if (h == NULL)
		return;
	hook_clear(h);
	free(h);
}

void
store_hook_list_free(struct store_hook *l, size_t n)
{
	size_t	i;

	for (i = 0; l != NULL && i < n; i++)
		hook_clear(&l[i]);
	free(l);
}

/* Reads the one row of st (its parameters bound) into *ret. */
static enum dr_err
hook_one(struct store *s, sqlite3_stmt *st, const char *what,
    struct store_hook **ret, struct dr_error *reterr)
{
	enum dr_err	 err = DR_OK;
	int		 rc;

	if ((rc = store_step(s, st)) == SQLITE_ROW) {
		*ret = xcalloc(1, sizeof(**ret));
		hook_row(st, *ret);
	} else if (rc == SQLITE_DONE)
		err = dr_fail(reterr, DR_ENOTFOUND, "no webhook %s", what);
	else
		err = store_fail(s, rc, reterr);
	store_done(st);
	return err;
}

enum dr_err
store_hook_get(struct store *s, int64_t id, struct store_hook **ret,
    struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	char		 what[32];

	*ret = NULL;
	if ((err = store_prepare(s, "SELECT " HOOK_COLS " FROM webhooks "
	    "WHERE id = ?1", &st, reterr)) != DR_OK)
		return err;
	sqlite3_bind_int64(st, 1, id);
	snprintf(what, sizeof(what), "%lld", (long long)id);
	return hook_one(s, st, what, ret, reterr);
}

enum dr_err
store_hook_by_token(struct store *s, const char *token_hash,
    struct store_hook **ret, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;

	*ret = NULL;
	if (!hook_hex64(token_hash))
		return dr_fail(reterr, DR_ENOTFOUND, "no webhook with that "
		    "token");
	if ((err = store_prepare(s, "SELECT " HOOK_COLS " FROM webhooks "
	    "WHERE token_hash = ?1 AND auth = 'token'", &st, reterr)) != DR_OK)
		return err;
	store_bind_text(st, 1, token_hash);
	return hook_one(s, st, "with that token", ret, reterr);
}

enum dr_err
store_hook_list(struct store *s, struct store_hook **ret, size_t *ret_n,
    struct dr_error *reterr)
{
	struct store_hook	*l = NULL;
	sqlite3_stmt		*st;
	enum dr_err		 err;
	size_t			 n = 0;
	int			 rc;

	*ret = NULL;
	*ret_n = 0;
	if ((err = store_prepare(s, "SELECT " HOOK_COLS " FROM webhooks "
	    "ORDER BY id", &st, reterr)) != DR_OK)
		return err;
	while ((rc = store_step(s, st)) == SQLITE_ROW) {
		l = xreallocarray(l, n + 1, sizeof(*l));
		hook_row(st, &l[n++]);
	}
	if (rc != SQLITE_DONE) {
		err = store_fail(s, rc, reterr);
		store_hook_list_free(l, n);
		l = NULL;
		n = 0;
	}
	store_done(st);
	*ret = l;
	*ret_n = n;
	return err;
}

enum dr_err
store_hook_delete(struct store *s, int64_t id, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;

	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if ((err = store_prepare(s, "DELETE FROM webhooks WHERE id = ?1", &st,
	    reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	if ((err = store_exec(s, st, reterr)) == DR_OK &&
	    store_changes(s) == 0)
		err = dr_fail(reterr, DR_ENOTFOUND, "no webhook %lld",
		    (long long)id);
out:
	return store_tx_end(s, err, reterr);
}

enum dr_err
store_hook_touch(struct store *s, int64_t id, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;

	if ((err = store_prepare(s, "UPDATE webhooks SET last_delivery_at = "
	    "?2 WHERE id = ?1", &st, reterr)) != DR_OK)
		return err;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, store_now_ms());
	return store_exec(s, st, reterr);
}

enum dr_err
store_hook_delivery(struct store *s, int64_t id, const char *delivery,
    int64_t now, int64_t expires_at, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	int		 rc;
	bool		 seen = false;

	if ((err = store_check_text("delivery id", delivery, true, reterr)) !=
	    DR_OK)
		return err;
	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if ((err = store_prepare(s, "DELETE FROM webhook_deliveries WHERE "
	    "hook_id = ?1 AND expires_at <= ?2", &st, reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	if ((err = store_exec(s, st, reterr)) != DR_OK)
		goto out;
	if ((err = store_prepare(s, "SELECT 1 FROM webhook_deliveries WHERE "
	    "hook_id = ?1 AND delivery = ?2", &st, reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, delivery);
	if ((rc = store_step(s, st)) == SQLITE_ROW)
		seen = true;
	else if (rc != SQLITE_DONE)
		err = store_fail(s, rc, reterr);
	store_done(st);
	if (err != DR_OK)
		goto out;
	if (seen) {
		err = dr_fail(reterr, DR_ECONFLICT, "delivery already seen");
		goto out;
	}
	if ((err = store_prepare(s, "INSERT INTO webhook_deliveries (hook_id, "
	    "delivery, expires_at) VALUES (?1, ?2, ?3)", &st, reterr)) != DR_OK)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, delivery);
	sqlite3_bind_int64(st, 3, expires_at);
	if ((err = store_exec(s, st, reterr)) != DR_OK)
		goto out;
	err = store_hook_touch(s, id, reterr);
out:
	return store_tx_end(s, err, reterr);
}
