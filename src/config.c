/*
 * config: defaults, YAML file, environment, validation.  Invariant: every
 * key goes through one row of config_keys and its setter, whatever its
 * source, so the file and the environment accept exactly the same values.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "compose-cli.h"
#include "cron.h"
#include "xmalloc.h"

extern char **environ;

typedef enum dr_err (*config_setter)(struct config *, const char *key,
    const char *value, const char *origin, struct dr_error *);

struct config_key {
	const char	*key;
	const char	*env;		/* NULL: file only */
	const char	*env_alt;	/* a second name, read when env unset */
	config_setter	 set;
	bool		 list;		/* a YAML sequence is accepted */
	bool		 nullable;	/* null / ~ / "" resets to none */
};

/* ---- setters ------------------------------------------------------------- */

static enum dr_err
bad(struct dr_error *reterr, const char *origin, const char *key,
    const char *fmt, const char *value)
{
	char	shown[80];

	/* Quote at most a little of the value: it may be long or odd. */
	snprintf(shown, sizeof(shown), "%s", value ? value : "");
	return dr_fail(reterr, DR_ECONFIG, "%s: %s: %s (got \"%s\")", origin,
	    key, fmt, shown);
}

static bool
printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static void
replace(char **dst, const char *value)
{
	free(*dst);
	*dst = value ? xstrdup(value) : NULL;
}

static enum dr_err
parse_listen(const char *value, struct sockaddr_storage *ss,
    socklen_t *len)
{
	char		 host[INET6_ADDRSTRLEN + 2];
	const char	*colon, *port;
	char		*end;
	unsigned long	 p;
	size_t		 hl;

	memset(ss, 0, sizeof(*ss));
	if (value[0] == '[') {
		if ((colon = strstr(value, "]:")) == NULL)
			return DR_EINVAL;
		hl = (size_t)(colon - value - 1);
		port = colon + 2;
		if (hl == 0 || hl >= sizeof(host))
			return DR_EINVAL;
		memcpy(host, value + 1, hl);
		host[hl] = '\0';
	} else {
		if ((colon = strrchr(value, ':')) == NULL)
			return DR_EINVAL;
		hl = (size_t)(colon - value);
		port = colon + 1;
		if (hl == 0 || hl >= sizeof(host))
			return DR_EINVAL;
		memcpy(host, value, hl);
		host[hl] = '\0';
		if (strcmp(host, "localhost") == 0)
			memcpy(host, "127.0.0.1", sizeof("127.0.0.1"));
	}
	if (port[0] < '0' || port[0] > '9' || strlen(port) > 5 ||
	    (port[0] == '0' && port[1] != '\0'))
		return DR_EINVAL;
	errno = 0;
	p = strtoul(port, &end, 10);
	if (*end != '\0' || errno != 0 || p > 65535)
		return DR_EINVAL;
	if (value[0] == '[') {
		struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return DR_EINVAL;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in	*s4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return DR_EINVAL;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		*len = sizeof(*s4);
	}
	return DR_OK;
}

static enum dr_err
set_listen(struct config *c, const char *key, const char *value,
    const char *origin, struct dr_error *reterr)
{
	if (parse_listen(value, &c->listen_addr, &c->listen_addrlen) != DR_OK)
		return bad(reterr, origin, key, "want ADDR:PORT with a numeric "
		    "IPv4 address, [IPv6] or localhost, port 0-65535", value);
	replace(&c->listen, value);
	return DR_OK;
}

static enum dr_err
set_auth_mode(struct config *c, const char *key, const char *value,
    const char *origin, struct dr_error *reterr)
{
	if (strcmp(value, "forward") == 0)
		c->auth_mode = CONFIG_AUTH_FORWARD;
	else if (strcmp(value, "none") == 0)
		c->auth_mode = CONFIG_AUTH_NONE;
	else
		return bad(reterr, origin, key, "want forward or none", value);
	return DR_OK;
}

static enum dr_err
set_auth_header(struct config *c, const char *key, const char *value,
    const char *origin, struct dr_error *reterr)
{
	size_t	n = strlen(value);

	if (n == 0 || n > 64 || strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-") != n ||
	    value[0] == '-')
		return bad(reterr, origin, key, "want a header name of 1-64 "
		    "letters, digits and '-'", value);
	replace(&c->auth_header, value);
	return DR_OK;
}

