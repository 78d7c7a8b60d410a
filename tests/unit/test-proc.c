/*
 * test-proc: the child-process runner against real programs (/bin/sh
 * scripts, /bin/sleep, cat, yes): exit codes and signals, both streams as
 * captures and as lines, stdin delivery, output caps, timeouts with and
 * without a kill grace, process-group kills, environments, missing
 * programs.  After every run the test process must have no child left,
 * reaped or not.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "proc.h"
#include "xmalloc.h"

static char	tmpdir[] = "/tmp/test-proc.XXXXXX";

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* True when this process has no child at all, zombie or running. */
static bool
no_children(void)
{
	return waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
}

/* Collects what the runner hands to on_line. */
struct lines {
	struct buf	out;
	struct buf	err;
	size_t		nout, nerr, longest, markers;
};

static void
on_line(void *arg, enum proc_stream which, struct span line)
{
	struct lines	*l = arg;
	struct buf	*b = which == PROC_STDOUT ? &l->out : &l->err;

	buf_addspan(b, line);
	buf_addc(b, '\n');
	if (which == PROC_STDOUT)
		l->nout++;
	else
		l->nerr++;
	if (line.len > l->longest)
		l->longest = line.len;
	if (span_starts(line, "[dockrev: "))
		l->markers++;
}

static void
lines_init(struct lines *l)
{
	memset(l, 0, sizeof(*l));
	buf_init(&l->out, 1 << 24);
	buf_init(&l->err, 1 << 24);
}

static void
lines_done(struct lines *l)
{
	buf_done(&l->out);
	buf_done(&l->err);
}

static enum dr_err
run_sh(const char *script, struct proc_opts *o, struct proc_result *r,
    struct dr_error *e)
{
	char	*argv[] = { "/bin/sh", "-c", (char *)script, NULL };

	return proc_run(argv, o, r, e);
}

/* True once pid is gone or a zombie (killed, waiting for its reaper). */
static bool
pid_dead(pid_t pid)
{
	char	*path = xasprintf("/proc/%d/stat", (int)pid), buf[512];
	ssize_t	 n;
	int	 fd, tries;
	bool	 dead = false;

	for (tries = 0; tries < 100 && !dead; tries++) {
		if ((fd = open(path, O_RDONLY)) == -1) {
			dead = true;
			break;
		}
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			char	*p;

			buf[n] = '\0';
			if ((p = strrchr(buf, ')')) != NULL && p[1] == ' ' &&
			    (p[2] == 'Z' || p[2] == 'X'))
				dead = true;
		}
		if (!dead)
			usleep(10000);
	}
	free(path);
	return dead;
}

static pid_t
read_pid(const char *name)
{
	char	*path = xasprintf("%s/%s", tmpdir, name), buf[32];
	ssize_t	 n = 0;
	int	 fd;

	if ((fd = open(path, O_RDONLY)) != -1) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	free(path);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return (pid_t)strtol(buf, NULL, 10);
}

/* Exit codes and signals, one row each. */
static const struct {
	const char	*script;
	int		 exit_code, signal;
} statuses[] = {
	{ "exit 0", 0, 0 },
	{ "exit 1", 1, 0 },
	{ "exit 42", 42, 0 },
	{ "exit 255", 255, 0 },
	{ "kill -9 $$", -1, SIGKILL },
	{ "kill -TERM $$", -1, SIGTERM },
	{ "kill -HUP $$", -1, SIGHUP },
};

static void
test_status(void)
{
	struct proc_opts	o = { 0 };
	struct proc_result	r;
	struct dr_error		e;
	size_t			i;

	o.timeout_ms = 10000;
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		CHECK_INTEQ(run_sh(statuses[i].script, &o, &r, &e), DR_OK);
		CHECK_INTEQ(r.exit_code, statuses[i].exit_code);
		CHECK_INTEQ(r.signal, statuses[i].signal);
		CHECK(!r.timed_out);
		CHECK(no_children());
		proc_result_done(&r);
	}
}

