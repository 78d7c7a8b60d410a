/*
 * compose-file: structure from libyaml's loader, exact byte positions from
 * its scanner, and single-scalar edits.  Invariant: an edit replaces one
 * byte range of one file and is handed out only after the result has been
 * parsed again and reads as intended.
 */
#include "compose-file.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <yaml.h>

#include "imageref.h"
#include "xmalloc.h"

#define COMPOSE_FILE_MERGE_DEPTH	8	/* <<: within merged mappings */
#define COMPOSE_FILE_MERGE_BUDGET	256	/* mappings visited per lookup */
#define COMPOSE_FILE_REFS_MAX		16	/* variables in one value */
#define COMPOSE_FILE_VALUE_MAX		(4 * IMAGEREF_MAX)
#define COMPOSE_FILE_CHUNK		65536

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

/* Parsing state: the loaded document and its alias graph. */
struct compose_file_ctx {
	yaml_document_t		*doc;
	int			 nnodes;
	int			 root;
	int			*parent;	/* the one live parent, if any */
	unsigned char		*indeg;		/* live in-edges, at most 2 */
	bool			*live;
	struct compose_file	*cf;
	size_t			 cap;
	int			 budget;
};

/* Result of looking a key up through <<: merges. */
struct compose_file_find {
	int	holder;		/* the mapping that had the key */
	bool	merged;		/* found in a merged mapping */
	bool	dup;		/* the key or <<: twice in one mapping */
	bool	bad;		/* a <<: that is not mappings, or too deep */
	int	budget;
};

/* One $VAR or ${VAR...} inside a value. */
struct compose_file_ref {
	size_t		 start;		/* offset of the '$' */
	size_t		 end;		/* just past the reference */
	struct span	 name;
	char		 op[3];		/* "", ":-", "-", ":?", "?", ":+", "+" */
	struct span	 arg;
};

/*
 * Small helpers.
 */

static void
compose_file_parser_init(yaml_parser_t *p, const char *bytes, size_t len)
{
	if (!yaml_parser_initialize(p))
		abort();	/* out of memory */
	yaml_parser_set_input_string(p, (const unsigned char *)bytes, len);
}

static enum dr_err
compose_file_yaml_error(const yaml_parser_t *p, struct dr_error *reterr)
{
	if (p->error == YAML_MEMORY_ERROR)
		abort();
	if (p->error == YAML_READER_ERROR)
		return dr_fail(reterr, DR_EINVAL,
		    "compose file: byte %zu: %s", p->problem_offset,
		    p->problem != NULL ? p->problem : "unreadable");
	return dr_fail(reterr, DR_EINVAL, "compose file: line %zu column %zu: "
	    "%s%s%s", p->problem_mark.line + 1, p->problem_mark.column + 1,
	    p->problem != NULL ? p->problem : "syntax error",
	    p->context != NULL ? " " : "",
	    p->context != NULL ? p->context : "");
}