static enum dr_err
set_proxies(struct config *c, const char *key, const char *value,
    const char *origin, struct dr_error *reterr)
{
	struct auth_cidr	*list = NULL;
	struct dr_error		 e;
	size_t			 n = 0, len;
	const char		*p = value, *comma;
	char			 item[80];

	for (;;) {
		p += strspn(p, " \t");
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0 && comma == NULL && n == 0 && *value == '\0')
			break;	/* "": trust nobody */
		if (len == 0 || len >= sizeof(item)) {
			free(list);
			return bad(reterr, origin, key, "want comma-separated "
			    "CIDRs (an item is empty or too long)", value);
		}
		if (n == CONFIG_LIST_MAX) {
			free(list);
			return bad(reterr, origin, key, "too many CIDRs (at "
			    "most 64)", value);
		}
		memcpy(item, p, len);
		item[len] = '\0';
		list = xreallocarray(list, n + 1, sizeof(*list));
		if (auth_cidr_parse(item, &list[n], &e) != DR_OK) {
			free(list);
			return dr_fail(reterr, DR_ECONFIG, "%s: %s: %s", origin,
			    key, e.msg);
		}
		n++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	free(c->trusted_proxies);
	c->trusted_proxies = list;
	c->ntrusted_proxies = n;
	return DR_OK;
}

static enum dr_err
set_origin(struct config *c, const char *key, const char *value,
    const char *origin, struct dr_error *reterr)
{
	const char	*host;
	size_t		 n;
	char		*v;

	if (value == NULL) {
		replace(&c->origin, NULL);
		return DR_OK;
	}
	if (strncmp(value, "http://", 7) == 0)
		host = value + 7;
	else if (strncmp(value, "https://", 8) == 0)
		host = value + 8;
	else
		return bad(reterr, origin, key, "want http://HOST[:PORT] or "
		    "https://HOST[:PORT]", value);
	n = strlen(host);
	if (n > 0 && host[n - 1] == '/')
		n--;
	if (n == 0 || n > 255 || strcspn(host, "/ \t?#@") < n ||
	    !printable(host))
		return bad(reterr, origin, key, "want http://HOST[:PORT] or "
		    "https://HOST[:PORT] (no path)", value);
	v = xstrndup(value, (size_t)(host - value) + n);
	free(c->origin);
	c->origin = v;
	return DR_OK;
}

static enum dr_err
set_log_format(struct config *c, const char *key, const char *value,
    const char *origin, struct dr_error *reterr)
{
	if (!log_format_parse(value, &c->log_format))
		return bad(reterr, origin, key, "want text or json", value);
	return DR_OK;
}

static enum dr_err
set_log_level(struct config *c, const char *key, const char *value,
    const char *origin, struct dr_error *reterr)
{
	if (!log_level_parse(value, &c->log_level))
		return bad(reterr, origin, key, "want debug, info, warn or "
		    "error", value);
	return DR_OK;
}

static enum dr_err
set_state_dir(struct config *c, const char *key, const char *value,
    const char *origin, struct dr_error *reterr)
{
	if (value != NULL && (value[0] != '/' || !printable(value)))
		return bad(reterr, origin, key, "want an absolute path",
		    value);
	replace(&c->state_dir, value);
	return DR_OK;
}

/* A decimal integer in [min, max], no sign, no leading zeros. */
static bool
parse_uint(const char *s, long min, long max, long *ret)
{
	char	*end;
	long	 v;

	if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] != '\0') ||
	    strlen(s) > 10)
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || errno != 0 || v < min || v > max)
		return false;
	*ret = v;
	return true;
}

static enum dr_err
set_concurrency(struct config *c, const char *key, const char *value,
    const char *origin, struct dr_error *reterr)
{
	long	v;

	if (!parse_uint(value, 1, CONFIG_CONCURRENCY_MAX, &v))
		return bad(reterr, origin, key, "want a whole number 1-32",
		    value);
	c->concurrency = (int)v;
	return DR_OK;
}

static struct config_schedule *
schedule_of(struct config *c, const char *key)
{
	return strncmp(key, "schedules.update", 16) == 0 ?
	    &c->schedule_update : &c->schedule_check;
}

static enum dr_err
set_sched_expr(struct config *c, const char *key, const char *value,
    const char *origin, struct dr_error *reterr)
{
	struct cron	*cr = NULL;
	struct dr_error	 e;

	if (value != NULL) {
		if (cron_parse(value, &cr, &e) != DR_OK)
			return dr_fail(reterr, DR_ECONFIG, "%s: %s: %s",
			    origin, key, e.msg);
		cron_free(cr);
	}
	replace(&schedule_of(c, key)->expr, value);
	return DR_OK;
}

