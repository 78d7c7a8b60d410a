/*
 * api-settings: GET and PUT /api/v1/settings (concurrency, schedules),
 * through trigger.h.
 */
#ifndef API_SETTINGS_H
#define API_SETTINGS_H

#include "http.h"

struct http_resp	*api_settings_get(struct http_req *);
struct http_resp	*api_settings_put(struct http_req *);

#endif
