/*
 * compose-cli: argv building from a verb table, version detection, and a
 * poll-loop runner.  Invariant: argv words are copied verbatim from
 * validated input; no string ever reaches a shell.
 */
#include "compose-cli.h"

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

#define COMPOSE_CLI_VERB_WORDS	5
#define COMPOSE_CLI_SLICE_MS	100	/* how often a silent child is checked */
#define COMPOSE_CLI_CHUNK	16384
#define COMPOSE_CLI_MARK_ROOM	128	/* room for the truncation marker */

/* The words of each verb, per dialect; positional service after "--". */
static const struct {
	const char	*v1[COMPOSE_CLI_VERB_WORDS];
	const char	*v2[COMPOSE_CLI_VERB_WORDS];
	bool		 service;	/* takes a service */
	bool		 no_deps;	/* takes COMPOSE_CLI_NO_DEPS */
} compose_cli_verbs[COMPOSE_CLI_VERB_COUNT] = {
	[COMPOSE_CLI_PULL] = {
		{ "pull" }, { "pull" }, true, false },
	[COMPOSE_CLI_UP] = {
		{ "up", "-d" }, { "up", "-d" }, true, true },
	[COMPOSE_CLI_UP_NO_PULL] = {
		{ "up", "-d" }, { "up", "-d", "--pull", "never" }, true, true },
	[COMPOSE_CLI_PS] = {
		{ "ps", "-q" }, { "ps", "-a", "-q" }, true, false },
	[COMPOSE_CLI_CONFIG] = {
		{ "config", "-q" }, { "config", "-q" }, false, false },
	[COMPOSE_CLI_SERVICES] = {
		{ "config", "--services" }, { "config", "--services" }, false,
		false },
};

static bool
compose_cli_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/*
 * The program.
 */

enum dr_err
compose_cli_init(struct compose_cli *cli, const char *spec,
    struct dr_error *reterr)
{
	const char	*p, *w[3];
	size_t		 wl[3], n = 0, i;

	memset(cli, 0, sizeof(*cli));
	if (spec == NULL)
		spec = getenv(COMPOSE_CLI_ENV_BIN);
	if (spec == NULL || spec[strspn(spec, " \t")] == '\0')
		spec = COMPOSE_CLI_DEFAULT_BIN;
	p = spec;
	for (;;) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		if (n == 2)
			return dr_fail(reterr, DR_ECONFIG, "%s=\"%s\": at most "
			    "a program and \"compose\"", COMPOSE_CLI_ENV_BIN,
			    spec);
		w[n] = p;
		wl[n] = strcspn(p, " \t");
		p += wl[n];
		n++;
	}
	for (i = 0; i < n; i++) {
		size_t	j;

		if (w[i][0] == '-' || wl[i] > COMPOSE_CLI_PATH_MAX)
			goto bad;
		for (j = 0; j < wl[i]; j++)
			if (compose_cli_ctl((unsigned char)w[i][j]))
				goto bad;
	}
	if (n == 2 && (wl[1] != 7 || memcmp(w[1], "compose", 7) != 0))
		return dr_fail(reterr, DR_ECONFIG, "%s=\"%s\": the second word "
		    "can only be \"compose\"", COMPOSE_CLI_ENV_BIN, spec);
	for (i = 0; i < n; i++)
		cli->words[i] = xstrndup(w[i], wl[i]);
	cli->nwords = n;
	return DR_OK;
bad:
	return dr_fail(reterr, DR_ECONFIG, "%s: not a usable program name",
	    COMPOSE_CLI_ENV_BIN);
}

void
compose_cli_done(struct compose_cli *cli)
{
	size_t	i;

	if (cli == NULL)
		return;
	for (i = 0; i < cli->nwords; i++)
		free(cli->words[i]);
	memset(cli, 0, sizeof(*cli));
}

static size_t
compose_cli_digits(const char *p, size_t len)
{
	size_t	i = 0;

	while (i < len && p[i] >= '0' && p[i] <= '9')
		i++;
	return i;
}

