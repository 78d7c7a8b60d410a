/*
 * httphdr: parsers for the HTTP header values a registry sends us:
 * WWW-Authenticate challenges (RFC 7235) and Link (RFC 8288) for tag-list
 * pagination.  Pure functions; nothing here allocates except the results.
 */
#ifndef HTTPHDR_H
#define HTTPHDR_H

#include <stdbool.h>

#include "err.h"
#include "span.h"

#define HTTPHDR_VALUE_MAX	8192	/* longest header value we parse */

enum httphdr_scheme {
	HTTPHDR_SCHEME_NONE,
	HTTPHDR_SCHEME_BASIC,
	HTTPHDR_SCHEME_BEARER,
};

struct httphdr_challenge {
	enum httphdr_scheme	 scheme;
	char			*realm;		/* NULL when absent */
	char			*service;	/* NULL when absent */
	char			*scope;		/* NULL when absent */
	char			*error;		/* e.g. "insufficient_scope" */
};

/*
 * Parses one WWW-Authenticate value.  Accepts quoted and token values,
 * backslash escapes in quoted strings, any case of the scheme and param
 * names, and several challenges separated by commas (Basic and Bearer may
 * both be offered: Bearer wins).  DR_EINVAL when no Basic or Bearer
 * challenge can be found, DR_ETOOBIG over HTTPHDR_VALUE_MAX.  On success
 * the caller owns ret's strings (httphdr_challenge_done).
 */
enum dr_err	httphdr_challenge_parse(struct span value,
		    struct httphdr_challenge *ret, struct dr_error *reterr);
void		httphdr_challenge_done(struct httphdr_challenge *);

/*
 * Finds the target of rel="next" in a Link value, e.g.
 *   </v2/app/tags/list?last=5.2&n=100>; rel="next"
 * and resolves it against base_url ("http://host:port/v2/app/tags/list"),
 * so relative ("/v2/...", "?last=..") and absolute targets both give an
 * absolute URL, new and owned by the caller.  Returns DR_ENOTFOUND when
 * there is no next link, DR_EINVAL when malformed.
 */
enum dr_err	httphdr_link_next(struct span value, const char *base_url,
		    char **ret_url, struct dr_error *reterr);

#endif
