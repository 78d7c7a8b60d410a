/*
 * test-store: opening the state file, migrations from empty and on reopen,
 * the state directory, transactions and savepoints, SQLITE_BUSY between
 * two connections and two processes, concurrent first opens, and a
 * process dying inside a transaction.  Runs in a temporary directory.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "store-job.h"
#include "store.h"
#include "xmalloc.h"

static char	tmpdir[] = "/tmp/test-store.XXXXXX";

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *
db_path(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

/* Runs one SQL text on a raw connection; returns the SQLite code. */
static int
raw_exec(const char *path, const char *sql)
{
	sqlite3	*db;
	int	 rc;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return SQLITE_CANTOPEN;
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* The integer answer of a one-value query on a raw connection, or -1. */
static long long
raw_int(const char *path, const char *sql)
{
	sqlite3_stmt	*st;
	sqlite3		*db;
	long long	 v = -1;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

static int64_t
new_job(struct store *s, const char *stack)
{
	struct store_job_spec	spec = {
		.kind = STORE_JOB_UPDATE,
		.scope = STORE_SCOPE_STACK,
		.stack = stack,
		.target = stack,
		.trigger = STORE_TRIGGER_CLI,
	};
	int64_t			id = 0;

	if (store_job_create(s, &spec, &id, NULL) != DR_OK)
		return 0;
	return id;
}

static bool
job_exists(struct store *s, int64_t id)
{
	struct store_job	*j = NULL;
	enum dr_err		 err = store_job_get(s, id, &j, NULL);

	store_job_free(j);
	return err == DR_OK;
}

static void
test_default_path(void)
{
	struct dr_error	 e;
	struct stat	 sb;
	char		*dir, *p = NULL, *file;

	unsetenv("DOCKREV_STATE_DIR");
	CHECK_STREQ(store_default_dir(), "/var/lib/dockrev");
	setenv("DOCKREV_STATE_DIR", "", 1);
	CHECK_STREQ(store_default_dir(), "/var/lib/dockrev");

	dir = xasprintf("%s/state/a/b", tmpdir);
	setenv("DOCKREV_STATE_DIR", dir, 1);
	CHECK_STREQ(store_default_dir(), dir);
	CHECK_INTEQ(store_default_path(&p, &e), DR_OK);
	file = xasprintf("%s/dockrev.db", dir);
	CHECK_STREQ(p, file);
	CHECK(stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode));
	CHECK_INTEQ(sb.st_mode & 07777, 0700);
	free(p);
	/* Again: the directory exists, fine. */
	CHECK_INTEQ(store_default_path(&p, &e), DR_OK);
	free(p);
	free(file);
	free(dir);

	/* Trailing slash and a path that is a file. */
	dir = xasprintf("%s/state/c/", tmpdir);
	setenv("DOCKREV_STATE_DIR", dir, 1);
	CHECK_INTEQ(store_default_path(&p, &e), DR_OK);
	CHECK(p != NULL && strstr(p, "/state/c/dockrev.db") != NULL);
	CHECK(p != NULL && strstr(p, "//") == NULL);
	free(p);
	free(dir);
	dir = xasprintf("%s/state/file", tmpdir);
	close(open(dir, O_CREAT | O_WRONLY, 0600));
	setenv("DOCKREV_STATE_DIR", dir, 1);
	CHECK_INTEQ(store_default_path(&p, &e), DR_EIO);
	CHECK(p == NULL);
	free(dir);
	unsetenv("DOCKREV_STATE_DIR");
}

static void
test_open_migrate(void)
{
	struct store	*s = NULL;
	struct dr_error	 e;
	struct stat	 sb;
	char		*path = db_path("fresh.db");
	int64_t		 id;
	int		 v = -1;

	CHECK(store_schema_latest() >= 1);
	CHECK_INTEQ(store_open(path, &s, &e), DR_OK);
	CHECK(s != NULL);
	CHECK_INTEQ(store_schema_version(s, &v, &e), DR_OK);
	CHECK_INTEQ(v, store_schema_latest());
	CHECK(stat(path, &sb) == 0);
	CHECK_INTEQ(sb.st_mode & 0777, 0600);
	CHECK((id = new_job(s, "web")) > 0);
	store_close(s);

	/* The file is WAL, every table is there. */
	CHECK_INTEQ(raw_int(path, "PRAGMA user_version"),
	    store_schema_latest());
	{
		sqlite3		*db;
		sqlite3_stmt	*st;
		const char	*mode = NULL;

		CHECK(sqlite3_open(path, &db) == SQLITE_OK);
		CHECK(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st,
		    NULL) == SQLITE_OK);
		if (sqlite3_step(st) == SQLITE_ROW)
			mode = (const char *)sqlite3_column_text(st, 0);
		CHECK_STREQ(mode, "wal");
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	CHECK_INTEQ(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name IN ('jobs', 'job_steps', 'job_targets', "
	    "'job_logs', 'stack_locks', 'audit', 'stacks', 'stack_files', "
	    "'services')"), 9);
	CHECK_INTEQ(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'trigger'"), 6);

	/* Reopening migrates nothing and keeps the data. */
	CHECK_INTEQ(store_open(path, &s, &e), DR_OK);
	CHECK_INTEQ(store_schema_version(s, &v, &e), DR_OK);
	CHECK_INTEQ(v, store_schema_latest());
	CHECK(job_exists(s, id));
	store_close(s);
	CHECK_INTEQ(raw_int(path, "SELECT count(*) FROM jobs"), 1);

	/* A schema from a newer dockrev is refused, untouched. */
	CHECK_INTEQ(raw_exec(path, "PRAGMA user_version = 999"), SQLITE_OK);
	s = (struct store *)1;
	CHECK_INTEQ(store_open(path, &s, &e), DR_EUNSUPPORTED);
	CHECK(s == NULL);
	CHECK(strstr(e.msg, "999") != NULL);
	CHECK_INTEQ(raw_int(path, "PRAGMA user_version"), 999);
	free(path);

	/* A version 0 file that already has unrelated tables. */
	path = db_path("v0.db");
	CHECK_INTEQ(raw_exec(path, "CREATE TABLE other (x)"), SQLITE_OK);
	CHECK_INTEQ(store_open(path, &s, &e), DR_OK);
	store_close(s);
	CHECK_INTEQ(raw_int(path, "PRAGMA user_version"),
	    store_schema_latest());
	free(path);
	store_close(NULL);
}

static void
test_open_errors(void)
{
	struct store	*s = NULL;
	struct dr_error	 e;
	char		*path;
	int		 fd;

	CHECK_INTEQ(store_open("", &s, &e), DR_EINVAL);
	CHECK_INTEQ(store_open(NULL, &s, &e), DR_EINVAL);
	path = xasprintf("%s/no/such/dir/x.db", tmpdir);
	CHECK_INTEQ(store_open(path, &s, &e), DR_EIO);
	CHECK(s == NULL);
	free(path);

	path = db_path("garbage.db");
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	CHECK(write(fd, "this is not an sqlite database, not at all....."
	    "................................................", 96) == 96);
	close(fd);
	CHECK_INTEQ(store_open(path, &s, &e), DR_EIO);
	CHECK(s == NULL);
	free(path);
}

/* The connection's PRAGMA synchronous. */
static int
sync_mode(struct store *s)
{
	sqlite3_stmt	*st;
	int		 v = -1;

	if (store_prepare(s, "PRAGMA synchronous", &st, NULL) == DR_OK) {
		if (store_step(s, st) == SQLITE_ROW)
			v = sqlite3_column_int(st, 0);
		store_done(st);
	}
	return v;
}

static void
test_transactions(void)
{
	struct store	*s = NULL;
	struct dr_error	 e;
	char		*path = db_path("tx.db");
	int64_t		 a, b, c;

	CHECK_INTEQ(store_open(path, &s, &e), DR_OK);

	/* Rolled back: gone. */
	CHECK_INTEQ(store_tx_begin(s, &e), DR_OK);
	CHECK((a = new_job(s, "a")) > 0);
	store_tx_rollback(s);
	CHECK(!job_exists(s, a));

	/* Committed: there, and store_tx_end commits on DR_OK. */
	CHECK_INTEQ(store_tx_begin(s, &e), DR_OK);
	CHECK((a = new_job(s, "a")) > 0);
	CHECK_INTEQ(store_tx_end(s, DR_OK, &e), DR_OK);
	CHECK(job_exists(s, a));

	/* A savepoint rolled back inside a committed transaction. */
	CHECK_INTEQ(store_tx_begin(s, &e), DR_OK);
	CHECK((b = new_job(s, "b")) > 0);
	CHECK_INTEQ(store_tx_begin(s, &e), DR_OK);
	CHECK((c = new_job(s, "c")) > 0);
	CHECK_INTEQ(store_tx_end(s, DR_ECONFLICT, &e), DR_ECONFLICT);
	CHECK_INTEQ(store_tx_commit(s, &e), DR_OK);
	CHECK(job_exists(s, b));
	CHECK(!job_exists(s, c));

	/* A failing store call inside a caller's transaction undoes only
	 * itself. */
	CHECK_INTEQ(store_tx_begin(s, &e), DR_OK);
	CHECK_INTEQ(store_job_set_state(s, a, STORE_JOB_SUCCEEDED, NULL, &e),
	    DR_ECONFLICT);
	CHECK_INTEQ(store_job_set_state(s, a, STORE_JOB_RUNNING, NULL, &e),
	    DR_OK);
	CHECK_INTEQ(store_tx_commit(s, &e), DR_OK);

	CHECK_INTEQ(store_tx_commit(s, &e), DR_EINTERNAL);
	store_tx_rollback(s);	/* nothing open: a no-op */

	/* Lazy: NORMAL inside (2 is FULL, 1 NORMAL), FULL again after a
	 * commit or a rollback; inside a synced transaction it changes
	 * nothing; what it commits is there. */
	CHECK_INTEQ(sync_mode(s), 2);
	CHECK_INTEQ(store_tx_begin_lazy(s, &e), DR_OK);
	CHECK_INTEQ(sync_mode(s), 1);
	CHECK((b = new_job(s, "lazy")) > 0);
	CHECK_INTEQ(store_tx_commit(s, &e), DR_OK);
	CHECK_INTEQ(sync_mode(s), 2);
	CHECK(job_exists(s, b));
	CHECK_INTEQ(store_tx_begin_lazy(s, &e), DR_OK);
	CHECK((c = new_job(s, "lazy-rolled-back")) > 0);
	store_tx_rollback(s);
	CHECK(!job_exists(s, c));
	CHECK_INTEQ(sync_mode(s), 2);
	CHECK_INTEQ(store_tx_begin(s, &e), DR_OK);
	CHECK_INTEQ(store_tx_begin_lazy(s, &e), DR_OK);
	CHECK_INTEQ(sync_mode(s), 2);
	CHECK_INTEQ(store_tx_commit(s, &e), DR_OK);
	CHECK_INTEQ(store_tx_commit(s, &e), DR_OK);
	CHECK_INTEQ(sync_mode(s), 2);
	store_close(s);
	CHECK_INTEQ(store_open(path, &s, &e), DR_OK);
	CHECK(job_exists(s, b));
	store_close(s);

	/* Closing with a transaction open rolls it back. */
	CHECK_INTEQ(store_open(path, &s, &e), DR_OK);
	CHECK_INTEQ(store_tx_begin(s, &e), DR_OK);
	CHECK((c = new_job(s, "c")) > 0);
	store_close(s);
	CHECK_INTEQ(store_open(path, &s, &e), DR_OK);
	CHECK(!job_exists(s, c));
	store_close(s);
	free(path);
}

static void
test_busy_two_connections(void)
{
	struct store	*a = NULL, *b = NULL;
	struct dr_error	 e;
	char		*path = db_path("busy.db");
	int64_t		 id, t0, spent;

	CHECK_INTEQ(store_open(path, &a, &e), DR_OK);
	CHECK_INTEQ(store_open(path, &b, &e), DR_OK);
	CHECK((id = new_job(a, "web")) > 0);

	CHECK_INTEQ(store_tx_begin(a, &e), DR_OK);
	store_set_busy_timeout(b, 150);
	t0 = mono_ms();
	CHECK_INTEQ(store_job_set_state(b, id, STORE_JOB_RUNNING, NULL, &e),
	    DR_ETIMEOUT);
	spent = mono_ms() - t0;
	CHECK(spent >= 100);
	CHECK(spent < 3000);
	CHECK(strstr(e.msg, "busy") != NULL);
	/* WAL: readers are not blocked by the writer (a blocked read would
	 * wait out the whole 10 s busy timeout). */
	store_set_busy_timeout(b, 10000);
	t0 = mono_ms();
	CHECK(job_exists(b, id));
	CHECK(mono_ms() - t0 < 5000);
	store_tx_rollback(a);

	CHECK_INTEQ(store_job_set_state(b, id, STORE_JOB_RUNNING, NULL, &e),
	    DR_OK);
	store_close(a);
	store_close(b);
	free(path);
}

/* Another process holds the write lock for a while; we wait and win. */
static void
test_busy_other_process(void)
{
	struct store	*s = NULL;
	struct dr_error	 e;
	char		*path = db_path("busy2.db");
	int		 p[2], status;
	int64_t		 t0;
	pid_t		 pid;
	char		 c;

	CHECK_INTEQ(store_open(path, &s, &e), DR_OK);
	CHECK(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		struct store	*cs = NULL;
		struct timespec	 nap = { 0, 300 * 1000 * 1000 };

		close(p[0]);
		if (store_open(path, &cs, NULL) != DR_OK ||
		    store_tx_begin(cs, NULL) != DR_OK ||
		    new_job(cs, "child") == 0)
			_exit(1);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		nanosleep(&nap, NULL);
		if (store_tx_commit(cs, NULL) != DR_OK)
			_exit(2);
		store_close(cs);
		_exit(0);
	}
	close(p[1]);
	CHECK(read(p[0], &c, 1) == 1);
	t0 = mono_ms();
	CHECK(new_job(s, "parent") > 0);
	CHECK(mono_ms() - t0 >= 150);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(p[0]);
	{
		struct store_job_list	l;

		CHECK_INTEQ(store_job_list(s, NULL, &l, &e), DR_OK);
		CHECK_INTEQ(l.n, 2);
		store_job_list_done(&l);
	}
	store_close(s);
	free(path);
}

/* Several processes open a fresh file at once: migrated exactly once. */
static void
test_concurrent_first_open(void)
{
	char	*path = db_path("race.db");
	pid_t	 pids[4];
	int	 i, status, ok = 0;

	for (i = 0; i < 4; i++) {
		if ((pids[i] = fork()) == 0) {
			struct store	*cs = NULL;

			if (store_open(path, &cs, NULL) != DR_OK)
				_exit(1);
			if (new_job(cs, "race") == 0)
				_exit(2);
			store_close(cs);
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++)
		if (waitpid(pids[i], &status, 0) == pids[i] &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ok++;
	CHECK_INTEQ(ok, 4);
	CHECK_INTEQ(raw_int(path, "PRAGMA user_version"),
	    store_schema_latest());
	CHECK_INTEQ(raw_int(path, "SELECT count(*) FROM jobs"), 4);
	free(path);
}

/* A process dies inside a transaction: nothing of it stays, no lock. */
static void
test_crash_in_transaction(void)
{
	struct store	*s = NULL;
	struct dr_error	 e;
	char		*path = db_path("crashtx.db");
	int64_t		 t0, id;
	int		 status;
	pid_t		 pid;

	if ((pid = fork()) == 0) {
		struct store	*cs = NULL;

		if (store_open(path, &cs, NULL) != DR_OK)
			_exit(1);
		new_job(cs, "committed");
		if (store_tx_begin(cs, NULL) != DR_OK)
			_exit(1);
		new_job(cs, "lost");
		_exit(9);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 9);
	CHECK_INTEQ(store_open(path, &s, &e), DR_OK);
	store_set_busy_timeout(s, 200);
	t0 = mono_ms();
	CHECK((id = new_job(s, "after")) > 0);
	CHECK(mono_ms() - t0 < 200);
	{
		struct store_job_list	l;

		CHECK_INTEQ(store_job_list(s, NULL, &l, &e), DR_OK);
		CHECK_INTEQ(l.n, 2);
		if (l.n == 2) {
			CHECK_STREQ(l.jobs[0].stack, "after");
			CHECK_STREQ(l.jobs[1].stack, "committed");
		}
		store_job_list_done(&l);
	}
	store_close(s);
	free(path);
}

static void
test_names_and_checks(void)
{
	enum store_trigger	 t;
	struct dr_error		 e;
	char			*big;
	int			 i;

	for (i = 0; i < STORE_TRIGGER_COUNT; i++) {
		CHECK(store_trigger_parse(store_trigger_name(i), &t));
		CHECK_INTEQ(t, i);
	}
	CHECK(!store_trigger_parse("cron", &t));
	CHECK(!store_trigger_parse(NULL, &t));
	CHECK_STREQ(store_trigger_name(STORE_TRIGGER_COUNT), "unknown");
	CHECK(store_now_ms() > 1600000000000LL);

	CHECK_INTEQ(store_check_text("x", NULL, false, &e), DR_OK);
	CHECK_INTEQ(store_check_text("x", NULL, true, &e), DR_EINVAL);
	CHECK_INTEQ(store_check_text("x", "", true, &e), DR_EINVAL);
	CHECK_INTEQ(store_check_text("x", "", false, &e), DR_OK);
	big = xmalloc(STORE_TEXT_MAX + 2);
	memset(big, 'a', STORE_TEXT_MAX + 1);
	big[STORE_TEXT_MAX + 1] = '\0';
	CHECK_INTEQ(store_check_text("x", big, true, &e), DR_ETOOBIG);
	big[STORE_TEXT_MAX] = '\0';
	CHECK_INTEQ(store_check_text("x", big, true, &e), DR_OK);
	free(big);

	CHECK_INTEQ(store_check_json("j", NULL, &e), DR_OK);
	CHECK_INTEQ(store_check_json("j", "{}", &e), DR_OK);
	CHECK_INTEQ(store_check_json("j", "{\"a\":[1,{\"b\":null}]}", &e),
	    DR_OK);
	CHECK_INTEQ(store_check_json("j", "[]", &e), DR_EINVAL);
	CHECK_INTEQ(store_check_json("j", "\"s\"", &e), DR_EINVAL);
	CHECK_INTEQ(store_check_json("j", "{", &e), DR_EINVAL);
	CHECK_INTEQ(store_check_json("j", "{\"a\":1,\"a\":2}", &e),
	    DR_EINVAL);
	CHECK_INTEQ(store_check_json("j", "{} {}", &e), DR_EINVAL);
	CHECK_INTEQ(store_check_json("j", "{\"a\":\"\\u0000\"}", &e),
	    DR_EINVAL);
	CHECK_INTEQ(store_check_json("j", "{\"a\":\"\xff\"}", &e),
	    DR_EINVAL);
}

/* The gate's background checkpoint: nothing below the threshold; above
 * it, the WAL's pages reach the database file and a writer meanwhile is
 * never blocked. */
static void
test_checkpoint(void)
{
	struct store		*s = NULL, *t = NULL;
	struct store_ckpt	*c;
	struct dr_error		 e;
	struct stat		 db0, db1;
	sqlite3_stmt		*st = NULL;
	char			*path = db_path("ckpt.db"), *wal;
	char			 blob[3000];
	int			 i;

	CHECK_INTEQ(store_open(path, &s, &e), DR_OK);
	CHECK(store_ckpt_start(s) == NULL);	/* a small WAL: nothing */
	CHECK(store_ckpt_start(NULL) == NULL);
	store_ckpt_join(NULL);
	CHECK_INTEQ(store_prepare(s, "CREATE TABLE bulk (b TEXT)", &st, &e),
	    DR_OK);
	CHECK_INTEQ(store_exec(s, st, &e), DR_OK);
	store_done(st);
	memset(blob, 'x', sizeof(blob) - 1);
	blob[sizeof(blob) - 1] = '\0';
	CHECK_INTEQ(store_prepare(s, "INSERT INTO bulk VALUES (?)", &st, &e),
	    DR_OK);
	for (i = 0; i < 500; i++) {
		store_bind_text(st, 1, blob);
		CHECK_INTEQ(store_exec(s, st, &e), DR_OK);
	}
	store_done(st);
	wal = xasprintf("%s-wal", path);
	CHECK(stat(path, &db0) == 0);
	CHECK(stat(wal, &db1) == 0 && db1.st_size >= STORE_CKPT_MIN_BYTES);
	c = store_ckpt_start(s);
	CHECK(c != NULL);
	/* A writer on another connection goes on meanwhile. */
	CHECK_INTEQ(store_open(path, &t, &e), DR_OK);
	CHECK((new_job(t, "web")) > 0);
	store_close(t);
	store_ckpt_join(c);
	CHECK(stat(path, &db1) == 0);
	/* Every row is in the database file now (SQLite's own
	 * auto-checkpoint may have moved some before). */
	CHECK(db1.st_size > db0.st_size);
	CHECK(db1.st_size >= 500 * 3000);
	CHECK_INTEQ(store_prepare(s, "SELECT count(*) FROM bulk", &st, &e),
	    DR_OK);
	CHECK(store_step(s, st) == SQLITE_ROW &&
	    sqlite3_column_int(st, 0) == 500);
	store_done(st);
	store_close(s);
	free(wal);
	free(path);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_names_and_checks();
	test_default_path();
	test_open_migrate();
	test_open_errors();
	test_transactions();
	test_busy_two_connections();
	test_busy_other_process();
	test_concurrent_first_open();
	test_crash_in_transaction();
	test_checkpoint();
	CHECK(nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0);
	return check_summary("store");
}
