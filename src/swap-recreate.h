/*
 * swap-recreate: the Watchtower-style swap of one standalone container for
 * a new one with the same name and the old one's full configuration (with
 * a new image, minus the old image's defaults so the new image's apply).
 * Invariant: everything the swap and its undo need is computed from the
 * full inspect into a plan before anything changes, so no step relies on
 * the old container still existing (AutoRemove containers vanish on stop).
 *
 * The steps are idempotent: each first looks at what Docker shows and does
 * only what is still missing, so a job engine journals the plan and each
 * step before running it, and after a crash re-runs the unfinished step.
 * The new container is found by the plan's name and the new image id, the
 * old one by its id.  Recommended order (what the test tool does):
 *
 *   recreate_rename_old      old keeps running under the parked name
 *   recreate_create_new      created, not started; holds the old one's
 *                            anonymous volumes by name from now on
 *   recreate_connect_networks
 *   recreate_stop_old        the only downtime is from here ...
 *   recreate_start_new       ... to here (when the old one was running)
 *   recreate_remove_old      only once the job commits
 *
 * Creating before stopping means a bad configuration fails while the old
 * container still serves, and an AutoRemove container's anonymous volumes
 * are in use by the new container when the daemon deletes the old one, so
 * they survive.  Stopping first (Watchtower's order) works too, except for
 * AutoRemove containers with anonymous volumes.  On any failure before the
 * commit, recreate_undo puts the old container back.
 */
#ifndef SWAP_RECREATE_H
#define SWAP_RECREATE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "docker-client.h"
#include "err.h"

#define RECREATE_PLAN_VERSION	1
#define RECREATE_PARK_SUFFIX	"-dockrev-old-"	/* name + this + short id */
#define RECREATE_STOP_DEFAULT	10	/* s, the daemon's default */
#define RECREATE_STOP_MAX	86400	/* s, longest StopTimeout we honour */

struct recreate_plan;

/*
 * The recorded engine answers a plan is computed from; all borrowed for
 * the call.  The images are GET /images/{id}/json answers.
 */
struct recreate_input {
	const json_t	*inspect;	/* GET /containers/{id}/json */
	const json_t	*old_image;	/* the image inspect.Image names */
	const json_t	*new_image;	/* the image `image` resolves to */
	const char	*image;		/* ref for the new container; NULL =
					   the old Config.Image */
	const char	*api;		/* negotiated API version, "1.41" */
	const char	*host_name;	/* daemon's /info Name, or NULL */
	const json_t	*volumes_from;	/* array of the inspects of the
					   HostConfig.VolumesFrom containers,
					   or NULL when it has none */
};

/*
 * Inspects container (name or id), its image and the image `image`
 * resolves to (NULL: the container's own Config.Image, which may have
 * moved to a newly pulled image), and computes the plan.  The new image
 * must be present locally: DR_ENOTFOUND otherwise (pulling is not done
 * here).  DR_ENOTFOUND for no such container.  The caller frees the plan.
 */
enum dr_err	recreate_plan_new(struct docker *, const char *container,
		    const char *image, struct recreate_plan **ret,
		    struct dr_error *reterr);
/*
 * The pure part of recreate_plan_new: no engine involved.  DR_EPROTO when
 * the inspect lacks what a plan needs.
 */
enum dr_err	recreate_plan_compute(const struct recreate_input *,
		    struct recreate_plan **ret, struct dr_error *reterr);
void		recreate_plan_free(struct recreate_plan *);

/* The plan as JSON (a new reference) for a journal, and back. */
json_t		*recreate_plan_to_json(const struct recreate_plan *);
enum dr_err	recreate_plan_from_json(const json_t *,
		    struct recreate_plan **ret, struct dr_error *reterr);

/* Accessors; strings are borrowed until the plan is freed or changed. */
const char	*recreate_plan_name(const struct recreate_plan *);
const char	*recreate_plan_old_id(const struct recreate_plan *);
/* Where the old container is parked: NAME-dockrev-old-SHORTID. */
const char	*recreate_plan_parked_name(const struct recreate_plan *);
const char	*recreate_plan_old_image_id(const struct recreate_plan *);
const char	*recreate_plan_image(const struct recreate_plan *);
const char	*recreate_plan_new_image_id(const struct recreate_plan *);
/* Whether the old one was running (or restarting or paused) when planned;
   the engine starts the new one only then. */
