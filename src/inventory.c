/*
 * inventory: one snapshot of the engine's containers and images.  The JSON
 * documents from the engine are kept and the structs point into them.
 */
#include "inventory.h"

#include <stdlib.h>
#include <string.h>

#include "engine-info.h"
#include "imageref.h"
#include "linecache.h"
#include "store.h"
#include "xmalloc.h"

static const char *
inv_str(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static const char *
inv_own(struct inventory *inv, char *s)
{
	if (inv->nowned == inv->owned_cap) {
		inv->owned_cap = inv->owned_cap ? inv->owned_cap * 2 : 64;
		inv->owned = xreallocarray(inv->owned, inv->owned_cap,
		    sizeof(*inv->owned));
	}
	inv->owned[inv->nowned++] = s;
	return s;
}

const char *
inventory_label(const struct inv_container *c, const char *key)
{
	return json_string_value(json_object_get(c->labels, key));
}

static int
inv_strcmp_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b ? 0 : a == NULL ? 1 : -1;	/* standalone last */
	return strcmp(a, b);
}

static int
inv_cmp(const void *pa, const void *pb)
{
	const struct inv_container	*a = pa, *b = pb;
	int				 c;

	if ((c = inv_strcmp_null(a->stack, b->stack)) != 0)
		return c;
	if ((c = inv_strcmp_null(a->service, b->service)) != 0)
		return c;
	return strcmp(a->name, b->name);
}

static int
inv_img_cmp(const void *pa, const void *pb)
{
	const struct inv_image	*a = pa, *b = pb;

	return strcmp(a->id, b->id);
}

static void
inv_place(struct inventory *inv, struct inv_container *c)
{
	const char	*project, *svc, *ns;

	project = inventory_label(c, "com.docker.compose.project");
	svc = inventory_label(c, "com.docker.swarm.service.name");
	if (svc != NULL) {
		size_t	n;

		c->kind = INV_SWARM;
		ns = inventory_label(c, "com.docker.stack.namespace");
		c->stack = ns;
		n = ns ? strlen(ns) : 0;
		if (ns != NULL && strncmp(svc, ns, n) == 0 && svc[n] == '_')
			c->service = inv_own(inv, xstrdup(svc + n + 1));
		else
			c->service = svc;
	} else if (project != NULL) {
		c->kind = INV_COMPOSE;
		c->stack = project;
		c->service = inventory_label(c, "com.docker.compose.service");
	} else
		c->kind = INV_STANDALONE;
}

/* True when the filter f (may be NULL) asks for c. */
static bool
inv_wanted(const struct inventory_filter *f, const struct inv_container *c)
{
	if (f == NULL)
		return true;
	if (f->stack != NULL && (c->kind == INV_STANDALONE ||
	    c->stack == NULL || strcmp(c->stack, f->stack) != 0))
		return false;
	return f->name == NULL || inventory_matches(c, f->name);
}

static int
inv_pstrcmp(const void *a, const void *b)
{
	return strcmp(*(const char * const *)a, *(const char * const *)b);
}

/*
 * The image reference a container was created with (its Config.Image) never
 * changes for its ID: remembered in the state directory (a linecache of
 * the containers that exist), so a tag that moved costs one inspect per
 * container once, not at every check.
 */
#define INV_CFG_CACHE_MAX	65536

static bool
inv_cfg_valid(struct span id, struct span ref)
{
	struct imageref	*r = NULL;
	bool		 ok;

	if (!imageref_is_id(id))
		return false;
	ok = imageref_parse(ref, &r, NULL) == DR_OK;
	imageref_free(r);
	return ok;
}

/*
 * The second round, after the container list, all at once: the inspect of
 * each image the wanted containers run (by ID, each once), and of each
 * container whose tag has moved on to another image since it was created
 * (the list then shows the image ID; the reference it was configured with
 * is in its inspect; a failure there leaves the ID in place).  The images
 * are inspected one by one rather than listed: the engine takes a quarter
 * of a second to list a thousand images, and a host keeps many more images
 * than its containers run.
 */
