#include "http/HttpErrors.h"

#include <nlohmann/json.hpp>
#include <string>

namespace atalaya::http {

namespace {

std::string errorBody(std::string_view code, std::string_view message) {
    const nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
    // Messages can quote client input; invalid UTF-8 must not turn an error into an exception.
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

int httpStatusFor(StatusCode code) {
    switch (code) {
        case StatusCode::Ok:
            return 200;
        case StatusCode::InvalidArgument:
            return 400;
        case StatusCode::Unauthenticated:
            return 401;
        case StatusCode::PermissionDenied:
            return 403;
        case StatusCode::NotFound:
            return 404;
        case StatusCode::FailedPrecondition:
            return 409;
        case StatusCode::ResourceExhausted:
            return 429;
        case StatusCode::Internal:
            return 500;
        case StatusCode::Unavailable:
            return 503;
        case StatusCode::DeadlineExceeded:
            return 504;
    }
    return 500;
}

HttpResponse errorResponse(const Status& status) {
    // An Ok status here is a caller bug; answering 200 with an error body would hide it.
    if (status.isOk()) {
        return transportError(500, "internal", "an error response was built from an OK status");
    }
    int httpStatus = httpStatusFor(status.code());
    // A full inference queue is the server's condition, not the client's quota: 503 tells load
    // balancers to try another replica, where 429 would tell the client to slow down.
    if (status.code() == StatusCode::ResourceExhausted && status.reason() == "queue_full") {
        httpStatus = 503;
    }
    HttpResponse response = transportError(httpStatus, status.reason(), status.message());
    if (status.retryAfterSeconds() > 0) {
        response.withHeader("Retry-After", std::to_string(status.retryAfterSeconds()));
    }
    return response;
}

HttpResponse transportError(int httpStatus, std::string_view code, std::string_view message) {
    HttpResponse response;
    response.status = httpStatus;
    response.body = errorBody(code, message);
    return response;
}

}  // namespace atalaya::http
