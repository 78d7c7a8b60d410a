/*
 * log: text or JSON lines on stderr.  Invariant: one call writes at most
 * one line, terminated by '\n', with every value escaped.
 */
#include "log.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_format	log_fmt = LOG_FORMAT_TEXT;
static enum log_level	log_min = LOG_LEVEL_INFO;
static int		log_fd = 2;

static const char *const log_level_names[] = {
	[LOG_LEVEL_DEBUG] = "debug",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_ERROR] = "error",
};

static const char *const log_format_names[] = {
	[LOG_FORMAT_TEXT] = "text",
	[LOG_FORMAT_JSON] = "json",
};

/* A line being built in a fixed buffer; LOG_LINE_RESERVE bytes stay free
 * for what closes it (quotes, the cut marker, the brace, the newline). */
#define LOG_LINE_RESERVE	32
#define LOG_MSG_MAX		1024	/* characters of a message */
struct log_line {
	char	p[LOG_LINE_MAX + 1];
	size_t	len;
	bool	cut;
};

void
log_setup(enum log_format fmt, enum log_level min, int fd)
{
	log_fmt = fmt;
	log_min = min;
	log_fd = fd;
}

bool
log_level_parse(const char *s, enum log_level *ret)
{
	size_t	i;

	for (i = 0; s != NULL && i < sizeof(log_level_names) /
	    sizeof(log_level_names[0]); i++)
		if (strcmp(s, log_level_names[i]) == 0) {
			*ret = (enum log_level)i;
			return true;
		}
	return false;
}

const char *
log_level_name(enum log_level l)
{
	if ((unsigned)l > LOG_LEVEL_ERROR)
		return "error";
	return log_level_names[l];
}

bool
log_format_parse(const char *s, enum log_format *ret)
{
	size_t	i;

	for (i = 0; s != NULL && i < sizeof(log_format_names) /
	    sizeof(log_format_names[0]); i++)
		if (strcmp(s, log_format_names[i]) == 0) {
			*ret = (enum log_format)i;
			return true;
		}
	return false;
}

const char *
log_format_name(enum log_format f)
{
	return f == LOG_FORMAT_JSON ? "json" : "text";
}

bool
log_enabled(enum log_level l)
{
	return l >= log_min;
}

/* Appends s whole or, once the line is full, nothing (so an escape or a
 * UTF-8 sequence is never split). */
static void
line_add(struct log_line *l, const char *s, size_t n)
{
	if (l->cut || l->len + n > LOG_LINE_MAX - LOG_LINE_RESERVE) {
		l->cut = true;
		return;
	}
	memcpy(l->p + l->len, s, n);
	l->len += n;
}

/* Appends a short closing piece into the reserve. */
static void
line_close(struct log_line *l, const char *s)
{
	size_t	n = strlen(s);

	if (l->len + n <= LOG_LINE_MAX) {
		memcpy(l->p + l->len, s, n);
		l->len += n;
	}
}

