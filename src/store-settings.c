/*
 * store-settings: the settings table, key -> JSON text.
 */
#include "store-settings.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static enum dr_err
settings_check_key(const char *key, struct dr_error *reterr)
{
	size_t	i, n = key ? strlen(key) : 0;

	if (n == 0 || n > STORE_SETTING_KEY_MAX)
		return dr_fail(reterr, DR_EINVAL, "bad setting key");
	for (i = 0; i < n; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') || key[i] == '_' ||
		    key[i] == '.' || (key[i] >= '0' && key[i] <= '9')))
			return dr_fail(reterr, DR_EINVAL, "bad setting key");
	return DR_OK;
}

enum dr_err
store_setting_get(struct store *s, const char *key, char **ret,
    struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	int		 rc;

	*ret = NULL;
	if ((err = settings_check_key(key, reterr)) != DR_OK)
		return err;
	if ((err = store_prepare(s, "SELECT value FROM settings WHERE key = ?1",
	    &st, reterr)) != DR_OK)
		return err;
	store_bind_text(st, 1, key);
	if ((rc = store_step(s, st)) == SQLITE_ROW)
		*ret = store_column_text(st, 0);
	else if (rc != SQLITE_DONE)
		err = store_fail(s, rc, reterr);
	store_done(st);
	return err;
}

enum dr_err
store_setting_set(struct store *s, const char *key, const char *value,
    struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	json_t		*v;
	enum dr_err	 err;

	if ((err = settings_check_key(key, reterr)) != DR_OK)
		return err;
	if (value != NULL) {
		if (strlen(value) > STORE_JSON_MAX)
			return dr_fail(reterr, DR_ETOOBIG, "setting %s is too "
			    "long", key);
		if ((v = json_loads(value, JSON_DECODE_ANY, NULL)) == NULL)
			return dr_fail(reterr, DR_EINVAL, "setting %s is not "
			    "JSON", key);
		json_decref(v);
	}
	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	if (value == NULL)
		err = store_prepare(s, "DELETE FROM settings WHERE key = ?1",
		    &st, reterr);
	else
		err = store_prepare(s, "INSERT INTO settings (key, value, "
		    "updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (key) DO "
		    "UPDATE SET value = excluded.value, updated_at = "
		    "excluded.updated_at", &st, reterr);
	if (err != DR_OK)
		goto out;
	store_bind_text(st, 1, key);
	if (value != NULL) {
		store_bind_text(st, 2, value);
		sqlite3_bind_int64(st, 3, store_now_ms());
	}
	err = store_exec(s, st, reterr);
out:
	return store_tx_end(s, err, reterr);
}