static bool
compose_file_name_start(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
compose_file_name_char(char c)
{
	return compose_file_name_start(c) || (c >= '0' && c <= '9');
}

static bool
compose_file_span_has(struct span s, char c)
{
	return s.len > 0 && memchr(s.p, c, s.len) != NULL;
}

/* Reads a regular file of at most max bytes into out. */
static enum dr_err
compose_file_read(const char *path, size_t max, struct buf *out,
    struct dr_error *reterr)
{
	struct stat	 st;
	char		*chunk = NULL;
	ssize_t		 n;
	int		 fd;
	enum dr_err	 rc = DR_OK;

	buf_init(out, max);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		if (errno == ENOENT)
			return dr_fail(reterr, DR_ENOTFOUND, "%s: no such file",
			    path);
		return dr_fail(reterr, DR_EIO, "%s: %s", path,
		    strerror(errno));
	}
	if (fstat(fd, &st) == -1) {
		rc = dr_fail(reterr, DR_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = dr_fail(reterr, DR_EINVAL, "%s: not a regular file", path);
		goto out;
	}
	if ((uintmax_t)st.st_size > max) {
		rc = dr_fail(reterr, DR_ETOOBIG, "%s: larger than %zu bytes",
		    path, max);
		goto out;
	}
	chunk = xmalloc(COMPOSE_FILE_CHUNK);
	for (;;) {
		n = read(fd, chunk, COMPOSE_FILE_CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rc = dr_fail(reterr, DR_EIO, "%s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (!buf_add(out, chunk, (size_t)n)) {
			rc = dr_fail(reterr, DR_ETOOBIG,
			    "%s: larger than %zu bytes", path, max);
			goto out;
		}
	}
out:
	free(chunk);
	close(fd);
	if (rc != DR_OK)
		buf_done(out);
	return rc;
}

/*
 * The document: limits, nodes, the alias graph.
 */

/*
 * Streams the events once to enforce the limits before libyaml's loader
 * allocates anything (its alias lookup is linear in the anchors), and to
 * refuse multi-document streams.
 */
static enum dr_err
compose_file_prescan(const char *bytes, size_t len, struct dr_error *reterr)
{
	yaml_parser_t	p;
	yaml_event_t	ev;
	size_t		nodes = 0, depth = 0, anchors = 0, aliases = 0;
	size_t		docs = 0;
	bool		done = false;
	enum dr_err	rc = DR_OK;

	compose_file_parser_init(&p, bytes, len);
	while (!done && rc == DR_OK) {
		if (!yaml_parser_parse(&p, &ev)) {
			rc = compose_file_yaml_error(&p, reterr);
			break;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				rc = dr_fail(reterr, DR_EUNSUPPORTED,
				    "compose file: line %zu: a second YAML "
				    "document; only single-document files "
				    "are supported", ev.start_mark.line + 1);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > COMPOSE_FILE_DEPTH_MAX)
				rc = dr_fail(reterr, DR_ETOOBIG,
				    "compose file: line %zu: nested deeper "
				    "than %d", ev.start_mark.line + 1,
				    COMPOSE_FILE_DEPTH_MAX);
			if ((ev.type == YAML_MAPPING_START_EVENT ?
			    ev.data.mapping_start.anchor :
			    ev.data.sequence_start.anchor) != NULL)
				anchors++;
			nodes++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_SCALAR_EVENT:
			if (ev.data.scalar.anchor != NULL)
				anchors++;
			nodes++;
			break;
		case YAML_ALIAS_EVENT:
			aliases++;
			nodes++;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (rc == DR_OK && (nodes > COMPOSE_FILE_NODES_MAX ||
		    anchors > COMPOSE_FILE_ANCHORS_MAX ||
		    aliases > COMPOSE_FILE_ALIASES_MAX))
			rc = dr_fail(reterr, DR_ETOOBIG, "compose file: more "
			    "than %d nodes, %d anchors or %d aliases",
			    COMPOSE_FILE_NODES_MAX, COMPOSE_FILE_ANCHORS_MAX,
			    COMPOSE_FILE_ALIASES_MAX);
	}
	yaml_parser_delete(&p);
	return rc;
}

static yaml_node_t *
compose_file_node(const struct compose_file_ctx *c, int id)
{
	if (id < 1 || id > c->nnodes)
		return NULL;
	return c->doc->nodes.start + (id - 1);
}

static bool
compose_file_scalar_is(const yaml_node_t *n, const char *s)
{
	size_t	len = strlen(s);

	return n != NULL && n->type == YAML_SCALAR_NODE &&
	    n->data.scalar.length == len &&
	    memcmp(n->data.scalar.value, s, len) == 0;
}

/* "<<" is a merge key only when plain, as YAML 1.1 resolves it. */
static bool
compose_file_is_merge(const yaml_node_t *n)
{
	return compose_file_scalar_is(n, "<<") &&
	    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static bool
compose_file_is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	size_t	i;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (compose_file_scalar_is(n, nulls[i]))
			return true;
	return false;
}

/* A top-level x-* key: an extension field Compose ignores. */
static bool
compose_file_is_extension(const yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE &&
	    n->data.scalar.length >= 2 &&
	    memcmp(n->data.scalar.value, "x-", 2) == 0;
}

static void
compose_file_edge(struct compose_file_ctx *c, int from, int to, int *queue,
    int *qt)
{
	if (to < 1 || to > c->nnodes)
		return;
	if (c->indeg[to] < 2)
		c->indeg[to]++;
	c->parent[to] = from;
	if (!c->live[to]) {
		c->live[to] = true;
		queue[(*qt)++] = to;
	}
}

/*
 * Counts, for every node reachable from the root without passing through a
 * top-level x-* key, its in-edges from such nodes (saturating at 2) and
 * remembers one parent.  Each node is expanded once, so this is linear even
 * for alias bombs, and terminates on recursive aliases.
 */
static void
compose_file_graph(struct compose_file_ctx *c)
{
	yaml_node_t		*n;
	yaml_node_pair_t	*p;
	yaml_node_item_t	*it;
	int			*queue, qh = 0, qt = 0, id;

	c->parent = xcalloc((size_t)c->nnodes + 1, sizeof(*c->parent));
	c->indeg = xcalloc((size_t)c->nnodes + 1, sizeof(*c->indeg));
	c->live = xcalloc((size_t)c->nnodes + 1, sizeof(*c->live));
	queue = xcalloc((size_t)c->nnodes + 1, sizeof(*queue));
	c->live[c->root] = true;
	queue[qt++] = c->root;
	while (qh < qt) {
		id = queue[qh++];
		n = compose_file_node(c, id);
		if (n->type == YAML_SEQUENCE_NODE) {
			for (it = n->data.sequence.items.start;
			    it < n->data.sequence.items.top; it++)
				compose_file_edge(c, id, *it, queue, &qt);
		} else if (n->type == YAML_MAPPING_NODE) {
			for (p = n->data.mapping.pairs.start;
			    p < n->data.mapping.pairs.top; p++) {
				if (id == c->root && compose_file_is_extension(
				    compose_file_node(c, p->key)))
					continue;
				compose_file_edge(c, id, p->key, queue, &qt);
				compose_file_edge(c, id, p->value, queue, &qt);
			}
		}
	}
	free(queue);
}

/* True unless exactly one path leads from the root to node id. */
static bool
compose_file_shared(const struct compose_file_ctx *c, int id)
{
	int	steps;

	for (steps = 0; steps <= c->nnodes; steps++) {
		if (id == c->root)
			return c->indeg[id] != 0;
		if (id < 1 || id > c->nnodes || c->indeg[id] != 1)
			return true;
		id = c->parent[id];
	}
	return true;
}

/*
 * The value of key in mapping map, looking through <<: merge keys as
 * YAML 1.1 does: own keys first, then the merged mappings, the first of a
 * merged sequence winning.  0 when absent.
 */
static int
compose_file_find_key(const struct compose_file_ctx *c, int map,
    const char *key, int depth, struct compose_file_find *f)
{
	yaml_node_t		*m = compose_file_node(c, map), *k, *v, *e;
	yaml_node_pair_t	*p;
	yaml_node_item_t	*it;
	int			 found = 0, merge = 0, r;
	size_t			 nmerge = 0;

	if (m == NULL || m->type != YAML_MAPPING_NODE)
		return 0;
	if (depth > COMPOSE_FILE_MERGE_DEPTH || f->budget-- <= 0) {
		f->bad = true;
		return 0;
	}
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	    p++) {
		k = compose_file_node(c, p->key);
		if (compose_file_scalar_is(k, key)) {
			if (found != 0)
				f->dup = true;
			found = p->value;	/* the last one, as PyYAML */
		} else if (k != NULL && compose_file_is_merge(k)) {
			nmerge++;
			merge = p->value;
		}
	}
	if (nmerge > 1)
		f->dup = true;
	if (found != 0) {
		f->holder = map;
		f->merged = depth > 0;
		return found;
	}
	if (merge == 0 || (v = compose_file_node(c, merge)) == NULL)
		return 0;
	if (v->type == YAML_MAPPING_NODE)
		return compose_file_find_key(c, merge, key, depth + 1, f);
	if (v->type != YAML_SEQUENCE_NODE) {
		f->bad = true;
		return 0;
	}
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	    it++) {
		e = compose_file_node(c, *it);
		if (e == NULL || e->type != YAML_MAPPING_NODE) {
			f->bad = true;
			continue;
		}
		if ((r = compose_file_find_key(c, *it, key, depth + 1, f)) != 0)
			return r;
	}
	return 0;
}

