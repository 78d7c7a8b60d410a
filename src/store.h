/*
 * store: the SQLite state file of Dockrev.  Opens it (WAL, durable commits,
 * a busy timeout), brings its schema up to date from a const table of
 * migrations keyed by PRAGMA user_version, and runs transactions.  The
 * store-*.c modules (store-job, store-audit, store-stack) hold the SQL of
 * each table family and share the helpers at the end of this header.
 *
 * Invariants: every statement is a string literal with bound parameters,
 * never SQL built from data; every write runs inside BEGIN IMMEDIATE, so
 * the CLI and the daemon sharing one file serialize their writes (waiting
 * up to the busy timeout) instead of failing half-way.  A struct store is
 * one connection: use it from one thread at a time, and after fork() let
 * the child open its own (never use or close the parent's).
 */
#ifndef STORE_H
#define STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define STORE_DEFAULT_DIR	"/var/lib/dockrev"
#define STORE_FILE_NAME		"dockrev.db"
#define STORE_BUSY_TIMEOUT_MS	5000
/* Longest plain text value (names, tags, digests, paths, messages). */
#define STORE_TEXT_MAX		(64 * 1024)
/* Longest JSON value (parameters, step details such as a full inspect). */
#define STORE_JSON_MAX		(512 * 1024)

struct store;

/* Who or what started a job or an audited action. */
enum store_trigger {
	STORE_TRIGGER_CLI,
	STORE_TRIGGER_API,		/* the HTTP API, and so the web UI */
	STORE_TRIGGER_WEBHOOK,
	STORE_TRIGGER_SCHEDULE,
	STORE_TRIGGER_GITOPS,
	STORE_TRIGGER_RECOVERY,		/* crash recovery at start-up */
	STORE_TRIGGER_COUNT
};

/*
 * The state directory: $DOCKREV_STATE_DIR when set and not empty, else
 * STORE_DEFAULT_DIR.  Borrowed from the environment or static: valid until
 * the environment changes.  Creates nothing.
 */
const char	*store_default_dir(void);

/*
 * The default database path, store_default_dir()/dockrev.db, in *ret_path
 * (free() it).  Creates the directory and its missing parents with mode
 * 0700; an existing directory keeps its mode.  Fails with DR_EIO when the
 * directory cannot be created or is not a directory.
 */
enum dr_err	store_default_path(char **ret_path, struct dr_error *reterr);

/*
 * Opens (creating it with mode 0600 when absent) the database at path,
 * switches it to WAL with synchronous=FULL and foreign keys on, sets the
 * busy timeout to STORE_BUSY_TIMEOUT_MS and applies every pending
 * migration in one transaction.  Returns DR_OK with *ret set (close with
 * store_close), DR_EIO when the file cannot be opened or is not a
 * database, DR_EUNSUPPORTED when its schema is newer than this binary's,
 * DR_ETIMEOUT when another process kept it locked past the timeout.
 */
enum dr_err	store_open(const char *path, struct store **ret,
		    struct dr_error *reterr);

/* Closes the connection; an open transaction is rolled back.  NULL is
 * fine. */
void		store_close(struct store *);

/* How long a statement waits for another connection's write lock before
 * failing with DR_ETIMEOUT; ms <= 0 means do not wait. */
void		store_set_busy_timeout(struct store *, int ms);

/*
 * A PASSIVE checkpoint of the WAL into the database, on a connection of
 * its own in a thread, when the WAL holds more than STORE_CKPT_MIN_BYTES:
 * for a caller about to wait on Docker (the health gate), so the WAL stays
 * short (the next process to open the state file first rebuilds the WAL
 * index by reading the whole WAL) at no cost anyone waits for.  Never
 * blocks a writer; NULL when there is nothing to do.  Join before closing
 * the store.
 */
#define STORE_CKPT_MIN_BYTES	(1024 * 1024)
struct store_ckpt;
struct store_ckpt *store_ckpt_start(struct store *);
void		store_ckpt_join(struct store_ckpt *);

/* The schema version this binary migrates to. */
int		store_schema_latest(void);

