/*
 * ui: serves the web UI that the build embeds into the binary (web/dist,
 * turned into the generated build/ui-assets.c by tools/embed-ui.c, never
 * edited by hand).  Every GET that no other module routes ends here: a
 * file of the bundle, or index.html for the UI's own paths, never for an
 * API path.  The assets are static and public (no secret is in them).
 */
#ifndef UI_H
#define UI_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "serve.h"

struct ui_asset {
	const char		*path;		/* "/index.html", "/assets/x-1a2b.js" */
	const unsigned char	*data;
	size_t			 len;
	const unsigned char	*gz;		/* gzip of data; NULL when none */
	size_t			 gz_len;
};

/*
 * The embedded files, sorted by path (strcmp), *ret_n of them; static,
 * never freed.  Defined by the generated build/ui-assets.c, which only
 * the dockrev binary links; ui.c has a weak empty fallback, so that unit
 * tests and tools link without the web build (they may define their own).
 */
const struct ui_asset	*ui_assets(size_t *ret_n);

struct ui_hit {
	const struct ui_asset	*asset;
	const char		*content_type;
	const char		*cache_control;
	const void		*body;		/* asset's data or gz */
	size_t			 len;
	bool			 gzip;		/* body is the gzip variant */
};

/*
 * What a GET of path (decoded, no query) answers, given the request's
 * Accept-Encoding (NULL when absent).  "/" and any path that names no
 * file and no API give index.html ("no-cache"); files under /assets/ have
 * hashed names and get a year's immutable cache.  DR_ENOTFOUND for paths
 * of the API and of other modules (/api/, /hooks/, /v1/, /healthz,
 * /readyz, /metrics), for a missing file under /assets/ (index.html would
 * be run as a script), and when nothing is embedded.  ret borrows from
 * the static table.
 */
enum dr_err		 ui_lookup(const char *path,
			    const char *accept_encoding, struct ui_hit *ret);

/* Whether an Accept-Encoding value accepts gzip (a "q=0" refuses it). */
bool			 ui_accepts_gzip(const char *accept_encoding);

/* The module, registered last in serve-modules.c: its GET route is a
 * catch-all. */
extern const struct serve_module ui_module;

#endif
