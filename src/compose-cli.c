/*
 * compose-cli: argv building from a verb table, and version detection.
 * Invariant: argv words are copied verbatim from validated input; no
 * string ever reaches a shell.
 */
#include "compose-cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "statefile.h"
#include "xmalloc.h"

#define COMPOSE_CLI_VERB_WORDS	5

/* The words of each verb, per dialect; positional service after "--". */
static const struct {
	const char	*v1[COMPOSE_CLI_VERB_WORDS];
	const char	*v2[COMPOSE_CLI_VERB_WORDS];
	bool		 service;	/* takes a service */
	bool		 no_deps;	/* takes COMPOSE_CLI_NO_DEPS */
} compose_cli_verbs[COMPOSE_CLI_VERB_COUNT] = {
	[COMPOSE_CLI_PULL] = {
		{ "pull" }, { "pull" }, true, false },
	[COMPOSE_CLI_UP] = {
		{ "up", "-d" }, { "up", "-d" }, true, true },
	[COMPOSE_CLI_UP_NO_PULL] = {
		{ "up", "-d" }, { "up", "-d", "--pull", "never" }, true, true },
	[COMPOSE_CLI_PS] = {
		{ "ps", "-q" }, { "ps", "-a", "-q" }, true, false },
	[COMPOSE_CLI_CONFIG] = {
		{ "config", "-q" }, { "config", "-q" }, false, false },
	[COMPOSE_CLI_SERVICES] = {
		{ "config", "--services" }, { "config", "--services" }, false,
		false },
};

static bool
compose_cli_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/*
 * The program.
 */

enum dr_err
compose_cli_init(struct compose_cli *cli, const char *spec,
    struct dr_error *reterr)
{
	const char	*p, *w[3];
	size_t		 wl[3], n = 0, i;

	memset(cli, 0, sizeof(*cli));
	if (spec == NULL)
		spec = getenv(COMPOSE_CLI_ENV_BIN);
	if (spec == NULL || spec[strspn(spec, " \t")] == '\0')
		spec = COMPOSE_CLI_DEFAULT_BIN;
	p = spec;
	for (;;) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		if (n == 2)
			return dr_fail(reterr, DR_ECONFIG, "%s=\"%s\": at most "
			    "a program and \"compose\"", COMPOSE_CLI_ENV_BIN,
			    spec);
		w[n] = p;
		wl[n] = strcspn(p, " \t");
		p += wl[n];
		n++;
	}
	for (i = 0; i < n; i++) {
		size_t	j;

		if (w[i][0] == '-' || wl[i] > COMPOSE_CLI_PATH_MAX)
			goto bad;
		for (j = 0; j < wl[i]; j++)
			if (compose_cli_ctl((unsigned char)w[i][j]))
				goto bad;
	}
	if (n == 2 && (wl[1] != 7 || memcmp(w[1], "compose", 7) != 0))
		return dr_fail(reterr, DR_ECONFIG, "%s=\"%s\": the second word "
		    "can only be \"compose\"", COMPOSE_CLI_ENV_BIN, spec);
	for (i = 0; i < n; i++)
		cli->words[i] = xstrndup(w[i], wl[i]);
	cli->nwords = n;
	return DR_OK;
bad:
	return dr_fail(reterr, DR_ECONFIG, "%s: not a usable program name",
	    COMPOSE_CLI_ENV_BIN);
}

void
compose_cli_done(struct compose_cli *cli)
{
	size_t	i;

	if (cli == NULL)
		return;
	for (i = 0; i < cli->nwords; i++)
		free(cli->words[i]);
	memset(cli, 0, sizeof(*cli));
}

static size_t
compose_cli_digits(const char *p, size_t len)
{
	size_t	i = 0;

	while (i < len && p[i] >= '0' && p[i] <= '9')
		i++;
	return i;
}

