#pragma once

#include <atalaya/Result.h>

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "rollout/RolloutEvent.h"
#include "rollout/RoutePolicy.h"
#include "telemetry/SqliteDatabase.h"

namespace atalaya::rollout {

// Rollout state and history in <dataDir>/rollout.sqlite, so a restart resumes the same
// routing: the policy of every route, each model's chosen default version, and the events.
//
// Thread-safe (one mutex around one connection). Called on the admin worker and the guard
// thread, never on an IO thread: writes are synchronous (a rollout action is rare and must not
// be lost).
class RolloutStore {
public:
    static Result<std::unique_ptr<RolloutStore>> open(const std::filesystem::path& file);

    Status savePolicy(const RoutePolicy& policy);
    Result<std::vector<RoutePolicy>> loadPolicies();
    Status saveDefault(const std::string& model, std::int64_t version);
    Result<std::map<std::string, std::int64_t>> loadDefaults();
    Status appendEvent(const RolloutEvent& event);
    Result<std::vector<RolloutEvent>> recentEvents(std::size_t limit);  // newest first

private:
    RolloutStore(SqliteDatabase db, SqliteStatement savePolicy, SqliteStatement appendEvent)
        : m_db(std::move(db))
        , m_savePolicy(std::move(savePolicy))
        , m_appendEvent(std::move(appendEvent)) {}

    std::mutex m_mutex;
    SqliteDatabase m_db;
    // The two writes, prepared once; after m_db, so they are finalized before it closes.
    SqliteStatement m_savePolicy;
    SqliteStatement m_appendEvent;
};

}  // namespace atalaya::rollout
