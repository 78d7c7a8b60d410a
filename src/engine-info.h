/*
 * engine-info: the parts of the engine's /info and /version that Dockrev
 * reads (platform, registry mirrors and insecure registries), remembered
 * in the state directory for as long as they cannot have changed.
 *
 * Both answers are slow engine-side (the daemon runs runc and containerd
 * to fill them: 20-60 ms on a small host), and what Dockrev takes from
 * them changes only when dockerd restarts or re-reads its configuration
 * file (SIGHUP).  So the cache is keyed on the identity of the dockerd
 * process (pid and start time, through the socket's peer credentials) and
 * of its configuration file (path from its command line; inode, size,
 * mtime), plus the negotiated API version.  Without a visible local
 * dockerd as the socket's peer (tcp, a proxy, another pid namespace,
 * another engine) nothing is cached.
 */
#ifndef ENGINE_INFO_H
#define ENGINE_INFO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct docker;

/*
 * The identity of the engine instance behind d, into buf; false when it
 * cannot be known (then nothing may be cached).
 */
bool	engine_info_ident(struct docker *d, char *buf, size_t bufsz);

/*
 * The cached /info subset for ident from path, and the cached /version
 * told to d (docker_version_learn); NULL on a miss or any doubt.
 */
json_t	*engine_info_load(struct docker *d, const char *path,
	    const char *ident);

/* Remembers the /info and /version answers for ident at path (atomic,
 * mode 0600); failures are ignored (the cache is an optimisation). */
void	engine_info_save(const char *path, const char *ident,
	    const json_t *info, const json_t *version);

#endif
