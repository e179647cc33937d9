#include "stats/QueryString.h"

#include <algorithm>
#include <charconv>

namespace atalaya::stats {
namespace {

int hexDigit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

Result<std::string> decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c != '%') {
            out += c;
        } else {
            const int high = i + 2 < text.size() ? hexDigit(text[i + 1]) : -1;
            const int low = i + 2 < text.size() ? hexDigit(text[i + 2]) : -1;
            if (high < 0 || low < 0)
                return invalidArgument("malformed percent-escape in the query", "bad_query");
            out += static_cast<char>(high * 16 + low);
            i += 2;
        }
    }
    return out;
}

}  // namespace

Result<QueryString> QueryString::parse(std::string_view target,
                                       const std::vector<std::string_view>& accepted) {
    QueryString query;
    const auto mark = target.find('?');
    if (mark == std::string_view::npos)
        return query;
    std::string_view rest = target.substr(mark + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (pair.empty())
            continue;
        const auto eq = pair.find('=');
        ATALAYA_ASSIGN_OR_RETURN(std::string name, decode(pair.substr(0, eq)));
        ATALAYA_ASSIGN_OR_RETURN(
            std::string value,
            decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1)));
        if (std::find(accepted.begin(), accepted.end(), name) == accepted.end()) {
            return invalidArgument("unknown query parameter \"" + name + "\"", "bad_query");
        }
        if (!query.m_values.emplace(name, std::move(value)).second)
            return invalidArgument("query parameter \"" + name + "\" given twice", "bad_query");
    }
    return query;
}

std::optional<std::string> QueryString::text(std::string_view name) const {
    const auto it = m_values.find(name);
    if (it == m_values.end())
        return std::nullopt;
    return it->second;
}

Result<std::optional<std::int64_t>> QueryString::integer(std::string_view name, std::int64_t min,
                                                         std::int64_t max,
                                                         std::string_view reason) const {
    const auto it = m_values.find(name);
    if (it == m_values.end())
        return std::optional<std::int64_t>();
    const std::string& text = it->second;
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
        value > max) {
        return invalidArgument(std::string(name) + " must be an integer from " +
                                   std::to_string(min) + " to " + std::to_string(max),
                               std::string(reason));
    }
    return std::optional(value);
}

}  // namespace atalaya::stats
