#pragma once

#include <atalaya/Status.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace atalaya {

// application/x-www-form-urlencoded (WHATWG URL, "application/x-www-form-urlencoded parsing"),
// as form bodies and query strings use it. Pure; any thread.

// The value of one hexadecimal digit of a %XX escape, or -1 (shared with the path decoder).
int percentHexValue(char c);

// One component: '+' is a space, %XX an octet; nullopt for a malformed escape.
std::optional<std::string> decodeFormComponent(std::string_view text);

// Calls `field(name, value)`, both decoded, for each non-empty '&'-separated field of `text` in
// order (a field without '=' has an empty value) and returns the first non-OK Status it
// returns; a malformed escape stops there with `malformed`.
Status forEachFormField(std::string_view text, const Status& malformed,
                        const std::function<Status(std::string name, std::string value)>& field);

}  // namespace atalaya
