/*
 * config: the daemon's configuration, from an optional YAML file and the
 * DOCKREV_* environment (the environment wins over the file), validated
 * as a whole before anything starts.  docs/config.md lists every key.
 * The keys are one const table in config.c; adding a key is adding a row
 * and a field here.
 *
 * struct config is plain data read by every module of the daemon; after
 * config_load() returns it is never changed (share it freely between
 * threads).  Every string is owned by the struct.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "auth.h"
#include "err.h"
#include "log.h"

#define CONFIG_FILE_MAX		(64 * 1024)	/* bytes of the YAML file */
#define CONFIG_LIST_MAX		64	/* items of a list (trusted proxies) */
#define CONFIG_DEPTH_MAX	4	/* nesting of YAML mappings */
#define CONFIG_VALUE_MAX	4096	/* bytes of one value */
#define CONFIG_CONCURRENCY_MAX	32
#define CONFIG_JITTER_MAX	86400	/* seconds */

#define CONFIG_DEFAULT_LISTEN	"127.0.0.1:8080"
#define CONFIG_DEFAULT_HEADER	"X-Forwarded-User"
#define CONFIG_DEFAULT_PROXIES	"127.0.0.1/32,::1/128"

enum config_auth_mode {
	CONFIG_AUTH_FORWARD,	/* trusted reverse proxy sets the user */
	CONFIG_AUTH_NONE,	/* everyone is "anonymous" (loopback only) */
};

/* One schedule (schedules.check, schedules.update). */
struct config_schedule {
	char		*expr;		/* src/cron.h syntax; NULL: none */
	char		*tz;		/* zone name (cron_zone_check) */
	unsigned	 jitter_s;	/* 0-CONFIG_JITTER_MAX */
	bool		 enabled;	/* false when expr is NULL */
};

struct config {
	/* Where the values came from: the file (NULL: none). */
	char			*path;

	/* listen: "ADDR:PORT", ADDR numeric IPv4 or [IPv6]; parsed. */
	char			*listen;
	struct sockaddr_storage	 listen_addr;
	socklen_t		 listen_addrlen;

	enum config_auth_mode	 auth_mode;
	char			*auth_header;	/* the user header's name */
	struct auth_cidr	*trusted_proxies;
	size_t			 ntrusted_proxies;
	/* origin: "scheme://host[:port]" allowed for state changes; NULL:
	 * the request's own Host. */
	char			*origin;

	enum log_format		 log_format;
	enum log_level		 log_level;

	char			*state_dir;	/* NULL: store_default_dir() */
	int			 concurrency;	/* 1-CONFIG_CONCURRENCY_MAX */
	struct config_schedule	 schedule_check;
	struct config_schedule	 schedule_update;
	/* Watchtower-compatible POST /v1/update token; NULL: endpoint off.
	 * A secret: never log it. */
	char			*http_api_token;
	char			*compose_bin;	/* NULL: compose-cli default */
};

/*
 * Builds the configuration: defaults, then the YAML file at path (NULL:
 * $DOCKREV_CONFIG, none when unset or empty), then the environment envp
 * (NULL: environ), then validates the whole.  On failure (DR_ECONFIG, or
 * DR_EIO when the file cannot be read) *ret is NULL and reterr names the
 * key and where it came from ("dockrev.yaml:7: auth.mode: ..." or
 * "DOCKREV_AUTH_MODE: ...").  Free with config_free.
 */
enum dr_err	config_load(const char *path, char *const *envp,
		    struct config **ret, struct dr_error *reterr);

/* A configuration with the defaults only (tests, tools). */
struct config	*config_new_default(void);

/*
 * Sets one key ("auth.mode", "schedules.check.expr") from its text form,
 * as the file or the environment would; origin names the source in the
 * error ("--listen", "FILE:LINE").  Lists take comma-separated text.
 * Does not run the cross-key checks: call config_validate after.
 */
enum dr_err	config_set(struct config *, const char *key, const char *value,
		    const char *origin, struct dr_error *reterr);

/* The checks between keys (schedules enabled without an expression). */
enum dr_err	config_validate(struct config *, struct dr_error *reterr);

/*
 * Parses YAML text (len bytes, name for messages) into cfg, key by key
 * through config_set: nested mappings make dotted keys, sequences are
 * lists, anchors/aliases, tags and several documents are refused, and so
 * are unknown and repeated keys.  Exposed for the fuzz target.
 */
enum dr_err	config_parse_yaml(struct config *, const char *text,
		    size_t len, const char *name, struct dr_error *reterr);

/* True when the listen address is loopback (127.0.0.0/8, ::1). */
bool		config_listen_is_loopback(const struct config *);

void		config_free(struct config *);

#endif
