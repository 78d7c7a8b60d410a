/*
 * test-ui: what a GET of each kind of path answers from an embedded table
 * (this file defines ui_assets(), replacing ui.c's weak empty one):
 * files, index.html for the UI's own paths, never for an API path or a
 * missing hashed asset; content types, cache headers, gzip negotiation.
 */
#include <string.h>

#include "check.h"
#include "ui.h"

static const unsigned char idx[] = "<!doctype html>";
static const unsigned char idx_gz[] = { 0x1f, 0x8b, 0x08 };
static const unsigned char js[] = "console.log(1)";
static const unsigned char js_gz[] = { 0x1f, 0x8b, 0x08, 0x00 };
static const unsigned char css[] = "body{}";
static const unsigned char svg[] = "<svg/>";
static const unsigned char png[] = { 0x89, 'P', 'N', 'G' };

static const struct ui_asset table[] = {	/* sorted by path */
	{ "/assets/index-AbC123.css", css, sizeof(css) - 1, NULL, 0 },
	{ "/assets/index-XyZ789.js", js, sizeof(js) - 1, js_gz,
	  sizeof(js_gz) },
	{ "/favicon.svg", svg, sizeof(svg) - 1, NULL, 0 },
	{ "/index.html", idx, sizeof(idx) - 1, idx_gz, sizeof(idx_gz) },
	{ "/shot.PNG", png, sizeof(png), NULL, 0 },
	{ "/theme.js", js, sizeof(js) - 1, NULL, 0 },
};
static bool empty;

const struct ui_asset *
ui_assets(size_t *ret_n)
{
	*ret_n = empty ? 0 : sizeof(table) / sizeof(table[0]);
	return empty ? NULL : table;
}

#define HTML	"text/html; charset=utf-8"
#define JS	"text/javascript; charset=utf-8"
#define HASHED	"public, max-age=31536000, immutable"

static const struct {
	const char	*path;
	const char	*ae;		/* Accept-Encoding */
	enum dr_err	 rc;
	const char	*asset;		/* path of the asset served */
	const char	*type;
	const char	*cache;
	bool		 gzip;
} cases[] = {
	{ "/", NULL, DR_OK, "/index.html", HTML, "no-cache", false },
	{ "/", "gzip, deflate, br", DR_OK, "/index.html", HTML, "no-cache",
	  true },
	{ "/index.html", "br", DR_OK, "/index.html", HTML, "no-cache", false },
	/* The UI's own routes (and old links) get index.html. */
	{ "/jobs/12", NULL, DR_OK, "/index.html", HTML, "no-cache", false },
	{ "/services/shop/web", "*", DR_OK, "/index.html", HTML, "no-cache",
	  true },
	{ "/apiary", NULL, DR_OK, "/index.html", HTML, "no-cache", false },
	{ "/assets.html", NULL, DR_OK, "/index.html", HTML, "no-cache",
	  false },
	/* Hashed assets: a year, immutable; types by extension. */
	{ "/assets/index-XyZ789.js", NULL, DR_OK, "/assets/index-XyZ789.js",
	  JS, HASHED, false },
	{ "/assets/index-XyZ789.js", "deflate, gzip;q=0.5", DR_OK,
	  "/assets/index-XyZ789.js", JS, HASHED, true },
	{ "/assets/index-AbC123.css", "gzip", DR_OK,
	  "/assets/index-AbC123.css", "text/css; charset=utf-8", HASHED,
	  false },	/* no gz variant: the plain file */
	{ "/favicon.svg", NULL, DR_OK, "/favicon.svg", "image/svg+xml",
	  "no-cache", false },
	{ "/shot.PNG", NULL, DR_OK, "/shot.PNG", "image/png", "no-cache",
	  false },
	{ "/theme.js", "gzip", DR_OK, "/theme.js", JS, "no-cache", false },
	/* A stale hashed name must not get index.html (run as a script). */
	{ "/assets/index-Old000.js", NULL, DR_ENOTFOUND, NULL, NULL, NULL,
	  false },
	{ "/assets", NULL, DR_ENOTFOUND, NULL, NULL, NULL, false },
	/* The API and the other modules' paths: never the UI. */
	{ "/api", NULL, DR_ENOTFOUND, NULL, NULL, NULL, false },
	{ "/api/v1/nothing", NULL, DR_ENOTFOUND, NULL, NULL, NULL, false },
	{ "/hooks/t/abc", NULL, DR_ENOTFOUND, NULL, NULL, NULL, false },
	{ "/v1/update", NULL, DR_ENOTFOUND, NULL, NULL, NULL, false },
	{ "/healthz", NULL, DR_ENOTFOUND, NULL, NULL, NULL, false },
	{ "/readyz", NULL, DR_ENOTFOUND, NULL, NULL, NULL, false },
	{ "/metrics", NULL, DR_ENOTFOUND, NULL, NULL, NULL, false },
	{ "", NULL, DR_ENOTFOUND, NULL, NULL, NULL, false },
	{ "index.html", NULL, DR_ENOTFOUND, NULL, NULL, NULL, false },
};

static const struct {
	const char	*ae;
	bool		 gzip;
} ae_cases[] = {
	{ NULL, false },
	{ "", false },
	{ "gzip", true },
	{ "GZIP", true },
	{ "identity", false },
	{ "br, gzip", true },
	{ "gzip;q=0", false },
	{ "gzip; q=0.000", false },
	{ "gzip;q=0.001", true },
	{ "gzip;q=1.0", true },
	{ "*", true },
	{ "*;q=0", false },
	{ "*, gzip;q=0", false },	/* the explicit refusal wins */
	{ "gzip;q=0, *", false },
	{ "x-gzip", false },
	{ "gzipx", false },
	{ " \tgzip \t", true },
	{ "deflate,,gzip", true },
	{ ",", false },
	{ "gzip;q=", true },		/* malformed q: not a refusal */
};

int
main(void)
{
	struct ui_hit	hit;
	size_t		i;
	enum dr_err	rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = ui_lookup(cases[i].path, cases[i].ae, &hit);
		CHECK_INTEQ(rc, cases[i].rc);
		if (rc != DR_OK || cases[i].rc != DR_OK) {
			CHECK(hit.asset == NULL);
			continue;
		}
		CHECK_STREQ(hit.asset->path, cases[i].asset);
		CHECK_STREQ(hit.content_type, cases[i].type);
		CHECK_STREQ(hit.cache_control, cases[i].cache);
		CHECK_INTEQ(hit.gzip, cases[i].gzip);
		if (cases[i].gzip) {
			CHECK(hit.body == hit.asset->gz);
			CHECK_INTEQ(hit.len, hit.asset->gz_len);
		} else {
			CHECK(hit.body == hit.asset->data);
			CHECK_INTEQ(hit.len, hit.asset->len);
		}
	}
	for (i = 0; i < sizeof(ae_cases) / sizeof(ae_cases[0]); i++) {
		bool got = ui_accepts_gzip(ae_cases[i].ae);
		if (got != ae_cases[i].gzip)
			fprintf(stderr, "FAIL accept-encoding \"%s\"\n",
			    ae_cases[i].ae ? ae_cases[i].ae : "(null)");
		CHECK_INTEQ(got, ae_cases[i].gzip);
	}
	/* Nothing embedded: nothing served, not even for "/". */
	empty = true;
	CHECK_INTEQ(ui_lookup("/", "gzip", &hit), DR_ENOTFOUND);
	CHECK_INTEQ(ui_lookup("/jobs", NULL, &hit), DR_ENOTFOUND);
	return check_summary("ui");
}
