/*
 * catalog: what runs and what is new, as the daemon serves it.  A
 * snapshot is the last check grouped by service (stack → service →
 * current image and every candidate, unfiltered); a rule book is the
 * ignore rules and per-service settings; a view renders both into the
 * documented /api/v1/stacks JSON (docs/api.md): rules move candidates to
 * "ignored" with the rule and its reason, "best" and "status" come from
 * what remains.  The CLI applies the same rule book to a detect result.
 *
 * Invariant: snapshots, rule books and views are immutable once built
 * and reference-counted, so a reader holding one never sees it change;
 * a change builds a new one.
 */
#ifndef CATALOG_H
#define CATALOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect.h"
#include "err.h"
#include "ignore-rule.h"
#include "inventory.h"
#include "platform.h"
#include "store-rule.h"
#include "store-svc.h"
#include "store.h"

#define CATALOG_STANDALONE	"_"	/* the stack of standalone containers */
#define CATALOG_SERVICES_MAX	10000	/* services in one snapshot */
#define CATALOG_CONTAINERS_MAX	1000	/* containers of one service */
#define CATALOG_DOC_MAX		(64 * 1024 * 1024)	/* persisted JSON */
#define CATALOG_SNAPSHOT_VERSION 1

struct catalog_svc {
	char			*stack;		/* CATALOG_STANDALONE when none */
	char			*name;
	enum inv_kind		 kind;
	char			**containers;
	size_t			 ncontainers;
	char			*image;
	char			*tag;
	char			*current_digest;	/* NULL when unknown */
	char			*remote_digest;		/* NULL when unknown */
	enum detect_status	 status;	/* before rules */
	char			*reason;	/* NULL when none */
	bool			 moved;
	struct detect_candidate	 cands[DETECT_CANDIDATES_MAX];	/* all */
	size_t			 ncands;
};

struct catalog_snap {
	int			 refs;		/* atomic */
	int64_t			 checked_at;	/* Unix ms; 0: never */
	struct platform		 host;
	struct catalog_svc	*svcs;		/* by stack, name */
	size_t			 nsvcs;
};

/* The service identity of a container: stack ("_" when standalone) and
 * name (the service, or the container name). */
void		 catalog_identity(const struct inv_container *,
		    const char **ret_stack, const char **ret_name);

/* An empty snapshot (refs 1, never checked). */
struct catalog_snap *catalog_snap_new(void);
/*
 * A snapshot of res at checked_at: one service per stack/service (its
 * first container's item gives image and candidates; every container is
 * listed), items detect was not asked about left out.  refs 1.
 */
struct catalog_snap *catalog_snap_from_detect(const struct detect_result *,
		    int64_t checked_at);
/*
 * old with the scope replaced: every service of old for which
 * in_scope(stack, name, arg) is true is dropped, then every service of
 * new in the scope is added (new's others, such as the items a scoped
 * detect was not asked about, are ignored).  Host and checked_at from
 * new.  A new snapshot, refs 1; neither argument changes.
 */
struct catalog_snap *catalog_snap_merge(const struct catalog_snap *old,
		    const struct catalog_snap *new,
		    bool (*in_scope)(const char *stack, const char *name,
		    void *arg), void *arg);
/*
 * old following what runs now (inv, Docker events): each service's
 * containers replaced by its running ones, services with none left out.
 * The services running but not in old, or running another image than
 * old says (an update ran), go to ret_new as "STACK/NAME" (new strings,
 * at most max; *ret_more when there were more), for a check of each
 * alone.  *ret_changed: the result differs from old.
 * A new snapshot, refs 1.
 */
struct catalog_snap *catalog_snap_follow(const struct catalog_snap *old,
		    const struct inventory *inv, char **ret_new, size_t max,
		    size_t *ret_nnew, bool *ret_more, bool *ret_changed);
/* The service stack/name of s, or NULL. */
const struct catalog_svc *catalog_snap_find(const struct catalog_snap *,
		    const char *stack, const char *name);
struct catalog_snap *catalog_snap_ref(struct catalog_snap *);
/* Drops a reference; the last frees.  NULL is fine. */
void		 catalog_snap_unref(struct catalog_snap *);

/*
 * Persistence: the snapshot as one JSON document (the loader production
 * uses at start, and bench/api to seed 200 services), documented in
 * docs/api.md ("Persisted snapshot"):
 *   {"version":1, "checked_at":ms, "host":{"os","arch","variant"},
 *    "services":[{"stack","name","kind","containers":[...],"image","tag",
 *      "current_digest","remote_digest","status","reason","moved",
 *      "candidates":[{"tag","digest","kind","same_level","arch_match"}]}]}
 * catalog_snap_from_json: DR_EINVAL naming the bad field.
 */
json_t		*catalog_snap_to_json(const struct catalog_snap *);
enum dr_err	 catalog_snap_from_json(const json_t *,
		    struct catalog_snap **ret, struct dr_error *reterr);
/* Writes s to the store (one row, replaced), reads it back; a store
 * without one gives an empty snapshot. */
enum dr_err	 catalog_snap_save(struct store *, const struct catalog_snap *,
		    struct dr_error *reterr);
enum dr_err	 catalog_snap_load(struct store *, struct catalog_snap **ret,
		    struct dr_error *reterr);

/* The ignore rules (compiled) and settings of every service. */
struct catalog_rules;

/* Reads every rule and setting from the store; refs 1. */
enum dr_err	 catalog_rules_load(struct store *, struct catalog_rules **ret,
		    struct dr_error *reterr);
/* An empty rule book (no rules, default settings). */
struct catalog_rules *catalog_rules_empty(void);
struct catalog_rules *catalog_rules_ref(struct catalog_rules *);
void		 catalog_rules_unref(struct catalog_rules *);
/* The stored settings of stack/name (all -1 when none); borrowed. */
const struct store_svc *catalog_rules_settings(const struct catalog_rules *,
		    const char *stack, const char *name);
/* Effective settings as the API shows them (defaults filled in). */
json_t		*catalog_settings_json(const struct store_svc *);
/* A rule as the API shows it (docs/api.md "Rule"). */
json_t		*catalog_rule_json(const struct store_rule *);

/*
 * Applies the rules of each item's service to res: hidden candidates move
 * to the item's ignored list with the rule and reason, status is
 * recomputed (detect_ignore).  For `dockrev check` and `dockrev update`.
 */
void		 catalog_apply_detect(const struct catalog_rules *,
		    struct detect_result *res);

/* One service seen through the rules: candidates, ignored, best, status
 * (docs/api.md "Service"); a new reference. */
json_t		*catalog_svc_json(const struct catalog_svc *,
		    const struct catalog_rules *);
/* The candidates of svc (all of them) that rule would hide. */
json_t		*catalog_preview(const struct catalog_svc *,
		    const struct ignore_rule *);
/* The /api/v1/stacks document; stack non-NULL: that element of "stacks"
 * only (NULL when there is no such stack). */
json_t		*catalog_doc(const struct catalog_snap *,
		    const struct catalog_rules *, const char *stack);
/* How many services of s have an update `dockrev update` would take
 * after the rules (a best candidate, or the moved tag); with a callback
 * per service (may be NULL) for metrics. */
size_t		 catalog_updates(const struct catalog_snap *,
		    const struct catalog_rules *,
		    void (*each)(const char *stack, const char *name,
		    bool update, void *arg), void *arg);

#endif
