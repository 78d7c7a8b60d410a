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
 * DR_EPROTO for bad JSON, no token, or a token with bytes that cannot go
 * in a header (control characters, spaces); DR_ETOOBIG over the limits. */
enum dr_err	regtoken_parse(struct span body, char **ret_token,
		    long *ret_expires_in, struct dr_error *reterr);

#endif
