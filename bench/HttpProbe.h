#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace atalaya::bench {

// One GET on a fresh connection; the answer's status, or nullopt when there was none within
// `timeout` (refused, reset, hung).
std::optional<int> probeStatus(const std::string& host, std::uint16_t port, std::string_view target,
                               std::chrono::milliseconds timeout);

}  // namespace atalaya::bench