static enum dr_err
inv_images(struct inventory *inv, struct docker *d,
    const struct inventory_filter *f, struct dr_error *reterr)
{
	struct docker_batch	*b;
	struct linecache	*cfg;
	const char		**ids, *img;
	size_t			*which, n = 0, nids = 0, ncfg = 0, i, k;
	enum dr_err		 err = DR_OK;
	char			*path;

	ids = xcalloc(inv->ncontainers + 1, sizeof(*ids));
	which = xcalloc(inv->ncontainers + 1, sizeof(*which));
	for (i = 0; i < inv->ncontainers; i++) {
		const struct inv_container	*c = &inv->containers[i];

		if (inv_wanted(f, c) && c->image_id[0] != '\0')
			ids[nids++] = c->image_id;
	}
	qsort(ids, nids, sizeof(*ids), inv_pstrcmp);
	for (i = 0, k = 0; i < nids; i++)
		if (k == 0 || strcmp(ids[k - 1], ids[i]) != 0)
			ids[k++] = ids[i];
	nids = k;
	path = xasprintf("%s/container-images", store_default_dir());
	cfg = linecache_load(path, INV_CFG_CACHE_MAX, inv_cfg_valid);
	free(path);
	b = xcalloc(inv->ncontainers + nids + 1, sizeof(*b));
	for (i = 0; i < inv->ncontainers; i++) {
		struct inv_container	*c = &inv->containers[i];

		if (strncmp(c->image, "sha256:", 7) != 0 &&
		    strcmp(c->image, c->image_id) != 0)
			continue;
		if ((img = linecache_get(cfg, c->id)) != NULL) {
			c->image = inv_own(inv, xstrdup(img));
			continue;
		}
		b[n].path = inv_own(inv, xasprintf("/containers/%s/json",
		    c->id));
		which[ncfg++] = i;
		n++;
	}
	for (k = 0; k < nids; k++)
		b[n++].path = inv_own(inv, xasprintf("/images/%s/json",
		    ids[k]));
	if (n > 0)
		docker_get_batch(d, b, n);
	for (i = 0; i < ncfg; i++) {
		struct inv_container	*c = &inv->containers[which[i]];

		img = json_string_value(json_object_get(json_object_get(
		    b[i].ret, "Config"), "Image"));
		if (img != NULL && *img != '\0') {
			c->image = inv_own(inv, xstrdup(img));
			linecache_put(cfg, c->id, img);
		}
		json_decref(b[i].ret);
	}
	/* Only the containers that still exist are remembered. */
	for (i = 0; i < inv->ncontainers; i++)
		(void)linecache_get(cfg, inv->containers[i].id);
	linecache_drop_unused(cfg);
	linecache_save(cfg);
	linecache_free(cfg);
	inv->json_images = json_array();
	for (i = ncfg; i < n; i++) {
		/* An image removed since the list is no image: the
		 * container's check says so. */
		if (b[i].err == DR_OK && json_is_object(b[i].ret))
			json_array_append(inv->json_images, b[i].ret);
		else if (b[i].err != DR_ENOTFOUND && err == DR_OK)
			err = dr_fail(reterr, b[i].err, "%s", b[i].error.msg);
		json_decref(b[i].ret);
	}
	free(b);
	free(which);
	free(ids);
	return err;
}

enum dr_err
inventory_load(struct docker *d, bool all, struct inventory **ret,
    struct dr_error *reterr)
{
	return inventory_load_filtered(d, all, NULL, ret, reterr);
}

enum dr_err
inventory_load_filtered(struct docker *d, bool all,
    const struct inventory_filter *f, struct inventory **ret,
    struct dr_error *reterr)
{
	struct inventory	*inv;
	json_t			*list = NULL, *v, *names;
	size_t			 i, nb;
	enum dr_err		 err;
	static json_t		*empty;

	/* One concurrent round: the containers, and /info and /version
	 * (the engine's platform and registry settings) unless engine-info
	 * remembers them; then the images (inv_images). */
	struct docker_batch	 b[3] = { { .path = NULL } };
	size_t			 ninfo = 0, nver = 0;
	char			 ident[8192], *cache = NULL;
	bool			 known;

