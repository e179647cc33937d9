#include "security/BearerAuthenticator.h"

#include <algorithm>
#include <cctype>

#include "security/ApiKeyStore.h"
#include "security/JwtVerifier.h"
#include "security/OAuthTokenVerifier.h"

namespace atalaya::security {
namespace {

Status invalidRequest() {
    return {StatusCode::Unauthenticated, "the Authorization header is not \"Bearer <token>\"",
            "invalid_request"};
}

// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" (RFC 6750 s2.1)
bool isB64Token(std::string_view token) {
    const auto end = token.find_last_not_of('=');
    if (end == std::string_view::npos)
        return false;
    return std::all_of(token.begin(), token.begin() + static_cast<std::ptrdiff_t>(end) + 1,
                       [](char c) {
                           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' ||
                                  c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
                       });
}

}  // namespace

BearerAuthenticator::BearerAuthenticator(const ApiKeyStore* keys, const JwtVerifier* jwt,
                                         const OAuthTokenVerifier* own)
    : m_keys(keys), m_jwt(jwt), m_own(own) {}

Result<Principal> BearerAuthenticator::authenticate(std::string_view header) const {
    if (header.empty()) {
        return Status(StatusCode::Unauthenticated, "this route needs a bearer token",
                      "missing_token");
    }
    // credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive (RFC 9110 s11.1).
    constexpr std::string_view kScheme = "bearer";
    if (header.size() <= kScheme.size() || header[kScheme.size()] != ' ')
        return invalidRequest();
    for (std::size_t i = 0; i < kScheme.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i])
            return invalidRequest();
    }
    std::string_view token = header.substr(kScheme.size());
    token.remove_prefix(std::min(token.find_first_not_of(' '), token.size()));
    if (!isB64Token(token))
        return invalidRequest();

    if (token.starts_with(ApiKeyStore::kPrefix)) {
        if (m_keys != nullptr)
            return m_keys->verify(token);
    } else if (std::count(token.begin(), token.end(), '.') == 2) {
        if (m_own != nullptr) {
            auto principal = m_own->verify(token);
            if (principal.isOk() || m_jwt == nullptr)
                return principal;
        }
        if (m_jwt != nullptr)
            return m_jwt->verify(token);
    }
    return Status(StatusCode::Unauthenticated, "the bearer token is not valid", "invalid_token");
}

}  // namespace atalaya::security
