/*
 * compose-file-edit: computes the edit that sets one service's image, in
 * the compose file or in the .env variable it interpolates, and writes
 * files atomically (update, restore).  Invariant: an edit replaces one
 * byte range of one file and is handed out only after the result has been
 * parsed again and reads as intended; a write replaces a file only if it
 * still holds the bytes read, and leaves the old file intact on failure.
 */
#include "compose-file.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "compose-file-int.h"
#include "imageref.h"
#include "xmalloc.h"

#define COMPOSE_FILE_VALUE_MAX		(4 * IMAGEREF_MAX)

/*
 * Edits.
 */

/* Plain values YAML 1.1 (PyYAML) would not read as a string. */
static bool
compose_file_yaml11_typed(const char *v)
{
	static const char *const words[] = { "y", "yes", "n", "no", "true",
	    "false", "on", "off", "null", "~" };
	size_t	i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(v, words[i]) == 0)
			return true;
	if (v[strspn(v, "0123456789_.:+-eE")] == '\0')
		return true;	/* ints, floats, 1:20, dates */
	if (v[0] == '-' || v[0] == '+')
		v++;
	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'b' || v[1] == 'o') &&
	    v[2 + strspn(v + 2, "0123456789abcdefABCDEF_")] == '\0')
		return true;
	if (v[0] == '.')
		return true;	/* .inf, .nan */
	if (strspn(v, "0123456789") == 4 && v[4] == '-')
		return true;	/* timestamps */
	return false;
}

/* Writes v as a scalar of style into out, or refuses. */
static enum dr_err
compose_file_encode(const char *v, const struct compose_file_service *svc,
    struct buf *out, struct dr_error *reterr)
{
	const unsigned char	*u;

	switch (svc->style) {
	case COMPOSE_FILE_PLAIN:
		if (strchr("-?:,[]{}#&*!|>'\"%@`", v[0]) != NULL ||
		    strpbrk(v, " \t\r\n#") != NULL || strstr(v, ": ") ||
		    v[strlen(v) - 1] == ':' ||
		    (svc->flow && strpbrk(v, ",[]{}") != NULL) ||
		    compose_file_yaml11_typed(v))
			return dr_fail(reterr, DR_EUNSUPPORTED, "\"%s\" cannot "
			    "be written unquoted for service %s (line %zu): "
			    "YAML would not read it as that string", v,
			    svc->name, svc->line);
		buf_adds(out, v);
		break;
	case COMPOSE_FILE_SINGLE:
		buf_addc(out, '\'');
		for (u = (const unsigned char *)v; *u != '\0'; u++) {
			if (*u < 0x20 || *u == 0x7f)
				return dr_fail(reterr, DR_EUNSUPPORTED,
				    "a control character cannot be written in "
				    "single quotes");
			if (*u == '\'')
				buf_addc(out, '\'');
			buf_addc(out, (char)*u);
		}
		buf_addc(out, '\'');
		break;
	case COMPOSE_FILE_DOUBLE:
		buf_addc(out, '"');
		for (u = (const unsigned char *)v; *u != '\0'; u++) {
			if (*u == '"' || *u == '\\')
				buf_addc(out, '\\');
			if (*u < 0x20 || *u == 0x7f)
				buf_printf(out, "\\x%02x", *u);
			else
				buf_addc(out, (char)*u);
		}
		buf_addc(out, '"');
		break;
	default:
		return dr_fail(reterr, DR_EUNSUPPORTED, "block scalars are not "
		    "edited");
	}
	if (buf_failed(out))
		return dr_fail(reterr, DR_ETOOBIG, "image too long");
	return DR_OK;
}

