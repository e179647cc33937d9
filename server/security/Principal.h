#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace atalaya {

// What a caller may do. Every non-public route requires one (the `Access` column of the route
// table in http/ApiRoutes.cpp maps onto these).
enum class Scope : std::uint8_t { Predict = 1, Metrics = 2, Admin = 4 };

std::string_view scopeName(Scope scope);

// Per-client limits; 0 means "the server's default for this tier".
struct ClientLimits {
    double ratePerSecond = 0;
    double burst = 0;
    std::int64_t requestsPerDay = 0;
    std::int64_t requestsPerMonth = 0;
};

// An authenticated caller, as the routes see it: who, through which credential, with what scopes.
struct Principal {
    std::string clientId;    // stable id for limits, quotas, logs and audit (never the token)
    std::string credential;  // "api_key", "jwt", "oauth_client", "local"
    std::uint8_t scopes = 0;
    std::vector<std::string> models;  // with Predict: the models it may call; empty = all
    ClientLimits limits;

    bool has(Scope scope) const { return (scopes & static_cast<std::uint8_t>(scope)) != 0; }
    bool mayUseModel(std::string_view model) const;
};

}  // namespace atalaya
