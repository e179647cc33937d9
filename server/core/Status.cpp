#include <atalaya/Status.h>

namespace atalaya {

std::string_view statusCodeName(StatusCode code) {
    switch (code) {
        case StatusCode::Ok: return "ok";
        case StatusCode::InvalidArgument: return "invalid_argument";
        case StatusCode::NotFound: return "not_found";
        case StatusCode::Unauthenticated: return "unauthenticated";
        case StatusCode::PermissionDenied: return "permission_denied";
        case StatusCode::ResourceExhausted: return "resource_exhausted";
        case StatusCode::FailedPrecondition: return "failed_precondition";
        case StatusCode::Unavailable: return "unavailable";
        case StatusCode::DeadlineExceeded: return "deadline_exceeded";
        case StatusCode::Internal: return "internal";
    }
    return "unknown";
}

std::string_view Status::reason() const {
    return m_reason.empty() ? statusCodeName(m_code) : std::string_view(m_reason);
}

std::string Status::toString() const {
    if (isOk()) return "ok";
    std::string text(reason());
    text += ": ";
    text += m_message;
    return text;
}

}  // namespace atalaya
