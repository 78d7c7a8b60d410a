/*
 * cmd: the CLI subcommands.  Each lives in cmd-<name>.c and is one row of
 * the table in cmd.c; main() only looks the name up and runs it.
 * A command returns the process exit status: 0 success, 1 failure,
 * 2 usage error.
 */
#ifndef CMD_H
#define CMD_H

struct cmd_entry {
	const char	*name;
	int		(*run)(int argc, char **argv);
	const char	*usage;
	const char	*summary;
};

/* The command called name, or NULL. */
const struct cmd_entry	*cmd_find(const char *name);
/* Prints the list of commands to stdout or stderr. */
void			 cmd_usage(int to_stderr);

int	cmd_check(int, char **);
int	cmd_update(int, char **);
int	cmd_jobs(int, char **);
int	cmd_job(int, char **);

#endif
