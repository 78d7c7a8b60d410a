/*
 * store-svc: per-service settings (auto rollback, health deadline, settle
 * time, arch-mismatch override) in the service_settings table.  A field
 * never set is "unset" and the default (or a label) decides.
 * Invariant: stored values are within the ranges below.
 */
#ifndef STORE_SVC_H
#define STORE_SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

#define STORE_SVC_DEADLINE_MIN	1
#define STORE_SVC_DEADLINE_MAX	3600
#define STORE_SVC_SETTLE_MIN	0
#define STORE_SVC_SETTLE_MAX	600
#define STORE_SVC_LIST_MAX	10000

/* Each field is -1 when unset. */
struct store_svc {
	int	auto_rollback;		/* 0 or 1 */
	int	health_deadline_s;	/* 1..3600 */
	int	settle_s;		/* 0..600 */
	int	allow_arch_mismatch;	/* 0 or 1 */
};

/* All fields unset. */
void		store_svc_init(struct store_svc *);

/* The settings of stack/service into *ret (all unset when none). */
enum dr_err	store_svc_get(struct store *, const char *stack,
		    const char *service, struct store_svc *ret,
		    struct dr_error *reterr);
/*
 * Sets the fields of set that are not -1 (the others keep their stored
 * value).  DR_EINVAL naming the field when one is out of range, or for an
 * empty stack or service.
 */
enum dr_err	store_svc_put(struct store *, const char *stack,
		    const char *service, const struct store_svc *set,
		    struct dr_error *reterr);

struct store_svc_entry {
	char			*stack;
	char			*service;
	struct store_svc	 s;
};

struct store_svc_list {
	struct store_svc_entry	*entries;	/* by stack, service */
	size_t			 n;
};

/* Every service with settings (at most STORE_SVC_LIST_MAX). */
enum dr_err	store_svc_list(struct store *, struct store_svc_list *ret,
		    struct dr_error *reterr);
void		store_svc_list_done(struct store_svc_list *);

#endif
