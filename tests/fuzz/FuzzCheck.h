#pragma once

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

namespace atalaya::fuzz {

// A broken invariant: say which, then abort, which libFuzzer reports as a crash and saves the
// input that caused it.
inline void fuzzCheck(bool holds, const char* invariant) {
    if (!holds) {
        std::fprintf(stderr, "fuzz invariant broken: %s\n", invariant);
        std::abort();
    }
}

// "A refusal never quotes the credential", checked as: refusal messages come from a small fixed
// set, whatever the input. A message that echoed input bytes would grow the set without bound.
// (Searching the message for the input fails on inputs that spell part of a message, which the
// fuzzer learns to write.) Not thread-safe, like libFuzzer's single input at a time.
class RefusalMessages {
public:
    explicit RefusalMessages(std::size_t limit) : m_limit(limit) {}
    void add(const std::string& message) {
        if (m_seen.insert(message).second && m_seen.size() > m_limit) {
            std::fprintf(stderr, "refusal message #%zu: %s\n", m_seen.size(), message.c_str());
            fuzzCheck(false, "refusal messages vary with the input (do they quote it?)");
        }
    }

private:
    std::size_t m_limit;
    std::set<std::string> m_seen;
};

}  // namespace atalaya::fuzz
