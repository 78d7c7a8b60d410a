/*
 * ui: the embedded web UI, served from the static table that the build
 * generates.  Lookups are a binary search over sorted paths; nothing is
 * allocated and nothing a client sends is echoed into a file name.
 */
#include "ui.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

#define UI_CACHE_HASHED	"public, max-age=31536000, immutable"
#define UI_CACHE_NONE	"no-cache"
#define UI_CSP								\
	"default-src 'self'; script-src 'self'; "			\
	"style-src 'self' 'unsafe-inline'; img-src 'self' data:; "	\
	"connect-src 'self'; base-uri 'none'; form-action 'self'; "	\
	"frame-ancestors 'none'"

static const struct {
	const char	*ext;
	const char	*type;
} ui_types[] = {
	{ ".html",	"text/html; charset=utf-8" },
	{ ".js",	"text/javascript; charset=utf-8" },
	{ ".mjs",	"text/javascript; charset=utf-8" },
	{ ".css",	"text/css; charset=utf-8" },
	{ ".svg",	"image/svg+xml" },
	{ ".png",	"image/png" },
	{ ".ico",	"image/x-icon" },
	{ ".json",	"application/json" },
	{ ".webmanifest", "application/manifest+json" },
	{ ".woff2",	"font/woff2" },
	{ ".txt",	"text/plain; charset=utf-8" },
};

/* Paths that belong to the API and the other modules: never index.html. */
static const char *const ui_not_mine[] = {
	"/api", "/hooks", "/v1", "/healthz", "/readyz", "/metrics",
};

__attribute__((weak)) const struct ui_asset *
ui_assets(size_t *ret_n)
{
	*ret_n = 0;
	return NULL;
}

static const char *
ui_type_of(const char *path)
{
	const char	*dot, *slash;
	size_t		 i;

	slash = strrchr(path, '/');
	dot = strrchr(path, '.');
	if (dot == NULL || (slash != NULL && dot < slash))
		return "application/octet-stream";
	for (i = 0; i < sizeof(ui_types) / sizeof(ui_types[0]); i++)
		if (strcasecmp(dot, ui_types[i].ext) == 0)
			return ui_types[i].type;
	return "application/octet-stream";
}

static int
ui_cmp(const void *key, const void *elem)
{
	const struct ui_asset *a = elem;

	return strcmp(key, a->path);
}

static const struct ui_asset *
ui_find(const char *path)
{
	const struct ui_asset	*t;
	size_t			 n;

	t = ui_assets(&n);
	if (t == NULL || n == 0)
		return NULL;
	return bsearch(path, t, n, sizeof(*t), ui_cmp);
}

/* path equals prefix or continues it with '/'. */
static bool
ui_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(path, prefix, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

bool
ui_accepts_gzip(const char *ae)
{
	const char	*p, *end, *semi, *q;
	size_t		 n;
	bool		 ok, star = false, gzip = false, gzip_seen = false;

	if (ae == NULL)
		return false;
	for (p = ae; *p != '\0'; p = *end ? end + 1 : end) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		semi = memchr(p, ';', (size_t)(end - p));
		n = (size_t)((semi ? semi : end) - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		/* "q=0", "q=0.", "q=0.000": refused; any other q accepts. */
		ok = true;
		if (semi != NULL) {
			q = semi + 1;
			while (q < end && (*q == ' ' || *q == '\t'))
				q++;
			if (end - q >= 3 && (q[0] == 'q' || q[0] == 'Q') &&
			    q[1] == '=' && q[2] == '0') {
				ok = false;
				for (q += 3; q < end && *q != ' ' && *q != ';';
				    q++)
					if (*q != '.' && *q != '0')
						ok = true;
			}
		}
		if (n == 4 && strncasecmp(p, "gzip", 4) == 0) {
			gzip = ok;
			gzip_seen = true;
		} else if (n == 1 && *p == '*')
			star = ok;
	}
	return gzip_seen ? gzip : star;
}

enum dr_err
ui_lookup(const char *path, const char *accept_encoding, struct ui_hit *ret)
{
	const struct ui_asset	*a;
	size_t			 i;

	memset(ret, 0, sizeof(*ret));
	if (path == NULL || path[0] != '/')
		return DR_ENOTFOUND;
	for (i = 0; i < sizeof(ui_not_mine) / sizeof(ui_not_mine[0]); i++)
		if (ui_under(path, ui_not_mine[i]))
			return DR_ENOTFOUND;
	a = strcmp(path, "/") == 0 ? NULL : ui_find(path);
	if (a == NULL) {
		if (ui_under(path, "/assets"))
			return DR_ENOTFOUND;
		if ((a = ui_find("/index.html")) == NULL)
			return DR_ENOTFOUND;
	}
	ret->asset = a;
	ret->content_type = ui_type_of(a->path);
	ret->cache_control = ui_under(a->path, "/assets") ? UI_CACHE_HASHED :
	    UI_CACHE_NONE;
	if (a->gz != NULL && ui_accepts_gzip(accept_encoding)) {
		ret->body = a->gz;
		ret->len = a->gz_len;
		ret->gzip = true;
	} else {
		ret->body = a->data;
		ret->len = a->len;
	}
	return DR_OK;
}

static struct http_resp *
ui_get(struct http_req *req)
{
	struct http_resp	*resp;
	struct ui_hit		 hit;

	if (ui_lookup(req->path, http_req_header(req, "Accept-Encoding"),
	    &hit) != DR_OK)
		return http_resp_error("not_found", "nothing at this path");
	resp = http_resp_static(200, hit.content_type, hit.body, hit.len,
	    NULL, NULL);
	if (resp == NULL)
		return NULL;
	/* http_resp_header fails only on a bad name or value: not these. */
	(void)http_resp_header(resp, "Cache-Control", hit.cache_control);
	(void)http_resp_header(resp, "X-Content-Type-Options", "nosniff");
	if (hit.asset->gz != NULL)
		(void)http_resp_header(resp, "Vary", "Accept-Encoding");
	if (hit.gzip)
		(void)http_resp_header(resp, "Content-Encoding", "gzip");
	if (strcmp(hit.content_type, "text/html; charset=utf-8") == 0) {
		(void)http_resp_header(resp, "Content-Security-Policy", UI_CSP);
		(void)http_resp_header(resp, "X-Frame-Options", "DENY");
		(void)http_resp_header(resp, "Referrer-Policy", "same-origin");
	}
	return resp;
}

static const struct http_route ui_routes[] = {
	/* The static bundle is public; the API behind it has the auth. */
	{ "GET", "/*", ui_get, HTTP_NOAUTH, 0 },
	{ NULL, NULL, NULL, 0, 0 },
};

const struct serve_module ui_module = {
	.name = "ui",
	.routes = ui_routes,
	.start = NULL,
	.stop = NULL,
};
