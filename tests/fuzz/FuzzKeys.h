#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "security/JwtVerifier.h"

namespace atalaya::fuzz {

// The fixed test keys of the fuzzers, one per algorithm the verifier supports: ES256 (kid
// "es-1"), EdDSA ("ed-1") and HS256 ("hs-1"), with their private halves so a fuzz input can ask
// for a valid signature and reach the claim checks behind it. Test keys: never deploy them.
// Not thread-safe (libFuzzer runs an input at a time).

// The fuzzers' clock, issuer and audience: seeded tokens neither expire nor drift.
constexpr std::int64_t kFuzzNow = 1'700'000'000;
constexpr std::string_view kFuzzIssuer = "https://issuer.fuzz";
constexpr std::string_view kFuzzAudience = "atalaya";

// The JWK Set that trusts the three test keys.
std::string testJwks();

// JwtVerifier::fromJwks(testJwks()) with the fuzzers' clock, issuer and audience, and the jti
// "revoked" revoked. Aborts when the verifier refuses the set (a broken harness, not a finding).
std::unique_ptr<security::JwtVerifier> makeTestVerifier();

// The JWS signature (raw bytes) of `signingInput` by test key "es", "ed" or "hs"; nullopt for
// any other name.
std::optional<std::string> signWithTestKey(std::string_view key, std::string_view signingInput);

// "<header JSON>\n<claims JSON>\n<signer>" as a compact token: header and claims base64url
// encoded, signed by the test key `signer` names, or else `signer` itself as the signature
// bytes. This lets mutations of readable JSON reach the verifier with a valid signature. Text
// that does not start with '{' is returned unchanged: it is a token already.
std::string tokenFromParts(std::string_view text);

}  // namespace atalaya::fuzz
