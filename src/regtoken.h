/*
 * regtoken: parse a registry token endpoint's answer
 *   {"token": ..., "access_token": ..., "expires_in": 300, "issued_at": ...}
 * Either token field is accepted (token preferred); expires_in defaults
 * to 60 seconds when absent and is clamped to [1, 86400].
 */
#ifndef REGTOKEN_H
#define REGTOKEN_H

#include "err.h"
#include "span.h"

#define REGTOKEN_BODY_MAX	(64 * 1024)
#define REGTOKEN_MAX		(16 * 1024)

/* On success *ret_token is new (caller frees) and *ret_expires_in set.
 * An empty or null field counts as absent.  DR_EPROTO for bad JSON
 * (duplicate keys included), no token, a token field or expires_in of
 * the wrong type, or a token with bytes that cannot go in a header
 * (anything but visible ASCII); DR_ETOOBIG over the limits.  On failure
 * *ret_token is NULL; the token never appears in reterr. */
enum dr_err	regtoken_parse(struct span body, char **ret_token,
		    long *ret_expires_in, struct dr_error *reterr);

#endif