enum dr_err
compose_cli_parse_version(struct span out,
    enum compose_cli_dialect *ret_dialect,
    char ret_version[COMPOSE_CLI_VERSION_MAX], struct dr_error *reterr)
{
	struct span	line = { "", 0 };
	size_t		nl, i, d, major = 0;

	*ret_dialect = COMPOSE_CLI_UNKNOWN;
	ret_version[0] = '\0';
	while (out.len > 0) {
		nl = span_find(out, '\n');
		line = span_sub(out, 0, nl);
		while (line.len > 0 && (line.p[0] == ' ' ||
		    line.p[0] == '\t'))
			line = span_sub(line, 1, line.len);
		while (line.len > 0 && strchr(" \t\r",
		    line.p[line.len - 1]) != NULL)
			line.len--;
		if (line.len > 0)
			break;
		out = span_sub(out, nl + 1, out.len);
	}
	if (line.len > 0 && line.p[0] == 'v')
		line = span_sub(line, 1, line.len);
	if (line.len == 0 || line.len >= COMPOSE_CLI_VERSION_MAX)
		goto bad;
	/* MAJOR.MINOR[.PATCH] */
	for (i = 0, d = 0; d < 3; d++) {
		size_t	n = compose_cli_digits(line.p + i, line.len - i);

		if (n == 0 || n > 6)
			goto bad;
		if (d == 0) {
			size_t	k;

			for (k = 0; k < n; k++)
				major = major * 10 + (size_t)(line.p[k] - '0');
		}
		i += n;
		if (d == 2 || i == line.len || line.p[i] != '.')
			break;
		i++;
	}
	if (d == 0)
		goto bad;	/* no minor */
	if (i < line.len) {
		if (line.p[i] != '-' && line.p[i] != '+')
			goto bad;
		for (i++; i < line.len; i++) {
			char	c = line.p[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
			    c == '+' || c == '_'))
				goto bad;
		}
	}
	if (major == 0)
		goto bad;
	*ret_dialect = major == 1 ? COMPOSE_CLI_V1 : COMPOSE_CLI_V2;
	memcpy(ret_version, line.p, line.len);
	ret_version[line.len] = '\0';
	return DR_OK;
bad:
	return dr_fail(reterr, DR_EPROTO, "Compose printed no version we "
	    "understand (\"%.*s\")", (int)(line.len > 80 ? 80 : line.len),
	    line.p);
}

enum dr_err
compose_cli_detect(struct compose_cli *cli, int timeout_ms,
    struct dr_error *reterr)
{
	struct proc_opts	 opts;
	struct proc_result	 res;
	char			*argv[6];
	size_t			 i, n = 0;
	enum dr_err		 rc;

	for (i = 0; i < cli->nwords; i++)
		argv[n++] = cli->words[i];
	argv[n++] = (char *)"version";
	argv[n++] = (char *)"--short";
	argv[n] = NULL;
	memset(&opts, 0, sizeof(opts));
	opts.timeout_ms = timeout_ms > 0 ? timeout_ms :
	    COMPOSE_CLI_VERSION_TIMEOUT_MS;
	opts.out_max = COMPOSE_CLI_VERSION_OUT_MAX;
	if ((rc = proc_run(argv, &opts, &res, reterr)) != DR_OK)
		goto out;
	if (res.exit_code != 0) {
		rc = dr_fail(reterr, DR_EPROTO, "%s version --short failed "
		    "(exit %d): %.200s", cli->words[0], res.exit_code,
		    buf_str(&res.err));
		goto out;
	}
	rc = compose_cli_parse_version(buf_span(&res.out), &cli->dialect,
	    cli->version, reterr);
out:
	proc_result_done(&res);
	return rc;
}

/* "path size mtime" of a one-word program found in PATH, or false. */
static bool
compose_cli_ident(const struct compose_cli *cli, char *dst, size_t len)
{
	struct stat	 st;
	const char	*path = getenv("PATH");
	char		 cand[COMPOSE_CLI_PATH_MAX + 64];
	const char	*p, *end;

	if (cli->nwords != 1)
		return false;
	if (strchr(cli->words[0], '/') != NULL) {
		if (stat(cli->words[0], &st) != 0)
			return false;
		snprintf(dst, len, "%s %lld %lld", cli->words[0],
		    (long long)st.st_size, (long long)st.st_mtime);
		return true;
	}
	for (p = path ? path : "/usr/bin:/bin"; *p != '\0'; p = *end ? end + 1 :
	    end) {
		end = strchrnul(p, ':');
		snprintf(cand, sizeof(cand), "%.*s/%s", (int)(end - p), p,
		    cli->words[0]);
		if (end > p && stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(cand, X_OK) == 0) {
			snprintf(dst, len, "%s %lld %lld", cand,
			    (long long)st.st_size, (long long)st.st_mtime);
			return true;
		}
	}
	return false;
}