bool		recreate_plan_was_running(const struct recreate_plan *);
bool		recreate_plan_auto_remove(const struct recreate_plan *);
/* The old container's own StopTimeout in seconds (10 when unset, a day
   for a negative one: wait for ever). */
int		recreate_plan_stop_timeout(const struct recreate_plan *);
/* POST /containers/create body for the new container (borrowed). */
const json_t	*recreate_plan_create_body(const struct recreate_plan *);
/* Create body with the old configuration as it was (old image reference;
   the old image id when that reference has moved on), used by
   recreate_undo when the old container is gone (AutoRemove). */
const json_t	*recreate_plan_restore_body(const struct recreate_plan *);
/* The networks connected after create: an array of {"Name": net,
   "EndpointConfig": {Aliases, IPAMConfig, Links, DriverOpts, MacAddress}}
   (borrowed). */
const json_t	*recreate_plan_networks(const struct recreate_plan *);

/*
 * Points the plan's `container:OLD` NetworkMode, IpcMode and PidMode at
 * container new_id instead (a dependent of a container that was itself
 * recreated).  Returns how many modes changed.
 */
int		recreate_plan_retarget(struct recreate_plan *,
		    const char *old_id, const char *new_id);

/*
 * The ids of the containers that depend on container id (name or id): a
 * NetworkMode, IpcMode or PidMode of container:<it>, or a legacy link to
 * it.  The engine plans them before swapping the container (renaming it
 * rewrites links), recreates them after it (retargeting their plans at the
 * new id), and removes the old container last.  *ret is a NULL-terminated
 * array the caller frees with recreate_ids_free; *ret_n its length.
 */
enum dr_err	recreate_find_dependents(struct docker *, const char *id,
		    char ***ret, size_t *ret_n, struct dr_error *reterr);
void		recreate_ids_free(char **);

/*
 * The steps.  Each returns DR_OK when Docker shows the step's outcome
 * (already or now), and may be re-run at any time.
 *
 * recreate_stop_old: stops the old container by id with its own
 * StopSignal and StopTimeout (the daemon's `docker stop`); a vanished
 * (AutoRemove) container counts as stopped.  The call's own timeout is
 * the StopTimeout plus a margin, so it never gives up while the daemon
 * still waits for the process; after any error the state is read again,
 * and a container still running then is killed.
 */
enum dr_err	recreate_stop_old(struct docker *, const struct recreate_plan *,
		    struct dr_error *reterr);
/* Renames the old container (running or not) to the parked name.  Gone
   counts as done. */
enum dr_err	recreate_rename_old(struct docker *,
		    const struct recreate_plan *, struct dr_error *reterr);
/*
 * Creates the new container under the plan's name (the old one must be
 * parked).  A container of that name on the plan's new image that is not
 * the old one is reused.  DR_ECONFLICT when the name is held by the old
 * container or by a container on another image.  *ret_id (optional) gets
 * the new id, to be freed.
 */
enum dr_err	recreate_create_new(struct docker *,
		    const struct recreate_plan *, char **ret_id,
		    struct dr_error *reterr);
/* Connects the new container to the plan's other networks it is not on. */
enum dr_err	recreate_connect_networks(struct docker *,
		    const struct recreate_plan *, struct dr_error *reterr);
/* Starts the new container unless it runs. */
enum dr_err	recreate_start_new(struct docker *,
		    const struct recreate_plan *, struct dr_error *reterr);
/*
 * Removes the parked old container (never its volumes).  Gone counts as
 * done; DR_ECONFLICT when it runs or holds the plan's name again (undone).
 */
enum dr_err	recreate_remove_old(struct docker *,
		    const struct recreate_plan *, struct dr_error *reterr);
/*
 * Undoes every step but remove_old: removes the new container (not its
 * volumes, which include the old one's anonymous volumes), renames the old
 * one back and starts it if it was running.  When the old container is
 * gone (AutoRemove), creates it again from the restore body on the old
 * image id.  DR_ECONFLICT when the name is held by a container that is
 * neither.
 */
enum dr_err	recreate_undo(struct docker *, const struct recreate_plan *,
		    struct dr_error *reterr);

#endif
