#pragma once

#include "security/Authenticator.h"

namespace atalaya::security {

class ApiKeyStore;
class JwtVerifier;
class OAuthTokenVerifier;

// The server's Authenticator: reads `Authorization: Bearer <token>` (RFC 6750 s2.1) and hands
// "atk_" tokens to the API key store and three-part tokens to the JWT verifier.
// No header: Unauthenticated "missing_token" (RFC 6750 s3.1: no error code in the challenge);
// any other form: "invalid_request"; a token no verifier accepts: "invalid_token".
//
// A JWT goes first to the verifier of the server's own tokens (`own`, keyed by the server's
// kid, so a foreign token fails there before any signature work) and then to the one of the
// configured JWK Set.
//
// Thread-safe as its verifiers are. None is owned; any may be null (then its kind of token is
// refused). All must outlive the authenticator.
class BearerAuthenticator final : public Authenticator {
public:
    BearerAuthenticator(const ApiKeyStore* keys, const JwtVerifier* jwt,
                        const OAuthTokenVerifier* own = nullptr);
    Result<Principal> authenticate(std::string_view authorizationHeader) const override;

private:
    const ApiKeyStore* m_keys;
    const JwtVerifier* m_jwt;
    const OAuthTokenVerifier* m_own;
};

}  // namespace atalaya::security
