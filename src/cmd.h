/*
 * cmd: the CLI subcommands.  Each lives in cmd-<name>.c and is one row of
 * the table in cmd.c; main() only looks the name up and runs it.
 * A command returns the process exit status: 0 success, 1 failure,
 * 2 usage error.
 */
#ifndef CMD_H
#define CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cmd_entry {
	const char	*name;
	int		(*run)(int argc, char **argv);
	const char	*usage;
	const char	*summary;
	/* Serves many threads for its whole life: keeps glibc's malloc arena
	 * per thread.  Other commands run a few short-lived threads (engine
	 * batches, the libcurl preload) on one arena: an arena per thread
	 * costs more resident memory than it saves time (bench/check). */
	bool		 threaded;
};

/* The command called name, or NULL. */
const struct cmd_entry	*cmd_find(const char *name);
/* Prints the list of commands to stdout or stderr. */
void			 cmd_usage(int to_stderr);

int	cmd_check(int, char **);
int	cmd_update(int, char **);
int	cmd_jobs(int, char **);
int	cmd_job(int, char **);
int	cmd_rollback(int, char **);
int	cmd_stack(int, char **);
int	cmd_serve(int, char **);
int	cmd_healthcheck(int, char **);

/* Prints the jobs ids[0..n) (0s skipped): text, or JSON (one object when
 * one, else an array). */
struct store;
void	cmd_print_jobs(struct store *, const int64_t *ids, size_t n, bool json,
	    bool one);

#endif
