#include "http/HttpMessage.h"

#include <algorithm>

namespace atalaya::http {

namespace {

// RFC 9110 §5.1: field names are case-insensitive ASCII tokens, so no locale is involved.
char asciiLower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return asciiLower(x) == asciiLower(y);
           });
}

}  // namespace

std::string_view HttpRequest::header(std::string_view name) const {
    for (const auto& [fieldName, value] : headers) {
        if (equalsIgnoringCase(fieldName, name)) {
            return value;
        }
    }
    return {};
}

}  // namespace atalaya::http
