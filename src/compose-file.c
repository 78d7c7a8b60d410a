/*
 * compose-file: the model of a compose file.  Loads it with libyaml's
 * loader (after a streaming prescan that enforces the limits), builds the
 * alias graph, finds each service's image scalar through <<: merges, and
 * locates that scalar's exact bytes with libyaml's scanner.  Invariant: a
 * service's location is marked editable only when exactly one path from
 * the root reaches its scalar and the token bytes read back as its value;
 * otherwise it carries the reason an edit is refused.
 *
 * The .env files and interpolation are in compose-file-env.c, the edits
 * and the atomic writes in compose-file-edit.c; what they share is in
 * compose-file-int.h.
 */
#include "compose-file.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "compose-file-int.h"
#include "xmalloc.h"

#define COMPOSE_FILE_MERGE_DEPTH	8	/* <<: within merged mappings */
#define COMPOSE_FILE_MERGE_BUDGET	256	/* mappings visited per lookup */
#define COMPOSE_FILE_CHUNK		65536

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

/* Reads a regular file of at most max bytes into out. */
enum dr_err
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

size_t
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
