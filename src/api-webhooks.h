/*
 * api-webhooks: webhook management (list, create, delete), deliveries
 * (POST /hooks/{id} signed, POST /hooks/t/{token}) and the Watchtower
 * compatible POST /v1/update, through trigger-hook.h and trigger.h.
 */
#ifndef API_WEBHOOKS_H
#define API_WEBHOOKS_H

#include "http.h"

struct http_resp	*api_webhooks_list(struct http_req *);
struct http_resp	*api_webhooks_create(struct http_req *);
struct http_resp	*api_webhooks_delete(struct http_req *);
struct http_resp	*api_webhooks_deliver(struct http_req *);
struct http_resp	*api_webhooks_deliver_token(struct http_req *);
struct http_resp	*api_webhooks_watchtower(struct http_req *);

#endif
