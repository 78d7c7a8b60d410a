/*
 * store: opening the SQLite state file, migrations, transactions and the
 * statement plumbing the store-*.c modules share.  The schema is the
 * const table store_migrations[]: entry i brings user_version i to i+1,
 * all pending entries run in one BEGIN IMMEDIATE transaction, so two
 * processes opening a fresh file at once migrate it exactly once.
 */
#include "store.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xmalloc.h"

struct store_stmt {
	const char	*sql;		/* a string literal: the cache key */
	sqlite3_stmt	*st;
};

struct store {
	sqlite3			*db;
	int			 busy_ms;
	int			 tx_depth;	/* 0: autocommit */
	bool			 tx_read;	/* the outermost is BEGIN */
	bool			 tx_lazy;	/* the outermost commits unsynced */
	struct store_stmt	*stmts;
	size_t			 nstmts;
};

/*
 * The schema, one step per version; append only.  Terminal jobs are
 * frozen by triggers as well as by the C code, so no path through SQL
 * can change a finished job, its steps, targets or logs.
 */
static const struct {
	const char	*what;
	const char	*sql;
} store_migrations[] = {
	{ "jobs, steps, targets, logs, stack locks, audit, stacks, services",
	"CREATE TABLE jobs ("
	"  id             INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  kind           TEXT NOT NULL CHECK (kind IN ('update', 'rollback')),"
	"  scope          TEXT NOT NULL"
	"                 CHECK (scope IN ('service', 'stack', 'all')),"
	"  stack          TEXT,"
	"  target         TEXT NOT NULL,"
	"  trigger_source TEXT NOT NULL,"
	"  trigger_params TEXT NOT NULL DEFAULT '{}',"
	"  dry_run        INTEGER NOT NULL CHECK (dry_run IN (0, 1)),"
	"  state          TEXT NOT NULL CHECK (state IN ('queued', 'running',"
	"                 'succeeded', 'rolled_back', 'failed',"
	"                 'rollback_failed')),"
	"  summary        TEXT,"
	"  owner          TEXT,"
	"  created_at     INTEGER NOT NULL,"
	"  started_at     INTEGER,"
	"  finished_at    INTEGER,"
	"  updated_at     INTEGER NOT NULL,"
	"  log_lines      INTEGER NOT NULL DEFAULT 0,"
	"  log_bytes      INTEGER NOT NULL DEFAULT 0,"
	"  log_dropped_lines INTEGER NOT NULL DEFAULT 0,"
	"  log_dropped_bytes INTEGER NOT NULL DEFAULT 0,"
	"  log_truncated  INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX jobs_state ON jobs (state, id);"
	"CREATE INDEX jobs_stack ON jobs (stack, id);"
	"CREATE TRIGGER jobs_frozen BEFORE UPDATE ON jobs"
	"  WHEN OLD.state NOT IN ('queued', 'running')"
	"  BEGIN SELECT RAISE(ABORT, 'job is finished'); END;"
	""
	"CREATE TABLE job_steps ("
	"  id         INTEGER PRIMARY KEY,"
	"  job_id     INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
	"  seq        INTEGER NOT NULL,"
	"  name       TEXT NOT NULL,"
	"  detail     TEXT NOT NULL DEFAULT '{}',"
	"  status     TEXT NOT NULL"
	"             CHECK (status IN ('intent', 'done', 'failed')),"
	"  outcome    TEXT,"
	"  error      TEXT,"
	"  started_at INTEGER NOT NULL,"
	"  ended_at   INTEGER,"
	"  UNIQUE (job_id, seq)"
	");"
	"CREATE TRIGGER job_steps_frozen_ins BEFORE INSERT ON job_steps"
	"  WHEN (SELECT state FROM jobs WHERE id = NEW.job_id)"
	"    NOT IN ('queued', 'running')"
	"  BEGIN SELECT RAISE(ABORT, 'job is finished'); END;"
	"CREATE TRIGGER job_steps_frozen_upd BEFORE UPDATE ON job_steps"
	"  WHEN (SELECT state FROM jobs WHERE id = OLD.job_id)"
	"    NOT IN ('queued', 'running')"
	"  BEGIN SELECT RAISE(ABORT, 'job is finished'); END;"
	""
	"CREATE TABLE job_targets ("
	"  id           INTEGER PRIMARY KEY,"
	"  job_id       INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
	"  stack        TEXT NOT NULL DEFAULT '',"
	"  service      TEXT NOT NULL,"
	"  swap         TEXT NOT NULL"
	"               CHECK (swap IN ('compose', 'recreate', 'swarm')),"
	"  image        TEXT,"
	"  old_image_id TEXT,"
	"  old_digest   TEXT,"
	"  new_digest   TEXT,"
	"  old_tag      TEXT,"
	"  new_tag      TEXT,"
	"  result       TEXT NOT NULL DEFAULT 'pending' CHECK (result IN"
	"               ('pending', 'updated', 'unchanged', 'rolled_back',"
	"               'failed', 'rollback_failed', 'skipped')),"
	"  error        TEXT,"
	"  updated_at   INTEGER NOT NULL,"
	"  UNIQUE (job_id, stack, service)"
	");"
	"CREATE INDEX job_targets_stack ON job_targets (stack, job_id);"
	"CREATE TRIGGER job_targets_frozen_ins BEFORE INSERT ON job_targets"
	"  WHEN (SELECT state FROM jobs WHERE id = NEW.job_id)"
	"    NOT IN ('queued', 'running')"
	"  BEGIN SELECT RAISE(ABORT, 'job is finished'); END;"
	"CREATE TRIGGER job_targets_frozen_upd BEFORE UPDATE ON job_targets"
	"  WHEN (SELECT state FROM jobs WHERE id = OLD.job_id)"
	"    NOT IN ('queued', 'running')"
	"  BEGIN SELECT RAISE(ABORT, 'job is finished'); END;"
	""
	"CREATE TABLE job_logs ("
	"  id      INTEGER PRIMARY KEY,"
	"  job_id  INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
	"  ts      INTEGER NOT NULL,"
	"  stream  TEXT NOT NULL"
	"          CHECK (stream IN ('stdout', 'stderr', 'dockrev')),"
	"  line    TEXT NOT NULL,"
	"  clipped INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX job_logs_job ON job_logs (job_id, id);"
	"CREATE TRIGGER job_logs_frozen BEFORE INSERT ON job_logs"
	"  WHEN (SELECT state FROM jobs WHERE id = NEW.job_id)"
	"    NOT IN ('queued', 'running')"
	"  BEGIN SELECT RAISE(ABORT, 'job is finished'); END;"
	""
	"CREATE TABLE stack_locks ("
	"  stack       TEXT PRIMARY KEY,"
	"  job_id      INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
	"  acquired_at INTEGER NOT NULL"
	");"
	"CREATE INDEX stack_locks_job ON stack_locks (job_id);"
	""
	"CREATE TABLE audit ("
	"  id             INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  ts             INTEGER NOT NULL,"
	"  actor          TEXT NOT NULL,"
	"  trigger_source TEXT NOT NULL,"
	"  origin         TEXT,"
	"  action         TEXT NOT NULL,"
	"  target         TEXT,"
	"  params         TEXT NOT NULL DEFAULT '{}',"
	"  result         TEXT NOT NULL"
	"                 CHECK (result IN ('ok', 'failed', 'denied')),"
	"  summary        TEXT,"
	"  job_id         INTEGER"
	");"
	"CREATE INDEX audit_ts ON audit (ts, id);"
	""
	"CREATE TABLE stacks ("
	"  id          INTEGER PRIMARY KEY,"
	"  name        TEXT NOT NULL UNIQUE,"
	"  project     TEXT NOT NULL,"
	"  env_file    TEXT,"
	"  working_dir TEXT,"
	"  source      TEXT NOT NULL"
	"              CHECK (source IN ('registered', 'discovered')),"
	"  created_at  INTEGER NOT NULL,"
	"  updated_at  INTEGER NOT NULL"
	");"
	"CREATE TABLE stack_files ("
	"  stack_id INTEGER NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,"
	"  position INTEGER NOT NULL,"
	"  path     TEXT NOT NULL,"
	"  PRIMARY KEY (stack_id, position)"
	");"
	"CREATE TABLE services ("
	"  id         INTEGER PRIMARY KEY,"
	"  stack_id   INTEGER NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,"
	"  name       TEXT NOT NULL,"
	"  image      TEXT,"
	"  updated_at INTEGER NOT NULL,"
	"  UNIQUE (stack_id, name)"
	");" },
	{ "catalog: ignore rules, service settings, last check snapshot",
	"CREATE TABLE ignore_rules ("
	"  id         INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  stack      TEXT NOT NULL,"
	"  service    TEXT NOT NULL,"
	"  kind       TEXT NOT NULL"
	"             CHECK (kind IN ('exact', 'prefix', 'regex', 'semver')),"
	"  value      TEXT NOT NULL,"
	"  reason     TEXT,"
	"  enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	");"
	"CREATE INDEX ignore_rules_svc ON ignore_rules (stack, service, id);"
	"CREATE TABLE service_settings ("
	"  stack               TEXT NOT NULL,"
	"  service             TEXT NOT NULL,"
	"  auto_rollback       INTEGER CHECK (auto_rollback IN (0, 1)),"
	"  health_deadline_s   INTEGER"
	"                      CHECK (health_deadline_s BETWEEN 1 AND 3600),"
	"  settle_s            INTEGER CHECK (settle_s BETWEEN 0 AND 600),"
	"  allow_arch_mismatch INTEGER CHECK (allow_arch_mismatch IN (0, 1)),"
	"  updated_at          INTEGER NOT NULL,"
	"  PRIMARY KEY (stack, service)"
	");"
	"CREATE TABLE catalog_snapshot ("
	"  id         INTEGER PRIMARY KEY CHECK (id = 1),"
	"  checked_at INTEGER NOT NULL,"
	"  doc        TEXT NOT NULL"
	");" },
	{ "daemon: system settings, webhooks and their seen deliveries",
	"CREATE TABLE settings ("
	"  key        TEXT PRIMARY KEY,"
	"  value      TEXT NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	");"
	"CREATE TABLE webhooks ("
	"  id         INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name       TEXT NOT NULL,"
	"  action     TEXT NOT NULL CHECK (action IN ('check', 'update')),"
	"  scope      TEXT NOT NULL"
	"             CHECK (scope IN ('service', 'stack', 'all')),"
	"  target     TEXT,"
	"  auth       TEXT NOT NULL CHECK (auth IN ('hmac', 'token')),"
	"  secret     BLOB,"
	"  token_hash TEXT UNIQUE,"
	"  created_at INTEGER NOT NULL,"
	"  last_delivery_at INTEGER"
	");"
	"CREATE TABLE webhook_deliveries ("
	"  hook_id    INTEGER NOT NULL REFERENCES webhooks (id)"
	"             ON DELETE CASCADE,"
	"  delivery   TEXT NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  PRIMARY KEY (hook_id, delivery)"
	");" },
};

