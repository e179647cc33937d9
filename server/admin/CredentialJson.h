#pragma once

#include <atalaya/Result.h>

#include <nlohmann/json.hpp>

#include "security/ApiKeyStore.h"
#include "security/OAuthClientStore.h"

namespace atalaya {

// The admin API's JSON for keys and clients (docs/security.md), checked strictly: unknown
// members, wrong types and out-of-range values are InvalidArgument "invalid_body", so a typo
// in "per_day" is an error instead of an unlimited quota.

// {"name", "owner", "scopes": ["predict", ...], "models": [...], "expires_at": unix seconds,
//  "rate", "burst", "per_day", "per_month"}; name and scopes are required.
Result<security::ApiKeySpec> credentialSpecFromJson(const nlohmann::json& body);
// {"rate", "burst", "per_day", "per_month"}: a member left out is 0, the server's default.
Result<ClientLimits> limitsFromJson(const nlohmann::json& body);

nlohmann::json limitsToJson(const ClientLimits& limits);
// Everything but secrets and hashes; times in unix seconds, null when unset.
nlohmann::json keyToJson(const security::ApiKeyInfo& key);
nlohmann::json clientToJson(const security::OAuthClientInfo& client);

}  // namespace atalaya
