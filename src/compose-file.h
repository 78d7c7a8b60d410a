/*
 * compose-file: reads the services and `image:` values of a Compose file
 * (libyaml) and changes the image of one service by editing only the bytes
 * of that one scalar, or of the one `.env` variable it interpolates.
 * Everything else in the file (comments, quoting, order, anchors, CRLF,
 * BOM) is preserved byte for byte, and every edit is checked by parsing
 * the result again before it is handed out or written.
 *
 * Rules an edit follows (anything else is refused, never guessed):
 *   - the value keeps its style: plain, 'single' or "double" quoted; block
 *     scalars (| >) and values spanning lines are refused.  A plain value
 *     that YAML 1.1 would read as a number, bool, null or date is refused.
 *   - a value reached through an anchor is edited only when exactly one
 *     path from the document root reaches it, that is, exactly one service
 *     uses it and no alias elsewhere does.  Definitions under top-level
 *     `x-*` keys do not count (Compose ignores them), so the common
 *       x-app: &app {image: a:1}      services: {web: {<<: *app}}
 *     is edited in place, while the same anchor merged into two services
 *     is refused, naming the other service(s).  This is conservative: a
 *     service merged whole into another counts as a second use even where
 *     the other sets its own image:.
 *   - `image: ${VAR}`, `repo:${TAG:-1.0}`, `$REG/app:${TAG}` ...: the last
 *     variable of the value is set in the env file, the others keep their
 *     current values; the new image must keep the text around that
 *     variable.  Refused when there is no env file, when the variable is
 *     not in it (it may come from the process environment, which Compose
 *     prefers over the env file anyway), or when the variable is named
 *     anywhere else in the compose file (another service would change too).
 *     Only this compose file is searched: other files of the same project
 *     are the caller's to check.
 *   - multi-document streams are refused at parse time; flow mappings
 *     (`web: {image: x}`) are edited like block ones; a service whose image
 *     comes from `extends:` is refused.
 *   - Compose's legacy version-1 format (services at the top level) is not
 *     read: a file without a `services:` key has no services.
 */
#ifndef COMPOSE_FILE_H
#define COMPOSE_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "span.h"

#define COMPOSE_FILE_MAX	(4 * 1024 * 1024)	/* compose file bytes */
#define COMPOSE_FILE_ENV_MAX	(1024 * 1024)		/* .env file bytes */
#define COMPOSE_FILE_NODES_MAX	200000	/* YAML nodes in one file */
#define COMPOSE_FILE_DEPTH_MAX	64	/* nesting of collections */
#define COMPOSE_FILE_ANCHORS_MAX 1000	/* libyaml looks aliases up linearly */
#define COMPOSE_FILE_ALIASES_MAX 10000
#define COMPOSE_FILE_SERVICES_MAX 4096
#define COMPOSE_FILE_ENV_VARS_MAX 10000

enum compose_file_image_from {
	COMPOSE_FILE_IMAGE_NONE,	/* no image: (build-only service) */
	COMPOSE_FILE_IMAGE_OWN,		/* the service's own image: key */
	COMPOSE_FILE_IMAGE_MERGE,	/* from a mapping merged with <<: */
	COMPOSE_FILE_IMAGE_EXTENDS,	/* none here, but extends: another */
	COMPOSE_FILE_IMAGE_INVALID,	/* image: is not a usable string */
};

enum compose_file_style {
	COMPOSE_FILE_PLAIN,
	COMPOSE_FILE_SINGLE,		/* 'quoted' */
	COMPOSE_FILE_DOUBLE,		/* "quoted" */
	COMPOSE_FILE_BLOCK,		/* | or > */
};

struct compose_file_service {
	char				*name;
	/* The value as YAML reads it, before interpolation; NULL unless
	 * from is OWN or MERGE. */
	char				*image;
	enum compose_file_image_from	 from;
	enum compose_file_style		 style;
	bool				 interpolated;	/* has $VAR / ${VAR} */
	bool				 shared;	/* reached by >1 path */
	bool				 flow;		/* in a {flow} mapping */
	size_t				 line;		/* of the value, 1-based */
};

struct compose_file;
struct compose_file_env;

/*
 * Parses a compose file into a new object owned by the caller (free with
 * compose_file_free); the bytes are copied.  Fails with DR_ETOOBIG over
 * COMPOSE_FILE_MAX or any of the limits above;
 * DR_EINVAL for YAML errors (with line and column), a root that is not a
 * mapping, `services` that is not a mapping, duplicate or non-string
 * service names; DR_EUNSUPPORTED for a UTF-16/32 file or several
 * documents.  *ret is NULL on failure.
 */
enum dr_err	compose_file_parse(struct span yaml, struct compose_file **ret,
		    struct dr_error *reterr);
/* Reads path (at most COMPOSE_FILE_MAX bytes) and parses it; DR_EIO or
 * DR_ENOTFOUND when it cannot be read. */
enum dr_err	compose_file_load(const char *path, struct compose_file **ret,
		    struct dr_error *reterr);
void		compose_file_free(struct compose_file *);

/* Services in file order; borrowed until compose_file_free. */
size_t		compose_file_nservices(const struct compose_file *);
const struct compose_file_service *
		compose_file_service(const struct compose_file *, size_t i);