/*
 * Services.
 */

static void
compose_file_refuse(struct compose_file_loc *loc, enum dr_err code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
compose_file_refuse(struct compose_file_loc *loc, enum dr_err code,
    const char *fmt, ...)
{
	va_list	ap;
	char	msg[DR_ERROR_MSG_MAX];

	if (loc->refuse != DR_OK)
		return;		/* the first reason stands */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	loc->refuse = code;
	loc->why = xstrdup(msg);
}

static enum dr_err	compose_file_refs(const char *, struct compose_file_ref *,
			    size_t *, struct dr_error *);

/* Fills in where the image of service i comes from. */
static void
compose_file_service_image(struct compose_file_ctx *c, size_t i, int value)
{
	struct compose_file_service	*svc = &c->cf->svc[i];
	struct compose_file_loc		*loc = &c->cf->loc[i];
	struct compose_file_find	 f;
	struct compose_file_ref		 refs[COMPOSE_FILE_REFS_MAX];
	yaml_node_t			*v = compose_file_node(c, value), *in;
	size_t				 nrefs;
	int				 img;

	if (v != NULL && compose_file_is_null(v)) {
		svc->from = COMPOSE_FILE_IMAGE_NONE;
		compose_file_refuse(loc, DR_EUNSUPPORTED,
		    "service %s has no image: key", svc->name);
		return;
	}
	if (v == NULL || v->type != YAML_MAPPING_NODE) {
		svc->from = COMPOSE_FILE_IMAGE_INVALID;
		compose_file_refuse(loc, DR_EUNSUPPORTED,
		    "service %s is not a mapping", svc->name);
		return;
	}
	memset(&f, 0, sizeof(f));
	f.budget = COMPOSE_FILE_MERGE_BUDGET;
	if ((img = compose_file_find_key(c, value, "image", 0, &f)) == 0) {
		if (f.bad) {
			svc->from = COMPOSE_FILE_IMAGE_INVALID;
			compose_file_refuse(loc, DR_EUNSUPPORTED, "service %s: "
			    "its <<: merge keys are malformed or nested too "
			    "deep", svc->name);
			return;
		}
		memset(&f, 0, sizeof(f));
		f.budget = COMPOSE_FILE_MERGE_BUDGET;
		if (compose_file_find_key(c, value, "extends", 0, &f) != 0) {
			svc->from = COMPOSE_FILE_IMAGE_EXTENDS;
			compose_file_refuse(loc, DR_EUNSUPPORTED,
			    "service %s gets its image through extends:; "
			    "edit the service it extends", svc->name);
		} else {
			svc->from = COMPOSE_FILE_IMAGE_NONE;
			compose_file_refuse(loc, DR_EUNSUPPORTED,
			    "service %s has no image: key", svc->name);
		}
		return;
	}
	in = compose_file_node(c, img);
	svc->line = in->start_mark.line + 1;
	if (in->type != YAML_SCALAR_NODE || compose_file_is_null(in) ||
	    in->data.scalar.length == 0 ||
	    memchr(in->data.scalar.value, '\0', in->data.scalar.length)) {
		svc->from = COMPOSE_FILE_IMAGE_INVALID;
		compose_file_refuse(loc, DR_EUNSUPPORTED, "the image of service "
		    "%s (line %zu) is not a string", svc->name, svc->line);
		return;
	}
	svc->from = f.merged ? COMPOSE_FILE_IMAGE_MERGE : COMPOSE_FILE_IMAGE_OWN;
	svc->image = xstrndup((const char *)in->data.scalar.value,
	    in->data.scalar.length);
	switch (in->data.scalar.style) {
	case YAML_PLAIN_SCALAR_STYLE:
		svc->style = COMPOSE_FILE_PLAIN;
		break;
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
		svc->style = COMPOSE_FILE_SINGLE;
		break;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		svc->style = COMPOSE_FILE_DOUBLE;
		break;
	default:
		svc->style = COMPOSE_FILE_BLOCK;
		break;
	}
	svc->flow = compose_file_node(c, f.holder)->data.mapping.style ==
	    YAML_FLOW_MAPPING_STYLE;
	svc->interpolated = strchr(svc->image, '$') != NULL &&
	    (compose_file_refs(svc->image, refs, &nrefs, NULL) != DR_OK ||
	    nrefs > 0);
	svc->shared = compose_file_shared(c, img);
	loc->node = img;
	loc->mark_end = in->end_mark.index;
	if (f.dup)
		compose_file_refuse(loc, DR_EUNSUPPORTED, "service %s has image: "
		    "or <<: twice in one mapping; which one Compose uses "
		    "depends on its version", svc->name);
	if (f.bad)
		compose_file_refuse(loc, DR_EUNSUPPORTED, "service %s: its <<: "
		    "merge keys are malformed or nested too deep", svc->name);
	if (svc->style == COMPOSE_FILE_BLOCK)
		compose_file_refuse(loc, DR_EUNSUPPORTED, "the image of service "
		    "%s (line %zu) is a block scalar (| or >)", svc->name,
		    svc->line);
}

static enum dr_err
compose_file_add_service(struct compose_file_ctx *c, const yaml_node_t *k,
    int value, bool strict, struct dr_error *reterr)
{
	struct compose_file	*cf = c->cf;
	const char		*name;
	size_t			 len, i;

	if (k == NULL || k->type != YAML_SCALAR_NODE)
		return dr_fail(reterr, DR_EINVAL,
		    "compose file: a service name that is not a string");
	name = (const char *)k->data.scalar.value;
	len = k->data.scalar.length;
	if (len == 0 || memchr(name, '\0', len) != NULL)
		return dr_fail(reterr, DR_EINVAL,
		    "compose file: line %zu: invalid service name",
		    k->start_mark.line + 1);
	for (i = 0; i < cf->n; i++)
		if (strlen(cf->svc[i].name) == len &&
		    memcmp(cf->svc[i].name, name, len) == 0) {
			if (!strict)
				return DR_OK;	/* overridden by a merge */
			return dr_fail(reterr, DR_EINVAL, "compose file: line "
			    "%zu: service %s is defined twice",
			    k->start_mark.line + 1, cf->svc[i].name);
		}
	if (cf->n >= COMPOSE_FILE_SERVICES_MAX)
		return dr_fail(reterr, DR_ETOOBIG,
		    "compose file: more than %d services",
		    COMPOSE_FILE_SERVICES_MAX);
	if (cf->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		cf->svc = xreallocarray(cf->svc, c->cap, sizeof(*cf->svc));
		cf->loc = xreallocarray(cf->loc, c->cap, sizeof(*cf->loc));
	}
	memset(&cf->svc[cf->n], 0, sizeof(cf->svc[0]));
	memset(&cf->loc[cf->n], 0, sizeof(cf->loc[0]));
	cf->svc[cf->n].name = xstrndup(name, len);
	cf->n++;
	compose_file_service_image(c, cf->n - 1, value);
	return DR_OK;
}

/*
 * Adds the services of mapping map: its own keys (a name twice is an error
 * when strict), then those of mappings merged in with <<: that are not
 * already there.
 */
static enum dr_err
compose_file_collect(struct compose_file_ctx *c, int map, int depth,
    bool strict, struct dr_error *reterr)
{
	yaml_node_t		*m = compose_file_node(c, map), *k, *v, *e;
	yaml_node_pair_t	*p;
	yaml_node_item_t	*it;
	enum dr_err		 rc;

	if (depth > COMPOSE_FILE_MERGE_DEPTH || c->budget-- <= 0)
		return dr_fail(reterr, DR_EUNSUPPORTED,
		    "compose file: <<: merge keys in services: nested too "
		    "deep");
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	    p++) {
		k = compose_file_node(c, p->key);
		if (k != NULL && compose_file_is_merge(k))
			continue;
		if ((rc = compose_file_add_service(c, k, p->value, strict,
		    reterr)) != DR_OK)
			return rc;
	}
	/* A later <<: key overrides an earlier one, as in PyYAML. */
	for (p = m->data.mapping.pairs.top; p > m->data.mapping.pairs.start;
	    p--) {
		k = compose_file_node(c, p[-1].key);
		if (k == NULL || !compose_file_is_merge(k))
			continue;
		v = compose_file_node(c, p[-1].value);
		if (v != NULL && v->type == YAML_MAPPING_NODE) {
			if ((rc = compose_file_collect(c, p[-1].value,
			    depth + 1, false, reterr)) != DR_OK)
				return rc;
			continue;
		}
		if (v == NULL || v->type != YAML_SEQUENCE_NODE)
			return dr_fail(reterr, DR_EINVAL, "compose file: line "
			    "%zu: <<: must name a mapping",
			    k->start_mark.line + 1);
		for (it = v->data.sequence.items.start;
		    it < v->data.sequence.items.top; it++) {
			e = compose_file_node(c, *it);
			if (e == NULL || e->type != YAML_MAPPING_NODE)
				return dr_fail(reterr, DR_EINVAL,
				    "compose file: line %zu: <<: must name "
				    "mappings", k->start_mark.line + 1);
			if ((rc = compose_file_collect(c, *it, depth + 1,
			    false, reterr)) != DR_OK)
				return rc;
		}
	}
	return DR_OK;
}

