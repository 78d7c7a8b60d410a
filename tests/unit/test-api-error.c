/*
 * test-api-error: the code table of docs/api.md, and every dr_err mapping
 * to a code whose status is the one err.c gives it.
 */
#include "api-error.h"
#include "check.h"

int
main(void)
{
	static const struct {
		const char	*code;
		int		 status;
	} doc[] = {
		{ "bad_request", 400 }, { "unauthorized", 401 },
		{ "forbidden", 403 }, { "not_found", 404 },
		{ "method_not_allowed", 405 }, { "conflict", 409 },
		{ "payload_too_large", 413 },
		{ "unsupported_media_type", 415 }, { "internal", 500 },
		{ "not_implemented", 501 }, { "bad_gateway", 502 },
		{ "unavailable", 503 }, { "gateway_timeout", 504 },
	};
	size_t	i;
	int	e;

	for (i = 0; i < sizeof(doc) / sizeof(doc[0]); i++) {
		CHECK_INTEQ(api_error_status(doc[i].code), doc[i].status);
		CHECK(api_error_known(doc[i].code));
		CHECK_STREQ(api_error_code_for_status(doc[i].status),
		    doc[i].code);
	}
	CHECK(!api_error_known("teapot"));
	CHECK_INTEQ(api_error_status("teapot"), 500);
	CHECK_STREQ(api_error_code_for_status(418), "internal");
	for (e = DR_EINVAL; e < DR_ERR_COUNT; e++) {
		const char	*code = api_error_code_of((enum dr_err)e);

		if (api_error_status(code) != dr_err_http_status(
		    (enum dr_err)e) || !api_error_known(code))
			fprintf(stderr, "%s -> %s\n", dr_err_name(
			    (enum dr_err)e), code);
		CHECK_INTEQ(api_error_status(code),
		    dr_err_http_status((enum dr_err)e));
	}
	CHECK_STREQ(api_error_code_of(DR_ENOTFOUND), "not_found");
	CHECK_STREQ(api_error_code_of(DR_ECONFLICT), "conflict");
	CHECK_STREQ(api_error_code_of(DR_EINVAL), "bad_request");
	CHECK_STREQ(api_error_code_of(DR_EDENIED), "unauthorized");
	return check_summary("api-error");
}
