/*
 * job-swarm: the pure half of the Swarm swap (job_run_swarm_update() in
 * job.h is the journaled half).  Reads the parts of a service and of its
 * tasks the swap needs, rewrites a service spec with only its image
 * changed, and validates the names that reach Engine API paths.  Nothing
 * here talks to Docker; every function takes the engine's JSON as read.
 */
#ifndef JOB_SWARM_H
#define JOB_SWARM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define JOB_SWARM_NAME_MAX	63	/* Swarm's limit on service names */
#define JOB_SWARM_ID_MAX	64

/* UpdateStatus.State of a service, as Swarm reports it. */
enum job_swarm_state {
	JOB_SWARM_NONE,			/* no UpdateStatus: none ran yet */
	JOB_SWARM_UPDATING,
	JOB_SWARM_PAUSED,
	JOB_SWARM_COMPLETED,
	JOB_SWARM_ROLLBACK_STARTED,
	JOB_SWARM_ROLLBACK_PAUSED,
	JOB_SWARM_ROLLBACK_COMPLETED,
	JOB_SWARM_UNKNOWN,		/* a state this code does not know */
};

/* The service's UpdateStatus.State (service: GET /services/{id}). */
enum job_swarm_state job_swarm_update_state(const json_t *service);
/* The state's name as Swarm spells it ("none", "unknown" for those two). */
const char	*job_swarm_state_name(enum job_swarm_state);
/* UpdateStatus.Message, or "" (borrowed from service). */
const char	*job_swarm_update_message(const json_t *service);

/*
 * True for a Swarm service name: 1..JOB_SWARM_NAME_MAX bytes of
 * [A-Za-z0-9_.-], starting with a letter or digit.  Stack namespaces
 * follow the same rule.
 */
bool		 job_swarm_valid_name(const char *);
/* True for an object ID: 1..JOB_SWARM_ID_MAX bytes of [a-z0-9]. */
bool		 job_swarm_valid_id(const char *);

/* Spec.TaskTemplate.ContainerSpec.Image, or NULL (borrowed). */
const char	*job_swarm_spec_image(const json_t *service);
/* Version.Index, or -1 when absent. */
int64_t		 job_swarm_version(const json_t *service);
/* Spec.Mode.Replicated.Replicas; -1 for a global service or none. */
long		 job_swarm_replicas(const json_t *service);
/* Spec.UpdateConfig.Monitor in ms (Swarm's default, 5 s, when unset). */
long		 job_swarm_monitor_ms(const json_t *service);

/*
 * A deep copy of the service's Spec with TaskTemplate.ContainerSpec.Image
 * set to image and nothing else changed (the caller owns it).  NULL with
 * DR_EUNSUPPORTED when the service runs no container (a plugin service).
 */
json_t		*job_swarm_spec_with_image(const json_t *service,
		    const char *image, struct dr_error *reterr);

/*
 * Appends "domain/path:tag@digest" to ret: image (any reference with a
 * tag) pinned to digest.  DR_EINVAL for a reference that does not parse,
 * has no tag, or a digest that is not one.
 */
enum dr_err	 job_swarm_pin(const char *image, const char *digest,
		    struct buf *ret, struct dr_error *reterr);
/* The digest of a pinned reference, or NULL (borrowed from image). */
const char	*job_swarm_digest_of(const char *image);

/*
 * From GET /tasks?filters={"service":[id],"desired-state":["running"]}:
 * true when every task Swarm wants running runs image (its spec says so
 * and its state is running with a container) and there are at least
 * min_tasks of them.  The container IDs of those tasks are appended to
 * *ret_ids (a JSON array the caller owns) when ret_ids is not NULL.
 */
bool		 job_swarm_converged(const json_t *tasks, const char *image,
		    size_t min_tasks, json_t *ret_ids);

#endif
