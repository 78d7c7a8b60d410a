/*
 * store-rule: the ignore rules of each service (stack, service, kind,
 * value, reason, enabled, timestamps), in the ignore_rules table.  The
 * kinds carry the API's names: exact, prefix, regex and semver (an
 * ignore-rule.h range).  Invariant: every stored value parsed with
 * ignore_rule_parse() for its kind when it was written.
 */
#ifndef STORE_RULE_H
#define STORE_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "ignore-rule.h"
#include "store.h"

#define STORE_RULE_REASON_MAX	1024	/* bytes of a reason */
#define STORE_RULE_LIST_MAX	10000	/* rules read in one list */

struct store_rule {
	int64_t		 id;
	char		*stack;		/* "_" for standalone containers */
	char		*service;
	enum ignore_kind kind;
	char		*value;
	char		*reason;	/* NULL when none */
	bool		 enabled;
	int64_t		 created_at;	/* Unix ms */
	int64_t		 updated_at;
};

struct store_rule_list {
	struct store_rule	*rules;	/* by stack, service, id */
	size_t			 n;
};

/* The API name of a kind ("exact", "prefix", "regex", "semver"). */
const char	*store_rule_kind_name(enum ignore_kind);
/* The kind of an API name (also "range" for semver); DR_EINVAL naming
 * the valid ones otherwise. */
enum dr_err	 store_rule_kind_parse(const char *, enum ignore_kind *ret,
		    struct dr_error *reterr);

/*
 * Validates value for kind with ignore_rule_parse() (its message on
 * failure: DR_EINVAL or DR_ETOOBIG), stack and service (not empty), and
 * reason (at most STORE_RULE_REASON_MAX), then inserts the rule; r->id,
 * created_at and updated_at are ignored.  The new id in *ret_id (may be
 * NULL).
 */
enum dr_err	 store_rule_add(struct store *, const struct store_rule *r,
		    int64_t *ret_id, struct dr_error *reterr);

/* What store_rule_update() changes: the fields whose has_ flag is set. */
struct store_rule_patch {
	bool		 has_kind, has_value, has_reason, has_enabled;
	enum ignore_kind kind;
	const char	*value;
	const char	*reason;	/* NULL: clear it */
	bool		 enabled;
};

/* Applies p to rule id (the resulting kind and value validated as in
 * store_rule_add); DR_ENOTFOUND when there is no such rule. */
enum dr_err	 store_rule_update(struct store *, int64_t id,
		    const struct store_rule_patch *p, struct dr_error *reterr);
/* Deletes rule id; DR_ENOTFOUND when there is none. */
enum dr_err	 store_rule_delete(struct store *, int64_t id,
		    struct dr_error *reterr);
/* Reads rule id into *ret (store_rule_free); DR_ENOTFOUND when none. */
enum dr_err	 store_rule_get(struct store *, int64_t id,
		    struct store_rule **ret, struct dr_error *reterr);
/* The rules of stack/service, or of every service when stack is NULL,
 * into *ret (store_rule_list_done), at most STORE_RULE_LIST_MAX. */
enum dr_err	 store_rule_list(struct store *, const char *stack,
		    const char *service, struct store_rule_list *ret,
		    struct dr_error *reterr);
void		 store_rule_free(struct store_rule *);
void		 store_rule_clear(struct store_rule *);
void		 store_rule_list_done(struct store_rule_list *);

#endif
