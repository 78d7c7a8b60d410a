/*
 * store-audit: the audit log, an append-only record of who or what asked
 * Dockrev to do something (and from where), with which parameters, and
 * what came of it.  Entries are never changed; only retention deletes
 * them (store_audit_prune).  Export writes them as one JSON document.
 */
#ifndef STORE_AUDIT_H
#define STORE_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "store.h"

#define STORE_AUDIT_PAGE_DEFAULT	100
#define STORE_AUDIT_PAGE_MAX		1000
/* The "version" of the export document; bumped when its shape changes. */
#define STORE_AUDIT_EXPORT_VERSION	1

enum store_audit_result {
	STORE_AUDIT_OK,
	STORE_AUDIT_FAILED,
	STORE_AUDIT_DENIED,		/* refused by auth or policy */
	STORE_AUDIT_RESULT_COUNT
};

/* What store_audit_add() records; strings are borrowed for the call. */
struct store_audit_spec {
	const char		*actor;		/* who: a user, "scheduler"... */
	enum store_trigger	 trigger;	/* through what */
	const char		*origin;	/* from where (address, tty); NULL */
	const char		*action;	/* "update", "stack.add", ... */
	const char		*target;	/* NULL when none */
	const char		*params;	/* JSON object; NULL: {} */
	enum store_audit_result	 result;
	const char		*summary;	/* NULL when none */
	int64_t			 job_id;	/* 0 when no job */
};

struct store_audit_entry {
	int64_t			 id;
	int64_t			 ts;		/* Unix ms */
	char			*actor;
	enum store_trigger	 trigger;
	char			*origin;	/* NULL when none */
	char			*action;
	char			*target;	/* NULL when none */
	char			*params;	/* JSON object */
	enum store_audit_result	 result;
	char			*summary;	/* NULL when none */
	int64_t			 job_id;	/* 0 when none */
};

struct store_audit_filter {
	int64_t		since_ms;	/* ts >= since_ms; 0: no bound */
	int64_t		until_ms;	/* ts < until_ms; 0: no bound */
	int64_t		before_id;	/* keyset: ids below this; 0: newest */
	size_t		limit;		/* 0: default; capped at the max */
};

struct store_audit_list {
	struct store_audit_entry	*entries;
	size_t				 n;
	bool				 more;
	int64_t				 next_before;
};

/* "ok", "failed", "denied". */
const char	*store_audit_result_name(enum store_audit_result);

/*
 * Appends an entry stamped now; its id in *ret_id (may be NULL).  DR_EINVAL
 * when actor or action is missing or params is not a JSON object,
 * DR_ETOOBIG for a value past STORE_TEXT_MAX or STORE_JSON_MAX.
 */
enum dr_err	store_audit_add(struct store *, const struct store_audit_spec *,
		    int64_t *ret_id, struct dr_error *reterr);

/* Entries matching f (NULL: all), newest first, one page, into *ret
 * (release with store_audit_list_done). */
enum dr_err	store_audit_list(struct store *,
		    const struct store_audit_filter *f,
		    struct store_audit_list *ret, struct dr_error *reterr);
void		store_audit_list_done(struct store_audit_list *);

/*
 * The JSON of one entry (json_decref it): id, ts, time (RFC 3339, UTC,
 * milliseconds), actor, trigger, origin, action, target, params (the
 * object), result, summary, job_id; absent values are null.  Bytes that
 * are not UTF-8 become U+FFFD, so any entry makes valid JSON.
 */
json_t		*store_audit_entry_json(const struct store_audit_entry *);

/*
 * Appends to out, oldest first, every entry with since_ms <= ts < until_ms
 * (0: no bound), as the document
 *	{"format": "dockrev-audit", "version": 1, "exported_at": MS,
 *	 "entries": [ENTRY, ...]}
 * DR_ETOOBIG when out reaches its maximum (out then holds a prefix).
 */
enum dr_err	store_audit_export(struct store *, int64_t since_ms,
		    int64_t until_ms, struct buf *out, struct dr_error *reterr);

/* Deletes the entries older than before_ms; *ret_count (may be NULL). */
enum dr_err	store_audit_prune(struct store *, int64_t before_ms,
		    int64_t *ret_count, struct dr_error *reterr);

#endif
