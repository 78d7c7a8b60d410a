/*
 * httphdr: parsers for the HTTP header values a registry sends us:
 * WWW-Authenticate challenges (RFC 7235) and Link (RFC 8288) for tag-list
 * pagination.  Pure functions: no I/O, no global state; what they hand
 * out is new and owned by the caller.
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

/* A tchar (RFC 9110 5.6.2): a byte of a token such as a header name. */
bool		httphdr_is_tchar(unsigned char c);

/*
 * Parses one WWW-Authenticate value.  Accepts quoted and token values,
 * backslash escapes in quoted strings, any case of the scheme and param
 * names, and several challenges separated by commas (Basic and Bearer may
 * both be offered: the first Bearer wins, else the first Basic).  Other
 * schemes, token68 forms and unknown params are checked for syntax and
 * skipped.  DR_EINVAL when no Basic or Bearer challenge can be found, on
 * any syntax error (a control character in a quoted string, a missing
 * quote) and on a realm, service, scope or error repeated within one
 * challenge (two realms: which one would we trust?); DR_ETOOBIG over
 * HTTPHDR_VALUE_MAX.  On success the caller owns ret's strings
 * (httphdr_challenge_done); on failure ret holds none.
 */
enum dr_err	httphdr_challenge_parse(struct span value,
		    struct httphdr_challenge *ret, struct dr_error *reterr);
void		httphdr_challenge_done(struct httphdr_challenge *);

/*
 * Finds the target of rel="next" in a Link value, e.g.
 *   </v2/app/tags/list?last=5.2&n=100>; rel="next"
 * and resolves it against base_url ("http://host:port/v2/app/tags/list"),
 * so relative ("/v2/...", "?last=..", "list?..", "//host/..") and absolute
 * targets both give an absolute URL, new and owned by the caller
 * (RFC 3986 5.2: dot segments removed, the fragment dropped).  rel may be
 * a token or quoted and list several relations ("next last"); the first
 * link whose first rel holds "next" counts.  Returns DR_ENOTFOUND when
 * there is no next link; DR_EINVAL when the value is malformed, the
 * target is empty or only a fragment (a loop), holds a byte outside the
 * URI characters (controls, spaces, quotes, non-ASCII), has a scheme
 * other than http(s) or userinfo, or base_url is no http(s) URL;
 * DR_ETOOBIG over HTTPHDR_VALUE_MAX.  The result may name another host
 * than base_url: callers decide whether to follow it with credentials.
 */
enum dr_err	httphdr_link_next(struct span value, const char *base_url,
		    char **ret_url, struct dr_error *reterr);

#endif
