/*
 * inventory: what runs on the engine, read in two rounds of concurrent
 * calls: /containers/json (with /info and /version unless engine-info
 * remembers them), then one inspect for each distinct image the containers
 * run and for each container whose tag has moved on: each container with
 * its configured image reference, its image ID, and its place in a Compose
 * project or Swarm stack from the labels; each image with its RepoDigests.
 */
#ifndef INVENTORY_H
#define INVENTORY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "docker-client.h"
#include "err.h"

enum inv_kind {
	INV_STANDALONE,
	INV_COMPOSE,
	INV_SWARM,
};

struct inv_container {
	const char	*id;
	const char	*name;		/* without the leading '/' */
	const char	*image;		/* reference as configured */
	const char	*image_id;	/* "sha256:..." */
	const char	*state;		/* "running", "exited", ... */
	enum inv_kind	 kind;
	const char	*stack;		/* project / stack namespace or NULL */
	const char	*service;	/* compose / swarm service or NULL */
	const json_t	*labels;	/* object, never NULL */
};

struct inv_image {
	const char	*id;
	const json_t	*repo_digests;	/* array of "name@sha256:..." */
};

struct inventory {
	struct inv_container	*containers;
	size_t			 ncontainers;
	struct inv_image	*images;
	size_t			 nimages;
	json_t			*json_labels;		/* owns the labels */
	json_t			*json_images;
	json_t			*json_info;		/* engine /info */
	char			**owned;		/* the strings */
	size_t			 nowned, owned_cap;
};

/*
 * Reads containers (running only unless all) and images.  Strings in the
 * result are owned by it and live until inventory_free.  Containers are
 * sorted by stack, service and name.
 */
enum dr_err	inventory_load(struct docker *, bool all,
		    struct inventory **ret, struct dr_error *reterr);
/* Which containers a filtered load needs the images of (NULL fields:
 * any). */
struct inventory_filter {
	const char	*name;		/* see inventory_matches */
	const char	*stack;		/* Compose project or Swarm stack */
};
/* inventory_load, with the images of the containers f wants only; all
 * containers are still listed. */
enum dr_err	inventory_load_filtered(struct docker *, bool all,
		    const struct inventory_filter *f, struct inventory **ret,
		    struct dr_error *reterr);
void		inventory_free(struct inventory *);
/* The image with this ID, or NULL. */
const struct inv_image *inventory_image(const struct inventory *,
		    const char *id);
/* True when name designates c: its name, or "STACK/SERVICE" of the
 * Compose or Swarm service it belongs to. */
bool		inventory_matches(const struct inv_container *c,
		    const char *name);
/* The label's value or NULL. */
const char	*inventory_label(const struct inv_container *, const char *key);

#endif
