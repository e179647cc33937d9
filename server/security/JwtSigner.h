#pragma once

#include <atalaya/Config.h>
#include <atalaya/Result.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "security/JwtKey.h"

namespace atalaya::security {

// The key Atalaya signs its own access tokens with (RFC 7515 compact JWS), and its public half
// as a JWK Set for anyone who verifies them. The one place that calls OpenSSL to sign: PEM
// import and key generation, EVP_DigestSign (ES256: the DER ECDSA-Sig-Value becomes the 64-byte
// R||S of RFC 7518 s3.4; EdDSA: RFC 8037), HMAC for HS256.
//
// The key id is the key's RFC 7638 JWK thumbprint, so it changes exactly when the key does.
//
// Immutable after construction; sign() is thread-safe.
class JwtSigner {
public:
    // The configured key (security.oauth.signing_key_file or hs256_secret_file), else the ES256
    // key in <dataDir>/oauth-signing-key.pem, generated there (mode 0600) when missing.
    static Result<std::unique_ptr<JwtSigner>> fromConfig(const OAuthConfig& config,
                                                         const std::filesystem::path& dataDir);
    // A PEM private key: EC P-256 (ES256) or Ed25519 (EdDSA); anything else is refused.
    static Result<std::unique_ptr<JwtSigner>> fromPem(std::string_view pem);
    // HS256 with a secret of at least 32 bytes (RFC 7518 s3.2, RFC 8725 s3.5).
    static Result<std::unique_ptr<JwtSigner>> fromSecret(std::string secret);
    // A new EC P-256 private key as PKCS#8 PEM.
    static Result<std::string> generateEs256Pem();

    ~JwtSigner();
    JwtSigner(const JwtSigner&) = delete;
    JwtSigner& operator=(const JwtSigner&) = delete;

    JwtAlgorithm algorithm() const { return m_algorithm; }
    const std::string& kid() const { return m_kid; }

    // A compact JWS of `claimsJson` with the header {"alg", "kid", "typ": type}.
    Result<std::string> sign(std::string_view claimsJson, std::string_view type) const;

    // {"keys":[<public JWK with kid, alg, use "sig">]}; no keys for HS256, whose key is secret.
    std::string publicJwks() const;
    // The JWK Set the server's own verifier is built from: the public JWK, or for HS256 the
    // oct key with its secret. Never to be published.
    std::string verificationJwks() const;

private:
    struct Material;
    JwtSigner(JwtAlgorithm algorithm, std::unique_ptr<Material> material, std::string jwkJson);

    JwtAlgorithm m_algorithm;
    std::unique_ptr<Material> m_material;
    std::string m_jwk;  // the JWK without kid/alg/use, members in RFC 7638 order
    std::string m_kid;
};

}  // namespace atalaya::security