enum dr_err
compose_cli_parse_version(struct span out,
    enum compose_cli_dialect *ret_dialect,
    char ret_version[COMPOSE_CLI_VERSION_MAX], struct dr_error *reterr)
{
	struct span	line = { "", 0 };
	size_t		nl, i, d, major = 0;

	*ret_dialect = COMPOSE_CLI_UNKNOWN;
	ret_version[0] = '\0';
	while (out.len > 0) {
		nl = span_find(out, '\n');
		line = span_sub(out, 0, nl);
		while (line.len > 0 && (line.p[0] == ' ' ||
		    line.p[0] == '\t'))
			line = span_sub(line, 1, line.len);
		while (line.len > 0 && strchr(" \t\r",
		    line.p[line.len - 1]) != NULL)
			line.len--;
		if (line.len > 0)
			break;
		out = span_sub(out, nl + 1, out.len);
	}
	if (line.len > 0 && line.p[0] == 'v')
		line = span_sub(line, 1, line.len);
	if (line.len == 0 || line.len >= COMPOSE_CLI_VERSION_MAX)
		goto bad;
	/* MAJOR.MINOR[.PATCH] */
	for (i = 0, d = 0; d < 3; d++) {
		size_t	n = compose_cli_digits(line.p + i, line.len - i);

		if (n == 0 || n > 6)
			goto bad;
		if (d == 0) {
			size_t	k;

			for (k = 0; k < n; k++)
				major = major * 10 + (size_t)(line.p[k] - '0');
		}
		i += n;
		if (d == 2 || i == line.len || line.p[i] != '.')
			break;
		i++;
	}
	if (d == 0)
		goto bad;	/* no minor */
	if (i < line.len) {
		if (line.p[i] != '-' && line.p[i] != '+')
			goto bad;
		for (i++; i < line.len; i++) {
			char	c = line.p[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
			    c == '+' || c == '_'))
				goto bad;
		}
	}
	if (major == 0)
		goto bad;
	*ret_dialect = major == 1 ? COMPOSE_CLI_V1 : COMPOSE_CLI_V2;
	memcpy(ret_version, line.p, line.len);
	ret_version[line.len] = '\0';
	return DR_OK;
bad:
	return dr_fail(reterr, DR_EPROTO, "Compose printed no version we "
	    "understand (\"%.*s\")", (int)(line.len > 80 ? 80 : line.len),
	    line.p);
}

enum dr_err
compose_cli_detect(struct compose_cli *cli, int timeout_ms,
    struct dr_error *reterr)
{
	struct compose_cli_runopts	opts;
	struct compose_cli_result	res;
	char				*argv[6];
	size_t				 i, n = 0;
	enum dr_err			 rc;

	for (i = 0; i < cli->nwords; i++)
		argv[n++] = cli->words[i];
	argv[n++] = (char *)"version";
	argv[n++] = (char *)"--short";
	argv[n] = NULL;
	memset(&opts, 0, sizeof(opts));
	opts.timeout_ms = timeout_ms > 0 ? timeout_ms :
	    COMPOSE_CLI_VERSION_TIMEOUT_MS;
	opts.out_max = COMPOSE_CLI_VERSION_OUT_MAX;
	if ((rc = compose_cli_run(argv, &opts, &res, reterr)) != DR_OK)
		goto out;
	if (res.exit_code != 0) {
		rc = dr_fail(reterr, DR_EPROTO, "%s version --short failed "
		    "(exit %d): %.200s", cli->words[0], res.exit_code,
		    buf_str(&res.err));
		goto out;
	}
	rc = compose_cli_parse_version(buf_span(&res.out), &cli->dialect,
	    cli->version, reterr);
out:
	compose_cli_result_done(&res);
	return rc;
}

/*
 * Names and argv.
 */

bool
compose_cli_valid_project(const char *s)
{
	size_t	i;

	if (s == NULL || s[0] == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		char	c = s[i];

		if (i >= COMPOSE_CLI_NAME_MAX)
			return false;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (i > 0 && (c == '_' || c == '-'))
			continue;
		return false;
	}
	return true;
}

bool
compose_cli_valid_service(const char *s)
{
	size_t	i;

	if (s == NULL || s[0] == '\0' || s[0] == '-')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		char	c = s[i];

		if (i >= COMPOSE_CLI_NAME_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			return false;
	}
	return true;
}

