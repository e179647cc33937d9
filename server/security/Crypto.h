#pragma once

#include <atalaya/Result.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace atalaya::security {

// The OpenSSL primitives the credential stores and the JWT code share, with OpenSSL's errors
// turned into Status here. Thread-safe (OpenSSL 3 initialises itself and its DRBG is per thread).

// An OpenSSL object that `Free` releases, e.g. OpenSslPtr<X509, X509_free>.
template <class T, auto Free>
struct OpenSslFree {
    void operator()(T* object) const { Free(object); }
};
template <class T, auto Free>
using OpenSslPtr = std::unique_ptr<T, OpenSslFree<T, Free>>;
using PkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;

using Sha256Digest = std::array<unsigned char, 32>;

// `count` bytes from OpenSSL's CSPRNG (RAND_bytes); Internal "random_failed" if it is not seeded.
Result<std::string> randomBytes(std::size_t count);

Result<Sha256Digest> sha256(std::string_view data);

// HMAC-SHA-256 (RFC 2104) of `data` under `key`: 32 bytes; Internal "crypto_failed" on failure.
Result<std::string> hmacSha256(std::string_view key, std::string_view data);

// CRYPTO_memcmp: time independent of where the inputs differ. Sizes are not secret.
bool constantTimeEquals(std::string_view a, std::string_view b);

std::string toHex(std::string_view bytes);

}  // namespace atalaya::security
