/*
 * log: the daemon's structured log.  One line per event on stderr, either
 * text ("2026-11-29T21:30:00.123Z info message key=value ...") or a JSON
 * object per line ({"ts":...,"level":...,"msg":...,"key":"value"}), below
 * the configured level dropped.  Values are escaped so that a line can
 * never be split or forged by what it carries.  Callers decide what goes
 * in: never a secret, a header value other than the user, a query string
 * or a body.  Thread-safe: each line is written with one write(2).
 */
#ifndef LOG_H
#define LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
};

enum log_format {
	LOG_FORMAT_TEXT,
	LOG_FORMAT_JSON,
};

#define LOG_LINE_MAX	4096	/* longer lines are cut, marked "..." */
#define LOG_VALUE_MAX	512	/* longer values are cut, marked "..." */

/* Sets the format and the lowest level written (default text, info), and
 * the file descriptor (default 2).  Call before starting threads. */
void		log_setup(enum log_format, enum log_level, int fd);
/* "debug", "info", "warn", "error"; false when unknown. */
bool		log_level_parse(const char *, enum log_level *ret);
const char	*log_level_name(enum log_level);
/* "text", "json"; false when unknown. */
bool		log_format_parse(const char *, enum log_format *ret);
const char	*log_format_name(enum log_format);
/* True when a line of that level would be written. */
bool		log_enabled(enum log_level);

/*
 * Writes one line: msg, then the fields as key/value string pairs ending
 * with a NULL key.  A NULL value is written as null (JSON) or "-" (text).
 * Keys must be [a-z_]+ literals.
 */
void		log_kv(enum log_level, const char *msg, ...)
		    __attribute__((sentinel));
/* The end of log_kv's fields (a typed null pointer, unlike NULL). */
#define LOG_END		((const char *)0)

/* printf-style message without fields. */
void		log_msg(enum log_level, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
#define log_debug(...)	log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...)	log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

/*
 * The access log line of one request: method, path (without the query;
 * the caller redacts secret paths), status, duration in microseconds,
 * user (NULL: unauthenticated) and peer address.
 */
void		log_request(const char *method, const char *path, int status,
		    long long duration_us, const char *user, const char *peer);

#endif
