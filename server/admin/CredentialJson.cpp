#include "admin/CredentialJson.h"

#include <cmath>
#include <set>

#include "security/ScopeNames.h"

namespace atalaya {
namespace {

using nlohmann::json;

Status invalidBody(std::string message) {
    return invalidArgument(std::move(message), "invalid_body");
}

Status onlyKnownMembers(const json& body, const std::set<std::string, std::less<>>& known) {
    if (!body.is_object())
        return invalidBody("the body must be a JSON object");
    for (const auto& [name, value] : body.items()) {
        if (!known.contains(name))
            return invalidBody("unknown member \"" + name + "\"");
    }
    return Status::ok();
}

Result<double> nonNegativeNumber(const json& body, const char* name) {
    const auto it = body.find(name);
    if (it == body.end())
        return 0.0;
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0)
        return invalidBody(std::string("\"") + name + "\" must be a number >= 0");
    return it->get<double>();
}

Result<std::int64_t> nonNegativeInteger(const json& body, const char* name) {
    const auto it = body.find(name);
    if (it == body.end() || it->is_null())
        return std::int64_t{0};
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0)
        return invalidBody(std::string("\"") + name + "\" must be an integer >= 0");
    return it->get<std::int64_t>();
}

Result<std::vector<std::string>> stringArray(const json& body, const char* name) {
    const auto it = body.find(name);
    if (it == body.end())
        return std::vector<std::string>();
    if (!it->is_array())
        return invalidBody(std::string("\"") + name + "\" must be an array of strings");
    std::vector<std::string> values;
    for (const auto& value : *it) {
        if (!value.is_string() || value.get<std::string>().empty())
            return invalidBody(std::string("\"") + name + "\" must be an array of strings");
        values.push_back(value.get<std::string>());
    }
    return values;
}

Result<std::string> string(const json& body, const char* name) {
    const auto it = body.find(name);
    if (it == body.end())
        return std::string();
    if (!it->is_string())
        return invalidBody(std::string("\"") + name + "\" must be a string");
    return it->get<std::string>();
}

Result<ClientLimits> limitsIn(const json& body) {
    ClientLimits limits;
    ATALAYA_ASSIGN_OR_RETURN(limits.ratePerSecond, nonNegativeNumber(body, "rate"));
    ATALAYA_ASSIGN_OR_RETURN(limits.burst, nonNegativeNumber(body, "burst"));
    ATALAYA_ASSIGN_OR_RETURN(limits.requestsPerDay, nonNegativeInteger(body, "per_day"));
    ATALAYA_ASSIGN_OR_RETURN(limits.requestsPerMonth, nonNegativeInteger(body, "per_month"));
    return limits;
}

json timeOrNull(std::int64_t unix) {
    return unix == 0 ? json() : json(unix);
}

json scopesToJson(std::uint8_t scopes) {
    json names = json::array();
    for (const std::string_view name : security::scopeNames(scopes))
        names.push_back(name);
    return names;
}

// What keys and clients share, after their id member.
json credentialToJson(std::string_view idMember, const std::string& id,
                      const security::ApiKeySpec& spec, std::int64_t createdAt,
                      std::int64_t revokedAt) {
    return {{idMember, id},
            {"name", spec.name},
            {"owner", spec.owner},
            {"scopes", scopesToJson(spec.scopes)},
            {"models", spec.models},
            {"expires_at", timeOrNull(spec.expiresAtUnix)},
            {"limits", limitsToJson(spec.limits)},
            {"created_at", createdAt},
            {"revoked_at", timeOrNull(revokedAt)}};
}

}  // namespace

Result<security::ApiKeySpec> credentialSpecFromJson(const json& body) {
    ATALAYA_RETURN_IF_ERROR(
        onlyKnownMembers(body, {"name", "owner", "scopes", "models", "expires_at", "rate", "burst",
                                "per_day", "per_month"}));
    security::ApiKeySpec spec;
    ATALAYA_ASSIGN_OR_RETURN(spec.name, string(body, "name"));
    if (spec.name.empty() || spec.name.size() > 200)
        return invalidBody("\"name\" must be 1..200 bytes");
    ATALAYA_ASSIGN_OR_RETURN(spec.owner, string(body, "owner"));
    ATALAYA_ASSIGN_OR_RETURN(const auto scopes, stringArray(body, "scopes"));
    for (const auto& name : scopes) {
        const auto scope = security::scopeFromName(name);
        if (!scope)
            return invalidBody("\"scopes\" takes predict, metrics and admin");
        spec.scopes |= static_cast<std::uint8_t>(*scope);
    }
    if (spec.scopes == 0)
        return invalidBody("\"scopes\" needs at least one scope");
    ATALAYA_ASSIGN_OR_RETURN(spec.models, stringArray(body, "models"));
    ATALAYA_ASSIGN_OR_RETURN(spec.expiresAtUnix, nonNegativeInteger(body, "expires_at"));
    ATALAYA_ASSIGN_OR_RETURN(spec.limits, limitsIn(body));
    return spec;
}

Result<ClientLimits> limitsFromJson(const json& body) {
    ATALAYA_RETURN_IF_ERROR(onlyKnownMembers(body, {"rate", "burst", "per_day", "per_month"}));
    return limitsIn(body);
}

json limitsToJson(const ClientLimits& limits) {
    return {{"rate", limits.ratePerSecond},
            {"burst", limits.burst},
            {"per_day", limits.requestsPerDay},
            {"per_month", limits.requestsPerMonth}};
}

json keyToJson(const security::ApiKeyInfo& key) {
    return credentialToJson("id", key.id, key.spec, key.createdAtUnix, key.revokedAtUnix);
}

json clientToJson(const security::OAuthClientInfo& client) {
    return credentialToJson("client_id", client.clientId, client.spec, client.createdAtUnix,
                            client.revokedAtUnix);
}

}  // namespace atalaya
