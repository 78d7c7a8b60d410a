/*
 * test-log: text and JSON lines, level filtering, escaping of everything
 * a peer could send (newlines, quotes, control bytes, invalid UTF-8), the
 * length caps, and that every JSON line parses.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "log.h"

static FILE	*f;

/* Everything written since the last call (the log writes at the file's
 * offset; read behind it with our own). */
static char *
drain(void)
{
	static char	out[65536];
	static off_t	off;
	ssize_t		n;

	n = pread(fileno(f), out, sizeof(out) - 1, off);
	if (n < 0)
		n = 0;
	off += n;
	out[n] = '\0';
	return out;
}

int
main(void)
{
	char	*s, big[10000];
	json_t	*j;
	int	 fd;

	f = tmpfile();
	fd = fileno(f);

	log_setup(LOG_FORMAT_TEXT, LOG_LEVEL_INFO, fd);
	log_debug("hidden %d", 1);
	log_info("hello %s", "world");
	s = drain();
	CHECK(strstr(s, "hidden") == NULL);
	CHECK(strstr(s, "Z info hello world\n") != NULL);
	CHECK(strchr(s, '\n') == s + strlen(s) - 1);

	log_kv(LOG_LEVEL_WARN, "two\nlines", "path", "/a b\"c", "user", NULL,
	    "x", "plain", LOG_END);
	s = drain();
	CHECK(strstr(s, " warn two\\nlines path=\"/a b\\\"c\" user=- "
	    "x=plain\n") != NULL);
	CHECK(strchr(s, '\n') == s + strlen(s) - 1);

	log_kv(LOG_LEVEL_ERROR, "bytes", "v", "\x01\x7f\xff\xc3\xa9", LOG_END);
	s = drain();
	CHECK(strstr(s, "v=\"\\x01\\x7f\\xff\xc3\xa9\"") != NULL);

	log_request("GET", "/api/v1/me", 200, 1234, "alice", "127.0.0.1");
	s = drain();
	CHECK(strstr(s, "request method=GET path=/api/v1/me status=200 "
	    "ms=1.234 user=alice peer=127.0.0.1\n") != NULL);

	log_setup(LOG_FORMAT_JSON, LOG_LEVEL_WARN, fd);
	log_info("hidden");
	CHECK_STREQ(drain(), "");
	log_kv(LOG_LEVEL_WARN, "m\"sg", "k", "a\nb\x01\xff", "n", NULL,
	    LOG_END);
	s = drain();
	j = json_loads(s, 0, NULL);
	CHECK(j != NULL);
	CHECK_STREQ(json_string_value(json_object_get(j, "msg")), "m\"sg");
	CHECK_STREQ(json_string_value(json_object_get(j, "level")), "warn");
	CHECK_STREQ(json_string_value(json_object_get(j, "k")),
	    "a\nb\x01\xef\xbf\xbd");
	CHECK(json_is_null(json_object_get(j, "n")));
	json_decref(j);

	/* A huge value is cut, and the line stays one valid object. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_kv(LOG_LEVEL_ERROR, "big", "a", big, "b", big, "c", big, "d", big,
	    "e", big, "f", big, "g", big, "h", big, "i", big, LOG_END);
	s = drain();
	CHECK(strlen(s) <= LOG_LINE_MAX + 1);
	j = json_loads(s, 0, NULL);
	CHECK(j != NULL);
	CHECK(json_is_true(json_object_get(j, "cut")));
	json_decref(j);
	/* Escapes blow up each byte; still one valid object. */
	memset(big, '\n', sizeof(big) - 1);
	log_kv(LOG_LEVEL_ERROR, big, "a", big, "b", big, LOG_END);
	s = drain();
	j = json_loads(s, 0, NULL);
	CHECK(j != NULL);
	json_decref(j);
	CHECK(strchr(s, '\n') == s + strlen(s) - 1);

	log_setup(LOG_FORMAT_TEXT, LOG_LEVEL_DEBUG, fd);
	log_kv(LOG_LEVEL_DEBUG, "t", "a", big, "b", big, "c", big, LOG_END);
	s = drain();
	CHECK(strlen(s) <= LOG_LINE_MAX + 1);
	CHECK(strchr(s, '\n') == s + strlen(s) - 1);

	{
		enum log_level	l;
		enum log_format	fm;

		CHECK(log_level_parse("error", &l) && l == LOG_LEVEL_ERROR);
		CHECK(!log_level_parse("loud", &l));
		CHECK(log_format_parse("json", &fm) && fm == LOG_FORMAT_JSON);
		CHECK(!log_format_parse("xml", &fm));
	}
	fclose(f);
	return check_summary("log");
}
