#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/ApiCall.h"

namespace atalaya {
class DriftMonitor;
class ModelRepository;
class ModelVersion;
class SqliteDatabase;
class StatsQueryThread;
}  // namespace atalaya

namespace atalaya::stats {

class QueryString;

struct StatsRoutesOptions {
    ModelRepository* models = nullptr;      // required; outlives the routes
    StatsQueryThread* queries = nullptr;    // required; outlives the routes
    const DriftMonitor* drift = nullptr;    // null when the drift monitor is off
    std::function<std::int64_t()> clock{};  // Unix ms, for the default range; empty: system
};

// GET /api/v1/stats/{timeseries,drift,histogram} (docs/api.md, "Statistics"), read scope:
// the console's charts, answered from the inference log's rollups and drift history and the
// drift monitor's live windows; and GET /api/v1/stats/shadow (docs/rollout.md), a shadow's
// answers compared with the clients' from the log's raw rows.
//
// Thread affinity: handlers run on an IO thread and only check the parameters there (a map
// lookup in the repository); the query itself runs on the StatsQueryThread, which answers
// through call->reply(). Errors use the house error body: unknown model or version 404, bad
// parameters 400, a busy query thread or an inference log that is off 503.
class StatsRoutes final : public http::RouteGroup {
public:
    explicit StatsRoutes(StatsRoutesOptions options);
    std::vector<http::RouteEntry> routes() override;

private:
    struct Target {
        std::string model;
        std::shared_ptr<ModelVersion> version;  // null: every version (timeseries only)
    };

    void serveTimeSeries(const http::ApiCallPtr& call);
    void serveDrift(const http::ApiCallPtr& call);
    void serveHistogram(const http::ApiCallPtr& call);
    void serveShadow(const http::ApiCallPtr& call);

    // The model and version named by the query; with `versionRequired`, a missing version
    // means the model's highest one.
    Result<Target> targetOf(const QueryString& query, bool versionRequired) const;
    // [from, to) in Unix ms; the last hour when absent.
    Result<std::pair<std::int64_t, std::int64_t>> rangeOf(const QueryString& query) const;
    void post(const http::ApiCallPtr& call, std::function<void(SqliteDatabase*)> job);
    // A query of the inference log on the query thread: `run(db)` -> Result<T>, answered with
    // `toJson(T)`; 503 log_off without a log, the query's own error otherwise.
    template <class Run, class ToJson>
    void answerFromLog(const http::ApiCallPtr& call, Run run, ToJson toJson);
    std::int64_t nowMs() const;

    StatsRoutesOptions m_options;
};

}  // namespace atalaya::stats
