/*
 * compose-file-env: .env files (KEY=VALUE lines, parsed keeping each
 * value's byte range) and Compose's $VAR / ${VAR...} interpolation.
 * Invariant: a parsed variable's off/len are the raw value bytes inside any
 * quotes, so an edit can replace exactly them; the last definition of a
 * name is the one that counts.
 */
#include "compose-file.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "compose-file-int.h"
#include "xmalloc.h"

/*
 * Small helpers.
 */

static bool
compose_file_name_start(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool
compose_file_name_char(char c)
{
	return compose_file_name_start(c) || (c >= '0' && c <= '9');
}

static bool
compose_file_span_has(struct span s, char c)
{
	return s.len > 0 && memchr(s.p, c, s.len) != NULL;
}

/*
 * .env files.
 */

static bool
compose_file_env_name_char(char c)
{
	return compose_file_name_char(c) || c == '.' || c == '-';
}

static bool
compose_file_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Parses the line [p, e) (line break excluded). */
static enum dr_err
compose_file_env_line(struct compose_file_env *env, size_t p, size_t e,
    size_t line, size_t *cap, struct dr_error *reterr)
{
	const char		*b = env->bytes;
	struct compose_file_var	*var;
	struct buf		 val;
	size_t			 ns, nl, vs, j, ve;
	char			 q;

	while (p < e && compose_file_blank(b[p]))
		p++;
	if (p == e || b[p] == '#')
		return DR_OK;
	if (e - p > 6 && memcmp(b + p, "export", 6) == 0 &&
	    compose_file_blank(b[p + 6])) {
		p += 6;
		while (p < e && compose_file_blank(b[p]))
			p++;
	}
	ns = p;
	if (p == e || !compose_file_name_start(b[p]))
		return DR_OK;	/* defines nothing */
	while (p < e && compose_file_env_name_char(b[p]))
		p++;
	nl = p - ns;
	while (p < e && compose_file_blank(b[p]))
		p++;
	if (p == e || b[p] != '=')
		return DR_OK;
	p++;
	while (p < e && compose_file_blank(b[p]))
		p++;

	buf_init(&val, COMPOSE_FILE_ENV_MAX);
	if (p < e && (b[p] == '\'' || b[p] == '"')) {
		q = b[p];
		vs = j = p + 1;
		while (j < e && b[j] != q) {
			if (q == '"' && b[j] == '\\' && j + 1 < e) {
				switch (b[j + 1]) {
				case 'n':
					buf_addc(&val, '\n');
					break;
				case 't':
					buf_addc(&val, '\t');
					break;
				case 'r':
					buf_addc(&val, '\r');
					break;
				case '\\':
				case '"':
				case '$':
					buf_addc(&val, b[j + 1]);
					break;
				default:
					buf_add(&val, b + j, 2);
					break;
				}
				j += 2;
				continue;
			}
			buf_addc(&val, b[j]);
			j++;
		}
		if (j >= e) {
			buf_done(&val);
			return dr_fail(reterr, DR_EUNSUPPORTED, "env file line "
			    "%zu: a quoted value that does not end on its line",
			    line);
		}
		ve = j;
	} else {
		vs = p;
		ve = e;
		for (j = p + 1; j < e; j++)
			if (b[j] == '#' && compose_file_blank(b[j - 1])) {
				ve = j;
				break;
			}
		while (ve > vs && compose_file_blank(b[ve - 1]))
			ve--;
		buf_add(&val, b + vs, ve - vs);
	}
	if (env->n >= COMPOSE_FILE_ENV_VARS_MAX) {
		buf_done(&val);
		return dr_fail(reterr, DR_ETOOBIG,
		    "env file: more than %d variables",
		    COMPOSE_FILE_ENV_VARS_MAX);
	}
	if (env->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		env->vars = xreallocarray(env->vars, *cap, sizeof(*env->vars));
	}
	var = &env->vars[env->n++];
	var->name = xstrndup(b + ns, nl);
	var->value = buf_steal(&val);
	var->off = vs;
	var->len = ve - vs;
	var->line = line;
	return DR_OK;
}

enum dr_err
compose_file_env_parse(struct span text, struct compose_file_env **ret,
    struct dr_error *reterr)
{
	struct compose_file_env	*env;
	size_t			 i = 0, eol, le, line = 0, cap = 0;
	const char		*nl;
	enum dr_err		 rc = DR_OK;

	*ret = NULL;
	if (text.len > COMPOSE_FILE_ENV_MAX)
		return dr_fail(reterr, DR_ETOOBIG,
		    "env file larger than %d bytes", COMPOSE_FILE_ENV_MAX);
	if (compose_file_span_has(text, '\0'))
		return dr_fail(reterr, DR_EINVAL, "env file has a NUL byte");
	env = xcalloc(1, sizeof(*env));
	env->bytes = xmalloc(text.len + 1);
	if (text.len > 0)
		memcpy(env->bytes, text.p, text.len);
	env->bytes[text.len] = '\0';
	env->len = text.len;
	if (text.len >= 3 && memcmp(text.p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < env->len) {
		line++;
		nl = memchr(env->bytes + i, '\n', env->len - i);
		eol = nl != NULL ? (size_t)(nl - env->bytes) : env->len;
		le = eol;
		if (le > i && env->bytes[le - 1] == '\r')
			le--;
		if ((rc = compose_file_env_line(env, i, le, line, &cap,
		    reterr)) != DR_OK) {
			compose_file_env_free(env);
			return rc;
		}
		i = eol + 1;
	}
	*ret = env;
	return DR_OK;
}

enum dr_err
compose_file_env_load(const char *path, struct compose_file_env **ret,
    struct dr_error *reterr)
{
	struct buf	b;
	enum dr_err	rc;

	*ret = NULL;
	if ((rc = compose_file_read(path, COMPOSE_FILE_ENV_MAX, &b, reterr)) !=
	    DR_OK)
		return rc;
	rc = compose_file_env_parse(buf_span(&b), ret, reterr);
	buf_done(&b);
	return rc;
}

void
compose_file_env_free(struct compose_file_env *env)
{
	size_t	i;

	if (env == NULL)
		return;
	for (i = 0; i < env->n; i++) {
		free(env->vars[i].name);
		free(env->vars[i].value);
	}
	free(env->vars);
	free(env->bytes);
	free(env);
}

/* The last definition of name, or NULL. */
const struct compose_file_var *
compose_file_env_find(const struct compose_file_env *env, struct span name)
{
	size_t	i;

	if (env == NULL)
		return NULL;
	for (i = env->n; i > 0; i--)
		if (span_eq_str(name, env->vars[i - 1].name))
			return &env->vars[i - 1];
	return NULL;
}

const char *
compose_file_env_get(const struct compose_file_env *env, const char *name)
{
	const struct compose_file_var	*v;

	v = compose_file_env_find(env, span_str(name));
	return v != NULL ? v->value : NULL;
}

struct span
compose_file_env_bytes(const struct compose_file_env *env)
{
	return span_make(env->bytes, env->len);
}

/*
 * Interpolation.
 */

/* Finds the variable references of v; $$ is an escaped '$'. */
enum dr_err
compose_file_refs(const char *v, struct compose_file_ref *refs,
    size_t *ret_n, struct dr_error *reterr)
{
	struct compose_file_ref	*r;
	size_t			 i = 0, j, n = 0;

	*ret_n = 0;
	while (v[i] != '\0') {
		if (v[i] != '$') {
			i++;
			continue;
		}
		if (v[i + 1] == '$') {
			i += 2;
			continue;
		}
		if (n == COMPOSE_FILE_REFS_MAX)
			return dr_fail(reterr, DR_EUNSUPPORTED,
			    "more than %d variables in \"%s\"",
			    COMPOSE_FILE_REFS_MAX, v);
		r = &refs[n];
		memset(r, 0, sizeof(*r));
		r->start = i;
		if (v[i + 1] != '{') {
			if (!compose_file_name_start(v[i + 1]))
				return dr_fail(reterr, DR_EUNSUPPORTED,
				    "invalid interpolation in \"%s\"", v);
			for (j = i + 1; compose_file_name_char(v[j]); j++)
				;
			r->name = span_make(v + i + 1, j - i - 1);
			r->end = j;
			n++;
			i = j;
			continue;
		}
		j = i + 2;
		if (!compose_file_name_start(v[j]))
			return dr_fail(reterr, DR_EUNSUPPORTED,
			    "invalid interpolation in \"%s\"", v);
		while (compose_file_name_char(v[j]))
			j++;
		r->name = span_make(v + i + 2, j - i - 2);
		if (v[j] == ':' && (v[j + 1] == '-' || v[j + 1] == '?' ||
		    v[j + 1] == '+')) {
			r->op[0] = ':';
			r->op[1] = v[j + 1];
			j += 2;
		} else if (v[j] == '-' || v[j] == '?' || v[j] == '+') {
			r->op[0] = v[j];
			j++;
		} else if (v[j] != '}') {
			return dr_fail(reterr, DR_EUNSUPPORTED,
			    "invalid interpolation in \"%s\"", v);
		}
		r->arg.p = v + j;
		while (v[j] != '\0' && v[j] != '}') {
			if (v[j] == '$' || v[j] == '{')
				return dr_fail(reterr, DR_EUNSUPPORTED,
				    "nested interpolation in \"%s\"", v);
			j++;
		}
		if (v[j] != '}')
			return dr_fail(reterr, DR_EUNSUPPORTED,
			    "unterminated ${ in \"%s\"", v);
		r->arg.len = (size_t)(v + j - r->arg.p);
		r->end = j + 1;
		n++;
		i = j + 1;
	}
	*ret_n = n;
	return DR_OK;
}

/* Appends the value one reference stands for. */
static enum dr_err
compose_file_eval(const struct compose_file_ref *r,
    const struct compose_file_env *env, struct buf *out,
    struct dr_error *reterr)
{
	const struct compose_file_var	*var;
	const char			*val;
	bool				 set, full;

	var = compose_file_env_find(env, r->name);
	val = var != NULL ? var->value : NULL;
	set = val != NULL;
	full = set && val[0] != '\0';
	if (set && strchr(val, '$') != NULL)
		return dr_fail(reterr, DR_EUNSUPPORTED, "the env file value "
		    "of %.*s refers to other variables", (int)r->name.len,
		    r->name.p);
	if (r->op[0] == ':')
		set = full;
	switch (r->op[r->op[0] == ':' ? 1 : 0]) {
	case '\0':
	case '?':
		if (!set)
			return dr_fail(reterr, DR_ENOTFOUND, "variable %.*s is "
			    "not set in the env file", (int)r->name.len,
			    r->name.p);
		buf_adds(out, val);
		break;
	case '-':
		if (set)
			buf_adds(out, val);
		else
			buf_addspan(out, r->arg);
		break;
	case '+':
		if (set)
			buf_addspan(out, r->arg);
		break;
	}
	return DR_OK;
}

/* Appends the expansion of v[from, to), whose references are refs. */
enum dr_err
compose_file_expand(const char *v, size_t from, size_t to,
    const struct compose_file_ref *refs, size_t nrefs,
    const struct compose_file_env *env, struct buf *out,
    struct dr_error *reterr)
{
	size_t		i = from, k = 0;
	enum dr_err	rc;

	while (k < nrefs && refs[k].start < from)
		k++;
	while (i < to) {
		if (k < nrefs && refs[k].start == i) {
			if ((rc = compose_file_eval(&refs[k], env, out,
			    reterr)) != DR_OK)
				return rc;
			i = refs[k++].end;
			continue;
		}
		buf_addc(out, v[i]);
		i += v[i] == '$' ? 2 : 1;	/* $$ */
	}
	return DR_OK;
}

enum dr_err
compose_file_interpolate(const char *value,
    const struct compose_file_env *env, struct buf *out,
    struct dr_error *reterr)
{
	struct compose_file_ref	refs[COMPOSE_FILE_REFS_MAX];
	size_t			nrefs;
	enum dr_err		rc;

	if ((rc = compose_file_refs(value, refs, &nrefs, reterr)) != DR_OK)
		return rc;
	return compose_file_expand(value, 0, strlen(value), refs, nrefs, env,
	    out, reterr);
}

/* How often name is referenced anywhere in bytes ($$ is no reference). */
size_t
compose_file_count_refs(const char *b, size_t len, struct span name)
{
	size_t	i, j, count = 0;

	for (i = 0; i + 1 < len; i++) {
		if (b[i] != '$')
			continue;
		if (b[i + 1] == '$') {
			i++;
			continue;
		}
		j = i + 1 + (b[i + 1] == '{');
		if (len - j >= name.len && memcmp(b + j, name.p, name.len) ==
		    0 && (j + name.len == len ||
		    !compose_file_name_char(b[j + name.len])))
			count++;
	}
	return count;
}