enum dr_err
compose_cli_detect_cached(struct compose_cli *cli, const char *cache_path,
    struct dr_error *reterr)
{
	static char	 seen_ident[COMPOSE_CLI_PATH_MAX + 128];
	static char	 seen_version[COMPOSE_CLI_VERSION_MAX];
	char		 ident[COMPOSE_CLI_PATH_MAX + 128], line[512], *rec;
	const char	*v;
	size_t		 n;
	FILE		*f;
	enum dr_err	 err;

	if (!compose_cli_ident(cli, ident, sizeof(ident)))
		return compose_cli_detect(cli, 0, reterr);
	if (seen_ident[0] != '\0' && strcmp(seen_ident, ident) == 0 &&
	    compose_cli_parse_version(span_str(seen_version), &cli->dialect,
	    cli->version, NULL) == DR_OK)
		return DR_OK;
	n = strlen(ident);
	if (cache_path != NULL && (f = fopen(cache_path, "re")) != NULL) {
		if (fgets(line, sizeof(line), f) != NULL &&
		    strncmp(line, ident, n) == 0 && line[n] == '\t') {
			line[strcspn(line, "\n")] = '\0';
			v = line + n + 1;
			if (compose_cli_parse_version(span_str(v), &cli->dialect,
			    cli->version, NULL) == DR_OK) {
				fclose(f);
				goto remember;
			}
		}
		fclose(f);
	}
	if ((err = compose_cli_detect(cli, 0, reterr)) != DR_OK)
		return err;
	if (cache_path != NULL) {
		rec = xasprintf("%s\t%s\n", ident, cli->version);
		(void)statefile_write(cache_path, rec, strlen(rec));
		free(rec);
	}
remember:
	snprintf(seen_ident, sizeof(seen_ident), "%s", ident);
	snprintf(seen_version, sizeof(seen_version), "%s", cli->version);
	return DR_OK;
}

/*
 * Names and argv.
 */

bool
compose_cli_valid_project(const char *s)
{
	size_t	i;

	if (s == NULL || s[0] == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		char	c = s[i];

		if (i >= COMPOSE_CLI_NAME_MAX)
			return false;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (i > 0 && (c == '_' || c == '-'))
			continue;
		return false;
	}
	return true;
}

bool
compose_cli_valid_service(const char *s)
{
	size_t	i;

	if (s == NULL || s[0] == '\0' || s[0] == '-')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		char	c = s[i];

		if (i >= COMPOSE_CLI_NAME_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			return false;
	}
	return true;
}

bool
compose_cli_valid_path(const char *s)
{
	size_t	i;

	if (s == NULL || s[0] != '/')
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= COMPOSE_CLI_PATH_MAX ||
		    compose_cli_ctl((unsigned char)s[i]))
			return false;
	return true;
}

/* Shows a name in an error without letting it forge lines. */
static const char *
compose_cli_shown(const char *s, char *dst, size_t dstlen)
{
	size_t	i;

	if (s == NULL)
		return "(none)";
	for (i = 0; s[i] != '\0' && i + 1 < dstlen; i++)
		dst[i] = compose_cli_ctl((unsigned char)s[i]) ? '?' : s[i];
	dst[i] = '\0';
	return dst;
}

enum dr_err
compose_cli_argv(const struct compose_cli *cli,
    const struct compose_cli_project *project, enum compose_cli_verb verb,
    const char *service, unsigned flags, struct compose_cli_argv *ret,
    struct dr_error *reterr)
{
	const char *const	*words;
	char			 shown[128];
	size_t			 i, max, n = 0;

