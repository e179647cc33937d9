#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace atalaya::security {

// base64url without padding (RFC 4648 s5), as JWS uses it (RFC 7515 s2).
std::string base64UrlEncode(std::string_view bytes);

// Strict decoding: only the URL-safe alphabet, no padding, no whitespace, and the unused low
// bits of the last character must be zero, so each byte string has exactly one encoding (a
// token cannot be altered without changing its signature input). nullopt when not canonical.
std::optional<std::string> base64UrlDecode(std::string_view text);

}  // namespace atalaya::security
