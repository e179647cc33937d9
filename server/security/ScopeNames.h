#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "security/Principal.h"

namespace atalaya::security {

// "predict" / "metrics" / "admin" <-> Scope, for the key store, the CLI and JWT `scope` claims.
std::optional<Scope> scopeFromName(std::string_view name);

// The names of the scopes set in `scopes`, in a fixed order (predict, metrics, admin).
std::vector<std::string_view> scopeNames(std::uint8_t scopes);
// Those names joined by `separator`.
std::string scopeListText(std::uint8_t scopes, char separator);

}  // namespace atalaya::security