static bool
compose_file_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Parses the edited compose bytes and checks only service i changed. */
static enum dr_err
compose_file_verify(const struct compose_file *cf, size_t i,
    const char *image, struct span bytes, struct dr_error *reterr)
{
	struct compose_file	*again = NULL;
	struct dr_error		 e;
	size_t			 j;
	enum dr_err		 rc = DR_OK;

	if (compose_file_parse(bytes, &again, &e) != DR_OK)
		return dr_fail(reterr, DR_EINTERNAL, "the edited compose file "
		    "does not parse (%s); nothing written", e.msg);
	if (again->n != cf->n) {
		rc = dr_fail(reterr, DR_EINTERNAL, "the edited compose file "
		    "has %zu services instead of %zu; nothing written",
		    again->n, cf->n);
		goto out;
	}
	for (j = 0; j < cf->n; j++) {
		const char	*want = j == i ? image : cf->svc[j].image;

		if (strcmp(again->svc[j].name, cf->svc[j].name) != 0 ||
		    again->svc[j].from != cf->svc[j].from ||
		    !compose_file_streq(again->svc[j].image, want)) {
			rc = dr_fail(reterr, DR_EINTERNAL, "the edited compose "
			    "file does not read back as intended (service "
			    "%s); nothing written", cf->svc[j].name);
			goto out;
		}
	}
out:
	compose_file_free(again);
	return rc;
}

/* Splices text over [off, off+len) of bytes into a new edit. */
static void
compose_file_splice(struct compose_file_edit *ed, struct span bytes,
    size_t off, size_t len, struct span text)
{
	ed->len = bytes.len - len + text.len;
	ed->bytes = xmalloc(ed->len + 1);
	memcpy(ed->bytes, bytes.p, off);
	memcpy(ed->bytes + off, text.p, text.len);
	memcpy(ed->bytes + off + text.len, bytes.p + off + len,
	    bytes.len - off - len);
	ed->bytes[ed->len] = '\0';
	ed->offset = off;
	ed->old_len = len;
	ed->new_len = text.len;
}

static enum dr_err
compose_file_edit_compose(const struct compose_file *cf, size_t i,
    const char *image, struct compose_file_edit *ret, struct dr_error *reterr)
{
	const struct compose_file_loc	*loc = &cf->loc[i];
	struct buf			 text;
	enum dr_err			 rc;

	buf_init(&text, COMPOSE_FILE_VALUE_MAX);
	if ((rc = compose_file_encode(image, &cf->svc[i], &text, reterr)) !=
	    DR_OK)
		goto out;
	if (cf->len - loc->len + text.len > COMPOSE_FILE_MAX) {
		rc = dr_fail(reterr, DR_ETOOBIG, "the edited compose file "
		    "would be larger than %d bytes", COMPOSE_FILE_MAX);
		goto out;
	}
	ret->target = COMPOSE_FILE_TARGET_COMPOSE;
	compose_file_splice(ret, compose_file_bytes(cf), loc->off, loc->len,
	    buf_span(&text));
	rc = compose_file_verify(cf, i, image, span_make(ret->bytes,
	    ret->len), reterr);
out:
	buf_done(&text);
	return rc;
}

/* Checks the edited env file: only var vi changed, and to value. */
static enum dr_err
compose_file_verify_env(const struct compose_file_env *env, size_t vi,
    const char *value, struct span bytes, struct compose_file_env **ret,
    struct dr_error *reterr)
{
	struct compose_file_env	*again = NULL;
	struct dr_error		 e;
	size_t			 j;

	*ret = NULL;
	if (compose_file_env_parse(bytes, &again, &e) != DR_OK)
		return dr_fail(reterr, DR_EINTERNAL, "the edited env file "
		    "does not parse (%s); nothing written", e.msg);
	if (again->n != env->n)
		goto bad;
	for (j = 0; j < env->n; j++)
		if (strcmp(again->vars[j].name, env->vars[j].name) != 0 ||
		    strcmp(again->vars[j].value, j == vi ? value :
		    env->vars[j].value) != 0)
			goto bad;
	*ret = again;
	return DR_OK;
bad:
	compose_file_env_free(again);
	return dr_fail(reterr, DR_EINTERNAL, "the edited env file does not "
	    "read back as intended; nothing written");
}

