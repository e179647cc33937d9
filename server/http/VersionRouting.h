#pragma once

#include <atalaya/Config.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "http/TrafficRouter.h"

namespace atalaya::http {

// The fixed policy: each API version serves the versions pinned in configuration, so v1
// clients keep their model while v2 moves on. Used when no rollout manager is wired in.
//
// Immutable after construction; thread-safe.
class VersionRouting final : public TrafficRouter {
public:
    explicit VersionRouting(ApiVersionPins pins) : m_pins(std::move(pins)) {}

    bool knowsApiVersion(std::string_view api) const override {
        return m_pins.find(std::string(api)) != m_pins.end();
    }
    RouteDecision route(std::string_view api, std::string_view model,
                        std::string_view clientKey) const override;
    void observe(const ServedOutcome& /*outcome*/) override {}
    ApiVersionPins pins() const override { return m_pins; }

    // The pinned version, or nullopt for the default one.
    std::optional<std::int64_t> pinnedVersion(std::string_view api, std::string_view model) const;

private:
    ApiVersionPins m_pins;
};

}  // namespace atalaya::http