	inv = xcalloc(1, sizeof(*inv));
	known = engine_info_ident(d, ident, sizeof(ident));
	if (known) {
		cache = xasprintf("%s/engine-info.json", store_default_dir());
		inv->json_info = engine_info_load(d, cache, ident);
	}
	nb = 0;
	b[nb++].path = all ? "/containers/json?all=1" : "/containers/json";
	if (inv->json_info == NULL) {
		ninfo = nb;
		b[nb++].path = "/info";
		nver = nb;
		b[nb++].path = "/version";
	}
	err = docker_get_batch(d, b, nb);
	list = b[0].ret;
	if (ninfo != 0) {
		inv->json_info = b[ninfo].ret;
		if (b[nver].err == DR_OK) {
			docker_version_learn(d, b[nver].ret);
			if (known && b[ninfo].err == DR_OK)
				engine_info_save(cache, ident, b[ninfo].ret,
				    b[nver].ret);
		}
		json_decref(b[nver].ret);
		b[nver].ret = NULL;
	}
	free(cache);
	for (i = 0; i < nb; i++) {
		if (b[i].err != DR_OK) {
			err = dr_fail(reterr, b[i].err, "%s", b[i].error.msg);
			goto fail;
		}
	}
	if (!json_is_array(list)) {
		err = dr_fail(reterr, DR_EPROTO, "engine: the container list is "
		    "not an array");
		goto fail;
	}
	if (empty == NULL)
		empty = json_object();
	/*
	 * Each container keeps copies of its strings and a reference to its
	 * labels; the rest of the engine's list goes at once: it is most of
	 * the memory a check would otherwise hold while it waits on
	 * registries.
	 */
	inv->json_labels = json_array();
	inv->containers = xcalloc(json_array_size(list) + 1,
	    sizeof(*inv->containers));
	json_array_foreach(list, i, v) {
		struct inv_container	*c = &inv->containers[inv->ncontainers];
		const char		*name;

		c->id = inv_own(inv, xstrdup(inv_str(v, "Id")));
		names = json_object_get(v, "Names");
		name = json_string_value(json_array_get(names, 0));
		if (name == NULL)
			name = c->id;
		c->name = inv_own(inv, xstrdup(name[0] == '/' ? name + 1 :
		    name));
		c->image = inv_own(inv, xstrdup(inv_str(v, "Image")));
		c->image_id = inv_own(inv, xstrdup(inv_str(v, "ImageID")));
		c->state = inv_own(inv, xstrdup(inv_str(v, "State")));
		c->labels = json_object_get(v, "Labels");
		if (!json_is_object(c->labels))
			c->labels = empty;
		json_array_append(inv->json_labels, (json_t *)c->labels);
		inv_place(inv, c);
		inv->ncontainers++;
	}
	json_decref(list);
	list = NULL;
	if ((err = inv_images(inv, d, f, reterr)) != DR_OK)
		goto fail;
	qsort(inv->containers, inv->ncontainers, sizeof(*inv->containers),
	    inv_cmp);
	inv->images = xcalloc(json_array_size(inv->json_images) + 1,
	    sizeof(*inv->images));
	json_array_foreach(inv->json_images, i, v) {
		struct inv_image	*im = &inv->images[inv->nimages++];

		im->id = inv_str(v, "Id");
		im->repo_digests = json_object_get(v, "RepoDigests");
	}
	qsort(inv->images, inv->nimages, sizeof(*inv->images), inv_img_cmp);
	*ret = inv;
	return DR_OK;
fail:
	json_decref(list);
	inventory_free(inv);
	return err;
}

void
inventory_free(struct inventory *inv)
{
	size_t	i;

	if (inv == NULL)
		return;
	for (i = 0; i < inv->nowned; i++)
		free(inv->owned[i]);
	free(inv->owned);
	free(inv->containers);
	free(inv->images);
	json_decref(inv->json_labels);
	json_decref(inv->json_images);
	json_decref(inv->json_info);
	free(inv);
}

const struct inv_image *
inventory_image(const struct inventory *inv, const char *id)
{
	struct inv_image	key = { .id = id };

	return bsearch(&key, inv->images, inv->nimages, sizeof(key),
	    inv_img_cmp);
}

bool
inventory_matches(const struct inv_container *c, const char *name)
{
	const char	*full;
	size_t		 n;

	if (strcmp(c->name, name) == 0)
		return true;
	/* A Swarm service by its full name, STACK_SERVICE. */
	if (c->kind == INV_SWARM && (full = inventory_label(c,
	    "com.docker.swarm.service.name")) != NULL && strcmp(full, name) == 0)
		return true;
	if (c->kind == INV_STANDALONE || c->stack == NULL || c->service == NULL)
		return false;
	n = strlen(c->stack);
	return strncmp(name, c->stack, n) == 0 && name[n] == '/' &&
	    strcmp(name + n + 1, c->service) == 0;
}
