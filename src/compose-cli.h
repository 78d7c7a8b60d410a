/*
 * compose-cli: Compose command lines as argv arrays, never a shell string,
 * and a runner for them.  Invariant: every name and path in an argv has
 * been validated and is passed as one argv word, after `--` when it is a
 * positional argument; nothing is ever interpreted by a shell.
 *
 * The program comes from DOCKREV_COMPOSE_BIN: "docker-compose" (default),
 * any program, or a program followed by the word "compose" ("docker
 * compose" runs argv ["docker", "compose", ...]); words are split at
 * blanks, so a program path with a space in it is not supported.  Its dialect, Compose v1
 * (Python, 1.x) or v2 (Go, 2.x and later), is detected from
 * `<bin> version --short`.  Every command is
 *   <bin> --project-name P -f F1 [-f F2 ...] [--env-file E] VERB...
 * with the files in the order given.
 */
#ifndef COMPOSE_CLI_H
#define COMPOSE_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "span.h"

#define COMPOSE_CLI_ENV_BIN		"DOCKREV_COMPOSE_BIN"
#define COMPOSE_CLI_DEFAULT_BIN		"docker-compose"
#define COMPOSE_CLI_NAME_MAX		255	/* project and service names */
#define COMPOSE_CLI_PATH_MAX		4096
#define COMPOSE_CLI_FILES_MAX		32
#define COMPOSE_CLI_VERSION_MAX		64
#define COMPOSE_CLI_VERSION_OUT_MAX	4096	/* `version --short` output */
#define COMPOSE_CLI_VERSION_TIMEOUT_MS	30000	/* Python starts slowly */
#define COMPOSE_CLI_OUT_MAX		(1024 * 1024)	/* default stream cap */
#define COMPOSE_CLI_LINE_MAX		4096	/* longer lines come in pieces */
#define COMPOSE_CLI_DRAIN_MS		200	/* output grace after exit */

enum compose_cli_dialect {
	COMPOSE_CLI_UNKNOWN,
	COMPOSE_CLI_V1,			/* docker-compose 1.x (Python) */
	COMPOSE_CLI_V2,			/* docker compose 2.x and later */
};

/* The Compose program; embedded, init/done. */
struct compose_cli {
	char			*words[3];	/* program [compose], NULL */
	size_t			 nwords;
	enum compose_cli_dialect dialect;	/* UNKNOWN until detected */
	char			 version[COMPOSE_CLI_VERSION_MAX]; /* "2.24.5" */
};

/* A project, all borrowed. */
struct compose_cli_project {
	const char		*name;		/* --project-name, required */
	const char *const	*files;		/* -f, in order, absolute */
	size_t			 nfiles;	/* 1..COMPOSE_CLI_FILES_MAX */
	const char		*env_file;	/* --env-file, or NULL */
};

/*
 * What a command does, per dialect:
 *   PULL         pull [-- SVC]
 *   UP           up -d [--no-deps] [-- SVC]; pulls images missing locally
 *   UP_NO_PULL   v2: up -d --pull never [--no-deps] [-- SVC]
 *                v1: up -d [--no-deps] [-- SVC]: v1 has no --pull; its up
 *                pulls only images missing locally, so the caller must make
 *                sure the image is present (a re-tagged old image is used
 *                as is) or v1 will pull it
 *   PS           container IDs, stopped ones too: v1 ps -q, v2 ps -a -q
 *   CONFIG       config -q: validates the files, prints nothing
 *   SERVICES     config --services
 */
enum compose_cli_verb {
	COMPOSE_CLI_PULL,
	COMPOSE_CLI_UP,
	COMPOSE_CLI_UP_NO_PULL,
	COMPOSE_CLI_PS,
	COMPOSE_CLI_CONFIG,
	COMPOSE_CLI_SERVICES,
	COMPOSE_CLI_VERB_COUNT
};

#define COMPOSE_CLI_NO_DEPS	0x1	/* up: leave dependencies alone */

/* A NULL-terminated argv owned by its holder (compose_cli_argv_done). */
struct compose_cli_argv {
	char	**argv;
	size_t	  argc;
};

/*
 * Sets up cli from spec (NULL: $DOCKREV_COMPOSE_BIN, and "docker-compose"
 * when that is unset or empty).  DR_ECONFIG when spec is not one program
 * word, or a program word followed by "compose", or a word starts with '-'
 * or holds a control character.  cli->dialect is UNKNOWN afterwards.
 */
enum dr_err	compose_cli_init(struct compose_cli *cli, const char *spec,
		    struct dr_error *reterr);
void		compose_cli_done(struct compose_cli *cli);

/*
 * Reads the output of `version --short`: the first non-empty line must be
 * [v]MAJOR.MINOR[.PATCH][-+suffix] and nothing else ("1.29.2", "v2.24.5",
 * "2.24.5-desktop.1").  Major 1 is v1, 2 and later v2.  Fills
 * ret_version (without the "v").  DR_EPROTO for anything else.
 */
