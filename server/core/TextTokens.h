#pragma once

#include <cstddef>
#include <string_view>

namespace atalaya {

// The word rule of the text models (docs/models.md, "tokenizer"): after ASCII lower-casing, a
// token is a run of a-z, 0-9 and the apostrophe. The model's tokenizer, the drift monitor's
// length statistic and the demo traffic generator all count with this one rule, so a text's
// length means the same to each of them.

constexpr char lowerAscii(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool isTokenChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\'';
}

// Tokens in `text` (lower-cased first), without building them.
constexpr std::size_t countTextTokens(std::string_view text) {
    std::size_t tokens = 0;
    bool inToken = false;
    for (const char raw : text) {
        const bool token = isTokenChar(lowerAscii(raw));
        tokens += token && !inToken ? 1 : 0;
        inToken = token;
    }
    return tokens;
}

}  // namespace atalaya
