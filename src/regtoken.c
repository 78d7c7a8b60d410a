/*
 * regtoken: the token endpoint's JSON answer.  Invariant: a token handed
 * out is non-empty, at most REGTOKEN_MAX bytes, and made only of visible
 * ASCII, so it can go into an Authorization header as it is.
 */
#include "regtoken.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "xmalloc.h"

#define REGTOKEN_EXPIRES_DEFAULT	60
#define REGTOKEN_EXPIRES_MIN		1
#define REGTOKEN_EXPIRES_MAX		86400

/*
 * Reads root[name]: *ret stays NULL when absent, null or "".  A member of
 * another type is an error.
 */
static enum dr_err
regtoken_get(const json_t *root, const char *name, const json_t **ret,
    struct dr_error *reterr)
{
	const json_t	*j = json_object_get(root, name);

	*ret = NULL;
	if (j == NULL || json_is_null(j))
		return DR_OK;
	if (!json_is_string(j))
		return dr_fail(reterr, DR_EPROTO, "token answer: %s is not a "
		    "string", name);
	if (json_string_length(j) > 0)
		*ret = j;
	return DR_OK;
}

static enum dr_err
regtoken_expires(const json_t *root, long *ret, struct dr_error *reterr)
{
	const json_t	*j = json_object_get(root, "expires_in");
	double		 d;

	*ret = REGTOKEN_EXPIRES_DEFAULT;
	if (j == NULL || json_is_null(j))
		return DR_OK;
	if (json_is_integer(j)) {
		json_int_t	v = json_integer_value(j);

		if (v < REGTOKEN_EXPIRES_MIN)
			v = REGTOKEN_EXPIRES_MIN;
		if (v > REGTOKEN_EXPIRES_MAX)
			v = REGTOKEN_EXPIRES_MAX;
		*ret = (long)v;
		return DR_OK;
	}
	if (json_is_real(j)) {
		/* jansson never yields NaN or infinity from text. */
		d = json_real_value(j);
		if (d < REGTOKEN_EXPIRES_MIN)
			d = REGTOKEN_EXPIRES_MIN;
		if (d > REGTOKEN_EXPIRES_MAX)
			d = REGTOKEN_EXPIRES_MAX;
		*ret = (long)d;
		return DR_OK;
	}
	return dr_fail(reterr, DR_EPROTO, "token answer: expires_in is not a "
	    "number");
}

enum dr_err
regtoken_parse(struct span body, char **ret_token, long *ret_expires_in,
    struct dr_error *reterr)
{
	json_t		*root = NULL;
	const json_t	*tok, *atok;
	json_error_t	 jerr;
	const char	*s;
	size_t		 len, i;
	long		 expires;
	enum dr_err	 rc;

	*ret_token = NULL;
	*ret_expires_in = 0;
	if (body.len > REGTOKEN_BODY_MAX)
		return dr_fail(reterr, DR_ETOOBIG,
		    "token answer over %d bytes", REGTOKEN_BODY_MAX);
	root = json_loadb(body.p, body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		rc = dr_fail(reterr, DR_EPROTO,
		    "token answer is not valid JSON (line %d column %d)",
		    jerr.line, jerr.column);
		goto out;
	}
	if (!json_is_object(root)) {
		rc = dr_fail(reterr, DR_EPROTO,
		    "token answer is not an object");
		goto out;
	}
	if ((rc = regtoken_get(root, "token", &tok, reterr)) != DR_OK ||
	    (rc = regtoken_get(root, "access_token", &atok, reterr)) != DR_OK)
		goto out;
	if (tok == NULL)
		tok = atok;
	if (tok == NULL) {
		rc = dr_fail(reterr, DR_EPROTO, "token answer has no token");
		goto out;
	}
	s = json_string_value(tok);
	len = json_string_length(tok);
	if (len > REGTOKEN_MAX) {
		rc = dr_fail(reterr, DR_ETOOBIG, "token over %d bytes",
		    REGTOKEN_MAX);
		goto out;
	}
	/* Never echo the token: it is a secret, even a broken one. */
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f) {
			rc = dr_fail(reterr, DR_EPROTO,
			    "token has a byte that cannot go in a header");
			goto out;
		}
	if ((rc = regtoken_expires(root, &expires, reterr)) != DR_OK)
		goto out;
	*ret_token = xstrndup(s, len);
	*ret_expires_in = expires;
out:
	json_decref(root);
	return rc;
}
