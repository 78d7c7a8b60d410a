/*
 * platform: OCI platforms (os/arch/variant) and their normalisation as
 * containerd does it.  All fields are lowercased; then x86_64/x86-64 ->
 * amd64 (amd64/v1 -> amd64), i386/i486/i586/i686 -> 386, aarch64 -> arm64
 * (arm64 variants 8/v8.0 -> v8, 9/9.0/v9.0 -> v9), armhf -> arm/v7, armel ->
 * arm/v6, arm with no variant -> arm/v7 (5/6/7/8 -> v5..v8), macos ->
 * darwin.  arm64 keeps an empty variant, but matches as arm64/v8.
 * Fields may only hold [A-Za-z0-9._-] (stored lowercase).
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
 * False (and ret zeroed) when os or arch is empty, a field is
 * PLATFORM_FIELD_MAX bytes or longer, or holds another character. */
bool	platform_set(struct platform *ret, struct span os, struct span arch,
	    struct span variant);
/* Parses "os/arch[/variant]"; false when malformed (missing or empty
 * parts, a trailing "/", more than three parts, or as platform_set). */
bool	platform_parse(struct span s, struct platform *ret);
/* True when an image built for `image` runs on `host` (both normalised):
 * same os and arch, and same variant, where arm64 "" == "v8". */
bool	platform_match(const struct platform *host,
	    const struct platform *image);
/* Appends "os/arch[/variant]". */
void	platform_format(const struct platform *, struct buf *);

#endif