/* Safe inside any .env quoting and unquoted: what references are made of. */
static bool
compose_file_env_safe(struct span s)
{
	size_t	i;

	for (i = 0; i < s.len; i++)
		if (!compose_file_name_char(s.p[i]) &&
		    strchr(".:/@+-[]", s.p[i]) == NULL)
			return false;
	return s.len > 0;
}

static enum dr_err
compose_file_edit_env(const struct compose_file *cf, size_t i,
    const struct compose_file_ref *refs, size_t nrefs, const char *image,
    const struct compose_file_env *env, struct compose_file_edit *ret,
    struct dr_error *reterr)
{
	const struct compose_file_service	*svc = &cf->svc[i];
	const struct compose_file_ref		*r = &refs[nrefs - 1];
	const struct compose_file_var		*var;
	struct compose_file_env			*again = NULL;
	struct buf				 pre, suf, check;
	struct dr_error				 e;
	struct span				 mid;
	size_t					 j, uses, ilen = strlen(image);
	enum dr_err				 rc = DR_OK;

	buf_init(&pre, COMPOSE_FILE_VALUE_MAX);
	buf_init(&suf, COMPOSE_FILE_VALUE_MAX);
	buf_init(&check, COMPOSE_FILE_VALUE_MAX);
	if (env == NULL) {
		rc = dr_fail(reterr, DR_EUNSUPPORTED, "the image of service %s "
		    "is \"%s\": it comes from the environment variable %.*s, "
		    "and the project has no env file to edit", svc->name,
		    svc->image, (int)r->name.len, r->name.p);
		goto out;
	}
	if (r->op[0] == '+' || r->op[1] == '+') {
		rc = dr_fail(reterr, DR_EUNSUPPORTED, "the image of service %s "
		    "is \"%s\": ${%.*s%s...} cannot be edited", svc->name,
		    svc->image, (int)r->name.len, r->name.p, r->op);
		goto out;
	}
	for (j = 0; j + 1 < nrefs; j++)
		if (span_eq(refs[j].name, r->name)) {
			rc = dr_fail(reterr, DR_EUNSUPPORTED, "the image of "
			    "service %s is \"%s\": %.*s is used twice in it",
			    svc->name, svc->image, (int)r->name.len,
			    r->name.p);
			goto out;
		}
	uses = compose_file_count_refs(cf->bytes, cf->len, r->name);
	if (uses > 1) {
		rc = dr_fail(reterr, DR_EUNSUPPORTED, "the image of service %s "
		    "is \"%s\", but %.*s is used %zu times in the compose "
		    "file; changing it would change more than this image",
		    svc->name, svc->image, (int)r->name.len, r->name.p, uses);
		goto out;
	}
	/* Dotenv files may interpolate too: KEY=${TAG}-x would follow. */
	if (compose_file_count_refs(env->bytes, env->len, r->name) > 0) {
		rc = dr_fail(reterr, DR_EUNSUPPORTED, "the image of service %s "
		    "is \"%s\", but other values in the env file refer to "
		    "%.*s; changing it would change them too", svc->name,
		    svc->image, (int)r->name.len, r->name.p);
		goto out;
	}
	if ((var = compose_file_env_find(env, r->name)) == NULL) {
		rc = dr_fail(reterr, DR_EUNSUPPORTED, "the image of service %s "
		    "is \"%s\": it comes from the environment variable %.*s, "
		    "which is not set in the env file (it may come from the "
		    "environment of the process running Compose)", svc->name,
		    svc->image, (int)r->name.len, r->name.p);
		goto out;
	}
	if (compose_file_expand(svc->image, 0, r->start, refs, nrefs, env,
	    &pre, &e) != DR_OK || compose_file_expand(svc->image, r->end,
	    strlen(svc->image), refs, nrefs, env, &suf, &e) != DR_OK) {
		rc = dr_fail(reterr, DR_EUNSUPPORTED, "the image of service %s "
		    "is \"%s\": %s", svc->name, svc->image, e.msg);
		goto out;
	}
	if (ilen < pre.len + suf.len + 1 ||
	    memcmp(image, buf_str(&pre), pre.len) != 0 ||
	    memcmp(image + ilen - suf.len, buf_str(&suf), suf.len) != 0) {
		rc = dr_fail(reterr, DR_EUNSUPPORTED, "the image of service %s "
		    "is \"%s\": only the part from %.*s can change, so the new "
		    "image must look like \"%s...%s\", not \"%s\"", svc->name,
		    svc->image, (int)r->name.len, r->name.p, buf_str(&pre),
		    buf_str(&suf), image);
		goto out;
	}
	mid = span_make(image + pre.len, ilen - pre.len - suf.len);
	if (!compose_file_env_safe(mid)) {
		rc = dr_fail(reterr, DR_EUNSUPPORTED, "\"%.*s\" cannot be "
		    "written to the env file", (int)mid.len, mid.p);
		goto out;
	}
	if (env->len - var->len + mid.len > COMPOSE_FILE_ENV_MAX) {
		rc = dr_fail(reterr, DR_ETOOBIG, "the edited env file would "
		    "be larger than %d bytes", COMPOSE_FILE_ENV_MAX);
		goto out;
	}
	ret->target = COMPOSE_FILE_TARGET_ENV;
	ret->variable = xstrndup(r->name.p, r->name.len);
	compose_file_splice(ret, compose_file_env_bytes(env), var->off,
	    var->len, mid);
	buf_reset(&check);
	buf_add(&check, mid.p, mid.len);
	if ((rc = compose_file_verify_env(env, (size_t)(var - env->vars),
	    buf_str(&check), span_make(ret->bytes, ret->len), &again,
	    reterr)) != DR_OK)
		goto out;
	buf_reset(&check);
	if (compose_file_interpolate(svc->image, again, &check, &e) != DR_OK ||
	    strcmp(buf_str(&check), image) != 0)
		rc = dr_fail(reterr, DR_EINTERNAL, "the edited env file does "
		    "not give service %s the image %s; nothing written",
		    svc->name, image);
out:
	compose_file_env_free(again);
	buf_done(&pre);
	buf_done(&suf);
	buf_done(&check);
	return rc;
}

