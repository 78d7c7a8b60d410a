/*
 * proc: posix_spawnp and one poll loop over the child's stdin, stdout and
 * stderr, with a deadline.  Invariant: the child stays unreaped until we
 * are done signalling it, so its pid and process group id cannot have been
 * reused by another process when we kill them.
 */
#include "proc.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xmalloc.h"

extern char **environ;

#define PROC_SLICE_MS	100	/* how often a silent child is checked */
#define PROC_CHUNK	16384
#define PROC_MARK_ROOM	128	/* room for the truncation marker */

/* One output stream of the child. */
struct proc_stream_state {
	enum proc_stream	 which;
	int			 fd;		/* -1 once closed */
	struct buf		*keep;
	size_t			*dropped;
	char			 line[PROC_LINE_MAX];
	size_t			 linelen;
	bool			 marked;	/* marker line sent */
};

enum proc_phase {
	PROC_RUNNING,
	PROC_TERMED,		/* SIGTERM sent, grace running */
	PROC_KILLED,		/* SIGKILL sent, last drain */
};

static int64_t
proc_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
proc_close(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

/* Moves fd above stdio, so dup2 onto 0..2 always clears close-on-exec. */
static int
proc_fd_above_stdio(int fd)
{
	int	nfd;

	if (fd > STDERR_FILENO)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return nfd;
}

static bool
proc_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) == -1) {
		fds[0] = fds[1] = -1;
		return false;
	}
	fds[0] = proc_fd_above_stdio(fds[0]);
	fds[1] = proc_fd_above_stdio(fds[1]);
	return fds[0] != -1 && fds[1] != -1;
}

/*
 * Writes what the non-blocking fd takes of *in, SIGPIPE held off: the
 * child may exit without reading.  False once fd is done with: all of it
 * written, or the child closed its end.
 */
static bool
proc_write_nosigpipe(int fd, struct span *in)
{
	sigset_t	 pipe_set, old_set, pending;
	struct timespec	 zero = { 0, 0 };
	bool		 was_pending, more = true;
	ssize_t		 n;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE) == 1;
	n = write(fd, in->p, in->len);
	if (n > 0) {
		*in = span_sub(*in, (size_t)n, in->len);
		more = in->len > 0;
	} else if (n == -1 && errno != EINTR && errno != EAGAIN) {
		more = false;
		/* Consume the SIGPIPE we caused, never one that was there. */
		if (errno == EPIPE && !was_pending)
			while (sigtimedwait(&pipe_set, NULL, &zero) == -1 &&
			    errno == EINTR)
				;
	}
	pthread_sigmask(SIG_SETMASK, &old_set, NULL);
	return more;
}

/* Starts argv on the given pipe ends; -1 for in or err is /dev/null. */
static enum dr_err
proc_spawn(char *const argv[], char *const envp[], int in, int out, int err,
    pid_t *ret_pid, struct dr_error *reterr)
{
	posix_spawn_file_actions_t	fa;
	posix_spawnattr_t		attr;
	sigset_t			none, all;
	int				e;
	enum dr_err			rc = DR_OK;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	if (in != -1)
		posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO);
	else
		posix_spawn_file_actions_addopen(&fa, STDIN_FILENO,
		    "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO);
	if (err != -1)
		posix_spawn_file_actions_adddup2(&fa, err, STDERR_FILENO);
	else
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO,
		    "/dev/null", O_WRONLY, 0);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if ((e = posix_spawnp(ret_pid, argv[0], &fa, &attr, argv,
	    envp != NULL ? envp : environ)) != 0) {
		*ret_pid = -1;
		if (e == ENOENT)
			rc = dr_fail(reterr, DR_ECONFIG, "%s: not found%s",
			    argv[0], strchr(argv[0], '/') ? "" : " in PATH");
		else
			rc = dr_fail(reterr, DR_EIO, "cannot run %s: %s",
			    argv[0], strerror(e));
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return rc;
}

static void
proc_emit(struct proc_stream_state *s, const struct proc_opts *o)
{
	size_t	len = s->linelen;

	if (len > 0 && s->line[len - 1] == '\r')
		len--;
	o->on_line(o->arg, s->which, span_make(s->line, len));
	s->linelen = 0;
}