bool
compose_cli_valid_path(const char *s)
{
	size_t	i;

	if (s == NULL || s[0] != '/')
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= COMPOSE_CLI_PATH_MAX ||
		    compose_cli_ctl((unsigned char)s[i]))
			return false;
	return true;
}

/* Shows a name in an error without letting it forge lines. */
static const char *
compose_cli_shown(const char *s, char *dst, size_t dstlen)
{
	size_t	i;

	if (s == NULL)
		return "(none)";
	for (i = 0; s[i] != '\0' && i + 1 < dstlen; i++)
		dst[i] = compose_cli_ctl((unsigned char)s[i]) ? '?' : s[i];
	dst[i] = '\0';
	return dst;
}

enum dr_err
compose_cli_argv(const struct compose_cli *cli,
    const struct compose_cli_project *project, enum compose_cli_verb verb,
    const char *service, unsigned flags, struct compose_cli_argv *ret,
    struct dr_error *reterr)
{
	const char *const	*words;
	char			 shown[128];
	size_t			 i, max, n = 0;

	memset(ret, 0, sizeof(*ret));
	if ((unsigned)verb >= COMPOSE_CLI_VERB_COUNT)
		return dr_fail(reterr, DR_EINVAL, "unknown compose verb");
	if (cli->nwords == 0 || cli->dialect == COMPOSE_CLI_UNKNOWN)
		return dr_fail(reterr, DR_EINVAL,
		    "the Compose version has not been detected");
	if (!compose_cli_valid_project(project->name))
		return dr_fail(reterr, DR_EINVAL, "invalid project name \"%s\" "
		    "(Compose allows [a-z0-9][a-z0-9_-]*)",
		    compose_cli_shown(project->name, shown, sizeof(shown)));
	if (project->nfiles == 0 || project->nfiles > COMPOSE_CLI_FILES_MAX)
		return dr_fail(reterr, DR_EINVAL, "a project needs 1 to %d "
		    "compose files, not %zu", COMPOSE_CLI_FILES_MAX,
		    project->nfiles);
	for (i = 0; i < project->nfiles; i++)
		if (!compose_cli_valid_path(project->files[i]))
			return dr_fail(reterr, DR_EINVAL, "compose file \"%s\" "
			    "is not an absolute path without control "
			    "characters", compose_cli_shown(project->files[i],
			    shown, sizeof(shown)));
	if (project->env_file != NULL &&
	    !compose_cli_valid_path(project->env_file))
		return dr_fail(reterr, DR_EINVAL, "env file \"%s\" is not an "
		    "absolute path without control characters",
		    compose_cli_shown(project->env_file, shown,
		    sizeof(shown)));
	if (service != NULL && !compose_cli_verbs[verb].service)
		return dr_fail(reterr, DR_EINVAL,
		    "this compose command takes no service");
	if (service != NULL && !compose_cli_valid_service(service))
		return dr_fail(reterr, DR_EINVAL, "invalid service name \"%s\" "
		    "(allowed: [a-zA-Z0-9._-]+, not starting with '-')",
		    compose_cli_shown(service, shown, sizeof(shown)));
	if ((flags & ~(unsigned)COMPOSE_CLI_NO_DEPS) != 0 ||
	    ((flags & COMPOSE_CLI_NO_DEPS) && !compose_cli_verbs[verb].no_deps))
		return dr_fail(reterr, DR_EINVAL,
		    "flags not valid for this compose command");

	words = cli->dialect == COMPOSE_CLI_V1 ? compose_cli_verbs[verb].v1 :
	    compose_cli_verbs[verb].v2;
	max = cli->nwords + 2 + 2 * project->nfiles + 2 +
	    COMPOSE_CLI_VERB_WORDS + 1 + 2 + 1;
	ret->argv = xcalloc(max, sizeof(*ret->argv));
	for (i = 0; i < cli->nwords; i++)
		ret->argv[n++] = xstrdup(cli->words[i]);
	ret->argv[n++] = xstrdup("--project-name");
	ret->argv[n++] = xstrdup(project->name);
	for (i = 0; i < project->nfiles; i++) {
		ret->argv[n++] = xstrdup("-f");
		ret->argv[n++] = xstrdup(project->files[i]);
	}
	if (project->env_file != NULL) {
		ret->argv[n++] = xstrdup("--env-file");
		ret->argv[n++] = xstrdup(project->env_file);
	}
	for (i = 0; i < COMPOSE_CLI_VERB_WORDS && words[i] != NULL; i++)
		ret->argv[n++] = xstrdup(words[i]);
	if (flags & COMPOSE_CLI_NO_DEPS)
		ret->argv[n++] = xstrdup("--no-deps");
	if (service != NULL) {
		ret->argv[n++] = xstrdup("--");
		ret->argv[n++] = xstrdup(service);
	}
	ret->argv[n] = NULL;
	ret->argc = n;
	return DR_OK;
}