	memset(ret, 0, sizeof(*ret));
	if ((unsigned)verb >= COMPOSE_CLI_VERB_COUNT)
		return dr_fail(reterr, DR_EINVAL, "unknown compose verb");
	if (cli->nwords == 0 || cli->dialect == COMPOSE_CLI_UNKNOWN)
		return dr_fail(reterr, DR_EINVAL,
		    "the Compose version has not been detected");
	if (!compose_cli_valid_project(project->name))
		return dr_fail(reterr, DR_EINVAL, "invalid project name \"%s\" "
		    "(Compose allows [a-z0-9][a-z0-9_-]*)",
		    compose_cli_shown(project->name, shown, sizeof(shown)));
	if (project->nfiles == 0 || project->nfiles > COMPOSE_CLI_FILES_MAX)
		return dr_fail(reterr, DR_EINVAL, "a project needs 1 to %d "
		    "compose files, not %zu", COMPOSE_CLI_FILES_MAX,
		    project->nfiles);
	for (i = 0; i < project->nfiles; i++)
		if (!compose_cli_valid_path(project->files[i]))
			return dr_fail(reterr, DR_EINVAL, "compose file \"%s\" "
			    "is not an absolute path without control "
			    "characters", compose_cli_shown(project->files[i],
			    shown, sizeof(shown)));
	if (project->env_file != NULL &&
	    !compose_cli_valid_path(project->env_file))
		return dr_fail(reterr, DR_EINVAL, "env file \"%s\" is not an "
		    "absolute path without control characters",
		    compose_cli_shown(project->env_file, shown,
		    sizeof(shown)));
	if (service != NULL && !compose_cli_verbs[verb].service)
		return dr_fail(reterr, DR_EINVAL,
		    "this compose command takes no service");
	if (service != NULL && !compose_cli_valid_service(service))
		return dr_fail(reterr, DR_EINVAL, "invalid service name \"%s\" "
		    "(allowed: [a-zA-Z0-9._-]+, not starting with '-')",
		    compose_cli_shown(service, shown, sizeof(shown)));
	if ((flags & ~(unsigned)COMPOSE_CLI_NO_DEPS) != 0 ||
	    ((flags & COMPOSE_CLI_NO_DEPS) && !compose_cli_verbs[verb].no_deps))
		return dr_fail(reterr, DR_EINVAL,
		    "flags not valid for this compose command");

	words = cli->dialect == COMPOSE_CLI_V1 ? compose_cli_verbs[verb].v1 :
	    compose_cli_verbs[verb].v2;
	max = cli->nwords + 2 + 2 * project->nfiles + 2 +
	    COMPOSE_CLI_VERB_WORDS + 1 + 2 + 1;
	ret->argv = xcalloc(max, sizeof(*ret->argv));
	for (i = 0; i < cli->nwords; i++)
		ret->argv[n++] = xstrdup(cli->words[i]);
	ret->argv[n++] = xstrdup("--project-name");
	ret->argv[n++] = xstrdup(project->name);
	for (i = 0; i < project->nfiles; i++) {
		ret->argv[n++] = xstrdup("-f");
		ret->argv[n++] = xstrdup(project->files[i]);
	}
	if (project->env_file != NULL) {
		ret->argv[n++] = xstrdup("--env-file");
		ret->argv[n++] = xstrdup(project->env_file);
	}
	for (i = 0; i < COMPOSE_CLI_VERB_WORDS && words[i] != NULL; i++)
		ret->argv[n++] = xstrdup(words[i]);
	if (flags & COMPOSE_CLI_NO_DEPS)
		ret->argv[n++] = xstrdup("--no-deps");
	if (service != NULL) {
		ret->argv[n++] = xstrdup("--");
		ret->argv[n++] = xstrdup(service);
	}
	ret->argv[n] = NULL;
	ret->argc = n;
	return DR_OK;
}

void
compose_cli_argv_done(struct compose_cli_argv *a)
{
	size_t	i;

	if (a == NULL || a->argv == NULL)
		return;
	for (i = 0; i < a->argc; i++)
		free(a->argv[i]);
	free(a->argv);
	a->argv = NULL;
	a->argc = 0;
}

void
compose_cli_argv_format(char *const argv[], struct buf *out)
{
	const char	*s;
	size_t		 i;

	for (i = 0; argv[i] != NULL; i++) {
		s = argv[i];
		if (i > 0)
			buf_addc(out, ' ');
		if (s[0] != '\0' && s[strspn(s, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=@%+,-")] ==
		    '\0') {
			buf_adds(out, s);
			continue;
		}
		buf_addc(out, '\'');
		for (; *s != '\0'; s++) {
			if (*s == '\'')
				buf_adds(out, "'\\''");
			else
				buf_addc(out, compose_cli_ctl(
				    (unsigned char)*s) ? '?' : *s);
		}
		buf_addc(out, '\'');
	}
}

enum dr_err
compose_cli_exec(const struct compose_cli *cli,
    const struct compose_cli_project *project, enum compose_cli_verb verb,
    const char *service, unsigned flags, const struct proc_opts *opts,
    struct proc_result *ret, struct dr_error *reterr)
{
	struct compose_cli_argv	a;
	enum dr_err		rc;

	memset(ret, 0, sizeof(*ret));
	if ((rc = compose_cli_argv(cli, project, verb, service, flags, &a,
	    reterr)) != DR_OK)
		return rc;
	rc = proc_run(a.argv, opts, ret, reterr);
	compose_cli_argv_done(&a);
	return rc;
}
