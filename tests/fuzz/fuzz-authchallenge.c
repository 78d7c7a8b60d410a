/*
 * fuzz-authchallenge: httphdr_challenge_parse() on arbitrary bytes.
 * Invariants: failures leave nothing allocated in ret; a success is Basic
 * or Bearer, its strings hold no control character but HTAB, and quoting
 * them back into a header parses to the same challenge.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "httphdr.h"

#define FUZZ_ASSERT(x)	do { if (!(x)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_string(const char *s, size_t inlen)
{
	size_t	i, n;

	if (s == NULL)
		return;
	n = strlen(s);
	FUZZ_ASSERT(n <= inlen);
	for (i = 0; i < n; i++)
		FUZZ_ASSERT((unsigned char)s[i] >= 0x20 || s[i] == '\t');
	FUZZ_ASSERT(strchr(s, 0x7f) == NULL);
}

static void
add_param(struct buf *b, const char *name, const char *val, bool *first)
{
	if (val == NULL)
		return;
	buf_adds(b, *first ? " " : ", ");
	*first = false;
	buf_adds(b, name);
	buf_adds(b, "=\"");
	for (; *val != '\0'; val++) {
		if (*val == '"' || *val == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *val);
	}
	buf_addc(b, '"');
}

static bool
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct httphdr_challenge	ch, again;
	struct buf			b;
	bool				first = true;

	if (httphdr_challenge_parse(span_make(data, size), &ch, NULL) !=
	    DR_OK) {
		FUZZ_ASSERT(ch.realm == NULL && ch.service == NULL &&
		    ch.scope == NULL && ch.error == NULL);
		return 0;
	}
	FUZZ_ASSERT(ch.scheme == HTTPHDR_SCHEME_BASIC ||
	    ch.scheme == HTTPHDR_SCHEME_BEARER);
	check_string(ch.realm, size);
	check_string(ch.service, size);
	check_string(ch.scope, size);
	check_string(ch.error, size);

	buf_init(&b, HTTPHDR_VALUE_MAX);
	buf_adds(&b, ch.scheme == HTTPHDR_SCHEME_BEARER ? "Bearer" : "Basic");
	add_param(&b, "realm", ch.realm, &first);
	add_param(&b, "service", ch.service, &first);
	add_param(&b, "scope", ch.scope, &first);
	add_param(&b, "error", ch.error, &first);
	if (!buf_failed(&b)) {
		FUZZ_ASSERT(httphdr_challenge_parse(buf_span(&b), &again,
		    NULL) == DR_OK);
		FUZZ_ASSERT(again.scheme == ch.scheme);
		FUZZ_ASSERT(same(again.realm, ch.realm));
		FUZZ_ASSERT(same(again.service, ch.service));
		FUZZ_ASSERT(same(again.scope, ch.scope));
		FUZZ_ASSERT(same(again.error, ch.error));
		httphdr_challenge_done(&again);
	}
	buf_done(&b);
	httphdr_challenge_done(&ch);
	return 0;
}