static enum dr_err
set_sched_tz(struct config *c, const char *key, const char *value,
    const char *origin, struct dr_error *reterr)
{
	struct dr_error	e;

	if (value[0] == '\0' || cron_zone_check(value, &e) != DR_OK)
		return dr_fail(reterr, DR_ECONFIG, "%s: %s: %s", origin, key,
		    value[0] == '\0' ? "want a time zone name" : e.msg);
	replace(&schedule_of(c, key)->tz, value);
	return DR_OK;
}

static enum dr_err
set_sched_jitter(struct config *c, const char *key, const char *value,
    const char *origin, struct dr_error *reterr)
{
	long	v;

	if (!parse_uint(value, 0, CONFIG_JITTER_MAX, &v))
		return bad(reterr, origin, key, "want seconds 0-86400", value);
	schedule_of(c, key)->jitter_s = (unsigned)v;
	return DR_OK;
}

static bool
parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t	i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *ret = true, true;
		if (strcasecmp(s, no[i]) == 0)
			return *ret = false, true;
	}
	return false;
}

static enum dr_err
set_sched_enabled(struct config *c, const char *key, const char *value,
    const char *origin, struct dr_error *reterr)
{
	if (!parse_bool(value, &schedule_of(c, key)->enabled))
		return bad(reterr, origin, key, "want true or false", value);
	return DR_OK;
}

static enum dr_err
set_token(struct config *c, const char *key, const char *value,
    const char *origin, struct dr_error *reterr)
{
	size_t	n;

	/* Never quote the value: it is a secret. */
	if (value != NULL) {
		n = strlen(value);
		if (n == 0 || n > 256 || strcspn(value, " \t") != n ||
		    !printable(value))
			return dr_fail(reterr, DR_ECONFIG, "%s: %s: want 1-256 "
			    "printable characters without blanks", origin,
			    key);
	}
	replace(&c->http_api_token, value);
	return DR_OK;
}

static enum dr_err
set_compose_bin(struct config *c, const char *key, const char *value,
    const char *origin, struct dr_error *reterr)
{
	struct compose_cli	cli;
	struct dr_error		e;

	if (value != NULL) {
		if (compose_cli_init(&cli, value, &e) != DR_OK)
			return dr_fail(reterr, DR_ECONFIG, "%s: %s: %s",
			    origin, key, e.msg);
		compose_cli_done(&cli);
	}
	replace(&c->compose_bin, value);
	return DR_OK;
}

/* ---- the table ------------------------------------------------------------ */

static const struct config_key config_keys[] = {
	{ "listen", "DOCKREV_LISTEN", NULL, set_listen, false, false },
	{ "auth.mode", "DOCKREV_AUTH_MODE", NULL, set_auth_mode, false,
	    false },
	{ "auth.header", "DOCKREV_AUTH_HEADER", NULL, set_auth_header, false,
	    false },
	{ "auth.trusted_proxies", "DOCKREV_TRUSTED_PROXIES", NULL, set_proxies,
	    true, false },
	{ "origin", "DOCKREV_ORIGIN", NULL, set_origin, false, true },
	{ "log.format", "DOCKREV_LOG_FORMAT", NULL, set_log_format, false,
	    false },
	{ "log.level", "DOCKREV_LOG_LEVEL", NULL, set_log_level, false, false },
	{ "state_dir", "DOCKREV_STATE_DIR", NULL, set_state_dir, false, true },
	{ "concurrency", "DOCKREV_CONCURRENCY", NULL, set_concurrency, false,
	    false },
	{ "schedules.check", NULL, NULL, set_sched_expr, false, true },
	{ "schedules.check.expr", "DOCKREV_SCHEDULE_CHECK", NULL,
	    set_sched_expr, false, true },
	{ "schedules.check.tz", "DOCKREV_SCHEDULE_CHECK_TZ", NULL,
	    set_sched_tz, false, false },
	{ "schedules.check.jitter_s", "DOCKREV_SCHEDULE_CHECK_JITTER", NULL,
	    set_sched_jitter, false, false },
	{ "schedules.check.enabled", "DOCKREV_SCHEDULE_CHECK_ENABLED", NULL,
	    set_sched_enabled, false, false },
	{ "schedules.update", NULL, NULL, set_sched_expr, false, true },
	{ "schedules.update.expr", "DOCKREV_SCHEDULE_UPDATE", NULL,
	    set_sched_expr, false, true },
	{ "schedules.update.tz", "DOCKREV_SCHEDULE_UPDATE_TZ", NULL,
	    set_sched_tz, false, false },
	{ "schedules.update.jitter_s", "DOCKREV_SCHEDULE_UPDATE_JITTER", NULL,
	    set_sched_jitter, false, false },
	{ "schedules.update.enabled", "DOCKREV_SCHEDULE_UPDATE_ENABLED", NULL,
	    set_sched_enabled, false, false },
	{ "http_api_token", "DOCKREV_HTTP_API_TOKEN",
	    "WATCHTOWER_HTTP_API_TOKEN", set_token, false, true },
	{ "compose_bin", "DOCKREV_COMPOSE_BIN", NULL, set_compose_bin, false,
	    true },
};

