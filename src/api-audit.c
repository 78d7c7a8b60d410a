/*
 * api-audit: the audit export over HTTP, docs/api.md's field names.
 */
#include "api-audit.h"

#include <stdint.h>

#include "api-jobs.h"
#include "serve.h"
#include "store-audit.h"

struct http_resp *
api_audit_list(struct http_req *req)
{
	struct store_audit_filter	 f = { 0 };
	struct store_audit_list		 l;
	struct http_resp		*resp = NULL;
	struct dr_error			 e;
	struct store			*st;
	json_t				*a, *x, *o;
	int64_t				 since, until, limit, before;
	size_t				 i;

	if (!api_query_int(req, "since", 0, INT64_MAX, 0, &since, &resp) ||
	    !api_query_int(req, "until", 0, INT64_MAX, 0, &until, &resp) ||
	    !api_query_int(req, "before", 0, INT64_MAX, 0, &before, &resp) ||
	    !api_query_int(req, "limit", 1, STORE_AUDIT_PAGE_MAX,
	    STORE_AUDIT_PAGE_DEFAULT, &limit, &resp))
		return resp;
	if ((st = serve_store(req->srv, &e)) == NULL)
		return api_resp_err(&e);
	f.since_ms = since;
	f.until_ms = until;
	f.before_id = before;
	f.limit = (size_t)limit;
	if (store_audit_list(st, &f, &l, &e) != DR_OK)
		return api_resp_err(&e);
	a = json_array();
	for (i = 0; i < l.n; i++) {
		o = store_audit_entry_json(&l.entries[i]);
		/* docs/api.md calls it trigger_source. */
		if ((x = json_object_get(o, "trigger")) != NULL) {
			json_object_set(o, "trigger_source", x);
			json_object_del(o, "trigger");
		}
		json_array_append_new(a, o);
	}
	resp = http_resp_json(200, json_pack("{s:o, s:o}", "entries", a,
	    "next", l.more ? json_integer(l.next_before) : json_null()));
	store_audit_list_done(&l);
	return resp;
}