/* The schema version of the open database (PRAGMA user_version). */
enum dr_err	store_schema_version(struct store *, int *ret,
		    struct dr_error *reterr);

/*
 * Transactions.  store_tx_begin() starts a write transaction (BEGIN
 * IMMEDIATE, waiting up to the busy timeout for the write lock), or a
 * savepoint when one is already open, so every store_* function may run
 * inside a caller's transaction: then nothing it writes is durable before
 * the caller's outermost commit (journal steps need their own commit:
 * do not wrap them).  store_tx_end() commits when err is DR_OK and rolls
 * back otherwise, returning err or the commit's own failure.
 *
 * store_tx_begin_lazy() is store_tx_begin() for writes that may be lost
 * with a power cut (log lines, a step's outcome): its outermost commit is
 * not synced (PRAGMA synchronous = NORMAL, atomic and ordered all the
 * same); the next synced commit, which writes the WAL after it, makes it
 * durable too.  Inside another transaction it is a savepoint of that one.
 */
enum dr_err	store_tx_begin(struct store *, struct dr_error *reterr);
enum dr_err	store_tx_begin_lazy(struct store *, struct dr_error *reterr);
enum dr_err	store_tx_commit(struct store *, struct dr_error *reterr);
void		store_tx_rollback(struct store *);
enum dr_err	store_tx_end(struct store *, enum dr_err err,
		    struct dr_error *reterr);

/* "cli", "api", "webhook", "schedule", "gitops", "recovery". */
const char	*store_trigger_name(enum store_trigger);
/* Parses a trigger name; false when unknown. */
bool		 store_trigger_parse(const char *, enum store_trigger *ret);

/* Wall-clock time in Unix milliseconds, the unit of every timestamp. */
int64_t		 store_now_ms(void);

/*
 * For the store-*.c modules only: the SQL plumbing.
 *
 * store_prepare() returns the cached statement for sql, which must be a
 * string literal (the cache is keyed by its address), reset and with its
 * bindings cleared; the statement is owned by the store.  Callers reset it
 * (store_done) when finished so it does not hold a read snapshot open.
 * store_step() is sqlite3_step() that retries SQLITE_BUSY until the busy
 * timeout where SQLite allows a retry.  store_exec() steps a statement to
 * completion and resets it.  store_fail() turns an SQLite result code into
 * a dr_err with the connection's message.
 */
enum dr_err	store_tx_begin_read(struct store *, struct dr_error *reterr);
enum dr_err	store_prepare(struct store *, const char *sql,
		    sqlite3_stmt **ret, struct dr_error *reterr);
int		store_step(struct store *, sqlite3_stmt *);
enum dr_err	store_exec(struct store *, sqlite3_stmt *,
		    struct dr_error *reterr);
void		store_done(sqlite3_stmt *);
enum dr_err	store_fail(struct store *, int rc, struct dr_error *reterr);
/* Binds s as TEXT, or NULL when s is NULL; s must outlive the step. */
void		store_bind_text(sqlite3_stmt *, int idx, const char *s);
/* A copy of a TEXT column (free() it), NULL for SQL NULL. */
char		*store_column_text(sqlite3_stmt *, int col);
/* The rowid of the connection's last INSERT, and the rows the last
 * statement changed. */
int64_t		 store_last_insert_id(struct store *);
int64_t		 store_changes(struct store *);
/* Index of s in names[0..n), or -1. */
int		 store_name_find(const char *const *names, int n,
		    const char *s);
/*
 * Input checks shared by the store-*.c modules.  store_check_text(): a
 * NULL s is fine unless required; longer than STORE_TEXT_MAX is
 * DR_ETOOBIG; required and empty is DR_EINVAL.  store_check_json(): NULL
 * is fine; longer than STORE_JSON_MAX is DR_ETOOBIG; anything but a JSON
 * object is DR_EINVAL.  field names the value in the message.
 */
enum dr_err	store_check_text(const char *field, const char *s,
		    bool required, struct dr_error *reterr);
enum dr_err	store_check_json(const char *field, const char *s,
		    struct dr_error *reterr);

#endif