#define CONFIG_NKEYS	(sizeof(config_keys) / sizeof(config_keys[0]))

static const struct config_key *
key_find(const char *key)
{
	size_t	i;

	for (i = 0; i < CONFIG_NKEYS; i++)
		if (strcmp(config_keys[i].key, key) == 0)
			return &config_keys[i];
	return NULL;
}

/* True when some key starts with "prefix." (a mapping was expected). */
static bool
key_is_section(const char *prefix)
{
	size_t	i, n = strlen(prefix);

	for (i = 0; i < CONFIG_NKEYS; i++)
		if (strncmp(config_keys[i].key, prefix, n) == 0 &&
		    config_keys[i].key[n] == '.')
			return true;
	return false;
}

struct config *
config_new_default(void)
{
	struct config	*c = xcalloc(1, sizeof(*c));
	struct dr_error	 e;

	/* The defaults go through the setters: they are valid by the same
	 * rules as anything a user writes. */
	if (set_listen(c, "listen", CONFIG_DEFAULT_LISTEN, "default", &e) ||
	    set_auth_header(c, "auth.header", CONFIG_DEFAULT_HEADER, "default",
	    &e) || set_proxies(c, "auth.trusted_proxies",
	    CONFIG_DEFAULT_PROXIES, "default", &e))
		abort();
	c->auth_mode = CONFIG_AUTH_FORWARD;
	c->log_format = LOG_FORMAT_TEXT;
	c->log_level = LOG_LEVEL_INFO;
	c->concurrency = 2;
	c->schedule_check.expr = xstrdup("@every 6h");
	c->schedule_check.tz = xstrdup("UTC");
	c->schedule_check.jitter_s = 60;
	c->schedule_check.enabled = true;
	c->schedule_update.expr = NULL;
	c->schedule_update.tz = xstrdup("UTC");
	c->schedule_update.jitter_s = 0;
	c->schedule_update.enabled = true;
	return c;
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->listen);
	free(c->auth_header);
	free(c->trusted_proxies);
	free(c->origin);
	free(c->state_dir);
	free(c->schedule_check.expr);
	free(c->schedule_check.tz);
	free(c->schedule_update.expr);
	free(c->schedule_update.tz);
	if (c->http_api_token != NULL)
		explicit_bzero(c->http_api_token, strlen(c->http_api_token));
	free(c->http_api_token);
	free(c->compose_bin);
	free(c);
}

enum dr_err
config_set(struct config *c, const char *key, const char *value,
    const char *origin, struct dr_error *reterr)
{
	const struct config_key	*k;

	if ((k = key_find(key)) == NULL) {
		if (key_is_section(key))
			return dr_fail(reterr, DR_ECONFIG, "%s: %s: want a "
			    "mapping of %s.* keys", origin, key, key);
		return dr_fail(reterr, DR_ECONFIG, "%s: unknown key \"%.64s\"",
		    origin, key);
	}
	if (value != NULL && strlen(value) > CONFIG_VALUE_MAX)
		return dr_fail(reterr, DR_ECONFIG, "%s: %s: value too long "
		    "(more than %d bytes)", origin, key, CONFIG_VALUE_MAX);
	if (value != NULL && !printable(value))
		return dr_fail(reterr, DR_ECONFIG, "%s: %s: value holds a "
		    "control character", origin, key);
	if (value == NULL && !k->nullable)
		return dr_fail(reterr, DR_ECONFIG, "%s: %s: needs a value",
		    origin, key);
	return k->set(c, key, value, origin, reterr);
}

