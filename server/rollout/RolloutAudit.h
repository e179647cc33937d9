#pragma once

#include <optional>

#include "admin/AuditTrail.h"
#include "rollout/RolloutEvent.h"

namespace atalaya::rollout {

// The audit entry of a rollout event (docs/security.md "Audit trail"): actor and address as the
// event has them (the caller's client id and address; "guard" or "schedule" and "server" for
// what the server decided on its own), an action in the credential routes' noun.verb form
// (`model.load`, `rollout.promote`, `rollout.auto_rollback`, ...), the route (`v2/credit-risk`)
// or version (`credit-risk:3`) as target, and the versions, weight and the event's own detail
// (for an automatic rollback: the rule and the numbers that tripped it) as detail.
//
// Empty for a refusal (`load_failed`): like the credential routes, the trail records changes
// that were made, not attempts; the rollout history keeps the failed load.
std::optional<AuditEntry> auditEntryOf(const RolloutEvent& event);

}  // namespace atalaya::rollout
