#include "security/RateLimitHeaders.h"

#include <algorithm>

namespace atalaya {
namespace {

// An sf-string (RFC 8941 s3.3.3): quotes, with '"' and '\' escaped. Policy names are ours and
// plain ASCII, but the escaping keeps the field valid if one ever is not.
void appendString(std::string& out, std::string_view text) {
    out += '"';
    for (const char c : text) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (c >= 0x20 && c < 0x7f)
            out += c;
    }
    out += '"';
}

void appendParameter(std::string& out, char name, std::int64_t value) {
    out += ';';
    out += name;
    out += '=';
    out += std::to_string(std::max<std::int64_t>(0, value));  // sf-integers here are >= 0
}

}  // namespace

std::vector<std::pair<std::string, std::string>> rateLimitHeaders(
    std::span<const RateLimitDecision> decisions, RetryAfterField retryAfterField) {
    std::string policy;
    std::string limit;
    std::int64_t retryAfter = -1;
    for (const RateLimitDecision& d : decisions) {
        if (!d.allowed)
            retryAfter = std::max(retryAfter, std::max<std::int64_t>(1, d.retryAfterSeconds));
        if (!d.hasPolicy())
            continue;
        if (!policy.empty()) {
            policy += ", ";
            limit += ", ";
        }
        appendString(policy, d.policy);
        appendParameter(policy, 'q', d.limit);
        appendParameter(policy, 'w', d.windowSeconds);
        appendString(limit, d.policy);
        appendParameter(limit, 'r', d.remaining);
        appendParameter(limit, 't', d.resetSeconds);
    }

    std::vector<std::pair<std::string, std::string>> headers;
    if (!policy.empty()) {
        headers.emplace_back("RateLimit-Policy", std::move(policy));
        headers.emplace_back("RateLimit", std::move(limit));
    }
    if (retryAfter >= 0) {
        if (retryAfterField == RetryAfterField::Include) {
            headers.emplace_back("Retry-After", std::to_string(retryAfter));
        }
        headers.emplace_back("Cache-Control", "no-store");
    }
    return headers;
}

}  // namespace atalaya
