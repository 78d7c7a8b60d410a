/*
 * proc: runs a program by argv, never through a shell, and collects what it
 * says.  Invariant: every child proc_run starts is reaped before it
 * returns, in its own process group so that what it left behind can be
 * killed with it, and no pipe end of ours leaks into any child.
 */
#ifndef PROC_H
#define PROC_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "span.h"

#define PROC_OUT_MAX	(1024 * 1024)	/* default capture cap per stream */
#define PROC_LINE_MAX	4096		/* longer lines come in pieces */
#define PROC_DRAIN_MS	200		/* output grace after exit */

enum proc_stream {
	PROC_STDOUT = 1,
	PROC_STDERR = 2,
};

#define PROC_STDERR_NULL	0x1	/* its stderr goes to /dev/null */
#define PROC_OVERFLOW_FAILS	0x2	/* over out_max: kill it, DR_ETOOBIG */

/* How to run it; all borrowed for the length of the call. */
struct proc_opts {
	char *const	*envp;		/* NULL: this process's environment */
	struct span	 in;		/* written to its stdin, which is then
					 * closed; empty: stdin is /dev/null */
	int		 timeout_ms;	/* the whole run; > 0 */
	int		 kill_grace_ms;	/* on timeout SIGTERM, then SIGKILL
					 * this much later; 0: SIGKILL */
	size_t		 out_max;	/* per stream; 0: PROC_OUT_MAX */
	unsigned	 flags;		/* PROC_* above */
	/* Called for every line as it arrives, without its "\n" or "\r\n";
	 * a line over PROC_LINE_MAX comes in pieces; after out_max bytes of
	 * a stream, one marker line and nothing more.  May be NULL. */
	void		(*on_line)(void *arg, enum proc_stream,
			    struct span line);
	/* Called once, right after the child started, with its pid (also
	 * its process group id).  May be NULL. */
	void		(*on_start)(void *arg, pid_t pid);
	/* Asked at least every PROC_SLICE_MS while the child runs; once it
	 * answers true the group is killed as at the deadline (SIGTERM,
	 * kill_grace_ms, SIGKILL) and ret->cancelled set.  May be NULL. */
	bool		(*cancel)(void *arg);
	void		*arg;
};

struct proc_result {
	int		 status;	/* raw wait status */
	int		 exit_code;	/* 0..255, or -1 when killed */
	int		 signal;	/* the signal that killed it, or 0 */
	bool		 timed_out;
	bool		 cancelled;	/* opts->cancel said so; killed */
	struct buf	 out;		/* the first out_max bytes of stdout, and
					 * a marker line when more was dropped */
	struct buf	 err;		/* same for stderr */
	size_t		 out_dropped;	/* bytes beyond out_max */
	size_t		 err_dropped;
};

/*
 * Runs argv (argv[0] searched in PATH) with posix_spawnp in a new process
 * group with default signal handling, opts->in fed to its stdin, stdout
 * and stderr read separately through one poll loop, lines handed to
 * opts->on_line as they come.  Writes to its stdin never raise SIGPIPE in
 * us.  The child is always reaped.  If it exits while something it started
 * still holds its output open, that is waited for PROC_DRAIN_MS, then the
 * group is killed.  At the deadline the whole group is killed (SIGTERM,
 * then SIGKILL after kill_grace_ms) and DR_ETIMEOUT returned; the same
 * when opts->cancel answers true (ret->cancelled tells which).
 *
 * Returns DR_OK whenever the program ran to its end, whatever its exit
 * status (see ret); DR_ECONFIG when argv[0] is not found, DR_ETOOBIG when
 * PROC_OVERFLOW_FAILS is set and a stream passed out_max (the group is
 * killed at once), DR_EINVAL for no argv or no timeout, DR_EIO for system
 * errors.  Error details name argv[0], never what it wrote.  ret is filled
 * in every case; free it with proc_result_done (what it captured is the
 * caller's to wipe first if secret; proc_run wipes its own scratch).  The
 * caller must not ignore SIGCHLD.  Safe from several threads at once.
 */
enum dr_err	proc_run(char *const argv[], const struct proc_opts *opts,
		    struct proc_result *ret, struct dr_error *reterr);
/* Frees ret's buffers.  NULL is fine. */
void		proc_result_done(struct proc_result *ret);

#endif
