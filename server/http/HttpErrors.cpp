#include "http/HttpErrors.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

namespace atalaya::http {

namespace {

std::string errorBody(std::string_view code, std::string_view message) {
    const nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
    // Messages can quote client input; invalid UTF-8 must not turn an error into an exception.
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Not a literal: GCC 12 -Warray-bounds misfires on a 16-char literal copied into the header list.
const std::string kChallengeHeader = "WWW-Authenticate";

// `Bearer realm="atalaya"[, error="<error>"][, scope="<scope>"]` (RFC 6750 s3). Errors are
// fixed tokens of ours; a scope may name a model from the request, so it is only echoed when
// made of scope-token characters (%x21 / %x23-5B / %x5D-7E), which cannot end the quoted string.
std::string bearerChallenge(std::string_view error, std::string_view scope) {
    std::string challenge = R"(Bearer realm="atalaya")";
    if (!error.empty())
        challenge.append(R"(, error=")").append(error).append("\"");
    const bool safe = std::all_of(scope.begin(), scope.end(), [](char c) {
        return c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
    });
    if (!scope.empty() && safe)
        challenge.append(R"(, scope=")").append(scope).append("\"");
    return challenge;
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

HttpResponse errorResponse(const Status& status, std::string_view requiredScope) {
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
    if (status.code() == StatusCode::Unauthenticated) {
        // RFC 6750 s3.1: no error code when the request carried no credentials at all.
        const bool coded =
            status.reason() == "invalid_request" || status.reason() == "invalid_token";
        response.withHeader(kChallengeHeader,
                            bearerChallenge(coded ? status.reason() : std::string_view(), {}));
    } else if (status.code() == StatusCode::PermissionDenied &&
               status.reason() == "insufficient_scope") {
        response.withHeader(kChallengeHeader, bearerChallenge(status.reason(), requiredScope));
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
