/*
 * jsonx: two jansson helpers shared by the modules that read and write
 * their own JSON documents (detect, catalog).
 */
#ifndef JSONX_H
#define JSONX_H

#include <stdbool.h>

#include <jansson.h>

/* A new string, or a JSON null when s is NULL. */
json_t	*jsonx_str_or_null(const char *s);
/*
 * The string member key of o, copied into *ret: true when it is a string,
 * or when it is absent or null and not required (*ret NULL); false (and
 * *ret NULL) otherwise.
 */
bool	 jsonx_get_str(const json_t *o, const char *key, bool required,
	    char **ret);

#endif
