#include "security/OAuthTokenVerifier.h"

#include <algorithm>

#include "security/JwtVerifier.h"
#include "security/OAuthClientStore.h"

namespace atalaya::security {

OAuthTokenVerifier::OAuthTokenVerifier(std::unique_ptr<JwtVerifier> jwt,
                                       const OAuthClientStore* clients)
    : m_jwt(std::move(jwt)), m_clients(clients) {}

OAuthTokenVerifier::~OAuthTokenVerifier() = default;

Result<Principal> OAuthTokenVerifier::verify(std::string_view token) const {
    ATALAYA_ASSIGN_OR_RETURN(Principal principal, m_jwt->verify(token));
    ATALAYA_ASSIGN_OR_RETURN(const OAuthClientInfo client, m_clients->active(principal.clientId));
    principal.clientId = client.principalId();
    principal.credential = "oauth_client";
    principal.scopes &= client.spec.scopes;
    principal.limits = client.spec.limits;
    const auto& allowed = client.spec.models;
    if (principal.models.empty()) {
        principal.models = allowed;
    } else if (!allowed.empty()) {
        std::erase_if(principal.models, [&allowed](const std::string& model) {
            return std::find(allowed.begin(), allowed.end(), model) == allowed.end();
        });
        // Nothing left in common: predict on no model at all, not on every model.
        if (principal.models.empty())
            principal.scopes &= static_cast<std::uint8_t>(~static_cast<unsigned>(Scope::Predict));
    }
    return principal;
}

}  // namespace atalaya::security
