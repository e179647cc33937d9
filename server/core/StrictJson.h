#pragma once

#include <atalaya/Result.h>

#include <nlohmann/json_fwd.hpp>

#include <string_view>

namespace atalaya {

struct StrictJsonLimits {
    int maxDepth = 8;
};

// Parses RFC 8259 JSON and refuses what a lenient parser would let through: duplicate object
// keys (which member wins differs between parsers, a classic smuggling trick), nesting deeper
// than the limit (stack exhaustion), and NaN/Infinity (not JSON). Reasons: "invalid_json",
// "duplicate_key", "too_deep".
Result<nlohmann::json> parseStrictJson(std::string_view text, const StrictJsonLimits& limits);

}  // namespace atalaya
