/*
 * dockrev: keeps the containers of a Docker host up to date without losing
 * them.  main() sets up global state and runs one subcommand.
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "curl-lazy.h"

#define DOCKREV_VERSION	"0.1.0"

int
main(int argc, char **argv)
{
	const struct cmd_entry	*c;
	int			 rc;

	if (argc < 2 || strcmp(argv[1], "help") == 0 ||
	    strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cmd_usage(argc < 2);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "version") == 0 ||
	    strcmp(argv[1], "--version") == 0) {
		printf("dockrev %s\n", DOCKREV_VERSION);
		return 0;
	}
	if ((c = cmd_find(argv[1])) == NULL) {
		fprintf(stderr, "dockrev: unknown command \"%s\"\n", argv[1]);
		cmd_usage(1);
		return 2;
	}
	if (!c->threaded)
		(void)mallopt(M_ARENA_MAX, 1);	/* cmd.h */
	/* libcurl is loaded (and initialised) by its first use: curl-lazy. */
	rc = c->run(argc - 1, argv + 1);
	curl_lazy_cleanup();
	return rc;
}