/* Names the other services whose image is the same scalar. */
static void
compose_file_shared_reasons(struct compose_file *cf)
{
	struct buf	others;
	size_t		i, j, count;

	for (i = 0; i < cf->n; i++) {
		if (!cf->svc[i].shared || cf->loc[i].node == 0)
			continue;
		buf_init(&others, 256);
		count = 0;
		for (j = 0; j < cf->n; j++)
			if (j != i && cf->loc[j].node == cf->loc[i].node) {
				buf_printf(&others, "%s%s", count ? ", " : "",
				    cf->svc[j].name);
				count++;
			}
		if (count > 0)
			compose_file_refuse(&cf->loc[i], DR_EUNSUPPORTED,
			    "the image of service %s (line %zu) is shared "
			    "with service%s %s%s through an anchor or merge; "
			    "changing it would change them too",
			    cf->svc[i].name, cf->svc[i].line,
			    count > 1 ? "s" : "", buf_str(&others),
			    buf_failed(&others) ? "..." : "");
		else
			compose_file_refuse(&cf->loc[i], DR_EUNSUPPORTED,
			    "the image of service %s (line %zu) is also used "
			    "through an alias elsewhere in the file; changing "
			    "it would change that too", cf->svc[i].name,
			    cf->svc[i].line);
		buf_done(&others);
	}
}