#define STORE_NMIGRATIONS \
	((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

/* SQLite primary result codes and what they mean to a caller. */
static const struct {
	int		 rc;
	enum dr_err	 err;
} store_rc_map[] = {
	{ SQLITE_BUSY,		DR_ETIMEOUT },
	{ SQLITE_LOCKED,	DR_ETIMEOUT },
	{ SQLITE_CONSTRAINT,	DR_ECONFLICT },
	{ SQLITE_TOOBIG,	DR_ETOOBIG },
	{ SQLITE_IOERR,		DR_EIO },
	{ SQLITE_FULL,		DR_EIO },
	{ SQLITE_CANTOPEN,	DR_EIO },
	{ SQLITE_READONLY,	DR_EIO },
	{ SQLITE_PERM,		DR_EIO },
	{ SQLITE_CORRUPT,	DR_EIO },
	{ SQLITE_NOTADB,	DR_EIO },
	{ SQLITE_PROTOCOL,	DR_EIO },
};

static const char *const store_trigger_names[STORE_TRIGGER_COUNT] = {
	[STORE_TRIGGER_CLI] = "cli",
	[STORE_TRIGGER_API] = "api",
	[STORE_TRIGGER_WEBHOOK] = "webhook",
	[STORE_TRIGGER_SCHEDULE] = "schedule",
	[STORE_TRIGGER_GITOPS] = "gitops",
	[STORE_TRIGGER_RECOVERY] = "recovery",
};

static int64_t
store_mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
store_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *
store_trigger_name(enum store_trigger t)
{
	if ((unsigned)t >= STORE_TRIGGER_COUNT)
		return "unknown";
	return store_trigger_names[t];
}

bool
store_trigger_parse(const char *s, enum store_trigger *ret)
{
	int	i = store_name_find(store_trigger_names, STORE_TRIGGER_COUNT, s);

	if (i < 0)
		return false;
	*ret = (enum store_trigger)i;
	return true;
}

int
store_name_find(const char *const *names, int n, const char *s)
{
	int	i;

	if (s == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(names[i], s) == 0)
			return i;
	return -1;
}

const char *
store_default_dir(void)
{
	const char	*d = getenv("DOCKREV_STATE_DIR");

	return d != NULL && *d != '\0' ? d : STORE_DEFAULT_DIR;
}

/* mkdir -p with mode 0700 for what it creates. */
static enum dr_err
store_mkdirs(const char *dir, struct dr_error *reterr)
{
	struct stat	 sb;
	char		*p = xstrdup(dir), *q;
	enum dr_err	 err = DR_OK;

	for (q = p + 1; ; q++) {
		if (*q != '/' && *q != '\0')
			continue;
		if (q[-1] != '/') {
			char	c = *q;

			*q = '\0';
			if (mkdir(p, 0700) == -1 && errno != EEXIST) {
				err = dr_fail(reterr, DR_EIO, "mkdir %s: %s",
				    p, strerror(errno));
				goto out;
			}
			*q = c;
		}
		if (*q == '\0')
			break;
	}
	if (stat(dir, &sb) == -1) {
		err = dr_fail(reterr, DR_EIO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if (!S_ISDIR(sb.st_mode))
		err = dr_fail(reterr, DR_EIO, "%s: not a directory", dir);
out:
	free(p);
	return err;
}

enum dr_err
store_default_path(char **ret_path, struct dr_error *reterr)
{
	const char	*dir = store_default_dir();
	enum dr_err	 err;
	size_t		 n = strlen(dir);

	*ret_path = NULL;
	if ((err = store_mkdirs(dir, reterr)) != DR_OK)
		return err;
	while (n > 1 && dir[n - 1] == '/')
		n--;
	*ret_path = xasprintf("%.*s%s%s", (int)n, dir,
	    dir[n - 1] == '/' ? "" : "/", STORE_FILE_NAME);
	return DR_OK;
}

enum dr_err
store_fail(struct store *s, int rc, struct dr_error *reterr)
{
	size_t	i;

	for (i = 0; i < sizeof(store_rc_map) / sizeof(store_rc_map[0]); i++)
		if (store_rc_map[i].rc == (rc & 0xff))
			break;
	if (i == sizeof(store_rc_map) / sizeof(store_rc_map[0]))
		return dr_fail(reterr, DR_EINTERNAL, "sqlite: %s",
		    sqlite3_errmsg(s->db));
	if (store_rc_map[i].err == DR_ETIMEOUT)
		return dr_fail(reterr, DR_ETIMEOUT, "database busy for more "
		    "than %d ms: %s", s->busy_ms, sqlite3_errmsg(s->db));
	return dr_fail(reterr, store_rc_map[i].err, "sqlite: %s",
	    sqlite3_errmsg(s->db));
}

int
store_step(struct store *s, sqlite3_stmt *st)
{
	int64_t		 deadline = store_mono_ms() + s->busy_ms;
	struct timespec	 nap = { 0, 2 * 1000 * 1000 };
	int		 rc;

	for (;;) {
		rc = sqlite3_step(st);
		if ((rc & 0xff) != SQLITE_BUSY)
			return rc;
		/*
		 * The busy handler already waited where it could.  SQLite
		 * allows a retry of a read, of BEGIN/COMMIT, or of anything
		 * outside an explicit transaction; a write inside one must
		 * roll back instead.
		 */
		if (!sqlite3_get_autocommit(s->db) &&
		    !sqlite3_stmt_readonly(st))
			return rc;
		if (store_mono_ms() >= deadline)
			return rc;
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 32 * 1000 * 1000)
			nap.tv_nsec *= 2;
	}
}

enum dr_err
store_prepare(struct store *s, const char *sql, sqlite3_stmt **ret,
    struct dr_error *reterr)
{
	sqlite3_stmt	*st = NULL;
	size_t		 i;
	int		 rc;

	*ret = NULL;
	for (i = 0; i < s->nstmts; i++) {
		if (s->stmts[i].sql == sql) {
			sqlite3_reset(s->stmts[i].st);
			sqlite3_clear_bindings(s->stmts[i].st);
			*ret = s->stmts[i].st;
			return DR_OK;
		}
	}
	rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, reterr);
	s->stmts = xreallocarray(s->stmts, s->nstmts + 1, sizeof(*s->stmts));
	s->stmts[s->nstmts].sql = sql;
	s->stmts[s->nstmts].st = st;
	s->nstmts++;
	*ret = st;
	return DR_OK;
}

void
store_done(sqlite3_stmt *st)
{
	/* The step's error was already reported; this only releases. */
	sqlite3_reset(st);
}

enum dr_err
store_exec(struct store *s, sqlite3_stmt *st, struct dr_error *reterr)
{
	enum dr_err	err = DR_OK;
	int		rc;

	while ((rc = store_step(s, st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		err = store_fail(s, rc, reterr);
	store_done(st);
	return err;
}

int64_t
store_last_insert_id(struct store *s)
{
	return sqlite3_last_insert_rowid(s->db);
}

int64_t
store_changes(struct store *s)
{
	return sqlite3_changes64(s->db);
}

void
store_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, idx);
	else
		sqlite3_bind_text(st, idx, s, (int)strlen(s), SQLITE_STATIC);
}

char *
store_column_text(sqlite3_stmt *st, int col)
{
	const unsigned char	*p;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	p = sqlite3_column_text(st, col);
	return xstrndup(p ? (const char *)p : "",
	    (size_t)sqlite3_column_bytes(st, col));
}

enum dr_err
store_check_text(const char *field, const char *s, bool required,
    struct dr_error *reterr)
{
	size_t	n;

	if (s == NULL) {
		if (required)
			return dr_fail(reterr, DR_EINVAL, "%s is required",
			    field);
		return DR_OK;
	}
	n = strnlen(s, STORE_TEXT_MAX + 1);
	if (n > STORE_TEXT_MAX)
		return dr_fail(reterr, DR_ETOOBIG, "%s is longer than %d bytes",
		    field, STORE_TEXT_MAX);
	if (required && n == 0)
		return dr_fail(reterr, DR_EINVAL, "%s is empty", field);
	return DR_OK;
}

enum dr_err
store_check_json(const char *field, const char *s, struct dr_error *reterr)
{
	json_error_t	 jerr;
	json_t		*j;
	size_t		 n;
	bool		 object;

	if (s == NULL)
		return DR_OK;
	n = strnlen(s, STORE_JSON_MAX + 1);
	if (n > STORE_JSON_MAX)
		return dr_fail(reterr, DR_ETOOBIG, "%s is longer than %d bytes",
		    field, STORE_JSON_MAX);
	if ((j = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return dr_fail(reterr, DR_EINVAL, "%s is not JSON: line %d: "
		    "%s", field, jerr.line, jerr.text);
	object = json_is_object(j);
	json_decref(j);
	if (!object)
		return dr_fail(reterr, DR_EINVAL, "%s is not a JSON object",
		    field);
	return DR_OK;
}

/* PRAGMA synchronous, FULL (the default) or NORMAL; outside a
 * transaction only. */
static void
store_set_sync(struct store *s, bool full)
{
	sqlite3_exec(s->db, full ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
}

/* After the outermost transaction ends: back to synced commits. */
static void
store_tx_closed(struct store *s)
{
	if (s->tx_depth == 0 && s->tx_lazy) {
		s->tx_lazy = false;
		store_set_sync(s, true);
	}
}

static enum dr_err
store_tx_open(struct store *s, bool write, bool lazy,
    struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	const char	*sql;
	enum dr_err	 err;

	if (s->tx_depth > 0 && write && s->tx_read)
		return dr_fail(reterr, DR_EINTERNAL, "write inside a read "
		    "transaction");
	if (s->tx_depth > 0)
		sql = "SAVEPOINT store";
	else if (write)
		sql = "BEGIN IMMEDIATE";
	else
		sql = "BEGIN";
	if (s->tx_depth == 0 && lazy) {
		s->tx_lazy = true;
		store_set_sync(s, false);
	}
	if ((err = store_prepare(s, sql, &st, reterr)) != DR_OK ||
	    (err = store_exec(s, st, reterr)) != DR_OK) {
		store_tx_closed(s);
		return err;
	}
	if (s->tx_depth++ == 0)
		s->tx_read = !write;
	return DR_OK;
}

enum dr_err
store_tx_begin(struct store *s, struct dr_error *reterr)
{
	return store_tx_open(s, true, false, reterr);
}

enum dr_err
store_tx_begin_lazy(struct store *s, struct dr_error *reterr)
{
	return store_tx_open(s, true, true, reterr);
}

enum dr_err
store_tx_begin_read(struct store *s, struct dr_error *reterr)
{
	return store_tx_open(s, false, false, reterr);
}

void
store_tx_rollback(struct store *s)
{
	sqlite3_stmt	*st;

	if (s->tx_depth == 0)
		return;
	s->tx_depth--;
	/* SQLite may already have rolled back after an I/O error. */
	if (sqlite3_get_autocommit(s->db)) {
		store_tx_closed(s);
		return;
	}
	if (s->tx_depth == 0) {
		if (store_prepare(s, "ROLLBACK", &st, NULL) == DR_OK)
			store_exec(s, st, NULL);
		store_tx_closed(s);
		return;
	}
	if (store_prepare(s, "ROLLBACK TO store", &st, NULL) == DR_OK)
		store_exec(s, st, NULL);
	if (store_prepare(s, "RELEASE store", &st, NULL) == DR_OK)
		store_exec(s, st, NULL);
}

enum dr_err
store_tx_commit(struct store *s, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;

	if (s->tx_depth == 0)
		return dr_fail(reterr, DR_EINTERNAL, "commit without a "
		    "transaction");
	if (sqlite3_get_autocommit(s->db)) {
		s->tx_depth--;
		store_tx_closed(s);
		return dr_fail(reterr, DR_EIO, "the transaction was rolled "
		    "back by an earlier error");
	}
	err = store_prepare(s, s->tx_depth == 1 ? "COMMIT" : "RELEASE store",
	    &st, reterr);
	if (err == DR_OK)
		err = store_exec(s, st, reterr);
	if (err != DR_OK) {
		store_tx_rollback(s);
		return err;
	}
	s->tx_depth--;
	store_tx_closed(s);
	return DR_OK;
}

enum dr_err
store_tx_end(struct store *s, enum dr_err err, struct dr_error *reterr)
{
	if (err == DR_OK)
		return store_tx_commit(s, reterr);
	store_tx_rollback(s);
	return err;
}

int
store_schema_latest(void)
{
	return STORE_NMIGRATIONS;
}

enum dr_err
store_schema_version(struct store *s, int *ret, struct dr_error *reterr)
{
	sqlite3_stmt	*st;
	enum dr_err	 err;
	int		 rc;

	*ret = 0;
	if ((err = store_prepare(s, "PRAGMA user_version", &st, reterr)) !=
	    DR_OK)
		return err;
	if ((rc = store_step(s, st)) == SQLITE_ROW)
		*ret = sqlite3_column_int(st, 0);
	else
		err = store_fail(s, rc, reterr);
	store_done(st);
	return err;
}

static enum dr_err
store_migrate(struct store *s, struct dr_error *reterr)
{
	enum dr_err	 err;
	char		*sql = NULL;
	int		 v, rc;

	if ((err = store_tx_begin(s, reterr)) != DR_OK)
		return err;
	/* Read under the write lock: another process may just have
	 * migrated. */
	if ((err = store_schema_version(s, &v, reterr)) != DR_OK)
		goto out;
	if (v > STORE_NMIGRATIONS) {
		err = dr_fail(reterr, DR_EUNSUPPORTED, "database schema %d is "
		    "newer than this dockrev's (%d)", v, STORE_NMIGRATIONS);
		goto out;
	}
	for (; v < STORE_NMIGRATIONS; v++) {
		rc = sqlite3_exec(s->db, store_migrations[v].sql, NULL, NULL,
		    NULL);
		if (rc != SQLITE_OK) {
			err = store_fail(s, rc, reterr);
			goto out;
		}
		/* PRAGMA takes no parameters; v + 1 comes from our table. */
		free(sql);
		sql = xasprintf("PRAGMA user_version = %d", v + 1);
		if ((rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL)) !=
		    SQLITE_OK) {
			err = store_fail(s, rc, reterr);
			goto out;
		}
	}
out:
	free(sql);
	return store_tx_end(s, err, reterr);
}

static enum dr_err
store_pragmas(struct store *s, const char *path, struct dr_error *reterr)
{
	sqlite3_stmt		*st = NULL;
	const unsigned char	*mode;
	enum dr_err		 err = DR_OK;
	int			 rc;

	rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st,
	    NULL);
	if (rc != SQLITE_OK) {
		err = store_fail(s, rc, reterr);
		goto out;
	}
	if ((rc = store_step(s, st)) != SQLITE_ROW) {
		err = store_fail(s, rc, reterr);
		goto out;
	}
	mode = sqlite3_column_text(st, 0);
	if (mode == NULL || strcmp((const char *)mode, "wal") != 0) {
		err = dr_fail(reterr, DR_EIO, "%s: cannot use WAL (journal "
		    "mode %s)", path, mode ? (const char *)mode : "unknown");
		goto out;
	}
	/* FULL: a committed journal step survives a power loss too. */
	rc = sqlite3_exec(s->db, "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA trusted_schema = OFF", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		err = store_fail(s, rc, reterr);
		goto out;
	}
	/*
	 * A CLI run closes its handle within milliseconds of its last
	 * commit: checkpointing the WAL into the database there costs two
	 * fdatasync and an unlink (10-40 ms on this project's machine), at
	 * every exit.  The WAL stays committed and durable; the next writer
	 * past 1000 pages, or the daemon, checkpoints it.  The price is on
	 * the next first opener, which rebuilds the WAL index by reading the
	 * WAL (page-cache reads and checksums: ~1.3 ms per 100 pages here).
	 */
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
out:
	sqlite3_finalize(st);
	return err;
}

enum dr_err
store_open(const char *path, struct store **ret, struct dr_error *reterr)
{
	struct store	*s = NULL;
	enum dr_err	 err;
	int		 fd, rc;

	*ret = NULL;
	if (path == NULL || *path == '\0')
		return dr_fail(reterr, DR_EINVAL, "empty database path");
	/*
	 * Create the file ourselves so it is 0600 (SQLite would make it
	 * 0644, and its -wal and -shm files copy the database's mode).
	 * Only when it does not exist: close() on any descriptor of the
	 * file drops every POSIX lock this process holds on it, those of
	 * the other connections too (the daemon opens one per thread), and
	 * another process closing its connection would then believe it was
	 * the last one and delete the -wal and -shm files under them.
	 */
	if ((fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) !=
	    -1)
		close(fd);
	else if (errno != EEXIST)
		return dr_fail(reterr, DR_EIO, "%s: %s", path,
		    strerror(errno));
	s = xcalloc(1, sizeof(*s));
	s->busy_ms = STORE_BUSY_TIMEOUT_MS;
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
	    NULL);
	if (rc != SQLITE_OK) {
		err = dr_fail(reterr, DR_EIO, "%s: %s", path, s->db ?
		    sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		goto out;
	}
	sqlite3_busy_timeout(s->db, s->busy_ms);
	if ((err = store_pragmas(s, path, reterr)) != DR_OK ||
	    (err = store_migrate(s, reterr)) != DR_OK)
		goto out;
	*ret = s;
	s = NULL;
out:
	store_close(s);
	return err;
}

void
store_close(struct store *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nstmts; i++)
		sqlite3_finalize(s->stmts[i].st);
	free(s->stmts);
	/* v2: closes even if something was left unfinalized. */
	sqlite3_close_v2(s->db);
	free(s);
}

struct store_ckpt {
	pthread_t	 thread;
	char		*path;
};

static void *
store_ckpt_main(void *arg)
{
	struct store_ckpt	*c = arg;
	sqlite3			*db = NULL;

	if (sqlite3_open_v2(c->path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
		sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
		    NULL);
		/* Best effort: a busy or failed checkpoint leaves the WAL as
		 * it is, which is always correct. */
		/* A read first: a fresh connection learns the journal mode
		 * (and opens the WAL) only when it reads the database. */
		if (sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema",
		    NULL, NULL, NULL) == SQLITE_OK)
			(void)sqlite3_wal_checkpoint_v2(db, NULL,
			    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	}
	sqlite3_close_v2(db);
	return NULL;
}

struct store_ckpt *
store_ckpt_start(struct store *s)
{
	struct store_ckpt	*c;
	struct stat		 st;
	const char		*path;
	char			*wal;
	sigset_t		 all, old;
	int			 rc;

	if (s == NULL || (path = sqlite3_db_filename(s->db, "main")) == NULL ||
	    *path == '\0')
		return NULL;
	wal = xasprintf("%s-wal", path);
	rc = stat(wal, &st);
	free(wal);
	if (rc != 0 || st.st_size < STORE_CKPT_MIN_BYTES)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->path = xstrdup(path);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&c->thread, NULL, store_ckpt_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		free(c->path);
		free(c);
		return NULL;
	}
	return c;
}

void
store_ckpt_join(struct store_ckpt *c)
{
	if (c == NULL)
		return;
	pthread_join(c->thread, NULL);
	free(c->path);
	free(c);
}

void
store_set_busy_timeout(struct store *s, int ms)
{
	s->busy_ms = ms > 0 ? ms : 0;
	sqlite3_busy_timeout(s->db, s->busy_ms);
}
