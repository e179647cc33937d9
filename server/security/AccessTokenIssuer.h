#pragma once

#include <atalaya/Result.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace atalaya::security {

class JwtSigner;

struct AccessTokenOptions {
    std::string issuer;
    std::string audience;
    std::chrono::seconds ttl{900};
    std::function<std::int64_t()> now{};  // seconds since the epoch; system clock when empty
};

struct AccessToken {
    std::string token;
    std::int64_t expiresIn = 0;  // seconds
    std::string scope;           // space separated, as granted
};

// Makes the JWT access tokens of the client-credentials grant (RFC 9068): header typ "at+jwt",
// claims iss, aud, sub = client_id, client_id, scope, iat, nbf, exp = iat + ttl and a random
// jti (128 bits). It decides nothing: the token endpoint has authenticated the client and
// checked the scope before calling issue().
//
// Thread-safe. The signer is not owned and must outlive the issuer.
class AccessTokenIssuer {
public:
    AccessTokenIssuer(const JwtSigner* signer, AccessTokenOptions options);

    Result<AccessToken> issue(std::string_view clientId, std::string_view scope) const;

    const JwtSigner& signer() const { return *m_signer; }

private:
    const JwtSigner* m_signer;
    AccessTokenOptions m_options;
};

}  // namespace atalaya::security
