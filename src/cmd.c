/*
 * cmd: the table of subcommands.  Adding a command is adding a row.
 */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

static const struct cmd_entry cmd_table[] = {
	{ "check", cmd_check, "check [--all] [--json] [--label-enable] "
	    "[--docker-config PATH]",
	    "find available updates for every container (read-only)", false },
	{ "update", cmd_update, "update (--service NAME | --stack STACK | "
	    "--all) [--to TAG] [--dry-run] [--yes] [--json] [--deadline S] "
	    "[--settle S] [--parallel N] [--label-enable]",
	    "update services under a health gate, rolling back on failure",
	    false },
	{ "rollback", cmd_rollback, "rollback --service NAME [--to DIGEST|TAG] "
	    "[--dry-run] [--yes] [--json] [--deadline S] [--settle S]",
	    "put back the image a service ran before (or the one named)",
	    false },
	{ "stack", cmd_stack, "stack add NAME -f FILE [-f FILE ...] "
	    "[--env-file FILE] [--project-name NAME] | stack ls [--json] | "
	    "stack rm NAME", "register the files of a Compose stack", false },
	{ "jobs", cmd_jobs, "jobs [--json]", "list recent jobs", false },
	{ "job", cmd_job, "job ID [--json]", "one job: targets, steps, log",
	    false },
	{ "serve", cmd_serve, "serve [--listen ADDR:PORT] [--config FILE]",
	    "run the daemon: HTTP API, web UI, schedules, webhooks", true },
	{ "healthcheck", cmd_healthcheck, "healthcheck [--url URL] "
	    "[--config FILE]",
	    "exit 0 when the daemon answers /healthz (container HEALTHCHECK)",
	    false },
};

const struct cmd_entry *
cmd_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		if (strcmp(cmd_table[i].name, name) == 0)
			return &cmd_table[i];
	return NULL;
}

void
cmd_usage(int to_stderr)
{
	FILE	*f = to_stderr ? stderr : stdout;
	size_t	 i;

	fprintf(f, "usage: dockrev COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		fprintf(f, "  %-10s %s\n             dockrev %s\n",
		    cmd_table[i].name, cmd_table[i].summary,
		    cmd_table[i].usage);
	fprintf(f, "\nenvironment: DOCKER_HOST, DOCKER_TLS_VERIFY, "
	    "DOCKER_CERT_PATH, DOCKER_CONFIG, DOCKREV_STATE_DIR,\n"
	    "  DOCKREV_COMPOSE_BIN, DOCKREV_LABEL_ENABLE, DOCKREV_PARALLEL;\n"
	    "  serve: DOCKREV_CONFIG, DOCKREV_LISTEN, DOCKREV_AUTH_MODE and "
	    "more (docs/config.md)\n");
}