enum dr_err
compose_file_set_image(const struct compose_file *cf, const char *service,
    const char *image, const struct compose_file_env *env,
    struct compose_file_edit *ret, struct dr_error *reterr)
{
	struct compose_file_ref	 refs[COMPOSE_FILE_REFS_MAX];
	struct imageref		*ref = NULL;
	struct dr_error		 e;
	size_t			 i, nrefs;
	enum dr_err		 rc;

	memset(ret, 0, sizeof(*ret));
	if ((i = compose_file_index(cf, service)) == cf->n)
		return dr_fail(reterr, DR_ENOTFOUND,
		    "no service %s in the compose file", service);
	if (imageref_parse(span_str(image), &ref, &e) != DR_OK)
		return dr_fail(reterr, DR_EINVAL, "new image \"%s\": %s", image,
		    e.msg);
	imageref_free(ref);
	if (cf->loc[i].refuse != DR_OK)
		return dr_fail(reterr, cf->loc[i].refuse, "%s", cf->loc[i].why);
	if ((rc = compose_file_refs(cf->svc[i].image, refs, &nrefs, &e)) !=
	    DR_OK)
		return dr_fail(reterr, rc, "the image of service %s: %s",
		    service, e.msg);
	if (nrefs == 0)
		rc = compose_file_edit_compose(cf, i, image, ret, reterr);
	else
		rc = compose_file_edit_env(cf, i, refs, nrefs, image, env, ret,
		    reterr);
	if (rc != DR_OK)
		compose_file_edit_done(ret);
	return rc;
}

void
compose_file_edit_done(struct compose_file_edit *ed)
{
	if (ed == NULL)
		return;
	free(ed->bytes);
	free(ed->variable);
	memset(ed, 0, sizeof(*ed));
}

