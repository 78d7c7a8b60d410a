/*
 * store-hook: the webhooks table and the delivery ids each webhook has
 * seen.  The store keeps what it is given: an HMAC webhook's secret only
 * sealed (encrypted by trigger-hook.c, opaque here), a token webhook's
 * token only as its SHA-256 hex digest; nothing here can give back a
 * plain secret or token.
 */
#ifndef STORE_HOOK_H
#define STORE_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

#define STORE_HOOK_MAX		1000	/* webhooks at most */
#define STORE_HOOK_SEAL_MAX	4096	/* sealed secret bytes at most */

enum store_hook_auth {
	STORE_HOOK_HMAC,
	STORE_HOOK_TOKEN,
	STORE_HOOK_AUTH_COUNT
};

/* What store_hook_create() records; borrowed for the call. */
struct store_hook_spec {
	const char		*name;
	const char		*action;	/* "check" or "update" */
	const char		*scope;		/* "service", "stack", "all" */
	const char		*target;	/* NULL for "all" */
	enum store_hook_auth	 auth;
	const void		*sealed;	/* HMAC: the sealed secret */
	size_t			 sealed_len;
	const char		*token_hash;	/* token: 64 hex chars */
};

struct store_hook {
	int64_t			 id;
	char			*name;
	char			*action;
	char			*scope;
	char			*target;	/* NULL when none */
	enum store_hook_auth	 auth;
	unsigned char		*sealed;	/* NULL unless HMAC */
	size_t			 sealed_len;
	int64_t			 created_at;
	int64_t			 last_delivery_at;	/* 0: never */
};

/* "hmac", "token". */
const char	*store_hook_auth_name(enum store_hook_auth);

/*
 * Records a webhook; its id in *ret_id.  DR_EINVAL for a missing or bad
 * field (an HMAC webhook without a sealed secret, a token one without a
 * 64-hex hash), DR_ECONFLICT past STORE_HOOK_MAX webhooks or for a token
 * hash already used.
 */
enum dr_err	store_hook_create(struct store *, const struct store_hook_spec *,
		    int64_t *ret_id, struct dr_error *reterr);

/* Reads webhook id into *ret (store_hook_free); DR_ENOTFOUND. */
enum dr_err	store_hook_get(struct store *, int64_t id,
		    struct store_hook **ret, struct dr_error *reterr);
/* The token webhook whose token hashes to token_hash; DR_ENOTFOUND. */
enum dr_err	store_hook_by_token(struct store *, const char *token_hash,
		    struct store_hook **ret, struct dr_error *reterr);
void		store_hook_free(struct store_hook *);

/* Every webhook, oldest first, into *ret / *ret_n (store_hook_list_free). */
enum dr_err	store_hook_list(struct store *, struct store_hook **ret,
		    size_t *ret_n, struct dr_error *reterr);
void		store_hook_list_free(struct store_hook *, size_t n);

/* Deletes webhook id and its deliveries; DR_ENOTFOUND when absent. */
enum dr_err	store_hook_delete(struct store *, int64_t id,
		    struct dr_error *reterr);

/*
 * Records delivery id `delivery` of webhook id as seen until expires_at
 * (unix seconds) and stamps last_delivery_at, forgetting the expired
 * ones of the webhook first.  DR_ECONFLICT (nothing recorded) when the
 * delivery was seen and has not expired at now: a replay.
 */
enum dr_err	store_hook_delivery(struct store *, int64_t id,
		    const char *delivery, int64_t now, int64_t expires_at,
		    struct dr_error *reterr);

/* Stamps last_delivery_at of webhook id (a delivery without an id). */
enum dr_err	store_hook_touch(struct store *, int64_t id,
		    struct dr_error *reterr);

#endif
