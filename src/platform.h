/*
 * platform: OCI platforms (os/arch/variant) and their normalisation as
 * containerd does it: x86_64 -> amd64, aarch64 -> arm64, arm64 with no
 * variant == arm64/v8, armhf/armel/arm with no variant -> arm/v7, i386 ->
 * 386.  Strings are lowercase.
 */
#ifndef PLATFORM_H
#define PLATFORM_H

#include <stdbool.h>

#include "buf.h"
#include "span.h"

#define PLATFORM_FIELD_MAX	32

struct platform {
	char	os[PLATFORM_FIELD_MAX];		/* "linux" */
	char	arch[PLATFORM_FIELD_MAX];	/* "amd64" */
	char	variant[PLATFORM_FIELD_MAX];	/* "v8", "" when none */
};

/* Fills ret from separate fields (variant may be empty), normalised.
 * False when os or arch is empty or a field is too long. */
bool	platform_set(struct platform *ret, struct span os, struct span arch,
	    struct span variant);
/* Parses "os/arch[/variant]"; false when malformed. */
bool	platform_parse(struct span s, struct platform *ret);
/* True when an image built for `image` runs on `host` (both normalised):
 * same os and arch, and same variant, where arm64 "" == "v8". */
bool	platform_match(const struct platform *host,
	    const struct platform *image);
/* Appends "os/arch[/variant]". */
void	platform_format(const struct platform *, struct buf *);

#endif