static void
test_streams(void)
{
	struct proc_opts	o = { 0 };
	struct proc_result	r;
	struct dr_error		e;
	struct lines		l;
	int64_t			t0;
	enum dr_err		rc;

	/* Both streams, separately, with the exit status. */
	o.timeout_ms = 10000;
	o.on_line = on_line;
	o.arg = &l;
	lines_init(&l);
	rc = run_sh("echo out1; echo err1 >&2; echo out2; printf 'a\\r\\nb'; "
	    "printf 'err2' >&2; exit 3", &o, &r, &e);
	CHECK_INTEQ(rc, DR_OK);
	CHECK_INTEQ(r.exit_code, 3);
	CHECK_INTEQ(r.signal, 0);
	CHECK(!r.timed_out);
	CHECK_STREQ(buf_str(&r.out), "out1\nout2\na\r\nb");
	CHECK_STREQ(buf_str(&r.err), "err1\nerr2");
	CHECK_STREQ(buf_str(&l.out), "out1\nout2\na\nb\n");
	CHECK_STREQ(buf_str(&l.err), "err1\nerr2\n");
	CHECK_INTEQ(r.out_dropped, 0);
	proc_result_done(&r);
	lines_done(&l);

	/* Lots of output on both streams: capped, marked, never blocked. */
	lines_init(&l);
	o.out_max = 64 * 1024;
	t0 = now_ms();
	rc = run_sh("i=0; while [ $i -lt 3000 ]; do "
	    "echo \"out line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\";"
	    " echo \"err line $i\" >&2; i=$((i+1)); done; "
	    "head -c 3000000 /dev/zero | tr '\\0' y; echo; echo end >&2",
	    &o, &r, &e);
	CHECK_INTEQ(rc, DR_OK);
	CHECK_INTEQ(r.exit_code, 0);
	CHECK(now_ms() - t0 < 9000);
	CHECK(r.out_dropped > 3000000 - 64 * 1024);
	CHECK(r.err_dropped == 0);
	CHECK(r.out.len > 64 * 1024 && r.out.len < 64 * 1024 + 128);
	CHECK(strstr(buf_str(&r.out), "more bytes of stdout not kept") !=
	    NULL);
	CHECK(strstr(buf_str(&r.err), "err line 2999\nend\n") != NULL);
	CHECK_INTEQ(l.markers, 1);
	CHECK_INTEQ(l.nerr, 3001);
	CHECK(l.longest <= PROC_LINE_MAX);
	CHECK(strncmp(buf_str(&l.out), "out line 0 x", 12) == 0);
	proc_result_done(&r);
	lines_done(&l);
	o.out_max = 0;

	/* A long line comes in pieces. */
	lines_init(&l);
	rc = run_sh("head -c 10000 /dev/zero | tr '\\0' z", &o, &r, &e);
	CHECK_INTEQ(rc, DR_OK);
	CHECK_INTEQ(r.out.len, 10000);
	CHECK_INTEQ(l.nout, 3);
	CHECK_INTEQ(l.longest, PROC_LINE_MAX);
	proc_result_done(&r);
	lines_done(&l);

	/* stderr to /dev/null: not read, not kept, not handed out. */
	lines_init(&l);
	o.flags = PROC_STDERR_NULL;
	rc = run_sh("echo out; echo noise >&2; echo more", &o, &r, &e);
	CHECK_INTEQ(rc, DR_OK);
	CHECK_STREQ(buf_str(&r.out), "out\nmore\n");
	CHECK_STREQ(buf_str(&r.err), "");
	CHECK_INTEQ(l.nerr, 0);
	proc_result_done(&r);
	lines_done(&l);
	o.flags = 0;
	CHECK(no_children());
}

static void
test_stdin(void)
{
	struct proc_opts	 o = { 0 };
	struct proc_result	 r;
	struct dr_error		 e;
	struct buf		 big;
	sigset_t		 pending;
	char			*cat[] = { "cat", NULL };
	char			*tru[] = { "/bin/true", NULL };
	size_t			 i;
	enum dr_err		 rc;

	o.timeout_ms = 10000;
	/* Without input, stdin is /dev/null: nothing waits for it. */
	rc = run_sh("cat; echo eof", &o, &r, &e);
	CHECK_INTEQ(rc, DR_OK);
	CHECK_STREQ(buf_str(&r.out), "eof\n");
	proc_result_done(&r);

	/* Delivered, then closed. */
	o.in = SPAN_LIT("https://index.docker.io/v1/");
	CHECK_INTEQ(proc_run(cat, &o, &r, &e), DR_OK);
	CHECK_INTEQ(r.exit_code, 0);
	CHECK_STREQ(buf_str(&r.out), "https://index.docker.io/v1/");
	proc_result_done(&r);

	/* More than a pipe holds, echoed back while still being written. */
	buf_init(&big, 4 << 20);
	for (i = 0; i < (3u << 20) / 64; i++)
		buf_printf(&big, "%063zu\n", i);
	o.in = buf_span(&big);
	o.out_max = 4 << 20;
	CHECK_INTEQ(proc_run(cat, &o, &r, &e), DR_OK);
	CHECK_INTEQ(r.exit_code, 0);
	CHECK_INTEQ(r.out.len, big.len);
	CHECK(r.out.len == big.len && memcmp(r.out.p, big.p, big.len) == 0);
	proc_result_done(&r);

	/* A child that never reads: no SIGPIPE reaches us (it would kill
	 * this test) and none is left pending. */
	CHECK_INTEQ(proc_run(tru, &o, &r, &e), DR_OK);
	CHECK_INTEQ(r.exit_code, 0);
	proc_result_done(&r);
	rc = run_sh("exec 0<&-; sleep 0.2; echo closed", &o, &r, &e);
	CHECK_INTEQ(rc, DR_OK);
	CHECK_STREQ(buf_str(&r.out), "closed\n");
	proc_result_done(&r);
	sigemptyset(&pending);
	CHECK(sigpending(&pending) == 0 && !sigismember(&pending, SIGPIPE));
	buf_done(&big);
	o.in = span_make(NULL, 0);
	o.out_max = 0;
	CHECK(no_children());
}

