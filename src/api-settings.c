/*
 * api-settings: the system settings over HTTP; a change is audited.
 */
#include "api-settings.h"

#include "api-jobs.h"
#include "trigger.h"

struct http_resp *
api_settings_get(struct http_req *req)
{
	return http_resp_json(200, trigger_settings(req->srv));
}

struct http_resp *
api_settings_put(struct http_req *req)
{
	struct trigger_who	 who = { STORE_TRIGGER_API, req->user,
				    req->peer };
	struct http_resp	*resp = NULL;
	struct dr_error		 e;
	json_t			*body;
	enum dr_err		 err;

	if ((body = http_req_json(req, &resp)) == NULL)
		return resp;
	err = trigger_settings_put(req->srv, body, &e);
	trigger_audit(req->srv, &who, "settings", NULL, body, err == DR_OK,
	    false, err == DR_OK ? "settings changed" : e.msg, 0);
	json_decref(body);
	if (err != DR_OK)
		return api_resp_err(&e);
	return http_resp_json(200, trigger_settings(req->srv));
}
