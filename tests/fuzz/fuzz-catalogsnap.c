/*
 * fuzz-catalogsnap: the input is a persisted catalog snapshot (the JSON
 * document of the catalog_snapshot table, docs/api.md).  Checks that
 * loading never crashes, that a loaded snapshot survives the round trip
 * (to JSON and back gives the same document), and that rendering it as
 * the /api/v1/stacks document with no rules counts every service.
 */
#include <stdint.h>
#include <stdlib.h>

#include "catalog.h"

#define FUZZ_ASSERT(c)	do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct catalog_snap	*s = NULL, *back = NULL;
	struct catalog_rules	*b;
	struct dr_error		 e;
	json_t			*j, *a, *c, *d;

	if (size > 256 * 1024)
		return 0;
	if ((j = json_loadb((const char *)data, size, 0, NULL)) == NULL)
		return 0;
	if (catalog_snap_from_json(j, &s, &e) != DR_OK) {
		FUZZ_ASSERT(s == NULL);
		json_decref(j);
		return 0;
	}
	a = catalog_snap_to_json(s);
	FUZZ_ASSERT(catalog_snap_from_json(a, &back, &e) == DR_OK);
	c = catalog_snap_to_json(back);
	FUZZ_ASSERT(json_equal(a, c));
	b = catalog_rules_empty();
	d = catalog_doc(s, b, NULL);
	FUZZ_ASSERT(json_integer_value(json_object_get(json_object_get(d,
	    "counts"), "services")) == (json_int_t)s->nsvcs);
	json_decref(d);
	catalog_rules_unref(b);
	json_decref(c);
	json_decref(a);
	json_decref(j);
	catalog_snap_unref(back);
	catalog_snap_unref(s);
	return 0;
}