/*
 * Token positions.
 */

struct compose_file_need {
	size_t	end;		/* mark_end of the scalar */
	size_t	svc;
};

static int
compose_file_need_cmp(const void *a, const void *b)
{
	const struct compose_file_need	*x = a, *y = b;

	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return x->svc < y->svc ? -1 : x->svc > y->svc;
}

/* Moves a (character, byte) cursor forward to character index target. */
static void
compose_file_advance(const char *b, size_t len, size_t *ci, size_t *bi,
    size_t target)
{
	unsigned char	c;

	while (*ci < target && *bi < len) {
		c = (unsigned char)b[*bi];
		if (c < 0x80)
			*bi += 1;
		else if ((c & 0xe0) == 0xc0)
			*bi += 2;
		else if ((c & 0xf0) == 0xe0)
			*bi += 3;
		else
			*bi += 4;
		(*ci)++;
	}
	if (*bi > len)
		*bi = len;
}

/* True when the token bytes read back as the scalar value they hold. */
static bool
compose_file_token_ok(const struct compose_file *cf, size_t i)
{
	const struct compose_file_loc	*loc = &cf->loc[i];
	const char			*t = cf->bytes + loc->off, *v;
	size_t				 n = loc->len, j, k, vlen;

	v = cf->svc[i].image;
	vlen = strlen(v);
	switch (cf->svc[i].style) {
	case COMPOSE_FILE_PLAIN:
		return n == vlen && memcmp(t, v, n) == 0;
	case COMPOSE_FILE_SINGLE:
		if (n < 2 || t[0] != '\'' || t[n - 1] != '\'')
			return false;
		for (j = 1, k = 0; j < n - 1; j++, k++) {
			if (k >= vlen || t[j] != v[k])
				return false;
			if (t[j] == '\'')
				j++;	/* '' is one quote */
		}
		return k == vlen;
	case COMPOSE_FILE_DOUBLE:
		if (n < 2 || t[0] != '"' || t[n - 1] != '"')
			return false;
		if (memchr(t, '\\', n) != NULL)
			return true;	/* escapes: trust the reparse */
		return n - 2 == vlen && memcmp(t + 1, v, vlen) == 0;
	default:
		return false;
	}
}