static void
test_overflow(void)
{
	struct proc_opts	 o = { 0 };
	struct proc_result	 r;
	struct dr_error		 e;
	char			*yes[] = { "yes", "secret-ish", NULL };
	int64_t			 t0;

	/* Past the cap with PROC_OVERFLOW_FAILS: killed at once. */
	o.timeout_ms = 10000;
	o.out_max = 64 * 1024;
	o.flags = PROC_OVERFLOW_FAILS;
	t0 = now_ms();
	CHECK_INTEQ(proc_run(yes, &o, &r, &e), DR_ETOOBIG);
	CHECK(now_ms() - t0 < 3000);
	CHECK_INTEQ(r.signal, SIGKILL);
	CHECK(!r.timed_out);
	CHECK(strstr(e.msg, "yes wrote over 65536 bytes") != NULL);
	CHECK(strstr(e.msg, "secret-ish") == NULL);
	proc_result_done(&r);
	/* Exactly at the cap is fine. */
	CHECK_INTEQ(run_sh("head -c 65536 /dev/zero", &o, &r, &e), DR_OK);
	CHECK_INTEQ(r.out.len, 65536);
	proc_result_done(&r);
	CHECK_INTEQ(run_sh("head -c 65537 /dev/zero", &o, &r, &e),
	    DR_ETOOBIG);
	proc_result_done(&r);
	CHECK(no_children());
}

