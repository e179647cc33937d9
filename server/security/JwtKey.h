#pragma once

#include <atalaya/Result.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace atalaya::security {

enum class JwtAlgorithm { HS256, ES256, EdDSA };
std::string_view jwtAlgorithmName(JwtAlgorithm algorithm);

// One configured verification key and the single algorithm it may be used with. The only
// place that calls OpenSSL for JWTs: key import (EVP_PKEY_fromdata, raw Ed25519) and signature
// checks (EVP_DigestVerify, HMAC + CRYPTO_memcmp), with errors turned into Status here.
//
// Immutable after construction; verify() is thread-safe.
class JwtKey {
public:
    // Parses a JWK Set document (RFC 7517 s5). Each key: kty EC + crv P-256 + x + y, kty OKP +
    // crv Ed25519 + x, or kty oct + k (>= 32 bytes, RFC 7518 s3.2). An "alg" member, when
    // present, must be the one the key type implies. Key ids must be unique; a set of more than
    // one key needs a kid on each.
    static Result<std::vector<JwtKey>> parseSet(std::string_view jwks);

    JwtKey(JwtKey&&) noexcept;
    JwtKey& operator=(JwtKey&&) noexcept;
    ~JwtKey();

    const std::string& kid() const { return m_kid; }
    JwtAlgorithm algorithm() const { return m_algorithm; }

    // True only for a valid signature of `signingInput` by this key under its algorithm.
    bool verify(std::string_view signingInput, std::string_view signature) const;

private:
    struct Material;
    JwtKey(std::string kid, JwtAlgorithm algorithm, std::unique_ptr<Material> material);

    std::string m_kid;
    JwtAlgorithm m_algorithm;
    std::unique_ptr<Material> m_material;
};

}  // namespace atalaya::security
