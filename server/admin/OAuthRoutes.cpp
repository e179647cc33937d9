#include "admin/OAuthRoutes.h"

#include <QByteArray>
#include <algorithm>
#include <nlohmann/json.hpp>

#include "admin/FormFields.h"
#include "core/FormUrlEncoded.h"
#include "security/AccessTokenIssuer.h"
#include "security/JwtSigner.h"
#include "security/OAuthClientStore.h"
#include "security/ScopeNames.h"
#include "security/TrafficGate.h"

namespace atalaya {
namespace {

using http::ApiCall;
using http::ApiCallPtr;
using http::HttpResponse;

// The token endpoint's errors are RFC 6749 s5.2 errors: the Status reason is the error code
// ("invalid_request", "invalid_client", "unauthorized_client", "unsupported_grant_type",
// "invalid_scope"), the message its error_description.
Status oauthError(std::string_view error, std::string message) {
    return {error == "invalid_client" ? StatusCode::Unauthenticated : StatusCode::InvalidArgument,
            std::move(message), std::string(error)};
}

// RFC 6749 s5.1: token answers (and here their errors too) must not be cached.
HttpResponse& noStore(HttpResponse& response) {
    return response.withHeader("Cache-Control", "no-store").withHeader("Pragma", "no-cache");
}

// Deliberately not the house {"error":{"code","message"}} shape of http/HttpErrors.h: OAuth
// client libraries parse RFC 6749 s5.2's {"error","error_description"} and nothing else.
HttpResponse oauthErrorResponse(const Status& status, bool basicUsed) {
    HttpResponse response;
    const bool client = status.reason() == "invalid_client";
    response.status = client ? 401 : 400;
    response.body =
        nlohmann::json{{"error", status.reason()}, {"error_description", status.message()}}.dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace);
    // s5.2: a client that authenticated with the Authorization header gets the challenge of
    // the scheme it used.
    if (client && basicUsed)
        response.withHeader("WWW-Authenticate", R"(Basic realm="atalaya")");
    return noStore(response);
}

// `lower` must be lower case.
bool equalsIgnoringCase(std::string_view text, std::string_view lower) {
    return text.size() == lower.size() &&
           std::equal(text.begin(), text.end(), lower.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == b;
           });
}

bool hasMediaType(std::string_view value, std::string_view expected) {
    std::string_view type = value.substr(0, value.find(';'));
    while (!type.empty() && type.back() == ' ')
        type.remove_suffix(1);
    return equalsIgnoringCase(type, expected);
}

struct ClientCredentials {
    std::string id;
    std::string secret;
    bool basic = false;  // sent in the Authorization header
};

// RFC 6749 s2.3.1: HTTP Basic (RFC 7617) whose user-id and password are the form-urlencoded
// client id and secret, or client_id / client_secret in the body; never both methods at once.
Result<ClientCredentials> credentialsOf(std::string_view authorization, const FormFields& form) {
    ClientCredentials credentials;
    if (!authorization.empty()) {
        // credentials = auth-scheme 1*SP token68; the scheme is case-insensitive (RFC 9110 s11).
        constexpr std::string_view kScheme = "basic ";
        if (authorization.size() <= kScheme.size() ||
            !equalsIgnoringCase(authorization.substr(0, kScheme.size()), kScheme))
            return oauthError("invalid_client", "client authentication must use HTTP Basic");
        credentials.basic = true;
        const QByteArray encoded(authorization.data() + kScheme.size(),
                                 static_cast<qsizetype>(authorization.size() - kScheme.size()));
        const auto decoded = QByteArray::fromBase64Encoding(
            encoded.trimmed(), QByteArray::AbortOnBase64DecodingErrors);
        const std::string pair = decoded ? decoded.decoded.toStdString() : std::string();
        const auto colon = pair.find(':');
        auto id = decodeFormComponent(std::string_view(pair).substr(0, colon));
        auto secret = colon == std::string::npos
                          ? std::nullopt
                          : decodeFormComponent(std::string_view(pair).substr(colon + 1));
        if (!decoded || !id || !secret || id->empty())
            return oauthError("invalid_client", "the Basic credentials are malformed");
        if (form.has("client_secret"))
            return oauthError("invalid_request", "use one client authentication method only");
        if (const auto bodyId = form.get("client_id"); bodyId && *bodyId != *id)
            return oauthError("invalid_request", "client_id differs from the Basic user-id");
        credentials.id = std::move(*id);
        credentials.secret = std::move(*secret);
        return credentials;
    }
    const auto id = form.get("client_id");
    const auto secret = form.get("client_secret");
    if (!id || !secret)
        return oauthError("invalid_client", "the client must authenticate");
    credentials.id = std::string(*id);
    credentials.secret = std::string(*secret);
    return credentials;
}

