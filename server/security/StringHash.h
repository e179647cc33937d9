#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace atalaya {

// A transparent hash for unordered maps keyed by std::string, so lookups by string_view (a
// client id or address taken from a request) allocate nothing.
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept {
        return std::hash<std::string_view>{}(key);
    }
};

}  // namespace atalaya
