/*
 * api-catalog: the HTTP handlers of the catalog (docs/api.md "Stacks and
 * services", "Ignore rules and settings" but the system settings, and
 * POST /api/v1/check) and its serve module (routes, start, stop).
 * GET /api/v1/stacks serves the bytes rendered once per view change.
 */
#ifndef API_CATALOG_H
#define API_CATALOG_H

#include "serve.h"

#define API_CATALOG_JOBS	20	/* jobs shown with a service */

extern const struct serve_module catalog_module;

#endif
