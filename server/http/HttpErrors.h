#pragma once

#include "http/HttpMessage.h"

#include <atalaya/Status.h>

#include <string_view>

namespace atalaya::http {

// The one place a Status becomes an HTTP status code and a JSON error body:
//   {"error": {"code": "<reason>", "message": "<message>"}}
// Retry-After is added for ResourceExhausted and Unavailable when the Status advises one.
HttpResponse errorResponse(const Status& status);

int httpStatusFor(StatusCode code);

// Errors the transport raises before a request reaches a route (413, 431, 400, 408, 503).
HttpResponse transportError(int httpStatus, std::string_view code, std::string_view message);

}  // namespace atalaya::http
