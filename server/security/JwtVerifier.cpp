#include "security/JwtVerifier.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <vector>

#include "core/StrictJson.h"
#include "core/UnixTime.h"
#include "security/Base64Url.h"
#include "security/Crypto.h"
#include "security/JwtKey.h"
#include "security/ScopeNames.h"
#include "security/VerifiedTokenCache.h"

namespace atalaya::security {
namespace {

using nlohmann::json;

Status invalidToken(std::string message) {
    return {StatusCode::Unauthenticated, std::move(message), "invalid_token"};
}

// A base64url JSON object, strictly parsed (duplicate member names refused: RFC 7515 s4,
// RFC 7519 s4 leave them to the parser, and parsers disagree on which one wins).
Result<json> decodeObject(std::string_view part, const char* what) {
    const auto text = base64UrlDecode(part);
    if (!text)
        return invalidToken(std::string("the token's ") + what + " is not base64url");
    auto doc = parseStrictJson(*text, {.maxDepth = 4});
    if (!doc.isOk() || !doc->is_object())
        return invalidToken(std::string("the token's ") + what + " is not a JSON object");
    return std::move(doc).value();
}

// NumericDate (RFC 7519 s2): a JSON number of seconds; nullopt when absent.
Result<std::optional<double>> numericDate(const json& claims, const char* name) {
    const auto it = claims.find(name);
    if (it == claims.end())
        return std::optional<double>();
    if (!it->is_number() || !std::isfinite(it->get<double>()))
        return invalidToken(std::string("the \"") + name + "\" claim is not a NumericDate");
    return std::optional(it->get<double>());
}

bool audienceContains(const json& aud, const std::string& audience) {
    if (aud.is_string())
        return aud.get<std::string>() == audience;
    if (!aud.is_array())
        return false;
    return std::any_of(aud.begin(), aud.end(), [&](const json& entry) {
        return entry.is_string() && entry.get<std::string>() == audience;
    });
}

std::int64_t systemNow() {
    return systemUnixSeconds();
}

}  // namespace

class JwtVerifier::Impl {
public:
    Impl(std::vector<JwtKey> keys, JwtVerifierOptions options)
        : m_keys(std::move(keys)), m_options(std::move(options)), m_cache(m_options.cacheCapacity) {
        if (!m_options.now)
            m_options.now = systemNow;
    }

    Result<Principal> verify(std::string_view token) const {
        if (token.size() > m_options.maxTokenBytes)
            return invalidToken("the token is too large");
        const auto dot1 = token.find('.');
        const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
        if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
            return invalidToken("the token is not a JWS in compact form");
        std::optional<Sha256Digest> digest;
        if (m_options.cacheCapacity > 0) {
            if (auto hashed = sha256(token); hashed.isOk())
                digest = *hashed;
        }
        if (!digest) {
            // No cache, or no digest: the cache only ever saves work.
            ATALAYA_ASSIGN_OR_RETURN(Verified verified, verifyInFull(token, dot1, dot2));
            return std::move(verified.principal);
        }
        if (auto hit = m_cache.find(*digest, static_cast<double>(m_options.now()))) {
            // Checked on every hit rather than by emptying the cache on revocation: a
            // verification that was under way when the jti was revoked could insert it again.
            if (!hit->jti.empty() && isRevoked(hit->jti))
                return invalidToken("the token has been revoked");
            return std::move(hit->principal);
        }
        ATALAYA_ASSIGN_OR_RETURN(Verified verified, verifyInFull(token, dot1, dot2));
        m_cache.insert(*digest, {.principal = verified.principal,
                                 .validUntil = verified.validUntil,
                                 .jti = std::move(verified.jti)});
        return std::move(verified.principal);
    }

    void revokeJti(std::string jti) {
        std::lock_guard lock(m_mutex);
        m_revokedJtis.insert(std::move(jti));
    }

    std::size_t cachedTokens() const { return m_cache.size(); }

private:
    // A token that passed every check: who it names, until when (exp + leeway), its jti.
    struct Verified {
        Principal principal;
        double validUntil = 0;
        std::string jti;
    };

    Result<Verified> verifyInFull(std::string_view token, std::size_t dot1,
                                  std::size_t dot2) const {
        ATALAYA_ASSIGN_OR_RETURN(const json header, decodeObject(token.substr(0, dot1), "header"));
        ATALAYA_RETURN_IF_ERROR(checkType(header));
        ATALAYA_ASSIGN_OR_RETURN(const JwtKey* key, keyFor(header));
        const auto signature = base64UrlDecode(token.substr(dot2 + 1));
        if (!signature || !key->verify(token.substr(0, dot2), *signature))
            return invalidToken("the token's signature is not valid");
        // Claims are looked at only once the signature holds.
        ATALAYA_ASSIGN_OR_RETURN(const json claims,
                                 decodeObject(token.substr(dot1 + 1, dot2 - dot1 - 1), "claims"));
        ATALAYA_ASSIGN_OR_RETURN(const double validUntil, checkClaims(claims));
        ATALAYA_ASSIGN_OR_RETURN(Principal principal, principalFrom(claims));
        const auto jti = claims.find("jti");  // a string, or checkClaims refused it
        return Verified{.principal = std::move(principal),
                        .validUntil = validUntil,
                        .jti = jti != claims.end() ? jti->get<std::string>() : std::string()};
    }

    bool isRevoked(const std::string& jti) const {
        std::lock_guard lock(m_mutex);
        return m_revokedJtis.contains(jti);
    }

