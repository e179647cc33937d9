#pragma once

#include <atalaya/Status.h>

#include <nlohmann/json_fwd.hpp>
#include <string_view>
#include <vector>

#include "http/ApiCall.h"

namespace atalaya {

class AuditTrail;

// GET /api/v1/admin/audit?limit=N&since=UNIX_MS (Access::Admin): the newest entries first,
// `limit` 1..1000 (default 100), `since` in unix milliseconds.
//
// Thread affinity: the handler runs on IO threads. The trail is not owned and outlives it.
class AuditRoutes final : public http::RouteGroup {
public:
    explicit AuditRoutes(AuditTrail* audit);
    std::vector<http::RouteEntry> routes() override;

private:
    void serveAudit(const http::ApiCallPtr& call);

    AuditTrail* m_audit;
};

// Records that `call`'s caller did `action` to `target`: actor ApiCall::actor(), address the
// client address (X-Forwarded-For from a trusted proxy, else the peer), `detail` a JSON object
// that must hold no secret. For every admin route group (credentials, rollout, ...).
Status recordAudit(AuditTrail& trail, const http::ApiCall& call, std::string_view action,
                   std::string_view target, const nlohmann::json& detail);

}  // namespace atalaya
