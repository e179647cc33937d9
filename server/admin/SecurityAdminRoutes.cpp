#include "admin/SecurityAdminRoutes.h"

#include <functional>
#include <memory>
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

// A new credential: its JSON (no secret) and the secret shown once.
struct Created {
    std::string id;
    json info;
    std::string secret;
};

}  // namespace

// What the key routes and the client routes do differently; their handlers are shared.
struct SecurityAdminRoutes::Kind {
    std::string noun;          // "key": audit actions "key.create", "key.revoke", "key.limits"
    std::string idMember;      // "id": the id in revoke and limits answers
    std::string listMember;    // "keys": the list's member in GET
    std::string secretMember;  // "token": the secret's member in the creation answer
    std::function<Result<Created>(const security::ApiKeySpec& spec)> create;
    std::function<Result<json>()> list;  // an array of credential JSON
    std::function<Status(std::string_view id)> revoke;
    std::function<Status(std::string_view id, const ClientLimits& limits)> setLimits;
};

SecurityAdminRoutes::SecurityAdminRoutes(security::ApiKeyStore* keys,
                                         security::OAuthClientStore* clients, TrafficGate* gate,
                                         AuditTrail* audit)
    : m_keys(keys), m_clients(clients), m_gate(gate), m_audit(audit) {}

std::vector<http::RouteEntry> SecurityAdminRoutes::routes() {
    using http::Access;
    auto* keyStore = m_keys;
    auto* clientStore = m_clients;
    const auto keys = std::make_shared<const Kind>(Kind{
        .noun = "key",
        .idMember = "id",
        .listMember = "keys",
        .secretMember = "token",
        .create = [keyStore](const security::ApiKeySpec& spec) -> Result<Created> {
            ATALAYA_ASSIGN_OR_RETURN(auto issued, keyStore->create(spec));
            return Created{issued.info.id, keyToJson(issued.info), std::move(issued.token)};
        },
        .list = [keyStore]() -> Result<json> {
            ATALAYA_ASSIGN_OR_RETURN(const auto all, keyStore->list());
            json list = json::array();
            for (const auto& key : all)
                list.push_back(keyToJson(key));
            return list;
        },
        .revoke = [keyStore](std::string_view id) { return keyStore->revoke(id); },
        .setLimits = [keyStore](
                         std::string_view id,
                         const ClientLimits& limits) { return keyStore->setLimits(id, limits); }});
    const auto clients = std::make_shared<const Kind>(
        Kind{.noun = "client",
             .idMember = "client_id",
             .listMember = "clients",
             .secretMember = "client_secret",
             .create = [clientStore](const security::ApiKeySpec& spec) -> Result<Created> {
                 ATALAYA_ASSIGN_OR_RETURN(auto registered, clientStore->create(spec));
                 return Created{registered.info.clientId, clientToJson(registered.info),
                                std::move(registered.secret)};
             },
             .list = [clientStore]() -> Result<json> {
                 ATALAYA_ASSIGN_OR_RETURN(const auto all, clientStore->list());
                 json list = json::array();
                 for (const auto& client : all)
                     list.push_back(clientToJson(client));
                 return list;
             },
             .revoke = [clientStore](std::string_view id) { return clientStore->revoke(id); },
             .setLimits =
                 [clientStore](std::string_view id, const ClientLimits& limits) {
                     return clientStore->setLimits(id, limits);
                 }});
    using Handler = void (SecurityAdminRoutes::*)(const Kind&, const ApiCallPtr&);
    auto on = [this](Handler handler, std::shared_ptr<const Kind> kind) {
        return [this, handler, kind](const ApiCallPtr& call) { (this->*handler)(*kind, call); };
    };
    const std::string p(kPrefix);
    return {
        {{"POST", p + "keys", Access::Admin, true}, on(&SecurityAdminRoutes::create, keys)},
        {{"GET", p + "keys", Access::Admin}, on(&SecurityAdminRoutes::list, keys)},
        {{"DELETE", p + "keys/{id}", Access::Admin}, on(&SecurityAdminRoutes::revoke, keys)},
        {{"PUT", p + "keys/{id}/limits", Access::Admin, true},
         on(&SecurityAdminRoutes::setLimits, keys)},
        {{"POST", p + "clients", Access::Admin, true}, on(&SecurityAdminRoutes::create, clients)},
        {{"GET", p + "clients", Access::Admin}, on(&SecurityAdminRoutes::list, clients)},
        {{"DELETE", p + "clients/{id}", Access::Admin}, on(&SecurityAdminRoutes::revoke, clients)},
        {{"PUT", p + "clients/{id}/limits", Access::Admin, true},
         on(&SecurityAdminRoutes::setLimits, clients)},
        {{"GET", p + "usage", Access::Admin}, [this](const ApiCallPtr& call) { serveUsage(call); }},
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

void SecurityAdminRoutes::create(const Kind& kind, const ApiCallPtr& call) {
    auto body = bodyOf(*call);
    if (!body.isOk())
        return call->fail(body.status());
    auto spec = credentialSpecFromJson(*body);
    if (!spec.isOk())
        return call->fail(spec.status());
    auto created = kind.create(*spec);
    if (!created.isOk())
        return call->fail(created.status());
    audit(*call, kind.noun + ".create", created->id, specDetail(created->info));
    created->info[kind.secretMember] = created->secret;  // the only time it is ever shown
    call->reply(http::jsonResponse(201, created->info.dump()));
}

void SecurityAdminRoutes::list(const Kind& kind, const ApiCallPtr& call) {
    auto list = kind.list();
    if (!list.isOk())
        return call->fail(list.status());
    call->reply(http::jsonResponse(200, json{{kind.listMember, std::move(*list)}}.dump()));
}

void SecurityAdminRoutes::revoke(const Kind& kind, const ApiCallPtr& call) {
    const std::string id = idOf(*call);
    if (const Status revoked = kind.revoke(id); !revoked.isOk())
        return call->fail(revoked);
    audit(*call, kind.noun + ".revoke", id, json::object());
    call->reply(http::jsonResponse(200, json{{kind.idMember, id}, {"revoked", true}}.dump()));
}

void SecurityAdminRoutes::setLimits(const Kind& kind, const ApiCallPtr& call) {
    auto body = bodyOf(*call);
    if (!body.isOk())
        return call->fail(body.status());
    auto limits = limitsFromJson(*body);
    if (!limits.isOk())
        return call->fail(limits.status());
    const std::string id = idOf(*call);
    if (const Status set = kind.setLimits(id, *limits); !set.isOk())
        return call->fail(set);
    const json detail = limitsToJson(*limits);
    audit(*call, kind.noun + ".limits", id, detail);
    call->reply(http::jsonResponse(200, json{{kind.idMember, id}, {"limits", detail}}.dump()));
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