/*
 * Runs libyaml's scanner over the bytes to find the exact token of every
 * image scalar (node marks include anchors and tags), converting its
 * character positions to bytes.
 */
static void
compose_file_locate(struct compose_file *cf, size_t bom)
{
	struct compose_file_need	*need;
	yaml_parser_t			 p;
	yaml_token_t			 tok;
	size_t				 nneed = 0, i, j = 0, ci = 0, bi = bom;
	size_t				 s, e;
	bool				 done = false;

	need = xcalloc(cf->n ? cf->n : 1, sizeof(*need));
	for (i = 0; i < cf->n; i++)
		if (cf->loc[i].node != 0) {
			need[nneed].end = cf->loc[i].mark_end;
			need[nneed].svc = i;
			nneed++;
		}
	qsort(need, nneed, sizeof(*need), compose_file_need_cmp);
	compose_file_parser_init(&p, cf->bytes, cf->len);
	while (!done && j < nneed) {
		if (!yaml_parser_scan(&p, &tok))
			break;
		if (tok.type == YAML_STREAM_END_TOKEN)
			done = true;
		if (tok.type == YAML_SCALAR_TOKEN) {
			while (j < nneed && need[j].end < tok.end_mark.index)
				j++;
			if (j < nneed && need[j].end == tok.end_mark.index) {
				compose_file_advance(cf->bytes, cf->len, &ci,
				    &bi, tok.start_mark.index);
				s = bi;
				compose_file_advance(cf->bytes, cf->len, &ci,
				    &bi, tok.end_mark.index);
				e = bi;
				for (; j < nneed &&
				    need[j].end == tok.end_mark.index; j++) {
					cf->loc[need[j].svc].off = s;
					cf->loc[need[j].svc].len = e - s;
					cf->loc[need[j].svc].located = true;
				}
			}
		}
		yaml_token_delete(&tok);
	}
	yaml_parser_delete(&p);
	free(need);

	for (i = 0; i < cf->n; i++) {
		struct compose_file_loc	*loc = &cf->loc[i];

		if (loc->node == 0)
			continue;
		if (!loc->located) {
			compose_file_refuse(loc, DR_EINTERNAL, "the image of "
			    "service %s could not be located in the file",
			    cf->svc[i].name);
			continue;
		}
		if (memchr(cf->bytes + loc->off, '\n', loc->len) != NULL ||
		    memchr(cf->bytes + loc->off, '\r', loc->len) != NULL) {
			compose_file_refuse(loc, DR_EUNSUPPORTED, "the image of "
			    "service %s (line %zu) spans several lines",
			    cf->svc[i].name, cf->svc[i].line);
			continue;
		}
		/* "&a:img x": the value starts right after an anchor, and a
		 * new one could run into it. */
		if (loc->off > bom && strchr(" \t\r\n[{,:",
		    cf->bytes[loc->off - 1]) == NULL) {
			compose_file_refuse(loc, DR_EUNSUPPORTED, "the image of "
			    "service %s (line %zu) is not separated from the "
			    "anchor or tag before it", cf->svc[i].name,
			    cf->svc[i].line);
			continue;
		}
		if (!compose_file_token_ok(cf, i))
			compose_file_refuse(loc, DR_EINTERNAL, "the image of "
			    "service %s (line %zu) was located at bytes that "
			    "do not hold it", cf->svc[i].name,
			    cf->svc[i].line);
	}
}