bool isScopeToken(std::string_view token) {
    // RFC 6749 s3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    return !token.empty() && std::all_of(token.begin(), token.end(), [](char c) {
        return c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
    });
}

// The scope to grant: the requested one when the client holds all of it, else invalid_scope;
// without a request, everything the client holds (RFC 6749 s3.3 lets the server default).
Result<std::string> grantedScope(std::optional<std::string_view> requested,
                                 const security::OAuthClientInfo& client) {
    const std::string all = security::scopeListText(client.spec.scopes, ' ');
    if (!requested)
        return all;
    std::vector<std::string> granted;
    std::string_view rest = *requested;
    while (true) {
        const auto space = rest.find(' ');
        const std::string_view token = rest.substr(0, space);
        if (!isScopeToken(token))
            return oauthError("invalid_scope", "scope must be scope tokens separated by spaces");
        bool allowed = false;
        if (token.starts_with("predict:") && token.size() > 8) {
            const auto& models = client.spec.models;
            allowed = client.spec.scopes & static_cast<std::uint8_t>(Scope::Predict) &&
                      (models.empty() ||
                       std::find(models.begin(), models.end(), token.substr(8)) != models.end());
        } else if (const auto scope = security::scopeFromName(token)) {
            allowed = (client.spec.scopes & static_cast<std::uint8_t>(*scope)) != 0;
        }
        if (!allowed)
            return oauthError("invalid_scope",
                              "the client may not request \"" + std::string(token) + "\"");
        if (std::find(granted.begin(), granted.end(), token) == granted.end())
            granted.emplace_back(token);
        if (space == std::string_view::npos)
            break;
        rest.remove_prefix(space + 1);
    }
    std::string text;
    for (const auto& token : granted)
        text += (text.empty() ? "" : " ") + token;
    return text;
}

}  // namespace

OAuthRoutes::OAuthRoutes(const security::AccessTokenIssuer* issuer,
                         const security::OAuthClientStore* clients, TrafficGate* gate)
    : m_issuer(issuer), m_clients(clients), m_gate(gate), m_jwks(issuer->signer().publicJwks()) {}

std::vector<http::RouteEntry> OAuthRoutes::routes() {
    using http::Access;
    return {
        {{"POST", "/oauth/token", Access::Public},
         [this](const ApiCallPtr& call) { serveToken(call); }},
        {{"GET", "/oauth/jwks.json", Access::Public},
         [this](const ApiCallPtr& call) { serveJwks(call); }},
    };
}

void OAuthRoutes::serveJwks(const ApiCallPtr& call) {
    HttpResponse response = http::jsonResponse(200, m_jwks);
    response.contentType = "application/jwk-set+json";
    call->reply(std::move(response));
}

void OAuthRoutes::serveToken(const ApiCallPtr& call) {
    const http::HttpRequest& request = call->request;
    const bool basicSent = !request.header("Authorization").empty();
    auto fail = [&](const Status& status) { call->reply(oauthErrorResponse(status, basicSent)); };
    if (!hasMediaType(request.header("Content-Type"), "application/x-www-form-urlencoded"))
        return fail(
            oauthError("invalid_request", "the body must be application/x-www-form-urlencoded"));
    auto form = FormFields::parse(request.body);
    if (!form.isOk())
        return fail(form.status());
    auto credentials = credentialsOf(request.header("Authorization"), *form);
    if (!credentials.isOk())
        return fail(credentials.status());

    // Before the secret is hashed: a source that keeps failing spends nothing more here.
    if (m_gate != nullptr) {
        const RateLimitDecision attempt = m_gate->admitAuthAttempt(call->clientAddress);
        if (!attempt.allowed)
            return call->fail(attempt.toStatus());
    }
    auto client = m_clients->authenticate(credentials->id, credentials->secret);
    if (!client.isOk()) {
        if (client.status().reason() == "invalid_client" && m_gate != nullptr)
            m_gate->recordAuthFailure(call->clientAddress);
        return fail(client.status());
    }
    const auto grantType = form->get("grant_type");
    if (!grantType)
        return fail(oauthError("invalid_request", "grant_type is missing"));
    if (*grantType != "client_credentials")
        return fail(
            oauthError("unsupported_grant_type", "only the client_credentials grant is supported"));
    auto scope = grantedScope(form->get("scope"), *client);
    if (!scope.isOk())
        return fail(scope.status());
    auto token = m_issuer->issue(client->clientId, *scope);
    if (!token.isOk())
        return call->fail(token.status());
    HttpResponse response = http::jsonResponse(200, nlohmann::json{{"access_token", token->token},
                                                                   {"token_type", "Bearer"},
                                                                   {"expires_in", token->expiresIn},
                                                                   {"scope", token->scope}}
                                                        .dump());
    call->reply(std::move(noStore(response)));
}

}  // namespace atalaya
