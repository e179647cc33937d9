#pragma once

#include <atalaya/Result.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "security/Principal.h"

namespace atalaya::security {

struct JwtVerifierOptions {
    std::string issuer;               // `iss` must equal it when not empty (RFC 7519 s4.1.1)
    std::string audience;             // `aud` must contain it when not empty (RFC 7519 s4.1.3)
    std::chrono::seconds leeway{60};  // clock skew allowed on exp / nbf / iat
    std::size_t maxTokenBytes = 8 << 10;
    std::function<std::int64_t()> now;  // seconds since the epoch; system clock when empty
    // When set, the header's `typ` must be it, or "application/" + it, compared without case
    // (RFC 9068 s4: "at+jwt" keeps other JWTs signed with the same key from passing).
    std::string requiredType;
    // Verified tokens remembered (security/VerifiedTokenCache.h); 0: every token is verified
    // in full.
    std::size_t cacheCapacity = 4096;
};

// Verifies JWS compact tokens (RFC 7515, RFC 7519) against a fixed set of configured keys,
// following the JWT BCP (RFC 8725):
//  - each key carries the one algorithm it may be used with (its JWK "alg", or the one its
//    kty/crv implies); the token's `alg` must equal it and never chooses how the key is used
//    (s3.1, s2.1), so `none` and HS256-with-a-public-key confusion fail;
//  - ES256 (P-256), EdDSA (Ed25519) and HS256 with a secret of at least 32 bytes (s3.5) only;
//  - ES256 signatures are exactly 64 bytes R||S with 0 < r, s < n (RFC 7518 s3.4);
//  - `kid` selects among the configured keys and nothing else: `jku`, `x5u` and `jwk` are
//    ignored (s3.10), no file or URL is ever touched; `crit` is refused (RFC 7515 s4.1.11);
//  - `exp` is required; `exp`, `nbf`, `iat` are checked with the leeway; `iss` and `aud` when
//    configured; a revoked `jti` fails.
// Every failure is Unauthenticated "invalid_token" whose message never quotes the token.
//
// A token that passed is remembered by its SHA-256 (VerifiedTokenCache): the same token again
// skips the header, signature and claims work once its size and form are checked, but is still
// refused from the second its `exp` plus the leeway has passed and as soon as its `jti` is
// revoked, exactly as without the cache.
//
// Claims become a Principal: `sub` (else `client_id`) is the clientId; `scope` is a space
// separated list of predict / metrics / admin, where `predict:<model>` grants predict on
// that model only (plain `predict` grants all models).
//
// Thread-safe: verify() and revokeJti() may be called from any thread.
class JwtVerifier {
public:
    // `jwks` is a JWK Set (RFC 7517 s5) of public EC P-256 / OKP Ed25519 keys or oct secrets.
    static Result<std::unique_ptr<JwtVerifier>> fromJwks(std::string_view jwks,
                                                         JwtVerifierOptions options);
    static Result<std::unique_ptr<JwtVerifier>> fromJwksFile(const std::filesystem::path& file,
                                                             JwtVerifierOptions options);
    ~JwtVerifier();
    JwtVerifier(const JwtVerifier&) = delete;
    JwtVerifier& operator=(const JwtVerifier&) = delete;

    Result<Principal> verify(std::string_view token) const;

    // Tokens with this `jti` fail from now on (filled by the admin API).
    void revokeJti(std::string jti);

    // How many verified tokens are remembered now (at most options.cacheCapacity).
    std::size_t cachedTokens() const;

private:
    class Impl;
    explicit JwtVerifier(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

}  // namespace atalaya::security
