/*
 * compose-cli: Compose command lines as argv arrays, never a shell string,
 * run by proc_run.  Invariant: every name and path in an argv has
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
#include "proc.h"
#include "span.h"

#define COMPOSE_CLI_ENV_BIN		"DOCKREV_COMPOSE_BIN"
#define COMPOSE_CLI_DEFAULT_BIN		"docker-compose"
#define COMPOSE_CLI_NAME_MAX		255	/* project and service names */
#define COMPOSE_CLI_PATH_MAX		4096
#define COMPOSE_CLI_FILES_MAX		32
#define COMPOSE_CLI_VERSION_MAX		64
#define COMPOSE_CLI_VERSION_OUT_MAX	4096	/* `version --short` output */
#define COMPOSE_CLI_VERSION_TIMEOUT_MS	30000	/* Python starts slowly */

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
 * cli->dialect and cli->version.  Errors of proc_run, DR_EPROTO
 * when it exits non-zero or prints something else.
 */
enum dr_err	compose_cli_detect(struct compose_cli *cli, int timeout_ms,
		    struct dr_error *reterr);

/*
 * compose_cli_detect, remembered: in this process, and in the file
 * cache_path (may be NULL) keyed by the binary's path, size and mtime,
 * so a `dockrev update` does not start a Python docker-compose twice.
 * Only a one-word program (docker-compose, not `docker compose`, whose
 * plugin may change under the same docker binary) is kept in the file.
 * The file is written atomically; failing to write it is not an error.
 */
enum dr_err	compose_cli_detect_cached(struct compose_cli *,
		    const char *cache_path, struct dr_error *reterr);

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

/* compose_cli_argv and proc_run in one call. */
enum dr_err	compose_cli_exec(const struct compose_cli *cli,
		    const struct compose_cli_project *project,
		    enum compose_cli_verb verb, const char *service,
		    unsigned flags, const struct proc_opts *opts,
		    struct proc_result *ret, struct dr_error *reterr);

#endif
