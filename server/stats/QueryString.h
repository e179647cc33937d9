#pragma once

#include <atalaya/Result.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atalaya::stats {

// The query string of a request target ("/path?a=1&b=x%20y"), decoded (percent-escapes, '+'
// as space) and checked against the names a route accepts: an unknown or repeated name, or a
// malformed escape, is InvalidArgument "bad_query", so a typo is an error rather than a
// silently ignored filter. Pure; any thread.
class QueryString {
public:
    static Result<QueryString> parse(std::string_view target,
                                     const std::vector<std::string_view>& accepted);

    // nullopt when absent.
    std::optional<std::string> text(std::string_view name) const;
    // Absent: nullopt. Present: a decimal integer within [min, max], else InvalidArgument
    // with `reason`.
    Result<std::optional<std::int64_t>> integer(std::string_view name, std::int64_t min,
                                                std::int64_t max, std::string_view reason) const;

private:
    std::map<std::string, std::string, std::less<>> m_values;
};

}  // namespace atalaya::stats
