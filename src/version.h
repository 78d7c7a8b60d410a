/*
 * version: version-like image tags and the choice of update candidates.
 * A tag is a version when it is
 *	["v"] N ["." N]{0,3} ["-" suffix]
 * (1-4 decimal segments, each fitting uint64_t, leading zeros allowed so
 * "22.04" is 22.4) and the whole tag is at most VERSION_TEXT_MAX bytes.
 * The suffix is either
 *  - a pre-release: a label alpha, beta, rc, pre, preview, dev, snapshot,
 *    canary or nightly (any case, stored lowercase) directly after the "-",
 *    an optional number ("rc1", "rc.1", "rc-1", "beta"), then optionally
 *    "-" and a flavor ("5.3-rc1-alpine"); anything else after the label
 *    ("rc1.2") makes the tag not a version;
 *  - or a flavor ("alpine", "slim", "alpine3.19", "debian-12-r5"): a letter
 *    then [A-Za-z0-9_.-]*, ending in a letter or digit.  When its last
 *    "-"-separated word is a build marker ("ls", "r" or "build") followed
 *    by digits, those digits are the build number and the flavor keeps the
 *    marker: "ls45" -> "ls" + 45, "debian-12-r5" -> "debian-12-r" + 5.  A
 *    suffix of digits only ("1.2.3-4") is a build number with no flavor.
 * Not versions: words (latest, main, stable), anything else after the
 * numbers ("1.2.3a", "5.3rc1"), 5+ segments, numbers over uint64_t, and
 * date-like tags, i.e. any tag whose first segment is >= 1000 (20240101,
 * 2024.01.02, and so also calendar versions such as 2024.1.5).
 */
#ifndef VERSION_H
#define VERSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
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
 * (missing segments count as 0, so 5.2 and 5.2.0 differ only in the last
 * tie-break; see version_newer), then a release above its pre-releases,
 * then pre-release label (nightly < dev = snapshot < canary < alpha < beta
 * < pre = preview < rc, ties by name) and number, then build number.  The
 * remaining ties are broken by segment count (fewer first), prefix and
 * flavor, so the order is total: 0 only when all fields are equal.
 * Returns -1, 0 or 1.
 */
int	version_cmp(const struct version *, const struct version *);

/*
 * Is cand an update of cur?  True when both have the same prefix, flavor
 * and presence of a build number, cand is not a pre-release unless cur is,
 * and cand is newer on the segments both have: 5.2 -> 5.3 and 5.2 -> 6
 * yes; 5.2 -> 5.2.1 no (the tag 5.2 already follows 5.2.x); 5.2.1 -> 5.3
 * yes.  With equal segments and the same segment count, a higher build
 * number (ls45 -> ls46), a later pre-release (rc1 -> rc2) or a release
 * after its pre-release (5.3-rc1 -> 5.3) is newer.  On true, *ret_kind
 * says which segment moved first (major, minor, patch for the 3rd and 4th;
 * build and pre-release-only changes are patch) and *ret_same_level
 * whether cand has cur's precision (same nseg).  Either out-parameter may
 * be NULL.
 */
bool	version_newer(const struct version *cur, const struct version *cand,
	    enum version_kind *ret_kind, bool *ret_same_level);

/* Appends the canonical text of v ("v1.2.3-rc1-alpine"): numbers without
 * leading zeros, the pre-release label lowercase and directly followed by
 * its number (omitted when 0).  It is never longer than the tag v was
 * parsed from, and version_parse() of it gives back the same fields. */
void	version_format(const struct version *v, struct buf *);

const char *version_kind_name(enum version_kind);
/* The kind named s ("major", "minor", "patch"); false when none. */
bool	version_kind_parse(const char *s, enum version_kind *ret);

/*
 * Picks the candidates to propose from a tag list: among the tags newer
 * than cur, the highest of each kind (major, minor, patch) and the highest
 * same-level one of each kind when it differs.  Writes indexes into tags[]
 * to ret_idx (room for max entries), highest version first, and returns how
 * many (at most 6, then at most max).  Tags that are not versions are
 * ignored; among tags that compare equal the first one listed wins.
 */
size_t	version_pick(const struct version *cur, const struct span *tags,
	    size_t ntags, size_t *ret_idx, size_t max);

#endif
