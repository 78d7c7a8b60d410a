/*
 * swap-recreate-int: what the two halves of the recreate swap share and
 * nobody else may use: the layout of struct recreate_plan and two small
 * JSON helpers.  swap-recreate-plan.c (the pure plan) and swap-recreate.c
 * (the engine steps) include it; nothing outside them does.
 */
#ifndef SWAP_RECREATE_INT_H
#define SWAP_RECREATE_INT_H

#include <stdbool.h>

#include <jansson.h>

#include "swap-recreate.h"

#define RECREATE_NAME_MAX	256	/* container names we accept */

struct recreate_plan {
	char	*name;		/* without the leading '/' */
	char	*old_id;
	char	*parked;
	char	*old_image_id;
	char	*image;
	char	*new_image_id;
	char	*api;		/* the bodies are shaped for this version */
	char	*stop_signal;	/* the old one's StopSignal, or NULL (kept
				   for the journal's reader) */
	int	 stop_timeout;
	bool	 was_running;
	bool	 auto_remove;
	json_t	*create;
	json_t	*restore;
	json_t	*networks;
};

/* The string member key of o, or NULL (also when o is NULL); borrowed. */
const char	*recreate_jstr(const json_t *o, const char *key);
/* A new copy of s, or NULL when s is NULL. */
char		*recreate_dup(const char *s);

#endif
