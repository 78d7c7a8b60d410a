/*
 * httphdr: WWW-Authenticate (RFC 7235) and Link (RFC 8288) parsers.  Both
 * walk the value once with a cursor that never passes its end; everything
 * a peer sent is checked against the grammar before it is copied out.
 */
#include "httphdr.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "xmalloc.h"

/* Longest URL httphdr_link_next() builds: a target plus its base. */
#define HTTPHDR_URL_MAX		(2 * HTTPHDR_VALUE_MAX)

struct httphdr_cur {
	const char	*p;
	size_t		 len;
	size_t		 pos;
};

bool
httphdr_is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* The characters of token68 (RFC 7235 2.1) before its '=' padding. */
static bool
httphdr_is_t68char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("-._~+/", c) != NULL;
}

static bool
httphdr_at_end(const struct httphdr_cur *c)
{
	return c->pos >= c->len;
}

static int
httphdr_peek(const struct httphdr_cur *c)
{
	return c->pos < c->len ? (unsigned char)c->p[c->pos] : -1;
}

static void
httphdr_skip_ows(struct httphdr_cur *c)
{
	while (c->pos < c->len && (c->p[c->pos] == ' ' || c->p[c->pos] == '\t'))
		c->pos++;
}

/* Skips OWS and list separators (RFC 7230 7: empty list elements). */
static void
httphdr_skip_ows_commas(struct httphdr_cur *c)
{
	while (c->pos < c->len && (c->p[c->pos] == ' ' ||
	    c->p[c->pos] == '\t' || c->p[c->pos] == ','))
		c->pos++;
}

static struct span
httphdr_token(struct httphdr_cur *c)
{
	size_t	start = c->pos;

	while (c->pos < c->len && httphdr_is_tchar((unsigned char)c->p[c->pos]))
		c->pos++;
	return span_make(c->p + start, c->pos - start);
}

/*
 * Reads a quoted-string at the cursor (which is on the opening quote) and
 * appends its unescaped content to out.  False on a control character, a
 * missing closing quote or a dangling backslash.
 */
static bool
httphdr_quoted(struct httphdr_cur *c, struct buf *out)
{
	unsigned char	ch;

	c->pos++;
	while (c->pos < c->len) {
		ch = (unsigned char)c->p[c->pos++];
		if (ch == '"')
			return true;
		if (ch == '\\') {
			if (c->pos >= c->len)
				return false;
			ch = (unsigned char)c->p[c->pos++];
		}
		/* qdtext and quoted-pair: HTAB, SP, VCHAR, obs-text. */
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return false;
		buf_addc(out, (char)ch);
	}
	return false;
}

/*
 * True when the cursor is on "token BWS = BWS (token / quoted-string)",
 * i.e. an auth-param rather than the next challenge's scheme or a token68.
 */
static bool
httphdr_at_param(const struct httphdr_cur *c)
{
	struct httphdr_cur	t = *c;
	int			ch;

	if (httphdr_token(&t).len == 0)
		return false;
	httphdr_skip_ows(&t);
	if (httphdr_peek(&t) != '=')
		return false;
	t.pos++;
	httphdr_skip_ows(&t);
	ch = httphdr_peek(&t);
	return ch == '"' || (ch >= 0 && httphdr_is_tchar((unsigned char)ch) &&
	    ch != '=');
}

static const struct {
	const char		*name;
	enum httphdr_scheme	 scheme;
} httphdr_schemes[] = {
	{ "Basic", HTTPHDR_SCHEME_BASIC },
	{ "Bearer", HTTPHDR_SCHEME_BEARER },
};

static enum httphdr_scheme
httphdr_scheme_of(struct span name)
{
	size_t	i;

	for (i = 0; i < sizeof(httphdr_schemes) / sizeof(httphdr_schemes[0]);
	    i++) {
		if (strlen(httphdr_schemes[i].name) == name.len &&
		    strncasecmp(httphdr_schemes[i].name, name.p, name.len) == 0)
			return httphdr_schemes[i].scheme;
	}
	return HTTPHDR_SCHEME_NONE;
}

