/*
 * test-regtoken: token endpoint answers.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regtoken.h"
#include "xmalloc.h"

static const struct {
	const char	*body;
	enum dr_err	 rc;
	const char	*token;
	long		 expires_in;
} cases[] = {
	/* Docker Hub style: both fields, issued_at. */
	{ "{\"token\":\"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIifQ.c2ln\","
	  "\"access_token\":\"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIifQ.c2ln\","
	  "\"expires_in\":300,\"issued_at\":\"2024-05-02T10:11:12.5Z\"}",
	  DR_OK, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIifQ.c2ln", 300 },
	/* token preferred over access_token. */
	{ "{\"access_token\":\"a\",\"token\":\"t\"}", DR_OK, "t", 60 },
	{ "{\"access_token\":\"a\",\"expires_in\":3600}", DR_OK, "a", 3600 },
	{ "{\"token\":\"\",\"access_token\":\"a\"}", DR_OK, "a", 60 },
	{ "{\"token\":null,\"access_token\":\"a\"}", DR_OK, "a", 60 },
	/* expires_in defaults and clamps. */
	{ "{\"token\":\"t\"}", DR_OK, "t", 60 },
	{ "{\"token\":\"t\",\"expires_in\":null}", DR_OK, "t", 60 },
	{ "{\"token\":\"t\",\"expires_in\":0}", DR_OK, "t", 1 },
	{ "{\"token\":\"t\",\"expires_in\":-5}", DR_OK, "t", 1 },
	{ "{\"token\":\"t\",\"expires_in\":86401}", DR_OK, "t", 86400 },
	{ "{\"token\":\"t\",\"expires_in\":9223372036854775807}", DR_OK, "t",
	  86400 },
	{ "{\"token\":\"t\",\"expires_in\":300.7}", DR_OK, "t", 300 },
	{ "{\"token\":\"t\",\"expires_in\":1e300}", DR_OK, "t", 86400 },
	{ "{\"token\":\"t\",\"expires_in\":-1e300}", DR_OK, "t", 1 },
	/* Unknown members are ignored. */
	{ "{\"token\":\"t\",\"refresh_token\":\"r\",\"scope\":[1]}", DR_OK,
	  "t", 60 },
	/* Failures. */
	{ "", DR_EPROTO, NULL, 0 },
	{ "{", DR_EPROTO, NULL, 0 },
	{ "[\"t\"]", DR_EPROTO, NULL, 0 },
	{ "\"t\"", DR_EPROTO, NULL, 0 },
	{ "{}", DR_EPROTO, NULL, 0 },
	{ "{\"token\":\"\"}", DR_EPROTO, NULL, 0 },
	{ "{\"token\":42}", DR_EPROTO, NULL, 0 },
	{ "{\"token\":\"t\",\"access_token\":[]}", DR_EPROTO, NULL, 0 },
	{ "{\"token\":\"a b\"}", DR_EPROTO, NULL, 0 },
	{ "{\"token\":\"a\\r\\nX-Evil: 1\"}", DR_EPROTO, NULL, 0 },
	{ "{\"token\":\"a\\tb\"}", DR_EPROTO, NULL, 0 },
	{ "{\"token\":\"caf\\u00e9\"}", DR_EPROTO, NULL, 0 },
	{ "{\"token\":\"a\\u007f\"}", DR_EPROTO, NULL, 0 },
	{ "{\"token\":\"a\\u0000b\"}", DR_EPROTO, NULL, 0 },
	{ "{\"token\":\"t\",\"expires_in\":\"300\"}", DR_EPROTO, NULL, 0 },
	{ "{\"token\":\"t\",\"expires_in\":true}", DR_EPROTO, NULL, 0 },
	{ "{\"token\":\"t\",\"token\":\"u\"}", DR_EPROTO, NULL, 0 },
};

static void
test_cases(void)
{
	struct dr_error	 err;
	enum dr_err	 rc;
	char		*tok;
	long		 exp;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dr_error_clear(&err);
		tok = (char *)1;
		exp = -1;
		rc = regtoken_parse(span_str(cases[i].body), &tok, &exp, &err);
		if (rc != cases[i].rc)
			fprintf(stderr, "case %zu: %s: %s\n", i, cases[i].body,
			    err.msg);
		CHECK_INTEQ(rc, cases[i].rc);
		CHECK_STREQ(tok, cases[i].token);
		CHECK_INTEQ(exp, cases[i].expires_in);
		if (rc != DR_OK) {
			CHECK(err.msg[0] != '\0');
			/* The token never shows in the message. */
			CHECK(strstr(err.msg, "X-Evil") == NULL);
		}
		free(tok);
	}
}

static void
test_limits(void)
{
	char	*body, *tok;
	long	 exp;
	size_t	 n;

	/* A token of exactly REGTOKEN_MAX passes, one more byte does not. */
	for (n = REGTOKEN_MAX; n <= REGTOKEN_MAX + 1; n++) {
		body = xmalloc(n + 16);
		memcpy(body, "{\"token\":\"", 10);
		memset(body + 10, 'x', n);
		memcpy(body + 10 + n, "\"}", 3);
		CHECK_INTEQ(regtoken_parse(span_str(body), &tok, &exp, NULL),
		    n == REGTOKEN_MAX ? DR_OK : DR_ETOOBIG);
		CHECK(n == REGTOKEN_MAX ? tok != NULL && strlen(tok) == n :
		    tok == NULL);
		free(tok);
		free(body);
	}

	/* The body limit comes first. */
	n = REGTOKEN_BODY_MAX + 1;
	body = xmalloc(n);
	memset(body, ' ', n);
	memcpy(body, "{\"token\":\"t\"}", 13);
	CHECK_INTEQ(regtoken_parse(span_make(body, n), &tok, &exp, NULL),
	    DR_ETOOBIG);
	CHECK_INTEQ(regtoken_parse(span_make(body, n - 1), &tok, &exp, NULL),
	    DR_OK);
	CHECK_STREQ(tok, "t");
	free(tok);
	free(body);
}

int
main(void)
{
	test_cases();
	test_limits();
	return check_summary("regtoken");
}
