#pragma once

#include <atalaya/Result.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace atalaya::security {

// The OpenSSL primitives the key store needs, with OpenSSL's errors turned into Status here.
// Thread-safe (OpenSSL 3 initialises itself and its DRBG is per thread).

using Sha256Digest = std::array<unsigned char, 32>;

// `count` bytes from OpenSSL's CSPRNG (RAND_bytes); Internal "random_failed" if it is not seeded.
Result<std::string> randomBytes(std::size_t count);

Result<Sha256Digest> sha256(std::string_view data);

// CRYPTO_memcmp: time independent of where the inputs differ. Sizes are not secret.
bool constantTimeEquals(std::string_view a, std::string_view b);

std::string toHex(std::string_view bytes);

}  // namespace atalaya::security
