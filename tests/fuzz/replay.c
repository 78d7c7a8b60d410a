/*
 * replay: runs a libFuzzer target over committed corpus files without
 * libFuzzer, so `make test` replays every corpus as regression tests.
 * Usage: replay-TARGET FILE... ; prints "fuzz NAME: N passed, 0 failed".
 * A crash or assertion aborts the process, which the runner counts as failed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
main(int argc, char **argv)
{
	int	 i, n = 0;

	for (i = 1; i < argc; i++) {
		FILE	*f;
		char	*data;
		long	 len;

		if ((f = fopen(argv[i], "rb")) == NULL) {
			perror(argv[i]);
			return 2;
		}
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fseek(f, 0, SEEK_SET);
		data = malloc(len > 0 ? (size_t)len : 1);
		if (data == NULL || (len > 0 && fread(data, 1, (size_t)len, f) !=
		    (size_t)len)) {
			fprintf(stderr, "%s: read failed\n", argv[i]);
			return 2;
		}
		fclose(f);
		LLVMFuzzerTestOneInput((const uint8_t *)data, (size_t)len);
		free(data);
		n++;
	}
	printf("fuzz %s: %d passed, 0 failed\n", argv[0], n);
	return 0;
}
