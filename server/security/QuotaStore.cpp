#include "security/QuotaStore.h"

#include <QLoggingCategory>
#include <algorithm>
#include <cstdio>

#include "core/ThreadName.h"

namespace atalaya {
namespace {

// Until security has a module category of its own.
Q_LOGGING_CATEGORY(lcQuota, "atalaya.security.quota")

using std::chrono::system_clock;

// The UTC calendar periods a moment falls in, and when they end.
struct Periods {
    std::string dayKey;
    std::string monthKey;
    std::int64_t secondsToDayEnd = 0;
    std::int64_t secondsToMonthEnd = 0;
    std::int64_t monthSeconds = 0;
};

constexpr std::int64_t kDaySeconds = 86'400;
// Old rows are kept a while for usage reports, then dropped at open.
constexpr int kKeepDays = 40;
constexpr int kKeepMonths = 13;

std::string dayKey(std::chrono::year_month_day ymd) {
    char text[16];
    std::snprintf(text, sizeof(text), "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return text;
}

std::string monthKey(std::chrono::year_month ym) {
    char text[16];
    std::snprintf(text, sizeof(text), "%04d-%02u", static_cast<int>(ym.year()),
                  static_cast<unsigned>(ym.month()));
    return text;
}

std::int64_t ceilSecondsUntil(system_clock::time_point from, system_clock::time_point to) {
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(to - from).count();
    return std::max<std::int64_t>(1, seconds);
}

Periods periodsAt(system_clock::time_point now) {
    using namespace std::chrono;
    const sys_days today = floor<days>(now);
    const year_month_day ymd(today);
    const year_month thisMonth = ymd.year() / ymd.month();
    const sys_days monthStart = sys_days(thisMonth / 1);
    const sys_days nextMonthStart = sys_days((thisMonth + months(1)) / 1);
    Periods p;
    p.dayKey = dayKey(ymd);
    p.monthKey = monthKey(thisMonth);
    p.secondsToDayEnd = ceilSecondsUntil(now, today + days(1));
    p.secondsToMonthEnd = ceilSecondsUntil(now, nextMonthStart);
    p.monthSeconds = duration_cast<seconds>(nextMonthStart - monthStart).count();
    return p;
}

QuotaStore::Limits resolve(const ClientLimits& limits, const QuotaStore::Limits& defaults) {
    return {limits.requestsPerDay > 0 ? limits.requestsPerDay : defaults.perDay,
            limits.requestsPerMonth > 0 ? limits.requestsPerMonth : defaults.perMonth};
}

constexpr std::string_view kSchema = R"sql(
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS quota_usage (
    client_id TEXT NOT NULL,
    period    TEXT NOT NULL,  -- 'YYYY-MM-DD' (UTC day) or 'YYYY-MM' (UTC month)
    requests  INTEGER NOT NULL,
    PRIMARY KEY (client_id, period)
) WITHOUT ROWID;
PRAGMA user_version = 1;
)sql";

}  // namespace

Result<std::unique_ptr<QuotaStore>> QuotaStore::open(Options options) {
    if (!options.file.parent_path().empty()) {
        std::error_code error;
        std::filesystem::create_directories(options.file.parent_path(), error);
    }
    ATALAYA_ASSIGN_OR_RETURN(SqliteDatabase db,
                             SqliteDatabase::open(options.file, SqliteDatabase::Access::ReadWrite));
    ATALAYA_RETURN_IF_ERROR(db.setBusyTimeout(std::chrono::seconds(5)));
    ATALAYA_RETURN_IF_ERROR(db.execute(kSchema));
    std::unique_ptr<QuotaStore> store(new QuotaStore(std::move(options), std::move(db)));
    ATALAYA_RETURN_IF_ERROR(store->load());
    if (store->m_options.flushInterval.count() > 0) {
        store->m_flusher = std::thread([s = store.get()] { s->flushLoop(); });
    }
    return store;
}

QuotaStore::QuotaStore(Options options, SqliteDatabase db)
    : m_options(std::move(options)), m_db(std::move(db)) {}

QuotaStore::~QuotaStore() {
    (void)stop();
}

Status QuotaStore::load() {
    using namespace std::chrono;
    const auto now = m_options.clock();
    const Periods periods = periodsAt(now);
    const year_month_day oldestDay(floor<days>(now) - days(kKeepDays));
    const year_month thisMonth =
        year_month_day(floor<days>(now)).year() / year_month_day(floor<days>(now)).month();

    std::lock_guard dbLock(m_dbMutex);
    ATALAYA_ASSIGN_OR_RETURN(SqliteStatement prune,
                             m_db.prepare("DELETE FROM quota_usage WHERE (length(period) = 10 AND "
                                          "period < ?1) OR (length(period) = 7 AND period < ?2)"));
    ATALAYA_RETURN_IF_ERROR(prune.bindText(1, dayKey(oldestDay)));
    ATALAYA_RETURN_IF_ERROR(prune.bindText(2, monthKey(thisMonth - months(kKeepMonths))));
    ATALAYA_RETURN_IF_ERROR(prune.step().status());

    ATALAYA_ASSIGN_OR_RETURN(SqliteStatement select,
                             m_db.prepare("SELECT client_id, period, requests FROM quota_usage "
                                          "WHERE period IN (?1, ?2)"));
    ATALAYA_RETURN_IF_ERROR(select.bindText(1, periods.dayKey));
    ATALAYA_RETURN_IF_ERROR(select.bindText(2, periods.monthKey));
    std::lock_guard lock(m_mutex);
    for (;;) {
        ATALAYA_ASSIGN_OR_RETURN(const SqliteStatement::Step step, select.step());
        if (step == SqliteStatement::Step::Done)
            break;
        Counter& counter = m_counters[std::string(select.columnText(0))];
        counter.dayKey = periods.dayKey;
        counter.monthKey = periods.monthKey;
        if (select.columnText(1) == periods.dayKey) {
            counter.day = select.columnInt(2);
        } else {
            counter.month = select.columnInt(2);
        }
    }
    return Status::ok();
}

RateLimitDecision QuotaStore::consume(std::string_view clientId, const ClientLimits& limits) {
    return consume(clientId, limits, m_options.clock());
}

RateLimitDecision QuotaStore::consume(std::string_view clientId, const ClientLimits& limits,
                                      system_clock::time_point now) {
    const Periods periods = periodsAt(now);  // outside the lock: formatting is the slow part
    const Limits quota = resolve(limits, m_options.defaults);

    std::lock_guard lock(m_mutex);
    auto it = m_counters.find(clientId);
    if (it == m_counters.end())
        it = m_counters.emplace(std::string(clientId), Counter{}).first;
    Counter& c = it->second;
    // A new period starts from zero; a count not yet written is kept for the next flush.
    if (c.dayKey != periods.dayKey) {
        if (c.dirty && c.day > 0)
            m_retired.push_back({it->first, c.dayKey, c.day});
        c.dayKey = periods.dayKey;
        c.day = 0;
    }
    if (c.monthKey != periods.monthKey) {
        if (c.dirty && c.month > 0)
            m_retired.push_back({it->first, c.monthKey, c.month});
        c.monthKey = periods.monthKey;
        c.month = 0;
    }

    const bool dayOver = quota.perDay > 0 && c.day >= quota.perDay;
    const bool monthOver = quota.perMonth > 0 && c.month >= quota.perMonth;
    if (!dayOver && !monthOver) {
        ++c.day;
        ++c.month;
        c.dirty = true;
    }

    RateLimitDecision dayDecision{true,
                                  {},
                                  "day",
                                  quota.perDay,
                                  kDaySeconds,
                                  std::max<std::int64_t>(0, quota.perDay - c.day),
                                  periods.secondsToDayEnd,
                                  0};
    RateLimitDecision monthDecision{true,
                                    {},
                                    "month",
                                    quota.perMonth,
                                    periods.monthSeconds,
                                    std::max<std::int64_t>(0, quota.perMonth - c.month),
                                    periods.secondsToMonthEnd,
                                    0};
    if (monthOver || dayOver) {
        // The month ends last, so when both are spent its wait is the honest one.
        RateLimitDecision d = monthOver ? monthDecision : dayDecision;
        d.allowed = false;
        d.reason = "quota_exceeded";
        d.retryAfterSeconds = d.resetSeconds;
        return d;
    }
    if (!dayDecision.hasPolicy())
        return monthDecision;
    if (!monthDecision.hasPolicy())
        return dayDecision;
    return monthDecision.remaining < dayDecision.remaining ? monthDecision : dayDecision;
}

QuotaStore::Limits QuotaStore::effectiveLimits(const ClientLimits& limits) const {
    return resolve(limits, m_options.defaults);
}

QuotaStore::Usage QuotaStore::usage(std::string_view clientId, system_clock::time_point now) const {
    const Periods periods = periodsAt(now);
    std::lock_guard lock(m_mutex);
    const auto it = m_counters.find(clientId);
    if (it == m_counters.end())
        return {};
    return {it->second.dayKey == periods.dayKey ? it->second.day : 0,
            it->second.monthKey == periods.monthKey ? it->second.month : 0};
}

Status QuotaStore::flush() {
    // Held across snapshot and write, so two flushes cannot write counts out of order.
    std::lock_guard dbLock(m_dbMutex);
    const std::string currentMonth = periodsAt(m_options.clock()).monthKey;
    std::vector<Row> rows;
    {
        std::lock_guard lock(m_mutex);
        rows.swap(m_retired);
        for (auto it = m_counters.begin(); it != m_counters.end();) {
            Counter& c = it->second;
            if (c.dirty) {
                rows.push_back({it->first, c.dayKey, c.day});
                rows.push_back({it->first, c.monthKey, c.month});
                c.dirty = false;
            } else if (c.monthKey != currentMonth) {
                it = m_counters.erase(it);  // written already and no longer counted against
                continue;
            }
            ++it;
        }
    }
    if (rows.empty())
        return Status::ok();
    Status status = write(rows);
    if (!status.isOk()) {
        // Counts are absolute, so writing them again later is all a retry needs.
        std::lock_guard lock(m_mutex);
        for (Row& row : rows) {
            const auto it = m_counters.find(row.clientId);
            if (it != m_counters.end() &&
                (it->second.dayKey == row.period || it->second.monthKey == row.period)) {
                it->second.dirty = true;
            } else {
                m_retired.push_back(std::move(row));
            }
        }
    }
    return status;
}

Status QuotaStore::write(const std::vector<Row>& rows) {
    ATALAYA_RETURN_IF_ERROR(m_db.execute("BEGIN IMMEDIATE"));
    const auto upsertAll = [&]() -> Status {
        ATALAYA_ASSIGN_OR_RETURN(
            SqliteStatement upsert,
            m_db.prepare(
                "INSERT INTO quota_usage (client_id, period, requests) VALUES (?1, ?2, ?3) "
                "ON CONFLICT (client_id, period) DO UPDATE SET requests = excluded.requests"));
        for (const Row& row : rows) {
            ATALAYA_RETURN_IF_ERROR(upsert.bindText(1, row.clientId));
            ATALAYA_RETURN_IF_ERROR(upsert.bindText(2, row.period));
            ATALAYA_RETURN_IF_ERROR(upsert.bindInt(3, row.count));
            ATALAYA_RETURN_IF_ERROR(upsert.step().status());
            upsert.reset();
        }
        return Status::ok();
    };
    Status status = upsertAll();
    if (!status.isOk()) {
        (void)m_db.execute("ROLLBACK");  // may fail if SQLite rolled back already; either way
        return status;
    }
    return m_db.execute("COMMIT");
}

void QuotaStore::flushLoop() {
    nameCurrentThread("quota-flusher");
    std::unique_lock lock(m_stopMutex);
    while (!m_stopping) {
        m_stopCondition.wait_for(lock, m_options.flushInterval, [this] { return m_stopping; });
        if (m_stopping)
            break;
        lock.unlock();
        // A failed flush keeps its rows dirty for the next one.
        if (const Status status = flush(); !status.isOk()) {
            qCWarning(lcQuota) << "quota flush failed:" << status.toString().c_str();
        }
        lock.lock();
    }
}

Status QuotaStore::stop() {
    {
        std::lock_guard lock(m_stopMutex);
        m_stopping = true;
    }
    m_stopCondition.notify_all();
    if (m_flusher.joinable())
        m_flusher.join();
    return flush();
}

}  // namespace atalaya