enum dr_err	compose_cli_parse_version(struct span out,
		    enum compose_cli_dialect *ret_dialect,
		    char ret_version[COMPOSE_CLI_VERSION_MAX],
		    struct dr_error *reterr);

/*
 * Runs `<bin> version --short` (stdout captured up to
 * COMPOSE_CLI_VERSION_OUT_MAX, timeout_ms, 0 for the default) and sets
 * cli->dialect and cli->version.  Errors of compose_cli_run, DR_EPROTO
 * when it exits non-zero or prints something else.
 */
enum dr_err	compose_cli_detect(struct compose_cli *cli, int timeout_ms,
		    struct dr_error *reterr);

/* Compose's project name grammar: [a-z0-9][a-z0-9_-]*, at most 255. */
bool		compose_cli_valid_project(const char *);
/* Service names: [a-zA-Z0-9._-]+ not starting with '-', at most 255. */
bool		compose_cli_valid_service(const char *);
/* Absolute, at most COMPOSE_CLI_PATH_MAX, no control characters. */
bool		compose_cli_valid_path(const char *);

/*
 * Builds the argv of verb for project (and service, NULL for all).
 * DR_EINVAL, naming the culprit, for an invalid project name, service
 * name, file or env file, no or too many files, a service or flag the verb
 * does not take, or a cli whose dialect is not known yet.
 */
enum dr_err	compose_cli_argv(const struct compose_cli *cli,
		    const struct compose_cli_project *project,
		    enum compose_cli_verb verb, const char *service,
		    unsigned flags, struct compose_cli_argv *ret,
		    struct dr_error *reterr);
void		compose_cli_argv_done(struct compose_cli_argv *);
/* Appends argv for a log line: words joined by spaces, shell-quoted when
 * not plain, control characters shown as '?'.  For display only. */
void		compose_cli_argv_format(char *const argv[], struct buf *out);

enum compose_cli_stream {
	COMPOSE_CLI_STDOUT = 1,
	COMPOSE_CLI_STDERR = 2,
};

struct compose_cli_runopts {
	char *const	*envp;		/* NULL: this process's environment */
	int		 timeout_ms;	/* the whole run; > 0 */
	int		 kill_grace_ms;	/* on timeout SIGTERM, then SIGKILL
					 * this much later; 0: SIGKILL */
	size_t		 out_max;	/* per stream; 0: COMPOSE_CLI_OUT_MAX */
	/* Called for every line as it arrives, without its "\n" or "\r\n";
	 * a line over COMPOSE_CLI_LINE_MAX comes in pieces; after out_max
	 * bytes of a stream, one marker line and nothing more.  May be NULL. */
	void		(*on_line)(void *arg, enum compose_cli_stream,
			    struct span line);
	void		*arg;
};

struct compose_cli_result {
	int		 status;	/* raw wait status */
	int		 exit_code;	/* 0..255, or -1 when killed */
	int		 signal;	/* the signal that killed it, or 0 */
	bool		 timed_out;
	struct buf	 out;		/* the first out_max bytes of stdout, and
					 * a marker line when more was dropped */
	struct buf	 err;		/* same for stderr */
	size_t		 out_dropped;	/* bytes beyond out_max */
	size_t		 err_dropped;
};

/*
 * Runs argv (argv[0] searched in PATH) with posix_spawnp in a new process
 * group, stdin from /dev/null, stdout and stderr read separately through
 * one poll loop, lines handed to opts->on_line as they come.  The child is
 * always reaped.  If it exits while something it started still holds its
 * output open, that is waited for COMPOSE_CLI_DRAIN_MS, then the group is
 * killed.  At the deadline the whole group is killed (SIGTERM, then
 * SIGKILL after kill_grace_ms) and DR_ETIMEOUT returned.  Returns DR_OK
 * whenever the program ran to its end, whatever its exit status (see
 * ret); DR_ECONFIG when argv[0] is not found, DR_EIO for system errors.
 * ret is filled in every case (free with compose_cli_result_done).  The
 * caller must not ignore SIGCHLD.
 */
enum dr_err	compose_cli_run(char *const argv[],
		    const struct compose_cli_runopts *opts,
		    struct compose_cli_result *ret, struct dr_error *reterr);
void		compose_cli_result_done(struct compose_cli_result *);

/* compose_cli_argv and compose_cli_run in one call. */
enum dr_err	compose_cli_exec(const struct compose_cli *cli,
		    const struct compose_cli_project *project,
		    enum compose_cli_verb verb, const char *service,
		    unsigned flags, const struct compose_cli_runopts *opts,
		    struct compose_cli_result *ret, struct dr_error *reterr);

#endif
