#pragma once

#include <atalaya/Status.h>

#include <string_view>

#include "http/HttpMessage.h"

namespace atalaya::http {

// The one place a Status becomes an HTTP status code and a JSON error body:
//   {"error": {"code": "<reason>", "message": "<message>"}}
// Retry-After is added for ResourceExhausted and Unavailable when the Status advises one.
// Unauthenticated adds the RFC 6750 s3 challenge `WWW-Authenticate: Bearer realm="atalaya"`
// with error="<reason>" (none when the token was missing, s3.1); PermissionDenied with reason
// "insufficient_scope" adds error="insufficient_scope" and scope="<requiredScope>".
HttpResponse errorResponse(const Status& status, std::string_view requiredScope = {});

int httpStatusFor(StatusCode code);

// Errors the transport raises before a request reaches a route (413, 431, 400, 408, 503).
HttpResponse transportError(int httpStatus, std::string_view code, std::string_view message);

}  // namespace atalaya::http
