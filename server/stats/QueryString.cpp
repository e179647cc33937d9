#include "stats/QueryString.h"

#include <algorithm>
#include <charconv>

#include "core/FormUrlEncoded.h"

namespace atalaya::stats {

Result<QueryString> QueryString::parse(std::string_view target,
                                       const std::vector<std::string_view>& accepted) {
    QueryString query;
    const auto mark = target.find('?');
    if (mark == std::string_view::npos)
        return query;
    ATALAYA_RETURN_IF_ERROR(forEachFormField(
        target.substr(mark + 1),
        invalidArgument("malformed percent-escape in the query", "bad_query"),
        [&](std::string name, std::string value) {
            if (std::find(accepted.begin(), accepted.end(), name) == accepted.end())
                return invalidArgument("unknown query parameter \"" + name + "\"", "bad_query");
            if (!query.m_values.emplace(name, std::move(value)).second)
                return invalidArgument("query parameter \"" + name + "\" given twice", "bad_query");
            return Status::ok();
        }));
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
