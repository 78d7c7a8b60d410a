/*
 * api-error: the code -> HTTP status table of docs/api.md.
 */
#include "api-error.h"

#include <stddef.h>
#include <string.h>

static const struct {
	const char	*code;
	int		 status;
} api_error_table[] = {
	{ "bad_request", 400 },
	{ "unauthorized", 401 },
	{ "forbidden", 403 },
	{ "not_found", 404 },
	{ "method_not_allowed", 405 },
	{ "conflict", 409 },
	{ "payload_too_large", 413 },
	{ "unsupported_media_type", 415 },
	{ "internal", 500 },
	{ "not_implemented", 501 },
	{ "bad_gateway", 502 },
	{ "unavailable", 503 },
	{ "gateway_timeout", 504 },
};

#define API_ERROR_N	(sizeof(api_error_table) / sizeof(api_error_table[0]))

int
api_error_status(const char *code)
{
	size_t	i;

	for (i = 0; code != NULL && i < API_ERROR_N; i++)
		if (strcmp(api_error_table[i].code, code) == 0)
			return api_error_table[i].status;
	return 500;
}

int
api_error_known(const char *code)
{
	size_t	i;

	for (i = 0; code != NULL && i < API_ERROR_N; i++)
		if (strcmp(api_error_table[i].code, code) == 0)
			return 1;
	return 0;
}

const char *
api_error_code_for_status(int status)
{
	size_t	i;

	for (i = 0; i < API_ERROR_N; i++)
		if (api_error_table[i].status == status)
			return api_error_table[i].code;
	return "internal";
}

const char *
api_error_code_of(enum dr_err err)
{
	return api_error_code_for_status(dr_err_http_status(err));
}