/* Takes n bytes the child wrote: keeps up to cap, hands out lines. */
static void
proc_feed(struct proc_stream_state *s, const char *p, size_t n, size_t cap,
    const struct proc_opts *o)
{
	size_t	take = n, i;
	char	mark[96];

	if (take > cap - s->keep->len)
		take = cap - s->keep->len;
	buf_add(s->keep, p, take);
	*s->dropped += n - take;
	if (o->on_line == NULL)
		return;
	for (i = 0; i < take; i++) {
		if (p[i] == '\n') {
			proc_emit(s, o);
			continue;
		}
		if (s->linelen == sizeof(s->line))
			proc_emit(s, o);
		s->line[s->linelen++] = p[i];
	}
	if (*s->dropped > 0 && !s->marked) {
		if (s->linelen > 0)
			proc_emit(s, o);
		s->marked = true;
		snprintf(mark, sizeof(mark), "[dockrev: %s over %zu bytes, "
		    "the rest is not kept]", s->which == PROC_STDOUT ?
		    "stdout" : "stderr", cap);
		o->on_line(o->arg, s->which, span_str(mark));
	}
}

/* True once pid has exited (left unreaped, so its group id stays ours). */
static bool
proc_exited(pid_t pid, bool *gone)
{
	siginfo_t	si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) ==
	    -1) {
		if (errno == EINTR)
			return false;
		*gone = true;	/* reaped behind our back (SIGCHLD ignored) */
		return true;
	}
	return si.si_pid == pid;
}

static void
proc_kill(pid_t pid, int sig, bool gone)
{
	if (gone)
		return;		/* the id may belong to someone else now */
	kill(-pid, sig);
	kill(pid, sig);
}

enum dr_err
proc_run(char *const argv[], const struct proc_opts *o,
    struct proc_result *ret, struct dr_error *reterr)
{
	struct proc_stream_state	*st = NULL;
	struct pollfd			 pfd[3];
	struct span			 in = o->in;
	enum proc_phase			 phase = PROC_RUNNING;
	char				*chunk = NULL;
	int				 inp[2] = { -1, -1 };
	int				 outp[2] = { -1, -1 };
	int				 errp[2] = { -1, -1 };
	int				 n, slice, status = 0, i, nopen;
	int64_t				 now, deadline, exited_at = 0;
	size_t				 cap;
	pid_t				 pid = -1;
	ssize_t				 r;
	bool				 exited = false, gone = false;
	bool				 kill_all = false, done = false;
	enum dr_err			 rc = DR_OK;

	memset(ret, 0, sizeof(*ret));
	ret->exit_code = -1;
	cap = o->out_max > 0 ? o->out_max : PROC_OUT_MAX;
	buf_init(&ret->out, cap + PROC_MARK_ROOM);
	buf_init(&ret->err, cap + PROC_MARK_ROOM);
	if (argv == NULL || argv[0] == NULL || o->timeout_ms <= 0) {
		rc = dr_fail(reterr, DR_EINVAL, "nothing to run, or no timeout");
		goto out;
	}
	if ((in.len > 0 && !proc_pipe(inp)) || !proc_pipe(outp) ||
	    (!(o->flags & PROC_STDERR_NULL) && !proc_pipe(errp)) ||
	    (inp[1] != -1 && fcntl(inp[1], F_SETFL, O_NONBLOCK) == -1)) {
		rc = dr_fail(reterr, DR_EIO, "pipe: %s", strerror(errno));
		goto out;
	}
	deadline = proc_now_ms() + o->timeout_ms;
	if ((rc = proc_spawn(argv, o->envp, inp[0], outp[1], errp[1], &pid,
	    reterr)) != DR_OK)
		goto out;
	if (o->on_start != NULL)
		o->on_start(o->arg, pid);
	proc_close(&inp[0]);
	proc_close(&outp[1]);
	proc_close(&errp[1]);