/* Returns the slot in ch for a param we keep, or NULL. */
static char **
httphdr_param_slot(struct httphdr_challenge *ch, struct span name)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} params[] = {
		{ "realm", offsetof(struct httphdr_challenge, realm) },
		{ "service", offsetof(struct httphdr_challenge, service) },
		{ "scope", offsetof(struct httphdr_challenge, scope) },
		{ "error", offsetof(struct httphdr_challenge, error) },
	};
	size_t	i;

	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		if (strlen(params[i].name) == name.len &&
		    strncasecmp(params[i].name, name.p, name.len) == 0)
			return (char **)(void *)((char *)ch + params[i].off);
	}
	return NULL;
}

/*
 * Parses the rest of one challenge after its scheme: nothing, a token68, or
 * a list of auth-params, stopping before the next challenge.  Kept params
 * go to ch; a repeated one is an error (which realm would we trust?).
 */
static enum dr_err
httphdr_challenge_body(struct httphdr_cur *c, struct httphdr_challenge *ch,
    struct dr_error *reterr)
{
	struct buf	 val;
	struct span	 name;
	char		**slot;
	enum dr_err	 rc = DR_OK;
	size_t		 n;

	buf_init(&val, HTTPHDR_VALUE_MAX);
	if (httphdr_at_end(c) || httphdr_peek(c) == ',')
		goto out;
	if (httphdr_peek(c) != ' ' && httphdr_peek(c) != '\t') {
		rc = dr_fail(reterr, DR_EINVAL,
		    "unexpected character after auth scheme");
		goto out;
	}
	httphdr_skip_ows(c);
	if (httphdr_at_end(c) || httphdr_peek(c) == ',')
		goto out;

	if (!httphdr_at_param(c)) {
		/* token68: no params follow, only the next challenge. */
		n = 0;
		while (!httphdr_at_end(c) &&
		    httphdr_is_t68char((unsigned char)c->p[c->pos])) {
			c->pos++;
			n++;
		}
		while (n > 0 && httphdr_peek(c) == '=')
			c->pos++;
		httphdr_skip_ows(c);
		if (n == 0 || !(httphdr_at_end(c) || httphdr_peek(c) == ','))
			rc = dr_fail(reterr, DR_EINVAL,
			    "malformed auth challenge");
		goto out;
	}

	for (;;) {
		name = httphdr_token(c);
		httphdr_skip_ows(c);
		c->pos++;		/* the '=' httphdr_at_param() saw */
		httphdr_skip_ows(c);
		buf_reset(&val);
		if (httphdr_peek(c) == '"') {
			if (!httphdr_quoted(c, &val)) {
				rc = dr_fail(reterr, DR_EINVAL, "malformed "
				    "quoted string in auth challenge");
				goto out;
			}
		} else
			buf_addspan(&val, httphdr_token(c));
		if (buf_failed(&val)) {
			rc = dr_fail(reterr, DR_ETOOBIG,
			    "auth challenge parameter too long");
			goto out;
		}
		if ((slot = httphdr_param_slot(ch, name)) != NULL) {
			if (*slot != NULL) {
				rc = dr_fail(reterr, DR_EINVAL,
				    "repeated auth challenge parameter %.*s",
				    (int)name.len, name.p);
				goto out;
			}
			*slot = xstrdup(buf_str(&val));
		}

		/* Next: end, or a comma then another param or challenge. */
		httphdr_skip_ows(c);
		if (httphdr_at_end(c))
			goto out;
		if (httphdr_peek(c) != ',') {
			rc = dr_fail(reterr, DR_EINVAL,
			    "malformed auth challenge parameter list");
			goto out;
		}
		n = c->pos;
		httphdr_skip_ows_commas(c);
		if (httphdr_at_end(c) || !httphdr_at_param(c)) {
			c->pos = n;
			goto out;
		}
	}
out:
	buf_done(&val);
	return rc;
}

enum dr_err
httphdr_challenge_parse(struct span value, struct httphdr_challenge *ret,
    struct dr_error *reterr)
{
	struct httphdr_cur		c = { value.p, value.len, 0 };
	struct httphdr_challenge	cur, best;
	struct span			scheme;
	enum dr_err			rc = DR_OK;

	memset(ret, 0, sizeof(*ret));
	memset(&cur, 0, sizeof(cur));
	memset(&best, 0, sizeof(best));
	if (value.len > HTTPHDR_VALUE_MAX)
		return dr_fail(reterr, DR_ETOOBIG,
		    "WWW-Authenticate value over %d bytes", HTTPHDR_VALUE_MAX);