    Status checkType(const json& header) const {
        if (m_options.requiredType.empty())
            return Status::ok();
        const auto typ = header.find("typ");
        if (typ == header.end() || !typ->is_string())
            return invalidToken("the token has no \"typ\"");
        std::string type = typ->get<std::string>();
        std::transform(type.begin(), type.end(), type.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (type != m_options.requiredType && type != "application/" + m_options.requiredType)
            return invalidToken("the token is not of the expected type");
        return Status::ok();
    }

    // RFC 8725 s3.1: the key, found by kid among configured keys only, decides the algorithm.
    Result<const JwtKey*> keyFor(const json& header) const {
        const auto alg = header.find("alg");
        if (alg == header.end() || !alg->is_string())
            return invalidToken("the token has no \"alg\"");
        // RFC 7515 s4.1.11: extensions we do not understand must make the token invalid.
        if (header.contains("crit"))
            return invalidToken("the token has critical header parameters");
        const JwtKey* key = nullptr;
        if (const auto kid = header.find("kid"); kid != header.end()) {
            if (!kid->is_string())
                return invalidToken("the token's \"kid\" is not a string");
            for (const JwtKey& candidate : m_keys) {
                if (candidate.kid() == kid->get<std::string>())
                    key = &candidate;
            }
        } else if (m_keys.size() == 1) {
            key = &m_keys.front();
        }
        if (key == nullptr)
            return invalidToken("the token's key is not configured");
        if (alg->get<std::string>() != jwtAlgorithmName(key->algorithm()))
            return invalidToken("the token's algorithm is not the one of its key");
        return key;
    }

    // The instant the token stops being valid (exp + leeway), once every claim is checked.
    Result<double> checkClaims(const json& claims) const {
        const double now = static_cast<double>(m_options.now());
        const double leeway = static_cast<double>(m_options.leeway.count());
        ATALAYA_ASSIGN_OR_RETURN(const auto exp, numericDate(claims, "exp"));
        if (!exp)
            return invalidToken("the token has no expiry");
        if (now >= *exp + leeway)  // RFC 7519 s4.1.4
            return invalidToken("the token has expired");
        ATALAYA_ASSIGN_OR_RETURN(const auto nbf, numericDate(claims, "nbf"));
        if (nbf && now + leeway < *nbf)  // RFC 7519 s4.1.5
            return invalidToken("the token is not valid yet");
        ATALAYA_ASSIGN_OR_RETURN(const auto iat, numericDate(claims, "iat"));
        if (iat && now + leeway < *iat)
            return invalidToken("the token was issued in the future");
        if (!m_options.issuer.empty() && claims.value("iss", json()) != json(m_options.issuer)) {
            return invalidToken("the token's issuer is not accepted");
        }
        if (!m_options.audience.empty() &&
            !audienceContains(claims.value("aud", json()), m_options.audience)) {
            return invalidToken("the token is not meant for this audience");
        }
        if (const auto jti = claims.find("jti"); jti != claims.end()) {
            if (!jti->is_string())
                return invalidToken("the token's \"jti\" is not a string");
            if (isRevoked(jti->get<std::string>()))
                return invalidToken("the token has been revoked");
        }
        return *exp + leeway;
    }

    static Result<Principal> principalFrom(const json& claims) {
        Principal principal;
        principal.credential = "jwt";
        for (const char* name : {"sub", "client_id"}) {
            const auto it = claims.find(name);
            if (it != claims.end() && it->is_string() && !it->get<std::string>().empty()) {
                principal.clientId = it->get<std::string>();
                break;
            }
        }
        if (principal.clientId.empty())
            return invalidToken("the token names no subject");
        const auto scope = claims.find("scope");
        if (scope != claims.end() && !scope->is_string())
            return invalidToken("the token's \"scope\" is not a string");
        bool allModels = false;
        std::istringstream words(scope != claims.end() ? scope->get<std::string>() : "");
        for (std::string word; words >> word;) {
            if (word.starts_with("predict:") && word.size() > 8) {
                principal.scopes |= static_cast<std::uint8_t>(Scope::Predict);
                principal.models.push_back(word.substr(8));
            } else if (const auto known = scopeFromName(word)) {
                principal.scopes |= static_cast<std::uint8_t>(*known);
                allModels = allModels || *known == Scope::Predict;
            }  // RFC 6749 s3.3: scopes we do not know grant nothing
        }
        if (allModels)
            principal.models.clear();
        return principal;
    }

    const std::vector<JwtKey> m_keys;
    JwtVerifierOptions m_options;
    mutable std::mutex m_mutex;
    std::set<std::string, std::less<>> m_revokedJtis;
    mutable VerifiedTokenCache m_cache;
};

Result<std::unique_ptr<JwtVerifier>> JwtVerifier::fromJwks(std::string_view jwks,
                                                           JwtVerifierOptions options) {
    ATALAYA_ASSIGN_OR_RETURN(auto keys, JwtKey::parseSet(jwks));
    return std::unique_ptr<JwtVerifier>(
        new JwtVerifier(std::make_unique<Impl>(std::move(keys), std::move(options))));
}

Result<std::unique_ptr<JwtVerifier>> JwtVerifier::fromJwksFile(const std::filesystem::path& file,
                                                               JwtVerifierOptions options) {
    std::ifstream in(file);
    if (!in)
        return notFound("JWKS: cannot read " + file.string(), "jwks_not_found");
    std::stringstream text;
    text << in.rdbuf();
    return fromJwks(text.str(), std::move(options));
}

JwtVerifier::JwtVerifier(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
JwtVerifier::~JwtVerifier() = default;

Result<Principal> JwtVerifier::verify(std::string_view token) const {
    return d->verify(token);
}

void JwtVerifier::revokeJti(std::string jti) {
    d->revokeJti(std::move(jti));
}

std::size_t JwtVerifier::cachedTokens() const {
    return d->cachedTokens();
}

}  // namespace atalaya::security
