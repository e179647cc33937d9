#pragma once

#include <string>
#include <string_view>

namespace atalaya {

// The one error model of the server. Every layer returns Status / Result<T>; only
// http/HttpErrors.cpp turns a Status into an HTTP status line and a JSON error body.
enum class StatusCode {
    Ok,
    InvalidArgument,     // the caller sent something malformed or out of range
    NotFound,            // unknown model, version or route
    Unauthenticated,     // no or bad credentials
    PermissionDenied,    // credentials lack the scope
    ResourceExhausted,   // a queue, a rate limit or a quota is full
    FailedPrecondition,  // the target exists but is not in a state to serve (e.g. FAILED model)
    Unavailable,         // the server is draining or not ready
    DeadlineExceeded,    // the request's deadline passed before it ran
    Internal,            // a bug or a library error; the message is safe to show, details are logged
};

std::string_view statusCodeName(StatusCode code);

class [[nodiscard]] Status {
public:
    Status() = default;
    // `reason` is a stable, machine-readable snake_case token (e.g. "duplicate_key") that
    // clients can switch on; when empty the code's own name is used.
    Status(StatusCode code, std::string message, std::string reason = {})
        : m_code(code), m_message(std::move(message)), m_reason(std::move(reason)) {}

    static Status ok() { return {}; }

    bool isOk() const { return m_code == StatusCode::Ok; }
    StatusCode code() const { return m_code; }
    const std::string& message() const { return m_message; }
    std::string_view reason() const;

    // Seconds a client should wait before retrying; only meaningful for ResourceExhausted
    // and Unavailable. 0 means "no advice".
    int retryAfterSeconds() const { return m_retryAfterSeconds; }
    Status& withRetryAfter(int seconds) {
        m_retryAfterSeconds = seconds;
        return *this;
    }

    std::string toString() const;

private:
    StatusCode m_code = StatusCode::Ok;
    std::string m_message;
    std::string m_reason;
    int m_retryAfterSeconds = 0;
};

inline Status invalidArgument(std::string message, std::string reason = {}) {
    return {StatusCode::InvalidArgument, std::move(message), std::move(reason)};
}
inline Status notFound(std::string message, std::string reason = {}) {
    return {StatusCode::NotFound, std::move(message), std::move(reason)};
}
inline Status internalError(std::string message, std::string reason = {}) {
    return {StatusCode::Internal, std::move(message), std::move(reason)};
}

}  // namespace atalaya

#define ATALAYA_RETURN_IF_ERROR(expr)        \
    do {                                     \
        ::atalaya::Status _status = (expr);  \
        if (!_status.isOk()) return _status; \
    } while (false)
