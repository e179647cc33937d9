#pragma once

#include <atalaya/Result.h>

#include <memory>
#include <string_view>

#include "security/Principal.h"

namespace atalaya::security {

class JwtVerifier;
class OAuthClientStore;

// Accepts the access tokens Atalaya issued itself (POST /oauth/token): the JWT verifier built
// from the server's own key (alg allow-list of exactly that key's algorithm, issuer, audience,
// typ "at+jwt"), then the registered client behind `sub`, which must still be active. So
// revoking a client ends its tokens at once, and the client's current limits and allowed
// models apply, not those of the day the token was issued.
//
// The Principal: clientId "client:<client_id>", credential "oauth_client", the token's scopes
// (never more than the client's), models the intersection of the token's and the client's.
//
// Thread-safe as its parts are. The client store is not owned and must outlive this.
class OAuthTokenVerifier {
public:
    OAuthTokenVerifier(std::unique_ptr<JwtVerifier> jwt, const OAuthClientStore* clients);
    ~OAuthTokenVerifier();

    Result<Principal> verify(std::string_view token) const;

private:
    std::unique_ptr<JwtVerifier> m_jwt;
    const OAuthClientStore* m_clients;
};

}  // namespace atalaya::security
