#pragma once

#include <atalaya/Result.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/HttpMessage.h"

namespace atalaya::http {

// Who may call a route. Every route declares one; Access::Public routes are the only ones
// reachable without credentials (the security layer enforces the rest).
enum class Access { Public, Predict, Metrics, Admin };
std::string_view accessName(Access access);

// Captured `{name}` segments of a route pattern.
class PathParams {
public:
    void add(std::string_view name, std::string value) {
        m_items.emplace_back(name, std::move(value));
    }
    std::optional<std::string_view> get(std::string_view name) const;

private:
    std::vector<std::pair<std::string_view, std::string>> m_items;
};

// One row of the route table (http/ApiRoutes.cpp). Patterns are literal segments and `{name}`
// captures, e.g. "/v2/models/{model}/versions/{version}/infer".
struct RouteInfo {
    std::string method;
    std::string pattern;
    Access access = Access::Public;
    bool jsonBody = false;  // POST body must be application/json (else 415)
};

// Percent-decodes and checks a request target's path once, before routing and auth: no dot
// segments, no empty segments, no encoded '/', '\' or NUL, so "/api/v1/../v2" cannot reach a
// route by another name. The query string is dropped.
Result<std::string> normalizePath(std::string_view target);

// Matches `path` against `pattern`, capturing `{name}` segments.
bool matchPattern(std::string_view pattern, std::string_view path, PathParams& params);

}  // namespace atalaya::http