void
compose_cli_argv_done(struct compose_cli_argv *a)
{
	size_t	i;

	if (a == NULL || a->argv == NULL)
		return;
	for (i = 0; i < a->argc; i++)
		free(a->argv[i]);
	free(a->argv);
	a->argv = NULL;
	a->argc = 0;
}

void
compose_cli_argv_format(char *const argv[], struct buf *out)
{
	const char	*s;
	size_t		 i;

	for (i = 0; argv[i] != NULL; i++) {
		s = argv[i];
		if (i > 0)
			buf_addc(out, ' ');
		if (s[0] != '\0' && s[strspn(s, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=@%+,-")] ==
		    '\0') {
			buf_adds(out, s);
			continue;
		}
		buf_addc(out, '\'');
		for (; *s != '\0'; s++) {
			if (*s == '\'')
				buf_adds(out, "'\\''");
			else
				buf_addc(out, compose_cli_ctl(
				    (unsigned char)*s) ? '?' : *s);
		}
		buf_addc(out, '\'');
	}
}

/*
 * The runner.
 */

/* One output stream of the child. */
struct compose_cli_stream_state {
	enum compose_cli_stream	 which;
	int			 fd;
	struct buf		*keep;
	size_t			 kept;
	size_t			*dropped;
	char			 line[COMPOSE_CLI_LINE_MAX];
	size_t			 linelen;
	bool			 marked;	/* marker line sent */
};

static int64_t
compose_cli_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Moves fd above stdio, so dup2 onto 1/2 always clears close-on-exec. */
static int
compose_cli_fd_above_stdio(int fd)
{
	int	nfd;

	if (fd > STDERR_FILENO)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return nfd;
}

static bool
compose_cli_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) == -1) {
		fds[0] = fds[1] = -1;
		return false;
	}
	fds[0] = compose_cli_fd_above_stdio(fds[0]);
	fds[1] = compose_cli_fd_above_stdio(fds[1]);
	return fds[0] != -1 && fds[1] != -1;
}

static void
compose_cli_emit(struct compose_cli_stream_state *s,
    const struct compose_cli_runopts *o)
{
	size_t	len = s->linelen;

	if (len > 0 && s->line[len - 1] == '\r')
		len--;
	if (o->on_line != NULL)
		o->on_line(o->arg, s->which, span_make(s->line, len));
	s->linelen = 0;
}

/* Takes n bytes the child wrote: keeps up to cap, hands out lines. */
static void
compose_cli_feed(struct compose_cli_stream_state *s, const char *p, size_t n,
    size_t cap, const struct compose_cli_runopts *o)
{
	size_t	take = n, i;
	char	mark[96];

	if (take > cap - s->kept)
		take = cap - s->kept;
	buf_add(s->keep, p, take);
	s->kept += take;
	*s->dropped += n - take;
	for (i = 0; i < take; i++) {
		if (p[i] == '\n') {
			compose_cli_emit(s, o);
			continue;
		}
		if (s->linelen == sizeof(s->line))
			compose_cli_emit(s, o);
		s->line[s->linelen++] = p[i];
	}
	if (*s->dropped > 0 && !s->marked) {
		if (s->linelen > 0)
			compose_cli_emit(s, o);
		s->marked = true;
		snprintf(mark, sizeof(mark), "[dockrev: %s over %zu bytes, "
		    "the rest is not kept]", s->which == COMPOSE_CLI_STDOUT ?
		    "stdout" : "stderr", cap);
		if (o->on_line != NULL)
			o->on_line(o->arg, s->which, span_str(mark));
	}
}