/*
 * Files.
 */

static enum dr_err
compose_file_write_all(int fd, const char *p, size_t len, const char *path,
    struct dr_error *reterr)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return dr_fail(reterr, DR_EIO, "writing %s: %s", path,
			    n == 0 ? "short write" : strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return DR_OK;
}

/*
 * Replaces the file at path (symlinks already resolved) with bytes, if it
 * still holds expect: a temporary file beside it, fsync, the check, rename,
 * fsync of the directory.  The old file is intact on any failure.
 */
static enum dr_err
compose_file_replace(const char *path, struct span expect, struct span bytes,
    struct dr_error *reterr)
{
	struct stat	 st;
	struct buf	 now;
	const char	*slash = strrchr(path, '/');
	char		*dir = NULL, *tmp = NULL;
	int		 fd = -1, dfd = -1;
	bool		 tmp_made = false;
	enum dr_err	 rc = DR_OK;

	buf_init(&now, 0);
	if (slash == NULL)
		return dr_fail(reterr, DR_EINVAL, "%s: not an absolute path",
		    path);
	dir = slash == path ? xstrdup("/") : xstrndup(path,
	    (size_t)(slash - path));
	if (stat(path, &st) == -1) {
		rc = dr_fail(reterr, errno == ENOENT ? DR_ECONFLICT : DR_EIO,
		    "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		rc = dr_fail(reterr, DR_EIO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	tmp = xasprintf("%s/.%s.dockrev-XXXXXX", dir, slash + 1);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		rc = dr_fail(reterr, DR_EIO, "creating a file in %s: %s", dir,
		    strerror(errno));
		goto out;
	}
	tmp_made = true;
	if ((rc = compose_file_write_all(fd, bytes.p, bytes.len, tmp,
	    reterr)) != DR_OK)
		goto out;
	if (fchmod(fd, st.st_mode & 07777) == -1) {
		rc = dr_fail(reterr, DR_EIO, "%s: chmod: %s", tmp,
		    strerror(errno));
		goto out;
	}
	/* Keep the owner when we may (running as root); else it is ours. */
	if (fchown(fd, st.st_uid, st.st_gid) == -1 && errno != EPERM) {
		rc = dr_fail(reterr, DR_EIO, "%s: chown: %s", tmp,
		    strerror(errno));
		goto out;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		rc = dr_fail(reterr, DR_EIO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	/* The last look before the switch: someone may have edited it. */
	if ((rc = compose_file_read(path, COMPOSE_FILE_MAX, &now, reterr)) !=
	    DR_OK) {
		if (rc == DR_ENOTFOUND)
			rc = dr_fail(reterr, DR_ECONFLICT, "%s disappeared",
			    path);
		goto out;
	}
	if (!span_eq(buf_span(&now), expect)) {
		rc = dr_fail(reterr, DR_ECONFLICT, "%s was changed by someone "
		    "else meanwhile; not overwritten", path);
		goto out;
	}
	if (rename(tmp, path) == -1) {
		rc = dr_fail(reterr, DR_EIO, "rename to %s: %s", path,
		    strerror(errno));
		goto out;
	}
	tmp_made = false;
	if (fsync(dfd) == -1)
		rc = dr_fail(reterr, DR_EIO, "%s: fsync: %s", dir,
		    strerror(errno));
out:
	if (fd != -1)
		close(fd);
	if (tmp_made)
		unlink(tmp);
	if (dfd != -1)
		close(dfd);
	buf_done(&now);
	free(tmp);
	free(dir);
	return rc;
}

/* realpath() with our errors; a new string. */
static enum dr_err
compose_file_resolve(const char *path, char **ret, struct dr_error *reterr)
{
	if ((*ret = realpath(path, NULL)) != NULL)
		return DR_OK;
	if (errno == ENOENT || errno == ENOTDIR)
		return dr_fail(reterr, DR_ENOTFOUND, "%s: no such file", path);
	return dr_fail(reterr, DR_EIO, "%s: %s", path, strerror(errno));
}

enum dr_err
compose_file_update(const char *compose_path, const char *env_path,
    const char *service, const char *image, struct compose_file_change *ret,
    struct dr_error *reterr)
{
	struct compose_file	*cf = NULL;
	struct compose_file_env	*env = NULL;
	struct compose_file_edit ed;
	char			*cpath = NULL, *epath = NULL;
	struct span		 old;
	enum dr_err		 rc;

	memset(ret, 0, sizeof(*ret));
	memset(&ed, 0, sizeof(ed));
	if ((rc = compose_file_resolve(compose_path, &cpath, reterr)) != DR_OK)
		goto out;
	if ((rc = compose_file_load(cpath, &cf, reterr)) != DR_OK)
		goto out;
	if (env_path != NULL) {
		if ((rc = compose_file_resolve(env_path, &epath, reterr)) !=
		    DR_OK)
			goto out;
		if ((rc = compose_file_env_load(epath, &env, reterr)) != DR_OK)
			goto out;
	}
	if ((rc = compose_file_set_image(cf, service, image, env, &ed,
	    reterr)) != DR_OK)
		goto out;
	old = ed.target == COMPOSE_FILE_TARGET_ENV ?
	    compose_file_env_bytes(env) : compose_file_bytes(cf);
	ret->path = ed.target == COMPOSE_FILE_TARGET_ENV ? epath : cpath;
	if (ed.target == COMPOSE_FILE_TARGET_ENV)
		epath = NULL;
	else
		cpath = NULL;
	ret->variable = ed.variable;
	ed.variable = NULL;
	ret->original = xmalloc(old.len + 1);
	memcpy(ret->original, old.p, old.len);
	ret->original[old.len] = '\0';
	ret->original_len = old.len;
	ret->written = ed.bytes;
	ret->written_len = ed.len;
	ed.bytes = NULL;
	ret->changed = !span_eq(old, span_make(ret->written,
	    ret->written_len));
	if (ret->changed && (rc = compose_file_replace(ret->path, old,
	    span_make(ret->written, ret->written_len), reterr)) != DR_OK)
		compose_file_change_done(ret);
out:
	compose_file_edit_done(&ed);
	compose_file_free(cf);
	compose_file_env_free(env);
	free(cpath);
	free(epath);
	return rc;
}

void
compose_file_change_done(struct compose_file_change *ch)
{
	if (ch == NULL)
		return;
	free(ch->path);
	free(ch->variable);
	free(ch->original);
	free(ch->written);
	memset(ch, 0, sizeof(*ch));
}

enum dr_err
compose_file_restore(const char *path, struct span original,
    struct span written, struct dr_error *reterr)
{
	struct buf	 now;
	char		*real = NULL;
	enum dr_err	 rc;

	buf_init(&now, 0);
	if ((rc = compose_file_resolve(path, &real, reterr)) != DR_OK) {
		if (rc == DR_ENOTFOUND)
			rc = dr_fail(reterr, DR_ECONFLICT, "%s is gone; not "
			    "restored", path);
		goto out;
	}
	if ((rc = compose_file_read(real, COMPOSE_FILE_MAX, &now, reterr)) !=
	    DR_OK) {
		if (rc == DR_ENOTFOUND)
			rc = dr_fail(reterr, DR_ECONFLICT, "%s is gone; not "
			    "restored", path);
		else if (rc == DR_ETOOBIG)
			rc = dr_fail(reterr, DR_ECONFLICT, "%s was changed by "
			    "someone else; not restored", path);
		goto out;
	}
	if (span_eq(buf_span(&now), original))
		goto out;	/* already restored */
	if (!span_eq(buf_span(&now), written)) {
		rc = dr_fail(reterr, DR_ECONFLICT, "%s was changed by someone "
		    "else since dockrev wrote it; not restored", path);
		goto out;
	}
	rc = compose_file_replace(real, written, original, reterr);
out:
	buf_done(&now);
	free(real);
	return rc;
}
