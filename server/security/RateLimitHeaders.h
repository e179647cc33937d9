#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "security/RateLimitDecision.h"

namespace atalaya {

// Response header fields for the limits a request was checked against, per
// draft-ietf-httpapi-ratelimit-headers-08 (October 2024):
//
//   RateLimit-Policy: "rate";q=100;w=10, "day";q=10000;w=86400     (s3: quota policy items)
//   RateLimit: "rate";r=42;t=6, "day";r=9958;t=3600                  (s4: service limit items)
//
// Items are Structured Field Strings naming the policy, with q (quota) and w (window, s) on the
// policy and r (remaining) and t (seconds until reset) on the limit. A token bucket has no
// fixed window: q is its burst and w the time it takes to refill from empty. Decisions
// without a policy (unlimited) are left out.
//
// When any decision denies: `Retry-After` (RFC 9110 s10.2.3, delay-seconds; the longest wait
// of the denying decisions) and `Cache-Control: no-store` (RFC 9111 s5.2.2.5), so no cache
// ever answers a client's later request with its 429.
//
// http::errorResponse already writes Retry-After from a Status's advice (decision.toStatus()),
// so a 429 built that way asks for RetryAfterField::Omit to avoid a second one.
//
// The result is an http::HeaderList (same type), without depending on the HTTP layer.
// Pure function: thread-safe.
enum class RetryAfterField { Include, Omit };

std::vector<std::pair<std::string, std::string>> rateLimitHeaders(
    std::span<const RateLimitDecision> decisions,
    RetryAfterField retryAfter = RetryAfterField::Include);

inline std::vector<std::pair<std::string, std::string>> rateLimitHeaders(
    const RateLimitDecision& decision, RetryAfterField retryAfter = RetryAfterField::Include) {
    return rateLimitHeaders(std::span<const RateLimitDecision>(&decision, 1), retryAfter);
}

}  // namespace atalaya