enum dr_err
config_validate(struct config *c, struct dr_error *reterr)
{
	/* A schedule without an expression does not run. */
	if (c->schedule_check.expr == NULL)
		c->schedule_check.enabled = false;
	if (c->schedule_update.expr == NULL)
		c->schedule_update.enabled = false;
	if (c->auth_mode == CONFIG_AUTH_NONE &&
	    !config_listen_is_loopback(c))
		return dr_fail(reterr, DR_ECONFIG, "listen %s: auth.mode none "
		    "(DOCKREV_AUTH_MODE=none) is only allowed on a loopback "
		    "address (127.0.0.1, ::1); use auth.mode forward behind "
		    "an authenticating proxy", c->listen);
	return DR_OK;
}

bool
config_listen_is_loopback(const struct config *c)
{
	return auth_is_loopback((const struct sockaddr *)&c->listen_addr);
}

/* ---- YAML ---------------------------------------------------------------- */

struct yparse {
	yaml_parser_t	 p;
	struct config	*cfg;
	const char	*name;
	struct dr_error	*reterr;
	char		 keys[64][96];	/* file keys seen, for repeats */
	size_t		 nkeys;
	size_t		 events;
};

#define YAML_EVENTS_MAX	4096

static enum dr_err
ynext(struct yparse *y, yaml_event_t *ev)
{
	if (++y->events > YAML_EVENTS_MAX)
		return dr_fail(y->reterr, DR_ECONFIG, "%s: too many YAML "
		    "nodes", y->name);
	if (!yaml_parser_parse(&y->p, ev))
		return dr_fail(y->reterr, DR_ECONFIG, "%s:%zu: YAML: %s",
		    y->name, y->p.problem_mark.line + 1,
		    y->p.problem ? y->p.problem : "syntax error");
	return DR_OK;
}

static size_t
yline(const yaml_event_t *ev)
{
	return ev->start_mark.line + 1;
}

/* Refuses what a config has no use for: aliases, anchors, tags. */
static enum dr_err
ycheck(struct yparse *y, const yaml_event_t *ev)
{
	const yaml_char_t	*anchor = NULL, *tag = NULL;

	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return dr_fail(y->reterr, DR_ECONFIG, "%s:%zu: YAML aliases "
		    "are not supported", y->name, yline(ev));
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		break;
	default:
		break;
	}
	if (anchor != NULL || tag != NULL)
		return dr_fail(y->reterr, DR_ECONFIG, "%s:%zu: YAML anchors "
		    "and tags are not supported", y->name, yline(ev));
	return DR_OK;
}

/* The value of a scalar event; NULL for a plain null ("", "~", "null")
 * and for a value holding a NUL byte (ysetev refuses it first). */
static const char *
yscalar(const yaml_event_t *ev)
{
	const char	*v = (const char *)ev->data.scalar.value;

	if (strlen(v) != ev->data.scalar.length)
		return NULL;
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0))
		return NULL;
	return v;
}

static enum dr_err
yset(struct yparse *y, const char *key, const char *value, size_t line)
{
	char	origin[300];
	size_t	i;

	snprintf(origin, sizeof(origin), "%s:%zu", y->name, line);
	for (i = 0; i < y->nkeys; i++)
		if (strcmp(y->keys[i], key) == 0)
			return dr_fail(y->reterr, DR_ECONFIG, "%s: %s: repeated "
			    "key", origin, key);
	if (y->nkeys < sizeof(y->keys) / sizeof(y->keys[0]))
		snprintf(y->keys[y->nkeys++], sizeof(y->keys[0]), "%s", key);
	return config_set(y->cfg, key, value, origin, y->reterr);
}

