/*
 * api-jobs: the HTTP handlers of POST /api/v1/update and of the jobs
 * (list, detail, logs, SSE events) of docs/api.md.  They reach jobs only
 * through trigger.h and the store.
 */
#ifndef API_JOBS_H
#define API_JOBS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http.h"

struct store;
struct store_job;

struct http_resp	*api_jobs_update(struct http_req *);
struct http_resp	*api_jobs_list(struct http_req *);
struct http_resp	*api_jobs_get(struct http_req *);
struct http_resp	*api_jobs_logs(struct http_req *);
struct http_resp	*api_jobs_events(struct http_req *);

/* docs/api.md's JobSummary of j (with "steps" when detail), a new
 * reference; `dockrev job ID --json`'s document plus the API fields. */
json_t	*api_job_json(struct store *, const struct store_job *j,
	    bool detail);

/* {"jobs":[ids], "joined":bool} as a 202 response. */
struct trigger_jobs;
struct http_resp	*api_jobs_accepted(const struct trigger_jobs *);

/* The error response of e: the engine or the store away (DR_ENET,
 * DR_EIO, DR_EUNSUPPORTED) is 503 "unavailable", the rest by err.c. */
struct http_resp	*api_resp_err(const struct dr_error *e);

/* A decimal query parameter in [lo, hi]; dflt when absent; false (and a
 * 400 in *ret_resp) when malformed. */
bool	api_query_int(const struct http_req *, const char *key, int64_t lo,
	    int64_t hi, int64_t dflt, int64_t *ret,
	    struct http_resp **ret_resp);

#endif