	for (;;) {
		httphdr_skip_ows_commas(&c);
		if (httphdr_at_end(&c))
			break;
		scheme = httphdr_token(&c);
		if (scheme.len == 0) {
			rc = dr_fail(reterr, DR_EINVAL,
			    "malformed auth scheme in WWW-Authenticate");
			goto out;
		}
		cur.scheme = httphdr_scheme_of(scheme);
		if ((rc = httphdr_challenge_body(&c, &cur, reterr)) != DR_OK)
			goto out;
		/* The first Bearer wins; else the first Basic. */
		if (cur.scheme != HTTPHDR_SCHEME_NONE &&
		    (best.scheme == HTTPHDR_SCHEME_NONE ||
		    (best.scheme == HTTPHDR_SCHEME_BASIC &&
		    cur.scheme == HTTPHDR_SCHEME_BEARER))) {
			httphdr_challenge_done(&best);
			best = cur;
		} else
			httphdr_challenge_done(&cur);
		memset(&cur, 0, sizeof(cur));
	}
	if (best.scheme == HTTPHDR_SCHEME_NONE) {
		rc = dr_fail(reterr, DR_EINVAL,
		    "no Basic or Bearer challenge in WWW-Authenticate");
		goto out;
	}
	*ret = best;
	memset(&best, 0, sizeof(best));
out:
	httphdr_challenge_done(&cur);
	httphdr_challenge_done(&best);
	return rc;
}

void
httphdr_challenge_done(struct httphdr_challenge *ch)
{
	if (ch == NULL)
		return;
	free(ch->realm);
	free(ch->service);
	free(ch->scope);
	free(ch->error);
	memset(ch, 0, sizeof(*ch));
}

/*
 * Link: one link-value is "<" URI-Reference ">" *( OWS ";" OWS link-param ).
 */

/* True for the bytes RFC 3986 allows in a URI reference. */
static bool
httphdr_is_urichar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("-._~:/?#[]@!$&'()*+,;=%", c) != NULL;
}

/* True when the space-separated relation list rels holds "next". */
static bool
httphdr_rels_have_next(struct span rels)
{
	size_t	i = 0, start;

	while (i < rels.len) {
		while (i < rels.len && (rels.p[i] == ' ' || rels.p[i] == '\t'))
			i++;
		start = i;
		while (i < rels.len && rels.p[i] != ' ' && rels.p[i] != '\t')
			i++;
		if (i - start == 4 &&
		    strncasecmp(rels.p + start, "next", 4) == 0)
			return true;
	}
	return false;
}

/*
 * Parses the link-value at the cursor: its target in *ret_target and
 * whether its first rel param lists "next".  Stops after the value, before
 * the comma.
 */
static enum dr_err
httphdr_link_value(struct httphdr_cur *c, struct span *ret_target,
    bool *ret_next, struct dr_error *reterr)
{
	struct buf	 val;
	struct span	 name;
	bool		 seen_rel = false;
	size_t		 start;
	enum dr_err	 rc = DR_OK;

	*ret_next = false;
	buf_init(&val, HTTPHDR_VALUE_MAX);
	if (httphdr_peek(c) != '<') {
		rc = dr_fail(reterr, DR_EINVAL, "Link value must start with <");
		goto out;
	}
	start = ++c->pos;
	while (!httphdr_at_end(c) && c->p[c->pos] != '>')
		c->pos++;
	if (httphdr_at_end(c)) {
		rc = dr_fail(reterr, DR_EINVAL, "Link target has no closing >");
		goto out;
	}
	*ret_target = span_make(c->p + start, c->pos - start);
	c->pos++;

	for (;;) {
		httphdr_skip_ows(c);
		if (httphdr_at_end(c) || httphdr_peek(c) == ',')
			goto out;
		if (httphdr_peek(c) != ';') {
			rc = dr_fail(reterr, DR_EINVAL,
			    "malformed Link parameter list");
			goto out;
		}
		c->pos++;
		httphdr_skip_ows(c);
		if (httphdr_at_end(c) || httphdr_peek(c) == ',' ||
		    httphdr_peek(c) == ';')
			continue;	/* empty param, tolerated */
		name = httphdr_token(c);
		if (name.len == 0) {
			rc = dr_fail(reterr, DR_EINVAL,
			    "malformed Link parameter name");
			goto out;
		}
		httphdr_skip_ows(c);
		buf_reset(&val);
		if (httphdr_peek(c) == '=') {
			c->pos++;
			httphdr_skip_ows(c);
			if (httphdr_peek(c) == '"') {
				if (!httphdr_quoted(c, &val)) {
					rc = dr_fail(reterr, DR_EINVAL,
					    "malformed quoted string in Link");
					goto out;
				}
			} else
				buf_addspan(&val, httphdr_token(c));
		}
		/* RFC 8288 3.3: a rel after the first is ignored. */
		if (!seen_rel && name.len == 3 &&
		    strncasecmp(name.p, "rel", 3) == 0) {
			seen_rel = true;
			*ret_next = httphdr_rels_have_next(buf_span(&val));
		}
	}
out:
	buf_done(&val);
	return rc;
}

