/*
 * store-settings: the daemon's system settings (concurrency, schedules)
 * as set through PUT /api/v1/settings, one JSON value per key.  A key
 * absent from the table means "the configured default"; values are
 * validated by their users (trigger.c, sched.c), not here.
 */
#ifndef STORE_SETTINGS_H
#define STORE_SETTINGS_H

#include "err.h"
#include "store.h"

/* Keys longer than this are refused. */
#define STORE_SETTING_KEY_MAX	64

/*
 * The value of key (a JSON text, malloc'd, free() it) in *ret, or NULL
 * when the key was never set.  DR_EINVAL for a bad key.
 */
enum dr_err	store_setting_get(struct store *, const char *key, char **ret,
		    struct dr_error *reterr);

/*
 * Sets key to value (any JSON text, at most STORE_JSON_MAX bytes), or
 * removes it when value is NULL.  DR_EINVAL for a bad key or a value that
 * is not JSON, DR_ETOOBIG when too long.
 */
enum dr_err	store_setting_set(struct store *, const char *key,
		    const char *value, struct dr_error *reterr);

#endif