	st = xcalloc(2, sizeof(*st));
	st[0].which = PROC_STDOUT;
	st[0].keep = &ret->out;
	st[0].dropped = &ret->out_dropped;
	st[1].which = PROC_STDERR;
	st[1].keep = &ret->err;
	st[1].dropped = &ret->err_dropped;
	st[0].fd = outp[0];
	st[1].fd = errp[0];
	outp[0] = errp[0] = -1;
	nopen = (st[0].fd != -1) + (st[1].fd != -1);
	chunk = xmalloc(PROC_CHUNK);
	/*
	 * Read until the child has exited and its output is closed.  At the
	 * deadline: SIGTERM and a grace (still reading what it says), then
	 * SIGKILL and a last drain.  Output held open after the child exited
	 * belongs to something it left behind: drained briefly, then killed.
	 */
	while (!done) {
		now = proc_now_ms();
		if (!exited && proc_exited(pid, &gone)) {
			exited = true;
			exited_at = now;
		}
		if (exited && nopen == 0)
			break;
		if (exited && now >= exited_at + PROC_DRAIN_MS) {
			kill_all = true;
			break;
		}
		if (!exited && phase == PROC_RUNNING && o->cancel != NULL &&
		    o->cancel(o->arg)) {
			ret->cancelled = true;
			deadline = now;
		}
		if (now >= deadline) {
			switch (phase) {
			case PROC_RUNNING:
				if (!ret->cancelled)
					ret->timed_out = true;
				if (o->kill_grace_ms > 0) {
					proc_kill(pid, SIGTERM, gone);
					phase = PROC_TERMED;
					deadline = now + o->kill_grace_ms;
					break;
				}
				/* FALLTHROUGH */
			case PROC_TERMED:
				proc_kill(pid, SIGKILL, gone);
				phase = PROC_KILLED;
				deadline = now + PROC_DRAIN_MS;
				break;
			case PROC_KILLED:
				done = true;
				break;
			}
			continue;
		}
		slice = (int)(deadline - now);
		if (exited && exited_at + PROC_DRAIN_MS - now < slice)
			slice = (int)(exited_at + PROC_DRAIN_MS - now);
		if (slice > PROC_SLICE_MS)
			slice = PROC_SLICE_MS;
		if (nopen == 0 && slice > 5)
			slice = 5;	/* output closed: watch for the exit */
		for (i = 0; i < 2; i++) {
			pfd[i].fd = st[i].fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		pfd[2].fd = inp[1];	/* poll skips it once it is -1 */
		pfd[2].events = POLLOUT;
		pfd[2].revents = 0;
		n = poll(pfd, 3, slice);
		if (n == -1 && errno != EINTR) {
			rc = dr_fail(reterr, DR_EIO, "poll: %s",
			    strerror(errno));
			kill_all = true;
			break;
		}
		if (n > 0 && pfd[2].revents != 0 &&
		    !proc_write_nosigpipe(inp[1], &in))
			proc_close(&inp[1]);
		for (i = 0; n > 0 && i < 2 && !done; i++) {
			if (st[i].fd == -1 || pfd[i].revents == 0)
				continue;
			r = read(st[i].fd, chunk, PROC_CHUNK);
			if (r == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				proc_close(&st[i].fd);
				nopen--;
				continue;
			}
			proc_feed(&st[i], chunk, (size_t)r, cap, o);
			if ((o->flags & PROC_OVERFLOW_FAILS) &&
			    *st[i].dropped > 0) {
				rc = dr_fail(reterr, DR_ETOOBIG,
				    "%s wrote over %zu bytes to %s; killed",
				    argv[0], cap, st[i].which == PROC_STDOUT ?
				    "stdout" : "stderr");
				kill_all = done = true;
			}
		}
	}
	for (i = 0; o->on_line != NULL && i < 2; i++)
		if (st[i].linelen > 0)
			proc_emit(&st[i], o);
	/* The leader is unreaped until here, so its group id is still ours. */
	if (kill_all || (phase != PROC_RUNNING && !exited))
		proc_kill(pid, SIGKILL, gone);
	if (!gone) {
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		ret->status = status;
		if (WIFEXITED(status))
			ret->exit_code = WEXITSTATUS(status);
		else if (WIFSIGNALED(status))
			ret->signal = WTERMSIG(status);
	}
	if (ret->timed_out && rc == DR_OK)
		rc = dr_fail(reterr, DR_ETIMEOUT, "%s did not finish within %d "
		    "ms; killed", argv[0], o->timeout_ms);
	else if (ret->cancelled && rc == DR_OK)
		rc = dr_fail(reterr, DR_ETIMEOUT, "%s was cancelled; killed",
		    argv[0]);
	if (ret->out_dropped > 0)
		buf_printf(&ret->out, "\n[dockrev: %zu more bytes of stdout "
		    "not kept]\n", ret->out_dropped);
	if (ret->err_dropped > 0)
		buf_printf(&ret->err, "\n[dockrev: %zu more bytes of stderr "
		    "not kept]\n", ret->err_dropped);
out:
	/* What passed through may be a secret: wipe our copies of it. */
	if (st != NULL) {
		proc_close(&st[0].fd);
		proc_close(&st[1].fd);
		explicit_bzero(st, 2 * sizeof(*st));
	}
	if (chunk != NULL)
		explicit_bzero(chunk, PROC_CHUNK);
	for (i = 0; i < 2; i++) {
		proc_close(&inp[i]);
		proc_close(&outp[i]);
		proc_close(&errp[i]);
	}
	free(chunk);
	free(st);
	return rc;
}

void
proc_result_done(struct proc_result *ret)
{
	if (ret == NULL)
		return;
	buf_done(&ret->out);
	buf_done(&ret->err);
}
