#pragma once

#include <atalaya/Status.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace atalaya {

// The outcome of one rate-limit or quota check, in the terms of the IETF RateLimit fields
// (draft-ietf-httpapi-ratelimit-headers-08 s3, s4): `limit` and `windowSeconds` describe the
// policy (q, w), `remaining` and `resetSeconds` its current state (r, t).
//
// A plain value: copied freely between threads.
struct RateLimitDecision {
    bool allowed = true;
    // Stable client-facing reason when !allowed: "rate_limited" (token bucket, per client or
    // IP) or "quota_exceeded" (per-day / per-month quota). Static storage.
    std::string_view reason;
    // Policy name for the RateLimit fields ("rate", "ip", "auth", "day", "month"). Static storage.
    std::string_view policy;
    std::int64_t limit = 0;  // 0: no policy applies (unlimited); the headers then leave it out
    std::int64_t windowSeconds = 0;
    std::int64_t remaining = 0;
    std::int64_t resetSeconds = 0;
    std::int64_t retryAfterSeconds = 0;  // only when !allowed; at least 1

    bool hasPolicy() const { return limit > 0; }

    // ResourceExhausted with the reason and Retry-After advice, for the one Status -> HTTP
    // mapping (429, unlike the server-busy 503 "queue_full").
    Status toStatus() const {
        if (allowed)
            return Status::ok();
        std::string message = reason == "quota_exceeded" ? "request quota exceeded; retry in "
                                                         : "rate limit exceeded; retry in ";
        message += std::to_string(retryAfterSeconds);
        message += " s";
        Status status(StatusCode::ResourceExhausted, std::move(message), std::string(reason));
        status.withRetryAfter(static_cast<int>(retryAfterSeconds));
        return status;
    }
};

}  // namespace atalaya
