#include "security/AccessTokenIssuer.h"
#include "core/UnixTime.h"

#include <nlohmann/json.hpp>

#include "security/Base64Url.h"
#include "security/Crypto.h"
#include "security/JwtSigner.h"

namespace atalaya::security {

AccessTokenIssuer::AccessTokenIssuer(const JwtSigner* signer, AccessTokenOptions options)
    : m_signer(signer), m_options(std::move(options)) {
    if (!m_options.now) {
        m_options.now = systemUnixSeconds;
    }
}

Result<AccessToken> AccessTokenIssuer::issue(std::string_view clientId,
                                             std::string_view scope) const {
    ATALAYA_ASSIGN_OR_RETURN(const std::string jti, randomBytes(16));
    const std::int64_t now = m_options.now();
    const std::int64_t ttl = m_options.ttl.count();
    const nlohmann::json claims = {{"iss", m_options.issuer},
                                   {"aud", m_options.audience},
                                   {"sub", clientId},
                                   {"client_id", clientId},
                                   {"scope", scope},
                                   {"iat", now},
                                   {"nbf", now},
                                   {"exp", now + ttl},
                                   {"jti", base64UrlEncode(jti)}};
    ATALAYA_ASSIGN_OR_RETURN(std::string token, m_signer->sign(claims.dump(), "at+jwt"));
    return AccessToken{.token = std::move(token), .expiresIn = ttl, .scope = std::string(scope)};
}

}  // namespace atalaya::security
