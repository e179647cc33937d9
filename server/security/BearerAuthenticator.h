#pragma once

#include "security/Authenticator.h"

namespace atalaya::security {

class ApiKeyStore;
class JwtVerifier;

// The server's Authenticator: reads `Authorization: Bearer <token>` (RFC 6750 s2.1) and hands
// "atk_" tokens to the API key store and three-part tokens to the JWT verifier.
// No header: Unauthenticated "missing_token" (RFC 6750 s3.1: no error code in the challenge);
// any other form: "invalid_request"; a token no verifier accepts: "invalid_token".
//
// Thread-safe as its verifiers are. Neither is owned; either may be null (then its kind of
// token is refused). Both must outlive the authenticator.
class BearerAuthenticator final : public Authenticator {
public:
    BearerAuthenticator(const ApiKeyStore* keys, const JwtVerifier* jwt);
    Result<Principal> authenticate(std::string_view authorizationHeader) const override;

private:
    const ApiKeyStore* m_keys;
    const JwtVerifier* m_jwt;
};

}  // namespace atalaya::security
