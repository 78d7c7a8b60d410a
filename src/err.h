/*
 * err: the one error enum of Dockrev.  Every fallible function returns an
 * enum dr_err (DR_OK == 0) and may fill an optional struct dr_error with a
 * human-readable detail.  The enum is append-only: codes are stable.
 */
#ifndef ERR_H
#define ERR_H

#include <stdarg.h>

enum dr_err {
	DR_OK = 0,
	DR_EINVAL,		/* malformed input from a user or a file */
	DR_ETOOBIG,		/* a peer or input passed a hard size limit */
	DR_EPROTO,		/* a peer answered something we cannot use */
	DR_EIO,			/* a local system call failed */
	DR_ENET,		/* cannot connect, or the connection broke */
	DR_ETIMEOUT,		/* a deadline passed */
	DR_EAUTH,		/* a peer refused our credentials */
	DR_ENOTFOUND,		/* the thing asked for does not exist */
	DR_ERATELIMIT,		/* a peer asked us to slow down (429) */
	DR_EDOCKER,		/* the Docker engine reported an error */
	DR_ECONFIG,		/* bad configuration */
	DR_ECONFLICT,		/* conflicts with existing state */
	DR_EUNSUPPORTED,	/* valid, but not something we do */
	DR_EDENIED,		/* our own API refused the caller */
	DR_EINTERNAL,		/* a bug: should not happen */
	DR_ERR_COUNT
};

#define DR_ERROR_MSG_MAX	512

struct dr_error {
	enum dr_err	code;
	char		msg[DR_ERROR_MSG_MAX];
};

/*
 * Records code and a formatted detail in reterr (when not NULL) and returns
 * code, so callers write: return dr_fail(reterr, DR_EPROTO, "...").
 */
enum dr_err	dr_fail(struct dr_error *reterr, enum dr_err code,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
enum dr_err	dr_vfail(struct dr_error *, enum dr_err, const char *, va_list);
/* Stable lowercase name ("proto", "auth") of a code, for logs and JSON. */
const char	*dr_err_name(enum dr_err);
/* Short English text of a code. */
const char	*dr_err_text(enum dr_err);
/* The HTTP status the API answers with for this code. */
int		 dr_err_http_status(enum dr_err);
/* Clears an error record. NULL is fine. */
void		 dr_error_clear(struct dr_error *);

#endif
