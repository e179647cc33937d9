#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "http/ApiCall.h"

namespace atalaya {

class AuditTrail;
class TrafficGate;

namespace security {
class ApiKeyStore;
class OAuthClientStore;
}  // namespace security

// The admin API for credentials, all Access::Admin, under /api/v1/admin/:
//   POST keys, GET keys, DELETE keys/{id}, PUT keys/{id}/limits
//   POST clients, GET clients, DELETE clients/{id}, PUT clients/{id}/limits
//   GET usage
// A key's token and a client's secret are in the answer to their creation and nowhere else:
// not in the audit trail, not in the log, not in any later answer. Every change writes one
// AuditEntry (actor, client address, action, id, detail without secrets) once it is made.
//
// Thread affinity: handlers run on IO threads (the stores and the trail are thread-safe).
// Nothing is owned; all outlive the routes.
class SecurityAdminRoutes final : public http::RouteGroup {
public:
    SecurityAdminRoutes(security::ApiKeyStore* keys, security::OAuthClientStore* clients,
                        TrafficGate* gate, AuditTrail* audit);

    std::vector<http::RouteEntry> routes() override;

private:
    // The same four handlers serve keys and clients; the Kind says which (.cpp).
    struct Kind;
    void create(const Kind& kind, const http::ApiCallPtr& call);
    void list(const Kind& kind, const http::ApiCallPtr& call);
    void revoke(const Kind& kind, const http::ApiCallPtr& call);
    void setLimits(const Kind& kind, const http::ApiCallPtr& call);
    void serveUsage(const http::ApiCallPtr& call);

    // Records a change made by `call`; a failure is logged, since the change itself stands.
    void audit(const http::ApiCall& call, std::string_view action, std::string_view target,
               const nlohmann::json& detail);

    security::ApiKeyStore* m_keys;
    security::OAuthClientStore* m_clients;
    TrafficGate* m_gate;
    AuditTrail* m_audit;
};

}  // namespace atalaya
