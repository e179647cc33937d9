#include "admin/SecurityAdminRoutes.h"

#include <nlohmann/json.hpp>

#include "admin/AuditRoutes.h"
#include "admin/AuditTrail.h"
#include "admin/CredentialJson.h"
#include "core/Logging.h"
#include "core/StrictJson.h"
#include "security/ApiKeyStore.h"
#include "security/OAuthClientStore.h"
#include "security/TrafficGate.h"

namespace atalaya {
namespace {

using http::ApiCallPtr;
using nlohmann::json;

constexpr std::string_view kPrefix = "/api/v1/admin/";

std::string idOf(const http::ApiCall& call) {
    return std::string(call.params.get("id").value_or(""));
}

Result<json> bodyOf(const http::ApiCall& call) {
    return parseStrictJson(call.request.body, {.maxDepth = 4});
}

// The audit detail of a key or client: what was decided, no secret (there is none in it).
json specDetail(const json& info) {
    json detail = info;
    detail.erase("created_at");
    detail.erase("revoked_at");
    return detail;
}

json usageEntry(TrafficGate* gate, std::string kind, std::string id, std::string principalId,
                const security::ApiKeySpec& spec, std::int64_t revokedAt) {
    json entry = {{"kind", std::move(kind)},
                  {"id", std::move(id)},
                  {"client", principalId},
                  {"name", spec.name},
                  {"owner", spec.owner},
                  {"revoked", revokedAt != 0},
                  {"limits", limitsToJson(spec.limits)}};
    if (gate != nullptr) {
        const auto usage = gate->usage(principalId, spec.limits);
        entry["effective"] = {{"rate", usage.rate.ratePerSecond},
                              {"burst", usage.rate.burst},
                              {"per_day", usage.quota.perDay},
                              {"per_month", usage.quota.perMonth}};
        entry["requests"] = {{"day", usage.used.day}, {"month", usage.used.month}};
    }
    return entry;
}

}  // namespace

SecurityAdminRoutes::SecurityAdminRoutes(security::ApiKeyStore* keys,
                                         security::OAuthClientStore* clients, TrafficGate* gate,
                                         AuditTrail* audit)
    : m_keys(keys), m_clients(clients), m_gate(gate), m_audit(audit) {}

std::vector<http::RouteEntry> SecurityAdminRoutes::routes() {
    using http::Access;
    auto on = [this](void (SecurityAdminRoutes::*handler)(const ApiCallPtr&)) {
        return [this, handler](const ApiCallPtr& call) { (this->*handler)(call); };
    };
    const std::string p(kPrefix);
    return {
        {{"POST", p + "keys", Access::Admin, true}, on(&SecurityAdminRoutes::createKey)},
        {{"GET", p + "keys", Access::Admin}, on(&SecurityAdminRoutes::listKeys)},
        {{"DELETE", p + "keys/{id}", Access::Admin}, on(&SecurityAdminRoutes::revokeKey)},
        {{"PUT", p + "keys/{id}/limits", Access::Admin, true},
         on(&SecurityAdminRoutes::setKeyLimits)},
        {{"POST", p + "clients", Access::Admin, true}, on(&SecurityAdminRoutes::createClient)},
        {{"GET", p + "clients", Access::Admin}, on(&SecurityAdminRoutes::listClients)},
        {{"DELETE", p + "clients/{id}", Access::Admin}, on(&SecurityAdminRoutes::revokeClient)},
        {{"PUT", p + "clients/{id}/limits", Access::Admin, true},
         on(&SecurityAdminRoutes::setClientLimits)},
        {{"GET", p + "usage", Access::Admin}, on(&SecurityAdminRoutes::serveUsage)},
    };
}

void SecurityAdminRoutes::audit(const http::ApiCall& call, std::string_view action,
                                std::string_view target, const json& detail) {
    const Status recorded = recordAudit(*m_audit, call, action, target, detail);
    if (!recorded.isOk()) {
        qCCritical(lcServer, "audit: %.*s %.*s was made but not recorded: %s",
                   static_cast<int>(action.size()), action.data(), static_cast<int>(target.size()),
                   target.data(), recorded.toString().c_str());
    }
}

void SecurityAdminRoutes::createKey(const ApiCallPtr& call) {
    auto body = bodyOf(*call);
    if (!body.isOk())
        return call->fail(body.status());
    auto spec = credentialSpecFromJson(*body);
    if (!spec.isOk())
        return call->fail(spec.status());
    auto issued = m_keys->create(*spec);
    if (!issued.isOk())
        return call->fail(issued.status());
    json info = keyToJson(issued->info);
    audit(*call, "key.create", issued->info.id, specDetail(info));
    info["token"] = issued->token;  // the only time it is ever shown
    call->reply(http::jsonResponse(201, info.dump()));
}

void SecurityAdminRoutes::listKeys(const ApiCallPtr& call) {
    auto keys = m_keys->list();
    if (!keys.isOk())
        return call->fail(keys.status());
    json list = json::array();
    for (const auto& key : *keys)
        list.push_back(keyToJson(key));
    call->reply(http::jsonResponse(200, json{{"keys", std::move(list)}}.dump()));
}

void SecurityAdminRoutes::revokeKey(const ApiCallPtr& call) {
    const std::string id = idOf(*call);
    if (const Status revoked = m_keys->revoke(id); !revoked.isOk())
        return call->fail(revoked);
    audit(*call, "key.revoke", id, json::object());
    call->reply(http::jsonResponse(200, json{{"id", id}, {"revoked", true}}.dump()));
}

void SecurityAdminRoutes::setKeyLimits(const ApiCallPtr& call) {
    auto body = bodyOf(*call);
    if (!body.isOk())
        return call->fail(body.status());
    auto limits = limitsFromJson(*body);
    if (!limits.isOk())
        return call->fail(limits.status());
    const std::string id = idOf(*call);
    if (const Status set = m_keys->setLimits(id, *limits); !set.isOk())
        return call->fail(set);
    const json detail = limitsToJson(*limits);
    audit(*call, "key.limits", id, detail);
    call->reply(http::jsonResponse(200, json{{"id", id}, {"limits", detail}}.dump()));
}

void SecurityAdminRoutes::createClient(const ApiCallPtr& call) {
    auto body = bodyOf(*call);
    if (!body.isOk())
        return call->fail(body.status());
    auto spec = credentialSpecFromJson(*body);
    if (!spec.isOk())
        return call->fail(spec.status());
    auto registered = m_clients->create(*spec);
    if (!registered.isOk())
        return call->fail(registered.status());
    json info = clientToJson(registered->info);
    audit(*call, "client.create", registered->info.clientId, specDetail(info));
    info["client_secret"] = registered->secret;  // the only time it is ever shown
    call->reply(http::jsonResponse(201, info.dump()));
}

void SecurityAdminRoutes::listClients(const ApiCallPtr& call) {
    auto clients = m_clients->list();
    if (!clients.isOk())
        return call->fail(clients.status());
    json list = json::array();
    for (const auto& client : *clients)
        list.push_back(clientToJson(client));
    call->reply(http::jsonResponse(200, json{{"clients", std::move(list)}}.dump()));
}

void SecurityAdminRoutes::revokeClient(const ApiCallPtr& call) {
    const std::string id = idOf(*call);
    if (const Status revoked = m_clients->revoke(id); !revoked.isOk())
        return call->fail(revoked);
    audit(*call, "client.revoke", id, json::object());
    call->reply(http::jsonResponse(200, json{{"client_id", id}, {"revoked", true}}.dump()));
}

void SecurityAdminRoutes::setClientLimits(const ApiCallPtr& call) {
    auto body = bodyOf(*call);
    if (!body.isOk())
        return call->fail(body.status());
    auto limits = limitsFromJson(*body);
    if (!limits.isOk())
        return call->fail(limits.status());
    const std::string id = idOf(*call);
    if (const Status set = m_clients->setLimits(id, *limits); !set.isOk())
        return call->fail(set);
    const json detail = limitsToJson(*limits);
    audit(*call, "client.limits", id, detail);
    call->reply(http::jsonResponse(200, json{{"client_id", id}, {"limits", detail}}.dump()));
}

void SecurityAdminRoutes::serveUsage(const ApiCallPtr& call) {
    auto keys = m_keys->list();
    if (!keys.isOk())
        return call->fail(keys.status());
    auto clients = m_clients->list();
    if (!clients.isOk())
        return call->fail(clients.status());
    json list = json::array();
    for (const auto& key : *keys) {
        list.push_back(
            usageEntry(m_gate, "api_key", key.id, "key:" + key.id, key.spec, key.revokedAtUnix));
    }
    for (const auto& client : *clients) {
        list.push_back(usageEntry(m_gate, "oauth_client", client.clientId, client.principalId(),
                                  client.spec, client.revokedAtUnix));
    }
    call->reply(http::jsonResponse(200, json{{"clients", std::move(list)}}.dump()));
}

}  // namespace atalaya
