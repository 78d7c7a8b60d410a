/*
 * cmd-serve: `dockrev serve [--listen ADDR:PORT] [--config FILE]`.  Loads
 * and validates the configuration (exit 2 on a bad one, nothing started)
 * and runs the daemon until SIGTERM/SIGINT.
 */
#include "cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "serve.h"

int
cmd_serve(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*listen = NULL, *file = NULL;
	struct config	*cfg = NULL;
	struct dr_error	 e;
	int		 ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "l:c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			listen = optarg;
			break;
		case 'c':
			file = optarg;
			break;
		case 'h':
			printf("usage: dockrev serve [--listen ADDR:PORT] "
			    "[--config FILE]\n");
			return 0;
		default:
			fprintf(stderr, "usage: dockrev serve [--listen "
			    "ADDR:PORT] [--config FILE]\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "dockrev serve: unexpected argument \"%s\"\n",
		    argv[optind]);
		return 2;
	}
	if (config_load(file, NULL, &cfg, &e) != DR_OK) {
		fprintf(stderr, "dockrev serve: %s\n", e.msg);
		return 2;
	}
	/* The command line wins over the environment and the file. */
	if (listen != NULL && (config_set(cfg, "listen", listen, "--listen",
	    &e) != DR_OK || config_validate(cfg, &e) != DR_OK)) {
		fprintf(stderr, "dockrev serve: %s\n", e.msg);
		config_free(cfg);
		return 2;
	}
	rc = serve_run(cfg);
	config_free(cfg);
	return rc;
}
