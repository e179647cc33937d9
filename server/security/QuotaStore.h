#pragma once

#include <atalaya/Result.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "security/Principal.h"
#include "security/RateLimitDecision.h"
#include "security/StringHash.h"
#include "telemetry/SqliteDatabase.h"

namespace atalaya {

// Requests per client per UTC calendar day and month.
//
// Counted in memory (a consume() is a map lookup under one mutex) and written to SQLite as
// absolute counts per (client, period) with an UPSERT, in one transaction per flush: every
// `flushInterval` on its own thread, and on stop(). Open loads the current day's and month's
// counts back, so a restart neither resets a quota nor counts a request twice. A crash
// (kill -9) loses at most the requests of the last interval, in the client's favour.
//
// The file is the store's own (quota.sqlite), apart from the key store's database.
//
// Thread-safe: consume() on any IO thread; flush() and stop() from any thread (they serialise
// on the connection, which only they use). The destructor stops.
class QuotaStore {
public:
    using SystemClock = std::function<std::chrono::system_clock::time_point()>;

    struct Limits {
        std::int64_t perDay = 0;  // 0: unlimited
        std::int64_t perMonth = 0;
    };

    struct Options {
        std::filesystem::path file;  // created when missing
        Limits defaults;             // for clients whose ClientLimits leave a field 0
        std::chrono::milliseconds flushInterval{5000};  // 0: only on flush() and stop()
        SystemClock clock = [] { return std::chrono::system_clock::now(); };  // seam for tests
    };

    struct Usage {
        std::int64_t day = 0;
        std::int64_t month = 0;
    };

    static Result<std::unique_ptr<QuotaStore>> open(Options options);
    ~QuotaStore();
    QuotaStore(const QuotaStore&) = delete;
    QuotaStore& operator=(const QuotaStore&) = delete;

    // Counts one request against `clientId` if neither its day nor its month quota is spent.
    // Denied: reason "quota_exceeded", policy "day" or "month", retryAfterSeconds until that
    // period ends (UTC). Allowed: the policy with the fewest requests left.
    RateLimitDecision consume(std::string_view clientId, const ClientLimits& limits);
    RateLimitDecision consume(std::string_view clientId, const ClientLimits& limits,
                              std::chrono::system_clock::time_point now);

    Usage usage(std::string_view clientId, std::chrono::system_clock::time_point now) const;
    // The quota that applies to a client: its own limits where set, else the defaults.
    Limits effectiveLimits(const ClientLimits& limits) const;

    // Writes every count changed since the last flush, in one transaction.
    Status flush();
    // Stops the flush thread and flushes a last time. Idempotent.
    Status stop();

private:
    struct Counter {
        std::string dayKey;  // "2026-11-29"
        std::int64_t day = 0;
        std::string monthKey;  // "2026-11"
        std::int64_t month = 0;
        bool dirty = false;
    };
    struct Row {
        std::string clientId;
        std::string period;
        std::int64_t count = 0;
    };
    QuotaStore(Options options, SqliteDatabase db);
    Status load();
    Status write(const std::vector<Row>& rows);
    void flushLoop();

    Options m_options;

    mutable std::mutex m_mutex;  // guards m_counters and m_retired
    std::unordered_map<std::string, Counter, StringHash, std::equal_to<>> m_counters;
    std::vector<Row> m_retired;  // unflushed counts of periods that have just ended

    std::mutex m_dbMutex;  // guards m_db
    SqliteDatabase m_db;

    std::mutex m_stopMutex;
    std::condition_variable m_stopCondition;
    bool m_stopping = false;
    std::thread m_flusher;
};

}  // namespace atalaya