/* Reads a sequence of scalars (after its start event) as "a,b,c". */
static enum dr_err
ysequence(struct yparse *y, const char *key, size_t line)
{
	const struct config_key	*k = key_find(key);
	yaml_event_t		 ev;
	char			*joined = NULL;
	size_t			 n = 0;
	enum dr_err		 err;
	char			 origin[300];

	snprintf(origin, sizeof(origin), "%s:%zu", y->name, line);
	if (k == NULL)
		return config_set(y->cfg, key, "", origin, y->reterr);
	if (!k->list)
		return dr_fail(y->reterr, DR_ECONFIG, "%s: %s: want a single "
		    "value, not a list", origin, key);
	for (;;) {
		if ((err = ynext(y, &ev)) != DR_OK)
			goto out;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if ((err = ycheck(y, &ev)) != DR_OK || ev.type !=
		    YAML_SCALAR_EVENT || yscalar(&ev) == NULL ||
		    strchr(yscalar(&ev), ',') != NULL) {
			if (err == DR_OK)
				err = dr_fail(y->reterr, DR_ECONFIG, "%s:%zu: %s: "
				    "want a list of plain values without ','",
				    y->name, yline(&ev), key);
			yaml_event_delete(&ev);
			goto out;
		}
		if (n == CONFIG_LIST_MAX || (joined != NULL &&
		    strlen(joined) > CONFIG_VALUE_MAX)) {
			err = dr_fail(y->reterr, DR_ECONFIG, "%s: %s: too "
			    "many items", origin, key);
			yaml_event_delete(&ev);
			goto out;
		}
		if (joined == NULL)
			joined = xstrdup(yscalar(&ev));
		else {
			char	*t = xasprintf("%s,%s", joined, yscalar(&ev));

			free(joined);
			joined = t;
		}
		n++;
		yaml_event_delete(&ev);
	}
	err = yset(y, key, joined ? joined : "", line);
out:
	free(joined);
	return err;
}

/* Reads a mapping (after its start event) whose keys get prefix. */
static enum dr_err
ymapping(struct yparse *y, const char *prefix, int depth)
{
	yaml_event_t	 kev, vev;
	char		 key[96];
	const char	*name;
	enum dr_err	 err = DR_OK;

	if (depth > CONFIG_DEPTH_MAX)
		return dr_fail(y->reterr, DR_ECONFIG, "%s: %s: nested too "
		    "deep", y->name, prefix);
	for (;;) {
		if ((err = ynext(y, &kev)) != DR_OK)
			return err;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			return DR_OK;
		}
		if ((err = ycheck(y, &kev)) != DR_OK) {
			yaml_event_delete(&kev);
			return err;
		}
		name = kev.type == YAML_SCALAR_EVENT ?
		    (const char *)kev.data.scalar.value : NULL;
		if (name == NULL || name[0] == '\0' || strlen(name) > 40 ||
		    strspn(name, "abcdefghijklmnopqrstuvwxyz_") !=
		    strlen(name)) {
			err = dr_fail(y->reterr, DR_ECONFIG, "%s:%zu: unknown "
			    "key \"%.40s%s%.40s\"", y->name, yline(&kev),
			    prefix, prefix[0] ? "." : "", name ? name : "?");
			yaml_event_delete(&kev);
			return err;
		}
		snprintf(key, sizeof(key), "%s%s%s", prefix, prefix[0] ? "." :
		    "", name);
		if ((err = ynext(y, &vev)) != DR_OK) {
			yaml_event_delete(&kev);
			return err;
		}
		if ((err = ycheck(y, &vev)) != DR_OK)
			;
		else if (vev.type == YAML_SCALAR_EVENT &&
		    strlen((const char *)vev.data.scalar.value) !=
		    vev.data.scalar.length)
			err = dr_fail(y->reterr, DR_ECONFIG, "%s:%zu: %s: value "
			    "holds a NUL byte", y->name, yline(&kev), key);
		else if (vev.type == YAML_SCALAR_EVENT)
			err = yset(y, key, yscalar(&vev), yline(&kev));
		else if (vev.type == YAML_MAPPING_START_EVENT) {
			if (key_is_section(key))
				err = ymapping(y, key, depth + 1);
			else if (key_find(key) != NULL)
				err = dr_fail(y->reterr, DR_ECONFIG, "%s:%zu: "
				    "%s: want a value, not a mapping", y->name,
				    yline(&kev), key);
			else
				err = dr_fail(y->reterr, DR_ECONFIG, "%s:%zu: "
				    "unknown key \"%s\"", y->name,
				    yline(&kev), key);
		} else if (vev.type == YAML_SEQUENCE_START_EVENT)
			err = ysequence(y, key, yline(&kev));
		else
			err = dr_fail(y->reterr, DR_ECONFIG, "%s:%zu: %s: "
			    "unexpected YAML", y->name, yline(&kev), key);
		yaml_event_delete(&kev);
		yaml_event_delete(&vev);
		if (err != DR_OK)
			return err;
	}
}

