/*
 * api-error: the one table of the API's error codes (docs/api.md) and the
 * HTTP status each answers with.  Every error response of the daemon takes
 * its code from here, so a code always means the same status.
 */
#ifndef API_ERROR_H
#define API_ERROR_H

#include "err.h"

/* The status of an API error code; 500 for a code not in the table. */
int		 api_error_status(const char *code);
/* True when code is in the table. */
int		 api_error_known(const char *code);
/*
 * The API code for a dr_err: the code whose status is
 * dr_err_http_status(err) (err.c's table is the one source of statuses;
 * test-api-error checks every dr_err has a code with the same status).
 */
const char	*api_error_code_of(enum dr_err err);
/* The API code of a status, "internal" for a status not in the table. */
const char	*api_error_code_for_status(int status);

#endif
