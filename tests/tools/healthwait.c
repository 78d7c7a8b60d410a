/*
 * healthwait: runs the health gate on one container and prints the verdict
 * as one JSON line, for integration tests and bench/update.
 * usage: healthwait NAME DEADLINE_MS SETTLE_MS
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

#include "docker-client.h"
#include "health.h"

int
main(int argc, char **argv)
{
	struct docker		*d = NULL;
	struct health_opts	 o;
	struct health_report	 r;
	struct dr_error		 e;

	if (argc != 4) {
		fprintf(stderr, "usage: healthwait NAME DEADLINE_MS SETTLE_MS\n");
		return 2;
	}
	o.deadline_ms = strtol(argv[2], NULL, 10);
	o.settle_ms = strtol(argv[3], NULL, 10);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (docker_open(NULL, &d, &e) != DR_OK ||
	    health_wait(d, argv[1], &o, &r, &e) != DR_OK) {
		fprintf(stderr, "healthwait: %s\n", e.msg);
		docker_free(d);
		return 1;
	}
	printf("{\"result\": \"%s\", \"has_healthcheck\": %s, "
	    "\"healthy_after_ms\": %ld, \"elapsed_ms\": %ld}\n",
	    health_result_name(r.result), r.has_healthcheck ? "true" : "false",
	    r.healthy_after_ms, r.elapsed_ms);
	fprintf(stderr, "healthwait: %s\n", r.detail);
	docker_free(d);
	curl_global_cleanup();
	return 0;
}
