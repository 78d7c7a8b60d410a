/*
 * err: one table maps each error code to a name, a text and an HTTP status.
 */
#include "err.h"

#include <stdio.h>

static const struct {
	const char	*name;
	const char	*text;
	int		 http;
} err_table[DR_ERR_COUNT] = {
	[DR_OK] =		{ "ok", "success", 200 },
	[DR_EINVAL] =		{ "invalid", "invalid input", 400 },
	[DR_ETOOBIG] =		{ "too_big", "too large", 413 },
	[DR_EPROTO] =		{ "protocol", "unexpected answer from peer", 502 },
	[DR_EIO] =		{ "io", "input/output error", 500 },
	[DR_ENET] =		{ "network", "network error", 502 },
	[DR_ETIMEOUT] =		{ "timeout", "timed out", 504 },
	[DR_EAUTH] =		{ "auth", "authentication failed", 502 },
	[DR_ENOTFOUND] =	{ "not_found", "not found", 404 },
	[DR_ERATELIMIT] =	{ "rate_limited", "rate limited", 503 },
	[DR_EDOCKER] =		{ "docker", "docker engine error", 502 },
	[DR_ECONFIG] =		{ "config", "configuration error", 500 },
	[DR_ECONFLICT] =	{ "conflict", "conflict", 409 },
	[DR_EUNSUPPORTED] =	{ "unsupported", "not supported", 501 },
	[DR_EDENIED] =		{ "denied", "access denied", 401 },
	[DR_EINTERNAL] =	{ "internal", "internal error", 500 },
};

enum dr_err
dr_vfail(struct dr_error *reterr, enum dr_err code, const char *fmt,
    va_list ap)
{
	if (reterr != NULL) {
		reterr->code = code;
		vsnprintf(reterr->msg, sizeof(reterr->msg), fmt, ap);
	}
	return code;
}

enum dr_err
dr_fail(struct dr_error *reterr, enum dr_err code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	dr_vfail(reterr, code, fmt, ap);
	va_end(ap);
	return code;
}

const char *
dr_err_name(enum dr_err code)
{
	if ((unsigned)code >= DR_ERR_COUNT)
		return "unknown";
	return err_table[code].name;
}

const char *
dr_err_text(enum dr_err code)
{
	if ((unsigned)code >= DR_ERR_COUNT)
		return "unknown error";
	return err_table[code].text;
}

int
dr_err_http_status(enum dr_err code)
{
	if ((unsigned)code >= DR_ERR_COUNT)
		return 500;
	return err_table[code].http;
}

void
dr_error_clear(struct dr_error *e)
{
	if (e == NULL)
		return;
	e->code = DR_OK;
	e->msg[0] = '\0';
}