static void
test_timeouts(void)
{
	struct proc_opts	 o = { 0 };
	struct proc_result	 r;
	struct dr_error		 e;
	char			*sleep30[] = { "/bin/sleep", "30", NULL };
	char			*stubborn[] = { "/bin/sh", "-c",
				    "trap '' TERM; exec /bin/sleep 30", NULL };
	char			*script;
	int64_t			 t0;
	pid_t			 pid;
	enum dr_err		 rc;

	/* No grace: SIGKILL at the deadline. */
	o.timeout_ms = 300;
	t0 = now_ms();
	CHECK_INTEQ(proc_run(sleep30, &o, &r, &e), DR_ETIMEOUT);
	CHECK(r.timed_out);
	CHECK_INTEQ(r.signal, SIGKILL);
	CHECK_INTEQ(r.exit_code, -1);
	CHECK(now_ms() - t0 >= 300 && now_ms() - t0 < 2000);
	CHECK(strstr(e.msg, "did not finish within 300 ms") != NULL);
	CHECK(no_children());
	proc_result_done(&r);

	/* With a grace, SIGTERM first, which sleep dies of. */
	o.kill_grace_ms = 3000;
	t0 = now_ms();
	CHECK_INTEQ(proc_run(sleep30, &o, &r, &e), DR_ETIMEOUT);
	CHECK_INTEQ(r.signal, SIGTERM);
	CHECK(now_ms() - t0 < 2500);
	CHECK(no_children());
	proc_result_done(&r);

	/* One that ignores SIGTERM gets SIGKILL after the grace. */
	o.kill_grace_ms = 300;
	t0 = now_ms();
	CHECK_INTEQ(proc_run(stubborn, &o, &r, &e), DR_ETIMEOUT);
	CHECK_INTEQ(r.signal, SIGKILL);
	CHECK(now_ms() - t0 >= 550 && now_ms() - t0 < 3000);
	CHECK(no_children());
	proc_result_done(&r);

	/* A handler gets to run and report within the grace. */
	o.kill_grace_ms = 3000;
	rc = run_sh("trap 'echo term; exit 7' TERM; sleep 30 & wait", &o, &r,
	    &e);
	CHECK_INTEQ(rc, DR_ETIMEOUT);
	CHECK_INTEQ(r.exit_code, 7);
	CHECK_STREQ(buf_str(&r.out), "term\n");
	proc_result_done(&r);
	o.kill_grace_ms = 0;

	/* A hang is killed with its whole group. */
	script = xasprintf("sleep 30 & echo $! > %s/hang.pid; echo started; "
	    "wait", tmpdir);
	t0 = now_ms();
	rc = run_sh(script, &o, &r, &e);
	free(script);
	CHECK_INTEQ(rc, DR_ETIMEOUT);
	CHECK_INTEQ(r.signal, SIGKILL);
	CHECK(now_ms() - t0 < 2000);
	CHECK_STREQ(buf_str(&r.out), "started\n");
	pid = read_pid("hang.pid");
	CHECK(pid > 0 && pid_dead(pid));
	proc_result_done(&r);

	/* Closes its output but keeps running: the deadline still holds. */
	t0 = now_ms();
	rc = run_sh("echo closing; exec >&- 2>&-; sleep 30", &o, &r, &e);
	CHECK_INTEQ(rc, DR_ETIMEOUT);
	CHECK_INTEQ(r.signal, SIGKILL);
	CHECK_STREQ(buf_str(&r.out), "closing\n");
	CHECK(now_ms() - t0 < 2000);
	proc_result_done(&r);
	/* Closes its output, then exits normally a bit later. */
	o.timeout_ms = 10000;
	rc = run_sh("exec >&- 2>&-; sleep 0.3; exit 4", &o, &r, &e);
	CHECK_INTEQ(rc, DR_OK);
	CHECK_INTEQ(r.exit_code, 4);
	proc_result_done(&r);

	/* Exits, but leaves something holding stdout: not waited for. */
	script = xasprintf("sleep 30 & echo $! > %s/linger.pid; echo bye",
	    tmpdir);
	t0 = now_ms();
	rc = run_sh(script, &o, &r, &e);
	free(script);
	CHECK_INTEQ(rc, DR_OK);
	CHECK_INTEQ(r.exit_code, 0);
	CHECK(!r.timed_out);
	CHECK_STREQ(buf_str(&r.out), "bye\n");
	CHECK(now_ms() - t0 < 3000);
	pid = read_pid("linger.pid");
	CHECK(pid > 0 && pid_dead(pid));
	proc_result_done(&r);
	CHECK(no_children());
}

/*
 * The child sees no descriptor of ours: only stdio, and whatever this
 * process holds open without close-on-exec (make's jobserver, say).
 */
static void
test_fds(void)
{
	struct proc_opts	 o = { 0 };
	struct proc_result	 r;
	struct dr_error		 e;
	struct buf		 want;
	int			 fd, flags;

	buf_init(&want, 4096);
	for (fd = 3; fd < 64; fd++)
		if ((flags = fcntl(fd, F_GETFD)) != -1 &&
		    !(flags & FD_CLOEXEC))
			buf_printf(&want, "%d\n", fd);
	o.timeout_ms = 10000;
	o.in = SPAN_LIT("x");
	CHECK_INTEQ(run_sh("i=3; while [ $i -lt 64 ]; do "
	    "[ -e /proc/$$/fd/$i ] && echo $i; i=$((i+1)); done; true",
	    &o, &r, &e), DR_OK);
	CHECK_STREQ(buf_str(&r.out), buf_str(&want));
	proc_result_done(&r);
	buf_done(&want);
}