enum dr_err
compose_file_parse(struct span yaml, struct compose_file **ret,
    struct dr_error *reterr)
{
	struct compose_file_ctx	 c;
	struct compose_file_find f;
	struct compose_file	*cf = NULL;
	yaml_parser_t		 p;
	yaml_document_t		 doc;
	yaml_node_t		*root, *s;
	const unsigned char	*u = (const unsigned char *)yaml.p;
	bool			 parser_up = false, doc_up = false;
	size_t			 bom = 0;
	int			 services;
	enum dr_err		 rc = DR_OK;

	*ret = NULL;
	memset(&c, 0, sizeof(c));
	if (yaml.len > COMPOSE_FILE_MAX)
		return dr_fail(reterr, DR_ETOOBIG,
		    "compose file larger than %d bytes", COMPOSE_FILE_MAX);
	if (yaml.len >= 2 && ((u[0] == 0xfe && u[1] == 0xff) ||
	    (u[0] == 0xff && u[1] == 0xfe) || u[0] == 0 || u[1] == 0))
		return dr_fail(reterr, DR_EUNSUPPORTED,
		    "compose file is not UTF-8 (UTF-16 or UTF-32?)");
	if (yaml.len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
		bom = 3;

	cf = xcalloc(1, sizeof(*cf));
	cf->bytes = xmalloc(yaml.len + 1);
	if (yaml.len > 0)
		memcpy(cf->bytes, yaml.p, yaml.len);
	cf->bytes[yaml.len] = '\0';
	cf->len = yaml.len;

	if ((rc = compose_file_prescan(cf->bytes, cf->len, reterr)) != DR_OK)
		goto out;
	compose_file_parser_init(&p, cf->bytes, cf->len);
	parser_up = true;
	if (!yaml_parser_load(&p, &doc)) {
		rc = compose_file_yaml_error(&p, reterr);
		goto out;
	}
	doc_up = true;
	if ((root = yaml_document_get_root_node(&doc)) == NULL ||
	    compose_file_is_null(root)) {
		rc = dr_fail(reterr, DR_EINVAL, "compose file is empty");
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		rc = dr_fail(reterr, DR_EINVAL,
		    "compose file: the top level is not a mapping");
		goto out;
	}
	c.doc = &doc;
	c.nnodes = (int)(doc.nodes.top - doc.nodes.start);
	c.root = 1;
	c.cf = cf;
	c.budget = COMPOSE_FILE_MERGE_BUDGET;
	compose_file_graph(&c);

	memset(&f, 0, sizeof(f));
	f.budget = COMPOSE_FILE_MERGE_BUDGET;
	services = compose_file_find_key(&c, c.root, "services", 0, &f);
	if (f.dup || f.bad) {
		rc = dr_fail(reterr, DR_EINVAL, "compose file: services: is "
		    "given twice or merged from something that is not a "
		    "mapping");
		goto out;
	}
	if (services != 0) {
		s = compose_file_node(&c, services);
		if (s->type == YAML_MAPPING_NODE) {
			if ((rc = compose_file_collect(&c, services, 0, true,
			    reterr)) != DR_OK)
				goto out;
		} else if (!compose_file_is_null(s)) {
			rc = dr_fail(reterr, DR_EINVAL, "compose file: line "
			    "%zu: services: is not a mapping",
			    s->start_mark.line + 1);
			goto out;
		}
	}
	compose_file_shared_reasons(cf);
	compose_file_locate(cf, bom);
	*ret = cf;
	cf = NULL;
out:
	if (doc_up)
		yaml_document_delete(&doc);
	if (parser_up)
		yaml_parser_delete(&p);
	free(c.parent);
	free(c.indeg);
	free(c.live);
	compose_file_free(cf);
	return rc;
}

enum dr_err
compose_file_load(const char *path, struct compose_file **ret,
    struct dr_error *reterr)
{
	struct buf	b;
	enum dr_err	rc;

