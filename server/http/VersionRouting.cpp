#include "http/VersionRouting.h"

namespace atalaya::http {

std::optional<std::int64_t> VersionRouting::pinnedVersion(std::string_view api,
                                                          std::string_view model) const {
    const auto apiIt = m_pins.find(std::string(api));
    if (apiIt == m_pins.end())
        return std::nullopt;
    const auto modelIt = apiIt->second.find(std::string(model));
    if (modelIt == apiIt->second.end())
        return std::nullopt;
    return modelIt->second;
}

}  // namespace atalaya::http

namespace atalaya::http {

RouteDecision VersionRouting::route(std::string_view api, std::string_view model,
                                    std::string_view /*clientKey*/) const {
    return RouteDecision{.version = pinnedVersion(api, model), .shadow = {}, .headers = {}};
}

}  // namespace atalaya::http
