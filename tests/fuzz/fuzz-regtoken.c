/*
 * fuzz-regtoken: regtoken_parse() on arbitrary bytes.  Invariants: a
 * token handed out is 1..REGTOKEN_MAX visible ASCII bytes and expires_in
 * is within [1, 86400]; on failure no token is handed out.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "regtoken.h"

#define FUZZ_ASSERT(x)	do { if (!(x)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*tok = (char *)1;
	long	 exp = -1;
	size_t	 i, n;

	if (regtoken_parse(span_make(data, size), &tok, &exp, NULL) !=
	    DR_OK) {
		FUZZ_ASSERT(tok == NULL);
		return 0;
	}
	FUZZ_ASSERT(tok != NULL);
	n = strlen(tok);
	FUZZ_ASSERT(n >= 1 && n <= REGTOKEN_MAX && n <= size);
	for (i = 0; i < n; i++)
		FUZZ_ASSERT((unsigned char)tok[i] > 0x20 &&
		    (unsigned char)tok[i] < 0x7f);
	FUZZ_ASSERT(exp >= 1 && exp <= 86400);
	free(tok);
	return 0;
}
