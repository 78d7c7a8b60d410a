/*
 * version: version-like image tags and the choice of update candidates.
 * A tag is a version when it is [prefix]N[.N[.N[.N]]][-suffix] with prefix
 * "v" or empty and 1-4 numeric segments.  The suffix is either a
 * pre-release ("rc1", "beta.2", "alpha") or a flavor ("alpine", "slim",
 * "ls45", "alpine3.19"); a flavor's trailing build number (ls45 -> "ls" +
 * 45) is kept apart so "1.2-ls45" -> "1.3-ls50" is the same flavor.
 * Date-like tags (20240101, 2024.01.01 with a >= 4-digit first segment of
 * 4+ digits over 1000) and words (latest, main, stable) are not versions.
 */
#ifndef VERSION_H
#define VERSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "span.h"

#define VERSION_SEG_MAX		4
#define VERSION_TEXT_MAX	128

enum version_kind {
	VERSION_MAJOR,
	VERSION_MINOR,
	VERSION_PATCH,
};

struct version {
	char		prefix[2];		/* "v" or "" */
	int		nseg;			/* 1..VERSION_SEG_MAX */
	uint64_t	seg[VERSION_SEG_MAX];
	bool		prerelease;		/* suffix is rc/beta/alpha/... */
	char		pre[VERSION_TEXT_MAX];	/* pre-release label, "" if none */
	uint64_t	pre_num;		/* rc2 -> 2; 0 when none */
	char		flavor[VERSION_TEXT_MAX];	/* "alpine", "ls", "" */
	bool		has_build;		/* flavor had a trailing number */
	uint64_t	build;			/* ls45 -> 45 */
};

/* Parses tag into *ret; false when the tag is not a version. */
bool	version_parse(struct span tag, struct version *ret);

/*
 * Orders two versions of the same prefix and flavor: by numeric segments
 * (missing segments count as 0 ... but see version_newer), then a release
 * above its pre-releases, then pre-release label and number, then build.
 * Returns <0, 0, >0.
 */
int	version_cmp(const struct version *, const struct version *);

/*
 * Is cand an update of cur?  True when both have the same prefix and
 * flavor, cand is not a pre-release unless cur is, and cand is newer on
 * the segments both have: 5.2 -> 5.3 and 5.2 -> 6 yes; 5.2 -> 5.2.1 no (the
 * tag 5.2 already follows 5.2.x); 5.2.1 -> 5.3 yes.  With equal segments,
 * a higher build number (ls45 -> ls46) or a release after its pre-release
 * (5.3-rc1 -> 5.3) is newer.  On true, *ret_kind says which segment moved
 * first (0 major, 1 minor, >= 2 patch; build-only changes are patch) and
 * *ret_same_level whether cand has cur's precision (same nseg).
 */
bool	version_newer(const struct version *cur, const struct version *cand,
	    enum version_kind *ret_kind, bool *ret_same_level);

const char *version_kind_name(enum version_kind);

/*
 * Picks the candidates to propose from a tag list: among the tags newer
 * than cur, the highest of each kind (major, minor, patch) and the highest
 * same-level one of each kind when it differs.  Writes indexes into tags[]
 * to ret_idx (room for max entries), highest version first, and returns how
 * many.  Tags that are not versions are ignored.
 */
size_t	version_pick(const struct version *cur, const struct span *tags,
	    size_t ntags, size_t *ret_idx, size_t max);

#endif