/* The parts of an absolute http(s) URL (RFC 3986 3), all borrowed. */
struct httphdr_url {
	struct span	scheme;		/* "http" or "https" */
	struct span	authority;	/* "host:port" */
	struct span	path;
	struct span	query;		/* no '?'; p NULL when absent */
};

/*
 * Splits s into its parts when it is "http://" or "https://" with a
 * non-empty authority; a fragment is dropped (it is never sent).
 */
static bool
httphdr_url_split(struct span s, struct httphdr_url *ret)
{
	size_t	i, end;

	memset(ret, 0, sizeof(*ret));
	i = span_find(s, ':');
	if (i == s.len)
		return false;
	ret->scheme = span_sub(s, 0, i);
	if (!((ret->scheme.len == 4 &&
	    strncasecmp(ret->scheme.p, "http", 4) == 0) ||
	    (ret->scheme.len == 5 &&
	    strncasecmp(ret->scheme.p, "https", 5) == 0)))
		return false;
	if (!span_starts(span_sub(s, i, s.len), "://"))
		return false;
	i += 3;
	s = span_sub(s, 0, span_find(s, '#'));
	for (end = i; end < s.len && s.p[end] != '/' && s.p[end] != '?';
	    end++)
		;
	ret->authority = span_sub(s, i, end - i);
	/* No userinfo: a link must not smuggle credentials into a URL. */
	if (ret->authority.len == 0 ||
	    span_find(ret->authority, '@') < ret->authority.len)
		return false;
	i = end;
	end = i + span_find(span_sub(s, i, s.len), '?');
	ret->path = span_sub(s, i, end - i);
	if (end < s.len)
		ret->query = span_sub(s, end + 1, s.len);
	return true;
}

/*
 * Appends path to out with its "." and ".." segments removed (RFC 3986
 * 5.2.4).  The output is never longer than path.
 */
static void
httphdr_remove_dots(struct span in, struct buf *out)
{
	char	*o;
	size_t	 olen = 0, i = 0, j;

	o = xmalloc(in.len + 1);
	while (i < in.len) {
		struct span	rest = span_sub(in, i, in.len);

		if (span_starts(rest, "../"))
			i += 3;
		else if (span_starts(rest, "./"))
			i += 2;
		else if (span_starts(rest, "/./"))
			i += 2;
		else if (span_eq_str(rest, "/.")) {
			o[olen++] = '/';
			i = in.len;
		} else if (span_starts(rest, "/../") ||
		    span_eq_str(rest, "/..")) {
			while (olen > 0 && o[olen - 1] != '/')
				olen--;
			if (olen > 0)
				olen--;
			if (span_eq_str(rest, "/..")) {
				o[olen++] = '/';
				i = in.len;
			} else
				i += 3;
		} else if (span_eq_str(rest, ".") || span_eq_str(rest, ".."))
			i = in.len;
		else {
			j = i;
			if (in.p[j] == '/')
				j++;
			while (j < in.len && in.p[j] != '/')
				j++;
			memcpy(o + olen, in.p + i, j - i);
			olen += j - i;
			i = j;
		}
	}
	buf_add(out, o, olen);
	free(o);
}

/* Resolves target against base (RFC 3986 5.2.2) into out. */
static enum dr_err
httphdr_resolve(struct span target, const struct httphdr_url *base,
    struct buf *out, struct dr_error *reterr)
{
	struct httphdr_url	 t;
	struct span		 path, query;
	struct buf		 tmp;
	size_t			 i, slash;
	enum dr_err		 rc = DR_OK;