/* True once pid has exited (left unreaped, so its group id stays ours). */
static bool
compose_cli_exited(pid_t pid, bool *gone)
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
compose_cli_kill(pid_t pid, int sig, bool gone)
{
	if (gone)
		return;		/* the id may belong to someone else now */
	kill(-pid, sig);
	kill(pid, sig);
}

enum compose_cli_phase {
	COMPOSE_CLI_RUNNING,
	COMPOSE_CLI_TERMED,		/* SIGTERM sent, grace running */
	COMPOSE_CLI_KILLED,		/* SIGKILL sent, last drain */
};

enum dr_err
compose_cli_run(char *const argv[], const struct compose_cli_runopts *o,
    struct compose_cli_result *ret, struct dr_error *reterr)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	sigset_t			 none, all;
	struct compose_cli_stream_state	*st = NULL;
	struct pollfd			 pfd[2];
	enum compose_cli_phase		 phase = COMPOSE_CLI_RUNNING;
	char				*chunk = NULL;
	int				 outp[2] = { -1, -1 };
	int				 errp[2] = { -1, -1 };
	int				 err, n, slice, status = 0, i, nopen = 2;
	int64_t				 now, deadline, exited_at = 0;
	size_t				 cap;
	pid_t				 pid = -1;
	ssize_t				 r;
	bool				 exited = false, gone = false;
	bool				 kill_all = false, done = false;
	enum dr_err			 rc = DR_OK;

	memset(ret, 0, sizeof(*ret));
	ret->exit_code = -1;
	cap = o->out_max > 0 ? o->out_max : COMPOSE_CLI_OUT_MAX;
	buf_init(&ret->out, cap + COMPOSE_CLI_MARK_ROOM);
	buf_init(&ret->err, cap + COMPOSE_CLI_MARK_ROOM);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	if (argv == NULL || argv[0] == NULL || o->timeout_ms <= 0) {
		rc = dr_fail(reterr, DR_EINVAL, "nothing to run, or no timeout");
		goto out;
	}
	if (!compose_cli_pipe(outp) || !compose_cli_pipe(errp)) {
		rc = dr_fail(reterr, DR_EIO, "pipe: %s", strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
	    O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, outp[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, errp[1], STDERR_FILENO);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	deadline = compose_cli_now_ms() + o->timeout_ms;
	if ((err = posix_spawnp(&pid, argv[0], &fa, &attr, argv,
	    o->envp != NULL ? o->envp : environ)) != 0) {
		pid = -1;
		if (err == ENOENT)
			rc = dr_fail(reterr, DR_ECONFIG, "%s: not found in PATH",
			    argv[0]);
		else
			rc = dr_fail(reterr, DR_EIO, "cannot run %s: %s",
			    argv[0], strerror(err));
		goto out;
	}
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;

	st = xcalloc(2, sizeof(*st));
	st[0].which = COMPOSE_CLI_STDOUT;
	st[0].fd = outp[0];
	st[0].keep = &ret->out;
	st[0].dropped = &ret->out_dropped;
	st[1].which = COMPOSE_CLI_STDERR;
	st[1].fd = errp[0];
	st[1].keep = &ret->err;
	st[1].dropped = &ret->err_dropped;
	chunk = xmalloc(COMPOSE_CLI_CHUNK);
	/*
	 * Read until the child has exited and its output is closed.  At the
	 * deadline: SIGTERM and a grace (still reading what it says), then
	 * SIGKILL and a last drain.  Output held open after the child exited
	 * belongs to something it left behind: drained briefly, then killed.
	 */
	while (!done) {
		now = compose_cli_now_ms();
		if (!exited && compose_cli_exited(pid, &gone)) {
			exited = true;
			exited_at = now;
		}
		if (exited && nopen == 0)
			break;
		if (exited && now >= exited_at + COMPOSE_CLI_DRAIN_MS) {
			kill_all = true;
			break;
		}
		if (now >= deadline) {
			switch (phase) {
			case COMPOSE_CLI_RUNNING:
				ret->timed_out = true;
				if (o->kill_grace_ms > 0) {
					compose_cli_kill(pid, SIGTERM, gone);
					phase = COMPOSE_CLI_TERMED;
					deadline = now + o->kill_grace_ms;
					break;
				}
				/* FALLTHROUGH */
			case COMPOSE_CLI_TERMED:
				compose_cli_kill(pid, SIGKILL, gone);
				phase = COMPOSE_CLI_KILLED;
				deadline = now + COMPOSE_CLI_DRAIN_MS;
				break;
			case COMPOSE_CLI_KILLED:
				done = true;
				break;
			}
			continue;
		}
		slice = (int)(deadline - now);
		if (exited && exited_at + COMPOSE_CLI_DRAIN_MS - now < slice)
			slice = (int)(exited_at + COMPOSE_CLI_DRAIN_MS - now);
		if (slice > COMPOSE_CLI_SLICE_MS)
			slice = COMPOSE_CLI_SLICE_MS;
		if (nopen == 0 && slice > 5)
			slice = 5;	/* output closed: watch for the exit */
		for (i = 0; i < 2; i++) {
			pfd[i].fd = st[i].fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		n = poll(pfd, 2, slice);
		if (n == -1 && errno != EINTR) {
			rc = dr_fail(reterr, DR_EIO, "poll: %s",
			    strerror(errno));
			kill_all = true;
			break;
		}
		for (i = 0; n > 0 && i < 2; i++) {
			if (st[i].fd == -1 || pfd[i].revents == 0)
				continue;
			r = read(st[i].fd, chunk, COMPOSE_CLI_CHUNK);
			if (r == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				close(st[i].fd);
				st[i].fd = -1;
				nopen--;
				continue;
			}
			compose_cli_feed(&st[i], chunk, (size_t)r, cap, o);
		}
	}
	for (i = 0; i < 2; i++)
		if (st[i].linelen > 0)
			compose_cli_emit(&st[i], o);
	/* The leader is unreaped until here, so its group id is still ours. */
	if (kill_all || (phase != COMPOSE_CLI_RUNNING && !exited))
		compose_cli_kill(pid, SIGKILL, gone);
	if (!gone) {
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		ret->status = status;
		if (WIFEXITED(status))
			ret->exit_code = WEXITSTATUS(status);
		else if (WIFSIGNALED(status))
			ret->signal = WTERMSIG(status);
	}
	pid = -1;
	if (ret->timed_out && rc == DR_OK)
		rc = dr_fail(reterr, DR_ETIMEOUT, "%s did not finish within %d "
		    "ms; killed", argv[0], o->timeout_ms);
	if (ret->out_dropped > 0)
		buf_printf(&ret->out, "\n[dockrev: %zu more bytes of stdout "
		    "not kept]\n", ret->out_dropped);
	if (ret->err_dropped > 0)
		buf_printf(&ret->err, "\n[dockrev: %zu more bytes of stderr "
		    "not kept]\n", ret->err_dropped);
out:
	if (st != NULL)
		for (i = 0; i < 2; i++)
			if (st[i].fd != -1)
				close(st[i].fd);
	if (st == NULL) {
		if (outp[0] != -1)
			close(outp[0]);
		if (errp[0] != -1)
			close(errp[0]);
	}
	if (outp[1] != -1)
		close(outp[1]);
	if (errp[1] != -1)
		close(errp[1]);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	free(chunk);
	free(st);
	return rc;
}

void
compose_cli_result_done(struct compose_cli_result *r)
{
	if (r == NULL)
		return;
	buf_done(&r->out);
	buf_done(&r->err);
}

enum dr_err
compose_cli_exec(const struct compose_cli *cli,
    const struct compose_cli_project *project, enum compose_cli_verb verb,
    const char *service, unsigned flags,
    const struct compose_cli_runopts *opts, struct compose_cli_result *ret,
    struct dr_error *reterr)
{
	struct compose_cli_argv	a;
	enum dr_err		rc;

	memset(ret, 0, sizeof(*ret));
	if ((rc = compose_cli_argv(cli, project, verb, service, flags, &a,
	    reterr)) != DR_OK)
		return rc;
	rc = compose_cli_run(a.argv, opts, ret, reterr);
	compose_cli_argv_done(&a);
	return rc;
}
