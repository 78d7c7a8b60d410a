/*
 * fuzz-link: httphdr_link_next() on arbitrary bytes; the first byte picks
 * the base URL.  Invariants: a result is an absolute http(s) URL of URI
 * characters only, without fragment, and resolving it again as an
 * absolute target gives the same URL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "httphdr.h"

#define FUZZ_ASSERT(x)	do { if (!(x)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const bases[] = {
	"http://127.0.0.1:5000/v2/app/tags/list?n=100",
	"https://registry-1.docker.io/v2/library/nginx/tags/list",
	"http://h",
	"https://h:1/a/b/../c/./d?x#frag",
	"http://[::1]:5000/v2/x/y/tags/list?n=1&last=a",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*base;
	struct buf	 b;
	char		*url = (char *)1, *again = (char *)1;
	size_t		 i, n;
	enum dr_err	 rc;

	if (size == 0)
		return 0;
	base = bases[data[0] % (sizeof(bases) / sizeof(bases[0]))];
	rc = httphdr_link_next(span_make(data + 1, size - 1), base, &url,
	    NULL);
	if (rc != DR_OK) {
		FUZZ_ASSERT(url == NULL);
		FUZZ_ASSERT(rc == DR_ENOTFOUND || rc == DR_EINVAL ||
		    rc == DR_ETOOBIG);
		return 0;
	}
	FUZZ_ASSERT(url != NULL);
	n = strlen(url);
	FUZZ_ASSERT(n <= 2 * HTTPHDR_VALUE_MAX);
	FUZZ_ASSERT(strncasecmp(url, "http://", 7) == 0 ||
	    strncasecmp(url, "https://", 8) == 0);
	for (i = 0; i < n; i++)
		FUZZ_ASSERT((unsigned char)url[i] > 0x20 &&
		    (unsigned char)url[i] < 0x7f && url[i] != '"' &&
		    url[i] != '<' && url[i] != '>' && url[i] != '\\');
	FUZZ_ASSERT(strchr(url, '#') == NULL);

	buf_init(&b, HTTPHDR_VALUE_MAX);
	buf_printf(&b, "<%s>; rel=next", url);
	if (!buf_failed(&b)) {
		FUZZ_ASSERT(httphdr_link_next(buf_span(&b), base, &again,
		    NULL) == DR_OK);
		FUZZ_ASSERT(strcmp(again, url) == 0);
		free(again);
	}
	buf_done(&b);
	free(url);
	return 0;
}