	*ret = NULL;
	if ((rc = compose_file_read(path, COMPOSE_FILE_MAX, &b, reterr)) !=
	    DR_OK)
		return rc;
	rc = compose_file_parse(buf_span(&b), ret, reterr);
	buf_done(&b);
	return rc;
}

void
compose_file_free(struct compose_file *cf)
{
	size_t	i;

	if (cf == NULL)
		return;
	for (i = 0; i < cf->n; i++) {
		free(cf->svc[i].name);
		free(cf->svc[i].image);
		free(cf->loc[i].why);
	}
	free(cf->svc);
	free(cf->loc);
	free(cf->bytes);
	free(cf);
}

size_t
compose_file_nservices(const struct compose_file *cf)
{
	return cf->n;
}

const struct compose_file_service *
compose_file_service(const struct compose_file *cf, size_t i)
{
	return i < cf->n ? &cf->svc[i] : NULL;
}

static size_t
compose_file_index(const struct compose_file *cf, const char *name)
{
	size_t	i;

	for (i = 0; i < cf->n; i++)
		if (strcmp(cf->svc[i].name, name) == 0)
			return i;
	return cf->n;
}

const struct compose_file_service *
compose_file_find(const struct compose_file *cf, const char *name)
{
	return compose_file_service(cf, compose_file_index(cf, name));
}

struct span
compose_file_bytes(const struct compose_file *cf)
{
	return span_make(cf->bytes, cf->len);
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
static const struct compose_file_var *
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
static enum dr_err
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
static enum dr_err
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
static size_t
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
