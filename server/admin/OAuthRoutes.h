#pragma once

#include <string>
#include <vector>

#include "http/ApiCall.h"

namespace atalaya {

class TrafficGate;

namespace security {
class AccessTokenIssuer;
class OAuthClientStore;
}  // namespace security

// The OAuth 2.0 authorization server's two routes, both Access::Public (the client
// authenticates itself to the token endpoint, and a public key is public):
//   POST /oauth/token      client-credentials grant (RFC 6749 s4.4), JWT access tokens (RFC 9068)
//   GET  /oauth/jwks.json  the public signing key as a JWK Set (RFC 7517 s5)
//
// Failed client authentication counts as a failed authentication for the source address, so
// TrafficGate's throttle stops secret guessing here as on every other route.
//
// Thread affinity: handlers run on IO threads. Nothing is owned; all outlive the routes.
class OAuthRoutes final : public http::RouteGroup {
public:
    OAuthRoutes(const security::AccessTokenIssuer* issuer,
                const security::OAuthClientStore* clients, TrafficGate* gate);

    std::vector<http::RouteEntry> routes() override;

private:
    void serveToken(const http::ApiCallPtr& call);
    void serveJwks(const http::ApiCallPtr& call);

    const security::AccessTokenIssuer* m_issuer;
    const security::OAuthClientStore* m_clients;
    TrafficGate* m_gate;
    std::string m_jwks;  // the public JWK Set, fixed for the life of the key
};

}  // namespace atalaya