/* The service named name, or NULL. */
const struct compose_file_service *
		compose_file_find(const struct compose_file *, const char *name);
/* The bytes the file was parsed from; borrowed. */
struct span	compose_file_bytes(const struct compose_file *);

/*
 * .env files: KEY=VALUE lines, `#` comments, an optional `export `, values
 * unquoted (a ` #` starts a comment), 'single' or "double" quoted (one line
 * only: a multi-line value fails with DR_EUNSUPPORTED).  Lines that define
 * nothing are skipped; the last definition of a name wins.  DR_ETOOBIG
 * over COMPOSE_FILE_ENV_MAX or COMPOSE_FILE_ENV_VARS_MAX; DR_EINVAL for a
 * NUL byte.  The bytes are copied.
 */
enum dr_err	compose_file_env_parse(struct span text,
		    struct compose_file_env **ret, struct dr_error *reterr);
enum dr_err	compose_file_env_load(const char *path,
		    struct compose_file_env **ret, struct dr_error *reterr);
void		compose_file_env_free(struct compose_file_env *);
/* The value of name, or NULL when the file does not set it; borrowed. */
const char	*compose_file_env_get(const struct compose_file_env *,
		    const char *name);
struct span	compose_file_env_bytes(const struct compose_file_env *);

/*
 * Appends value with $VAR, ${VAR}, ${VAR:-def}, ${VAR-def}, ${VAR:?msg},
 * ${VAR?msg}, ${VAR:+alt}, ${VAR+alt} and $$ expanded from env (NULL: no
 * variables), as Compose does but without the process environment.
 * DR_ENOTFOUND when a variable without a default is not set (Compose
 * would use the process environment or ""), DR_EUNSUPPORTED for nested or
 * malformed references.
 */
enum dr_err	compose_file_interpolate(const char *value,
		    const struct compose_file_env *env, struct buf *out,
		    struct dr_error *reterr);

enum compose_file_target {
	COMPOSE_FILE_TARGET_COMPOSE,	/* the compose file is edited */
	COMPOSE_FILE_TARGET_ENV,	/* the env file is edited */
};

/* One computed edit: the whole new content of the target file. */
struct compose_file_edit {
	enum compose_file_target target;
	char			*bytes;		/* new content, NUL-terminated */
	size_t			 len;
	size_t			 offset;	/* where the edit starts */
	size_t			 old_len;	/* bytes replaced at offset */
	size_t			 new_len;	/* bytes written at offset */
	char			*variable;	/* env variable set, or NULL */
};

/*
 * Computes, without touching any file, the edit that makes the image of
 * service be image: image must be a valid reference (imageref_parse);
 * env is the project's env file, or NULL.  On success ret is filled (free
 * with compose_file_edit_done) and the result has been parsed again: the
 * service now reads image, every other service reads what it did.  An
 * edit that changes nothing has old_len == new_len and equal bytes.
 * Fails with DR_ENOTFOUND (no such service), DR_EINVAL (bad image), and
 * DR_EUNSUPPORTED with the reason for everything the rules above refuse.
 */
enum dr_err	compose_file_set_image(const struct compose_file *,
		    const char *service, const char *image,
		    const struct compose_file_env *env,
		    struct compose_file_edit *ret, struct dr_error *reterr);
void		compose_file_edit_done(struct compose_file_edit *);

/* What compose_file_update wrote, for the journal. */
struct compose_file_change {
	char	*path;		/* the file written (symlinks resolved) */
	char	*variable;	/* env variable set, or NULL */
	char	*original;	/* its bytes before, NUL-terminated */
	size_t	 original_len;
	char	*written;	/* its bytes after */
	size_t	 written_len;
	bool	 changed;	/* false when written == original */
};

/*
 * Sets the image of service in compose_path (and env_path, NULL when the
 * project has none; Compose v1 reads <project dir>/.env by itself when no
 * --env-file is given, so pass that) as compose_file_set_image does, then writes the target
 * file atomically: a temporary file in the same directory with the old
 * file's mode (and owner when permitted), fsync, a check that the file
 * still has the bytes read, rename, fsync of the directory.  Symlinks are
 * resolved first, so the link stays a link.  Fills ret (free with
 * compose_file_change_done) with both contents, so the caller can journal
 * them before relying on the change.  DR_ECONFLICT when the file changed
 * while we worked; DR_EIO for system call failures (the old file is then
 * intact); the errors of compose_file_load and compose_file_set_image.
 */
enum dr_err	compose_file_update(const char *compose_path,
		    const char *env_path, const char *service,
		    const char *image, struct compose_file_change *ret,
		    struct dr_error *reterr);
void		compose_file_change_done(struct compose_file_change *);

/*
 * Puts original back into path, atomically as above, but only if the file
 * holds exactly written (the bytes our update left); if it already holds
 * original, nothing is done (so a restore can be retried after a crash).
 * DR_ECONFLICT when it holds anything else or is gone; DR_EIO.
 */
enum dr_err	compose_file_restore(const char *path, struct span original,
		    struct span written, struct dr_error *reterr);

#endif
