/*
 * api-audit: GET /api/v1/audit, the audit entries as JSON (newest first,
 * since/until in ms, limit).
 */
#ifndef API_AUDIT_H
#define API_AUDIT_H

#include "http.h"

struct http_resp	*api_audit_list(struct http_req *);

#endif
