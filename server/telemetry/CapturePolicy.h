#pragma once

#include <atalaya/Config.h>
#include <atalaya/Result.h>

#include <optional>
#include <string>
#include <string_view>

namespace atalaya {

// What the inference log stores of a request's inputs under its model's ModelLogPolicy.
// Free functions with no state: thread-safe. The writer thread calls them, never an IO thread.

// `inputsJson` is the instances array as sent. Every JSON string in it (a text model's
// instances; a BYTES input's elements) is kept, cut to policy.truncateChars code points,
// replaced by its SHA-256 in hex, or replaced by null; numbers and feature names are kept.
// Nothing (std::nullopt) when the inputs are not JSON and the policy is not Full: raw text must
// not slip past a policy that was asked to hide it.
std::optional<std::string> captureInputs(const std::string& inputsJson,
                                         const ModelLogPolicy& policy);

// Lowercase hex SHA-256 (OpenSSL EVP).
Result<std::string> sha256Hex(std::string_view data);

// The first `maxChars` Unicode code points of UTF-8 `text` (never a split sequence).
std::string_view truncateUtf8(std::string_view text, std::size_t maxChars);

// Whether a request gets a raw row at `sampleRate` (0..1). Decided by a hash of the request
// id, so the same id always gets the same answer (a client's retry, a replayed log).
bool isSampled(std::string_view requestId, double sampleRate);

}  // namespace atalaya
