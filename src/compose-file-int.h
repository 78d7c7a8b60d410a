/*
 * compose-file-int: what the pieces of the compose-file module share and
 * nobody else may use: the layout of the opaque objects of compose-file.h
 * and a few helpers.  compose-file.c (the YAML model), compose-file-env.c
 * (.env files, interpolation) and compose-file-edit.c (edits, writes)
 * include it; nothing outside them does.
 */
#ifndef COMPOSE_FILE_INT_H
#define COMPOSE_FILE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "compose-file.h"
#include "err.h"
#include "span.h"
#define COMPOSE_FILE_REFS_MAX		16	/* variables in one value */

/* Where the image scalar of a service is, and whether it may be edited. */
struct compose_file_loc {
	int		 node;		/* libyaml node id, 0 when none */
	size_t		 mark_end;	/* end of the scalar, in characters */
	size_t		 off;		/* its token's bytes, quotes included */
	size_t		 len;
	bool		 located;
	enum dr_err	 refuse;	/* DR_OK, or why no edit is possible */
	char		*why;
};

struct compose_file {
	char				*bytes;
	size_t				 len;
	struct compose_file_service	*svc;
	struct compose_file_loc		*loc;
	size_t				 n;
};

struct compose_file_var {
	char	*name;
	char	*value;		/* decoded */
	size_t	 off;		/* the raw value bytes, inside any quotes */
	size_t	 len;
	size_t	 line;
};

struct compose_file_env {
	char			*bytes;
	size_t			 len;
	struct compose_file_var	*vars;
	size_t			 n;
};

/* One $VAR or ${VAR...} inside a value. */
struct compose_file_ref {
	size_t		 start;		/* offset of the '$' */
	size_t		 end;		/* just past the reference */
	struct span	 name;
	char		 op[3];		/* "", ":-", "-", ":?", "?", ":+", "+" */
	struct span	 arg;
};

/* Reads a regular file of at most max bytes into out (released on
 * failure); DR_ENOTFOUND, DR_EINVAL (not a regular file), DR_ETOOBIG,
 * DR_EIO. (compose-file.c) */
enum dr_err	compose_file_read(const char *path, size_t max,
		    struct buf *out, struct dr_error *reterr);
/* The index of the service named name, or cf->n. (compose-file.c) */
size_t		compose_file_index(const struct compose_file *cf,
		    const char *name);

/* A character of a variable name (letters, digits, '_').
 * (compose-file-env.c) */
bool		compose_file_name_char(char c);
/* The last definition of name in env, or NULL; borrowed. */
const struct compose_file_var *
		compose_file_env_find(const struct compose_file_env *env,
		    struct span name);
/* Finds the variable references of v (at most COMPOSE_FILE_REFS_MAX) into
 * refs, *ret_n of them; $$ is an escaped '$'.  DR_EUNSUPPORTED for
 * nested, malformed or too many references. */
enum dr_err	compose_file_refs(const char *v, struct compose_file_ref *refs,
		    size_t *ret_n, struct dr_error *reterr);
/* Appends the expansion of v[from, to), whose references are refs, from
 * env; fails as compose_file_interpolate does. */
enum dr_err	compose_file_expand(const char *v, size_t from, size_t to,
		    const struct compose_file_ref *refs, size_t nrefs,
		    const struct compose_file_env *env, struct buf *out,
		    struct dr_error *reterr);
/* How often name is referenced anywhere in b[0, len) ($$ is none). */
size_t		compose_file_count_refs(const char *b, size_t len,
		    struct span name);

#endif