static void
test_env_and_errors(void)
{
	struct proc_opts	 o = { 0 };
	struct proc_result	 r;
	struct dr_error		 e;
	char			*env[] = { "DOCKREV_TEST=from-envp", NULL };
	char			*missing[] = { "dockrev-no-such-program-xyz",
				    NULL };
	char			*abs[] = { "/nonexistent/program", NULL };
	char			*empty[] = { NULL };
	char			*noexec[] = { NULL, NULL };
	int			 fd;

	/* Our environment passes through, unless one is given. */
	o.timeout_ms = 10000;
	setenv("DOCKREV_OTHER", "x", 1);
	CHECK_INTEQ(run_sh("echo \"${DOCKREV_OTHER:-unset}\"", &o, &r, &e),
	    DR_OK);
	CHECK_STREQ(buf_str(&r.out), "x\n");
	proc_result_done(&r);
	o.envp = env;
	CHECK_INTEQ(run_sh("echo \"$DOCKREV_TEST:${DOCKREV_OTHER:-unset}\"",
	    &o, &r, &e), DR_OK);
	CHECK_STREQ(buf_str(&r.out), "from-envp:unset\n");
	proc_result_done(&r);
	o.envp = NULL;

	/* Not found, not runnable, and bad calls: errors, no child. */
	CHECK_INTEQ(proc_run(missing, &o, &r, &e), DR_ECONFIG);
	CHECK(strstr(e.msg, "dockrev-no-such-program-xyz: not found in PATH")
	    != NULL);
	CHECK_INTEQ(r.exit_code, -1);
	proc_result_done(&r);
	CHECK_INTEQ(proc_run(abs, &o, &r, &e), DR_ECONFIG);
	CHECK(strstr(e.msg, "not found") != NULL);
	proc_result_done(&r);
	noexec[0] = xasprintf("%s/noexec", tmpdir);
	fd = open(noexec[0], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd != -1);
	if (fd != -1)
		close(fd);
	CHECK_INTEQ(proc_run(noexec, &o, &r, &e), DR_EIO);
	proc_result_done(&r);
	unlink(noexec[0]);
	free(noexec[0]);
	CHECK_INTEQ(proc_run(empty, &o, &r, &e), DR_EINVAL);
	proc_result_done(&r);
	CHECK_INTEQ(proc_run(NULL, &o, &r, &e), DR_EINVAL);
	proc_result_done(&r);
	o.timeout_ms = 0;
	CHECK_INTEQ(run_sh("true", &o, &r, &e), DR_EINVAL);
	proc_result_done(&r);
	proc_result_done(NULL);
	CHECK(no_children());
}

static void
cleanup(void)
{
	static const char *const files[] = { "hang.pid", "linger.pid", "hk" };
	size_t	i;
	char	*p;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		p = xasprintf("%s/%s", tmpdir, files[i]);
		unlink(p);
		free(p);
	}
	rmdir(tmpdir);
}

/* on_start sees the child's pid; cancel kills the group like a deadline. */
struct hooks {
	pid_t	pid;
	int	asks;
	int	cancel_after;	/* asks before answering true; < 0: never */
};

static void
hooks_start(void *arg, pid_t pid)
{
	((struct hooks *)arg)->pid = pid;
}

static bool
hooks_cancel(void *arg)
{
	struct hooks	*h = arg;

	return h->cancel_after >= 0 && ++h->asks > h->cancel_after;
}

static void
test_hooks(void)
{
	struct proc_opts	o = { 0 };
	struct proc_result	r;
	struct dr_error		e;
	struct hooks		h = { 0, 0, -1 };
	pid_t			grandchild;
	int64_t			t0;

	o.timeout_ms = 10000;
	o.on_start = hooks_start;
	o.cancel = hooks_cancel;
	o.arg = &h;
	CHECK_INTEQ(run_sh("echo $$", &o, &r, &e), DR_OK);
	CHECK(h.pid > 0);
	CHECK_INTEQ(strtol(r.out.p, NULL, 10), h.pid);
	CHECK(!r.cancelled);
	proc_result_done(&r);

	/* Cancelled after a few asks: the group dies, the run ends soon. */
	h.asks = 0;
	h.cancel_after = 3;
	h.pid = 0;
	o.kill_grace_ms = 200;
	t0 = now_ms();
	{
		char	*script = xasprintf("sleep 30 & echo $! >%s/hk; "
		    "sleep 30", tmpdir);

		dr_error_clear(&e);
		CHECK_INTEQ(run_sh(script, &o, &r, &e), DR_ETIMEOUT);
		free(script);
	}
	CHECK(r.cancelled);
	CHECK(!r.timed_out);
	CHECK(strstr(e.msg, "cancelled") != NULL);
	CHECK(now_ms() - t0 < 5000);
	CHECK(h.pid > 0);
	if ((grandchild = read_pid("hk")) > 0)
		CHECK(pid_dead(grandchild));
	CHECK(no_children());
	proc_result_done(&r);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_status();
	test_streams();
	test_stdin();
	test_overflow();
	test_timeouts();
	test_fds();
	test_env_and_errors();
	test_hooks();
	cleanup();
	return check_summary("proc");
}