	buf_init(&tmp, HTTPHDR_URL_MAX);
	for (i = 0; i < target.len; i++)
		if (target.p[i] == '/' || target.p[i] == '?' ||
		    target.p[i] == '#' || target.p[i] == ':')
			break;
	if ((i < target.len && target.p[i] == ':') ||
	    span_starts(target, "//")) {
		/* With a scheme, or a network path taking the base's. */
		if (target.p[0] == '/') {
			buf_addspan(&tmp, base->scheme);
			buf_addc(&tmp, ':');
			buf_addspan(&tmp, target);
			target = buf_span(&tmp);
		}
		if (!httphdr_url_split(target, &t)) {
			rc = dr_fail(reterr, DR_EINVAL,
			    "Link target is not an http(s) URL");
			goto out;
		}
		buf_addspan(out, t.scheme);
		buf_adds(out, "://");
		buf_addspan(out, t.authority);
		path = t.path;
		query = t.query;
	} else {
		buf_addspan(out, base->scheme);
		buf_adds(out, "://");
		buf_addspan(out, base->authority);
		target = span_sub(target, 0, span_find(target, '#'));
		i = span_find(target, '?');
		path = span_sub(target, 0, i);
		query = i < target.len ? span_sub(target, i + 1, target.len) :
		    span_make(NULL, 0);
		if (path.len == 0) {
			/* "?q": the base path with the new query. */
			path = base->path;
			if (query.p == NULL)
				query = base->query;
		} else if (path.p[0] != '/') {
			/* Relative path: merge with the base's directory. */
			if (base->path.len == 0)
				buf_addc(&tmp, '/');
			else {
				for (slash = base->path.len; slash > 0 &&
				    base->path.p[slash - 1] != '/'; slash--)
					;
				buf_addspan(&tmp,
				    span_sub(base->path, 0, slash));
			}
			buf_addspan(&tmp, path);
			path = buf_span(&tmp);
		}
	}
	if (path.len == 0)
		buf_addc(out, '/');
	else
		httphdr_remove_dots(path, out);
	if (query.p != NULL) {
		buf_addc(out, '?');
		buf_addspan(out, query);
	}
	if (buf_failed(out) || buf_failed(&tmp))
		rc = dr_fail(reterr, DR_ETOOBIG, "Link target too long");
out:
	buf_done(&tmp);
	return rc;
}

enum dr_err
httphdr_link_next(struct span value, const char *base_url, char **ret_url,
    struct dr_error *reterr)
{
	struct httphdr_cur	c = { value.p, value.len, 0 };
	struct httphdr_url	base;
	struct span		target = { NULL, 0 };
	struct buf		out;
	bool			next;
	size_t			i;
	enum dr_err		rc;

	*ret_url = NULL;
	buf_init(&out, HTTPHDR_URL_MAX);
	if (value.len > HTTPHDR_VALUE_MAX)
		return dr_fail(reterr, DR_ETOOBIG,
		    "Link value over %d bytes", HTTPHDR_VALUE_MAX);

	for (;;) {
		httphdr_skip_ows_commas(&c);
		if (httphdr_at_end(&c))
			return dr_fail(reterr, DR_ENOTFOUND,
			    "no rel=\"next\" in Link");
		if ((rc = httphdr_link_value(&c, &target, &next, reterr)) !=
		    DR_OK)
			return rc;
		if (next)
			break;
	}

	if (target.len == 0 || target.p[0] == '#')
		return dr_fail(reterr, DR_EINVAL,
		    "Link next target points at the current page");
	for (i = 0; i < target.len; i++)
		if (!httphdr_is_urichar((unsigned char)target.p[i]))
			return dr_fail(reterr, DR_EINVAL,
			    "Link target has a byte not allowed in a URL");
	if (base_url == NULL ||
	    !httphdr_url_split(span_str(base_url), &base))
		return dr_fail(reterr, DR_EINVAL,
		    "base URL is not an http(s) URL");

	if ((rc = httphdr_resolve(target, &base, &out, reterr)) != DR_OK)
		goto out;
	*ret_url = buf_steal(&out);
out:
	buf_done(&out);
	return rc;
}
