/*
 * jsonx: see jsonx.h.
 */
#include "jsonx.h"

#include "xmalloc.h"

json_t *
jsonx_str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

bool
jsonx_get_str(const json_t *o, const char *key, bool required, char **ret)
{
	const json_t	*v = json_object_get(o, key);

	*ret = NULL;
	if (v == NULL || json_is_null(v))
		return !required;
	if (!json_is_string(v))
		return false;
	*ret = xstrdup(json_string_value(v));
	return true;
}