enum dr_err
config_parse_yaml(struct config *cfg, const char *text, size_t len,
    const char *name, struct dr_error *reterr)
{
	struct yparse	*y;
	yaml_event_t	 ev;
	enum dr_err	 err = DR_OK;
	int		 docs = 0;
	bool		 done = false;

	if (len > CONFIG_FILE_MAX)
		return dr_fail(reterr, DR_ECONFIG, "%s: larger than %d bytes",
		    name, CONFIG_FILE_MAX);
	y = xcalloc(1, sizeof(*y));
	y->cfg = cfg;
	y->name = name;
	y->reterr = reterr;
	if (!yaml_parser_initialize(&y->p))
		abort();
	yaml_parser_set_input_string(&y->p, (const unsigned char *)text, len);
	while (!done && err == DR_OK) {
		if ((err = ynext(y, &ev)) != DR_OK)
			break;
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				err = dr_fail(reterr, DR_ECONFIG, "%s:%zu: one "
				    "YAML document only", name, yline(&ev));
			break;
		case YAML_MAPPING_START_EVENT:
			if ((err = ycheck(y, &ev)) == DR_OK)
				err = ymapping(y, "", 1);
			break;
		case YAML_SCALAR_EVENT:
			/* An empty document is fine; anything else is not a
			 * configuration. */
			if ((err = ycheck(y, &ev)) == DR_OK &&
			    yscalar(&ev) != NULL)
				err = dr_fail(reterr, DR_ECONFIG, "%s:%zu: want "
				    "a mapping of keys at the top", name,
				    yline(&ev));
			break;
		default:
			err = ycheck(y, &ev);
			if (err == DR_OK)
				err = dr_fail(reterr, DR_ECONFIG, "%s:%zu: want "
				    "a mapping of keys at the top", name,
				    yline(&ev));
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&y->p);
	free(y);
	return err;
}

/* ---- loading ------------------------------------------------------------- */

static const char *
env_get(char *const *envp, const char *name)
{
	size_t	n = strlen(name);

	if (envp == NULL)
		envp = environ;
	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

static enum dr_err
read_file(const char *path, char **ret, size_t *ret_len,
    struct dr_error *reterr)
{
	FILE		*f;
	struct stat	 st;
	char		*p;
	size_t		 n;

	if ((f = fopen(path, "re")) == NULL)
		return dr_fail(reterr, DR_EIO, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return dr_fail(reterr, DR_EIO, "%s: not a regular file",
		    path);
	}
	if (st.st_size > CONFIG_FILE_MAX) {
		fclose(f);
		return dr_fail(reterr, DR_ECONFIG, "%s: larger than %d bytes",
		    path, CONFIG_FILE_MAX);
	}
	p = xmalloc((size_t)st.st_size + 1);
	n = fread(p, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		fclose(f);
		free(p);
		return dr_fail(reterr, DR_EIO, "%s: read error", path);
	}
	fclose(f);
	p[n] = '\0';
	*ret = p;
	*ret_len = n;
	return DR_OK;
}

enum dr_err
config_load(const char *path, char *const *envp, struct config **ret,
    struct dr_error *reterr)
{
	struct config	*c = config_new_default();
	const char	*v;
	char		*text = NULL;
	size_t		 i, len = 0;
	enum dr_err	 err;

	*ret = NULL;
	if (path == NULL && (v = env_get(envp, "DOCKREV_CONFIG")) != NULL &&
	    v[0] != '\0')
		path = v;
	if (path != NULL) {
		c->path = xstrdup(path);
		if ((err = read_file(path, &text, &len, reterr)) != DR_OK)
			goto out;
		if ((err = config_parse_yaml(c, text, len, path, reterr)) !=
		    DR_OK)
			goto out;
	}
	for (i = 0; i < CONFIG_NKEYS; i++) {
		const struct config_key	*k = &config_keys[i];
		const char		*name = k->env;

		if (k->env == NULL)
			continue;
		if ((v = env_get(envp, k->env)) == NULL || v[0] == '\0') {
			name = k->env_alt;
			v = name ? env_get(envp, name) : NULL;
		}
		if (v == NULL || v[0] == '\0')
			continue;
		if ((err = config_set(c, k->key, v, name, reterr)) != DR_OK)
			goto out;
	}
	err = config_validate(c, reterr);
out:
	free(text);
	if (err != DR_OK) {
		config_free(c);
		return err;
	}
	*ret = c;
	return DR_OK;
}
