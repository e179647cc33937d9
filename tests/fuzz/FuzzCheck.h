#pragma once

#include <cstdio>
#include <cstdlib>

namespace atalaya::fuzz {

// A broken invariant: say which, then abort, which libFuzzer reports as a crash and saves the
// input that caused it.
inline void fuzzCheck(bool holds, const char* invariant) {
    if (!holds) {
        std::fprintf(stderr, "fuzz invariant broken: %s\n", invariant);
        std::abort();
    }
}

}  // namespace atalaya::fuzz
