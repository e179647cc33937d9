#include "admin/AuditRoutes.h"

#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

#include "admin/AuditTrail.h"
#include "admin/FormFields.h"

namespace atalaya {
namespace {

using nlohmann::json;

// A query parameter as a whole number in [min, max], or `fallback` when absent.
Result<std::int64_t> integerParam(const FormFields& query, std::string_view name,
                                  std::int64_t fallback, std::int64_t min, std::int64_t max) {
    const auto text = query.get(name);
    if (!text)
        return fallback;
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size() || value < min || value > max) {
        return invalidArgument(std::string(name) + " must be a whole number from " +
                                   std::to_string(min) + " to " + std::to_string(max),
                               "invalid_query");
    }
    return value;
}

}  // namespace

AuditRoutes::AuditRoutes(AuditTrail* audit) : m_audit(audit) {}

std::vector<http::RouteEntry> AuditRoutes::routes() {
    return {{{"GET", "/api/v1/admin/audit", http::Access::Admin},
             [this](const http::ApiCallPtr& call) { serveAudit(call); }}};
}

void AuditRoutes::serveAudit(const http::ApiCallPtr& call) {
    const std::string& target = call->request.target;
    const auto question = target.find('?');
    auto query = FormFields::parse(question == std::string::npos
                                       ? std::string_view()
                                       : std::string_view(target).substr(question + 1));
    if (!query.isOk())
        return call->fail(query.status());
    auto limit =
        integerParam(*query, "limit", 100, 1, static_cast<std::int64_t>(AuditTrail::kMaxRecent));
    if (!limit.isOk())
        return call->fail(limit.status());
    auto since = integerParam(*query, "since", -1, 0, std::numeric_limits<std::int64_t>::max());
    if (!since.isOk())
        return call->fail(since.status());
    auto entries = m_audit->recent(static_cast<std::size_t>(*limit),
                                   *since < 0 ? std::nullopt : std::optional(*since));
    if (!entries.isOk())
        return call->fail(entries.status());
    json list = json::array();
    for (const AuditEntry& entry : *entries) {
        list.push_back({{"time_unix_ms", entry.timeUnixMs},
                        {"actor", entry.actor},
                        {"address", entry.address},
                        {"action", entry.action},
                        {"target", entry.target},
                        {"detail", json::parse(entry.detailJson, nullptr, false)}});
    }
    call->reply(http::jsonResponse(200, json{{"entries", std::move(list)}}.dump(
                                            -1, ' ', false, json::error_handler_t::replace)));
}

Status recordAudit(AuditTrail& trail, const http::ApiCall& call, std::string_view action,
                   std::string_view target, const json& detail) {
    return trail.record(
        {.actor = call.actor(),
         .address = call.clientAddress.empty() ? call.request.remoteAddress : call.clientAddress,
         .action = std::string(action),
         .target = std::string(target),
         .detailJson = detail.dump(-1, ' ', false, json::error_handler_t::replace)});
}

}  // namespace atalaya