static void
line_adds(struct log_line *l, const char *s)
{
	line_add(l, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t	len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* Appends v escaped: JSON string contents, or a text value (quoted when
 * it holds a blank, a quote, '=' or nothing). */
static void
line_value(struct log_line *l, const char *v, size_t budget)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t		 n = strlen(v), i, k;
	bool		 quote = false;
	char		 esc[8];

	if (log_fmt == LOG_FORMAT_TEXT) {
		quote = n == 0 || strpbrk(v, " \t\"=") != NULL;
		for (i = 0; i < n && !quote; i++)
			if (s[i] < 0x20 || s[i] >= 0x7f || s[i] == '\\')
				quote = true;
	}
	if (log_fmt == LOG_FORMAT_JSON || quote)
		line_add(l, "\"", 1);
	for (i = 0; i < n; i += k) {
		if (budget == 0) {
			line_adds(l, "...");
			break;
		}
		budget--;
		k = utf8_seq(s + i, n - i);
		if (s[i] == '"' || s[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)s[i];
			line_add(l, esc, 2);
		} else if (s[i] == '\n')
			line_adds(l, "\\n");
		else if (s[i] == '\t')
			line_adds(l, "\\t");
		else if (s[i] == '\r')
			line_adds(l, "\\r");
		else if (s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(esc, sizeof(esc), log_fmt == LOG_FORMAT_JSON ?
			    "\\u%04x" : "\\x%02x", s[i]);
			line_adds(l, esc);
		} else if (k == 0) {
			/* Not UTF-8: say so without passing the byte on. */
			if (log_fmt == LOG_FORMAT_JSON)
				line_adds(l, "\\ufffd");
			else {
				snprintf(esc, sizeof(esc), "\\x%02x", s[i]);
				line_adds(l, esc);
			}
			k = 1;
		} else
			line_add(l, v + i, k);
	}
	if (log_fmt == LOG_FORMAT_JSON || quote)
		line_close(l, "\"");
}

static void
line_start(struct log_line *l, enum log_level lvl, const char *msg)
{
	struct timespec	ts;
	struct tm	tm;
	char		t[96];

	l->len = 0;
	l->cut = false;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(t, sizeof(t), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	if (log_fmt == LOG_FORMAT_JSON) {
		line_adds(l, "{\"ts\":\"");
		line_adds(l, t);
		line_adds(l, "\",\"level\":\"");
		line_adds(l, log_level_name(lvl));
		line_adds(l, "\",\"msg\":");
		line_value(l, msg, LOG_MSG_MAX);
	} else {
		line_adds(l, t);
		line_adds(l, " ");
		line_adds(l, log_level_name(lvl));
		line_adds(l, " ");
		/* The message is the one text field that is not key=value;
		 * escape it the same way but without quotes around it. */
		{
			enum log_format	saved = log_fmt;
			struct log_line	m;

			m.len = 0;
			m.cut = false;
			log_fmt = LOG_FORMAT_JSON;
			line_value(&m, msg, LOG_MSG_MAX);
			log_fmt = saved;
			/* drop the JSON quotes */
			line_add(l, m.p + 1, m.len >= 2 ? m.len - 2 : 0);
		}
	}
}

/* Appends one field; when even its key does not fit, nothing of it. */
static void
line_field(struct log_line *l, const char *k, const char *v)
{
	size_t	mark = l->len;

	if (l->cut)
		return;
	line_adds(l, log_fmt == LOG_FORMAT_JSON ? ",\"" : " ");
	line_adds(l, k);
	line_adds(l, log_fmt == LOG_FORMAT_JSON ? "\":" : "=");
	/* room for the value's opening quote and a few bytes */
	if (l->len + 8 > LOG_LINE_MAX - LOG_LINE_RESERVE)
		l->cut = true;
	if (l->cut) {
		l->len = mark;
		return;
	}
	if (log_fmt == LOG_FORMAT_JSON && v == NULL)
		line_adds(l, "null");
	else
		line_value(l, v == NULL ? "-" : v, LOG_VALUE_MAX);
}

static void
line_end(struct log_line *l)
{
	ssize_t	n;
	size_t	off = 0;

	if (log_fmt == LOG_FORMAT_JSON)
		line_close(l, l->cut ? ",\"cut\":true}" : "}");
	else if (l->cut)
		line_close(l, " ...");
	line_close(l, "\n");
	while (off < l->len) {
		n = write(log_fd, l->p + off, l->len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

void
log_kv(enum log_level lvl, const char *msg, ...)
{
	struct log_line	 l;
	va_list		 ap;
	const char	*k, *v;

	if (lvl < log_min)
		return;
	line_start(&l, lvl, msg);
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		line_field(&l, k, v);
	}
	va_end(ap);
	line_end(&l);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	struct log_line	l;
	char		msg[LOG_LINE_MAX / 2];
	va_list		ap;

	if (lvl < log_min)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	line_start(&l, lvl, msg);
	line_end(&l);
}

void
log_request(const char *method, const char *path, int status,
    long long duration_us, const char *user, const char *peer)
{
	char	st[16], dur[32];

	if (LOG_LEVEL_INFO < log_min)
		return;
	snprintf(st, sizeof(st), "%d", status);
	snprintf(dur, sizeof(dur), "%lld.%03lld", duration_us / 1000,
	    duration_us % 1000);
	log_kv(LOG_LEVEL_INFO, "request", "method", method, "path", path,
	    "status", st, "ms", dur, "user", user, "peer", peer, LOG_END);
}
