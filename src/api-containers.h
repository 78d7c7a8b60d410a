/*
 * api-containers: the container endpoints of docs/api.md (watch-docker
 * compatible): list, update one or many (jobs), start, stop, delete.
 * Docker is reached through trigger.h only.
 */
#ifndef API_CONTAINERS_H
#define API_CONTAINERS_H

#include "http.h"

#define API_CONTAINERS_BATCH_MAX	256

struct http_resp	*api_containers_list(struct http_req *);
struct http_resp	*api_containers_update(struct http_req *);
struct http_resp	*api_containers_update_many(struct http_req *);
struct http_resp	*api_containers_start(struct http_req *);
struct http_resp	*api_containers_stop(struct http_req *);
struct http_resp	*api_containers_delete(struct http_req *);

#endif
