/*
 * test-openapi: docs/openapi.yaml and the route tables agree.  Every
 * (method, pattern) a module of serve_modules[] registers is an operation
 * of the file's paths, and every operation of the file is registered
 * (run from the top of the tree).  The UI's catch-all GET route (pattern
 * "/" then "*") is not an API route, and HEAD runs GET routes, so neither
 * is in the file.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "check.h"
#include "serve.h"
#include "xmalloc.h"

#define OPENAPI_FILE	"docs/openapi.yaml"
#define OPENAPI_OPS_MAX	256

/* The operation keys of a path item (OpenAPI 3.0.3); other keys of a
 * path item (parameters, summary, ...) are not operations. */
static const char *const methods[] = {
	"get", "put", "post", "delete", "options", "head", "patch", "trace",
};

struct op {
	char	*method;	/* upper case, as in the route tables */
	char	*path;
	bool	 seen;		/* registered by a module */
};

static struct op	ops[OPENAPI_OPS_MAX];
static size_t		nops;

static const char *
scalar(const yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

/* The value of key in mapping m, or NULL. */
static yaml_node_t *
map_get(yaml_document_t *doc, yaml_node_t *m, const char *key)
{
	yaml_node_pair_t	*p;
	const char		*k;

	if (m == NULL || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	    p++) {
		k = scalar(yaml_document_get_node(doc, p->key));
		if (k != NULL && strcmp(k, key) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

static bool
is_method(const char *k)
{
	size_t	i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i], k) == 0)
			return true;
	return false;
}

/* Collects the file's operations into ops[]; false when it cannot. */
static bool
load_ops(void)
{
	yaml_parser_t		 parser;
	yaml_document_t		 doc;
	yaml_node_t		*root, *paths, *item;
	yaml_node_pair_t	*p, *q;
	FILE			*f;
	const char		*path, *k;
	char			*m;
	size_t			 i;
	bool			 ok = false;

	if ((f = fopen(OPENAPI_FILE, "rb")) == NULL) {
		fprintf(stderr, "test-openapi: cannot open %s\n", OPENAPI_FILE);
		return false;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		fprintf(stderr, "test-openapi: %s: %s at line %zu\n",
		    OPENAPI_FILE, parser.problem ? parser.problem : "bad YAML",
		    parser.problem_mark.line + 1);
		yaml_parser_delete(&parser);
		fclose(f);
		return false;
	}
	root = yaml_document_get_root_node(&doc);
	CHECK_STREQ(scalar(map_get(&doc, root, "openapi")), "3.0.3");
	paths = map_get(&doc, root, "paths");
	CHECK(paths != NULL && paths->type == YAML_MAPPING_NODE);
	if (paths == NULL || paths->type != YAML_MAPPING_NODE)
		goto out;
	for (p = paths->data.mapping.pairs.start;
	    p < paths->data.mapping.pairs.top; p++) {
		path = scalar(yaml_document_get_node(&doc, p->key));
		item = yaml_document_get_node(&doc, p->value);
		CHECK(path != NULL && item != NULL &&
		    item->type == YAML_MAPPING_NODE);
		if (path == NULL || item == NULL ||
		    item->type != YAML_MAPPING_NODE)
			continue;
		for (q = item->data.mapping.pairs.start;
		    q < item->data.mapping.pairs.top; q++) {
			k = scalar(yaml_document_get_node(&doc, q->key));
			if (k == NULL || !is_method(k))
				continue;
			if (nops == OPENAPI_OPS_MAX) {
				fprintf(stderr, "test-openapi: more than %d "
				    "operations\n", OPENAPI_OPS_MAX);
				goto out;
			}
			m = xstrdup(k);
			for (i = 0; m[i] != '\0'; i++)
				m[i] = (char)toupper((unsigned char)m[i]);
			ops[nops].method = m;
			ops[nops].path = xstrdup(path);
			nops++;
		}
	}
	ok = true;
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(f);
	return ok;
}

static struct op *
find_op(const char *method, const char *pattern)
{
	size_t	i;

	for (i = 0; i < nops; i++)
		if (strcmp(ops[i].method, method) == 0 &&
		    strcmp(ops[i].path, pattern) == 0)
			return &ops[i];
	return NULL;
}

/* Routes that are not API operations: the UI's catch-all. */
static bool
skipped(const struct serve_module *m, const struct http_route *r)
{
	return strcmp(m->name, "ui") == 0 && strcmp(r->method, "GET") == 0 &&
	    strcmp(r->pattern, "/*") == 0;
}

int
main(void)
{
	const struct serve_module	*const *m;
	const struct http_route		*r;
	struct op			*o;
	size_t				 i, nroutes = 0;

	if (!load_ops()) {
		check_failed++;
		return check_summary("openapi");
	}
	CHECK(nops > 0);
	for (m = serve_modules; *m != NULL; m++) {
		for (r = (*m)->routes; r != NULL && r->method != NULL; r++) {
			if (skipped(*m, r))
				continue;
			nroutes++;
			if ((o = find_op(r->method, r->pattern)) == NULL) {
				check_failed++;
				fprintf(stderr, "FAIL: module %s registers %s %s, "
				    "not in %s\n", (*m)->name, r->method,
				    r->pattern, OPENAPI_FILE);
				continue;
			}
			check_passed++;
			o->seen = true;
		}
	}
	CHECK(nroutes > 0);
	for (i = 0; i < nops; i++) {
		if (ops[i].seen) {
			check_passed++;
			continue;
		}
		check_failed++;
		fprintf(stderr, "FAIL: %s documents %s %s, which no module "
		    "registers\n", OPENAPI_FILE, ops[i].method, ops[i].path);
	}
	CHECK_INTEQ(nops, nroutes);
	for (i = 0; i < nops; i++) {
		free(ops[i].method);
		free(ops[i].path);
	}
	return check_summary("openapi");
}
