#pragma once

#include <atalaya/Result.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace atalaya {

// The fields of an application/x-www-form-urlencoded body or of a query string (WHATWG URL
// "application/x-www-form-urlencoded parsing": '&'-separated name=value, '+' is a space,
// %XX escapes). Stricter than browsers: a malformed escape or a field named twice is an error
// (RFC 6749 s3.2: "parameters MUST NOT be included more than once"), since which copy wins
// differs between parsers. Reasons: "invalid_request".
class FormFields {
public:
    static Result<FormFields> parse(std::string_view text);

    // The field's decoded value; RFC 6749 s3.2: a field sent without a value is treated as if
    // it were omitted, so an empty value is nullopt too.
    std::optional<std::string_view> get(std::string_view name) const;
    bool has(std::string_view name) const { return get(name).has_value(); }

private:
    std::vector<std::pair<std::string, std::string>> m_fields;
};

}  // namespace atalaya
