/*
 * fuzz-uipath: ui_lookup() and ui_accepts_gzip() on arbitrary bytes: the
 * bytes up to the first newline are the path, the rest the
 * Accept-Encoding value.  Defines its own embedded table.  Invariants: a
 * hit is an entry of the table, served plain or as its gzip variant
 * exactly when gzip is accepted; the API's paths never get the UI; a
 * path outside the table gets index.html or nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

#define FUZZ_ASSERT(x)	do { if (!(x)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const unsigned char f[] = "x";
static const struct ui_asset table[] = {
	{ "/assets/a-1.css", f, 1, NULL, 0 },
	{ "/assets/a-1.js", f, 1, f, 1 },
	{ "/favicon.svg", f, 1, NULL, 0 },
	{ "/index.html", f, 1, f, 1 },
};

const struct ui_asset *
ui_assets(size_t *ret_n)
{
	*ret_n = sizeof(table) / sizeof(table[0]);
	return table;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*path, *ae, *nl;
	struct ui_hit	 hit;
	enum dr_err	 rc;
	bool		 gz;

	if (size > 4096)
		return 0;
	path = malloc(size + 1);
	if (path == NULL)
		abort();
	memcpy(path, data, size);
	path[size] = '\0';
	nl = strchr(path, '\n');
	ae = NULL;
	if (nl != NULL) {
		*nl = '\0';
		ae = nl + 1;
	}
	gz = ui_accepts_gzip(ae);
	FUZZ_ASSERT(gz == ui_accepts_gzip(ae));
	rc = ui_lookup(path, ae, &hit);
	if (rc != DR_OK) {
		FUZZ_ASSERT(rc == DR_ENOTFOUND);
		FUZZ_ASSERT(hit.asset == NULL);
	} else {
		FUZZ_ASSERT(hit.asset >= table &&
		    hit.asset < table + sizeof(table) / sizeof(table[0]));
		FUZZ_ASSERT(hit.content_type != NULL &&
		    hit.cache_control != NULL);
		FUZZ_ASSERT(hit.gzip == (gz && hit.asset->gz != NULL));
		FUZZ_ASSERT(hit.body == (hit.gzip ? hit.asset->gz :
		    hit.asset->data));
		FUZZ_ASSERT(strncmp(path, "/api/", 5) != 0);
		FUZZ_ASSERT(strcmp(hit.asset->path, path) == 0 ||
		    strcmp(hit.asset->path, "/index.html") == 0);
	}
	free(path);
	return 0;
}
