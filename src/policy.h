/*
 * policy: which containers to check and which tags may be proposed, from
 * labels.  Dockrev's own labels and those of the tools users come from:
 *   dockrev.enable=false, com.centurylinklabs.watchtower.enable=false,
 *   wud.watch=false, diun.enable=false        -> skip the container
 *   any of those =true                          -> enabled (what opt-in
 *                                                 mode, --label-enable, wants)
 *   dockrev.tag.include / wud.tag.include      -> PCRE2 a tag must match
 *   dockrev.tag.exclude / wud.tag.exclude      -> PCRE2 a tag must not match
 *   dockrev.watch.digest / wud.watch.digest=true -> also watch the digest
 *                                                 of a version tag
 */
#ifndef POLICY_H
#define POLICY_H

#include <jansson.h>
#include <stdbool.h>

#include "err.h"
#include "span.h"

#define POLICY_REASON_MAX	256

struct policy;

/*
 * Reads the policy of a container from its labels.  Returns DR_OK with
 * *ret set (free with policy_free), or DR_EINVAL when a tag regex does not
 * compile (the message names the label).
 */
enum dr_err	policy_from_labels(const json_t *labels, struct policy **ret,
		    struct dr_error *reterr);
void		policy_free(struct policy *);
/* True when the container must be skipped; *ret_reason says why
 * (borrowed from the policy). */
bool		policy_skip(const struct policy *, const char **ret_reason);
/* True when an enable label says "true" (and none says "false"). */
bool		policy_enabled(const struct policy *);
/* True when tag passes the include and exclude filters. */
bool		policy_tag_allowed(const struct policy *, struct span tag);
/* True when the digest of a version tag is to be watched as well. */
bool		policy_watch_digest(const struct policy *);
/* A key that is equal for two policies with the same tag filters. */
const char	*policy_filter_key(const struct policy *);

#endif
