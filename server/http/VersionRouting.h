#pragma once

#include <atalaya/Config.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace atalaya::http {

// Which model version a request on a public API version (/api/v1, /api/v2) is served by.
// Today: the pins from configuration, so v1 clients keep their model while v2 moves on. The
// rollout policies (shadow, canary) plug in here.
//
// Immutable after construction; thread-safe.
class VersionRouting {
public:
    explicit VersionRouting(ApiVersionPins pins) : m_pins(std::move(pins)) {}

    bool knowsApiVersion(std::string_view api) const { return m_pins.find(std::string(api)) != m_pins.end(); }
    // The pinned version, or nullopt for "highest READY".
    std::optional<std::int64_t> pinnedVersion(std::string_view api, std::string_view model) const;
    const ApiVersionPins& pins() const { return m_pins; }

private:
    ApiVersionPins m_pins;
};

}  // namespace atalaya::http
