/*
 * detect: the read-only half of Dockrev.  Reads the engine's inventory,
 * asks the registries (in a few concurrent rounds, each distinct
 * repository:tag once) and decides for every container whether its image
 * is up to date, has an update (same tag moved, or newer version tags that
 * run on this host), is skipped by policy, or could not be checked.
 * Detect never changes the host.
 */
#ifndef DETECT_H
#define DETECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "docker-client.h"
#include "err.h"
#include "inventory.h"
#include "platform.h"
#include "version.h"

#define DETECT_CANDIDATES_MAX	6
#define DETECT_PLATFORMS_MAX	64	/* in a candidate read back from JSON */

enum detect_status {
	DETECT_UP_TO_DATE,
	DETECT_UPDATE_AVAILABLE,
	DETECT_SKIPPED,
	DETECT_ERROR,
};

enum detect_arch {
	DETECT_ARCH_UNKNOWN = -1,
	DETECT_ARCH_MISMATCH = 0,
	DETECT_ARCH_MATCH = 1,
};

struct detect_candidate {
	char			*tag;
	char			*digest;	/* NULL when it could not be read */
	enum version_kind	 kind;
	bool			 same_level;
	enum detect_arch	 arch;
	/* The platforms the candidate is built for, "os/arch[/variant]"
	 * joined by ",", in the manifest's order (attestations left out);
	 * NULL when unknown (the manifest or its config was not read). */
	char			*platforms;
};

/* A candidate an ignore rule hid (see detect_ignore). */
struct detect_ignored {
	struct detect_candidate	 cand;
	int64_t			 rule_id;
	char			*rule_kind;	/* API name: "semver", ... */
	char			*rule_value;
	char			*reason;	/* the rule's, or generated */
};

struct detect_item {
	const struct inv_container *c;		/* borrowed from inventory */
	enum detect_status	 status;
	char			*reason;	/* NULL when none */
	char			*current_digest;
	char			*remote_digest;
	struct detect_candidate	 cands[DETECT_CANDIDATES_MAX];
	size_t			 ncands;
	/* The same tag moved (the candidates aside): status stays
	 * update_available whatever rules hide. */
	bool			 moved;
	struct detect_ignored	 ignored[DETECT_CANDIDATES_MAX];
	size_t			 nignored;
};

struct detect_opts {
	bool		 all;		/* stopped containers too */
	const char	*docker_config;	/* config.json path; NULL: default */
	/* Check only this container (a name or "STACK/SERVICE"), only the
	 * containers of this stack; NULL: all. */
	const char	*only;
	const char	*only_stack;
	/* Opt-in mode (Watchtower's --label-enable, WUD's watchbydefault
	 * =false): containers without an enable label set to true are
	 * skipped. */
	bool		 label_enable;	/* see detect_label_enable_env() */
	/* Called at the start of each round, for a progress indicator. */
	void		(*progress)(const char *what, void *arg);
	void		*progress_arg;
};

struct detect_result {
	struct platform		 host;
	struct inventory	*inv;
	struct detect_item	*items;
	size_t			 nitems;
	unsigned		 images;	/* distinct references checked */
	unsigned		 registry_requests;
	long			 ratelimit_remaining;	/* -1 unknown */
	long			 ratelimit_limit;	/* -1 unknown */
	long			 duration_ms;
};

/*
 * Runs a check against the engine d.  Per-item failures (registry down,
 * 401, bad manifest) are item errors; only failures to talk to the engine
 * or to read the docker config fail the whole call.
 */
/* True when DOCKREV_LABEL_ENABLE (or Watchtower's WATCHTOWER_LABEL_ENABLE)
 * is "true" or "1": the default of detect_opts.label_enable. */
bool		detect_label_enable_env(void);

enum dr_err	detect_run(struct docker *d, const struct detect_opts *,
		    struct detect_result **ret, struct dr_error *reterr);
void		detect_result_free(struct detect_result *);
const char	*detect_status_name(enum detect_status);
/*
 * Moves candidate k of it to its ignored list with the rule that hid it
 * (strings copied; reason NULL: none) and recomputes it->status.
 */
void		detect_ignore(struct detect_item *it, size_t k, int64_t rule_id,
		    const char *rule_kind, const char *rule_value,
		    const char *reason);
/*
 * The status of an item from its visible candidates: update_available
 * when the tag moved or one of them runs here, else up_to_date; skipped
 * and error stay.
 */
enum detect_status detect_restatus(enum detect_status cur, bool moved,
		    const struct detect_candidate *cands, size_t n);
/*
 * What `dockrev update` takes without --to among cands[0..n): the
 * highest same-level minor candidate, else the highest same-level patch
 * one, that runs on this host (or any arch when allow_mismatch); never a
 * major jump.  Its index, or -1 when none.
 */
ssize_t		detect_best(const struct detect_candidate *cands, size_t n,
		    bool allow_mismatch);
/* Deep copy and release of a candidate. */
void		 detect_cand_copy(struct detect_candidate *dst,
		    const struct detect_candidate *src);
void		 detect_cand_clear(struct detect_candidate *);
/* A candidate as JSON: {tag, digest, kind, same_level, arch_match,
 * platforms} (docs/check-json.md). */
json_t		*detect_cand_json(const struct detect_candidate *);
/* Parses what detect_cand_json wrote into ret (zeroed first; cleared on
 * failure); a missing "platforms" is unknown.  DR_EINVAL when malformed. */
enum dr_err	 detect_cand_from_json(const json_t *,
		    struct detect_candidate *ret, struct dr_error *reterr);
/* The result in the documented JSON shape (docs/check-json.md). */
json_t		*detect_result_json(const struct detect_result *);

#endif
