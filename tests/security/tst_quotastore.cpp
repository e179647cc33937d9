// QuotaStore: UTC day and month rollover on a fake clock, persistence across close and reopen
// (no reset, no double count), the periodic flush, exactness under concurrency.
#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <thread>
#include <vector>

#include "security/QuotaStore.h"
#include "telemetry/SqliteDatabase.h"

using namespace atalaya;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

system_clock::time_point utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
    return sys_days(year(y) / month(m) / day(d)) + hours(hh) + minutes(mm) + seconds(ss);
}

// The store's clock only decides which periods open() loads and when flush() forgets old
// counters; consume() takes its own `now` in these tests.
QuotaStore::Options options(const QTemporaryDir& dir, system_clock::time_point now,
                            QuotaStore::Limits defaults = {}) {
    QuotaStore::Options o;
    o.file = std::filesystem::path(dir.filePath("quota.sqlite").toStdString());
    o.defaults = defaults;
    o.flushInterval = 0ms;
    o.clock = [now] { return now; };
    return o;
}

std::int64_t storedCount(const QTemporaryDir& dir, const std::string& client,
                         const std::string& period) {
    auto db = SqliteDatabase::open(dir.filePath("quota.sqlite").toStdString(),
                                   SqliteDatabase::Access::ReadOnly);
    if (!db.isOk())
        return -1;
    auto count =
        db->queryInt("SELECT coalesce(sum(requests), 0) FROM quota_usage WHERE client_id = '" +
                     client + "' AND period = '" + period + "'");
    return count.isOk() ? *count : -1;
}

}  // namespace

class TestQuotaStore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void dayRollsOverAtUtcMidnight() {
        QTemporaryDir dir;
        const auto evening = utc(2026, 11, 29, 23, 59, 0);
        auto store = QuotaStore::open(options(dir, evening, {.perDay = 3}));
        QVERIFY2(store.isOk(), store.status().message().c_str());
        for (int i = 0; i < 3; ++i)
            QVERIFY((*store)->consume("acme", {}, evening).allowed);
        const auto denied = (*store)->consume("acme", {}, evening);
        QVERIFY(!denied.allowed);
        QCOMPARE(denied.reason, std::string_view("quota_exceeded"));
        QCOMPARE(denied.policy, std::string_view("day"));
        QCOMPARE(denied.retryAfterSeconds, 60);
        QCOMPARE(denied.limit, 3);
        QCOMPARE(denied.windowSeconds, 86400);
        QCOMPARE(denied.toStatus().reason(), std::string_view("quota_exceeded"));
        QVERIFY(!(*store)->consume("acme", {}, utc(2026, 11, 29, 23, 59, 59)).allowed);
        const auto nextDay = (*store)->consume("acme", {}, utc(2026, 11, 30, 0, 0, 1));
        QVERIFY(nextDay.allowed);
        QCOMPARE(nextDay.remaining, 2);
        QVERIFY((*store)->consume("other", {}, evening).allowed);  // clients are independent
    }

    void monthRollsOverOnTheFirst() {
        QTemporaryDir dir;
        const auto noon = utc(2026, 11, 30, 12);
        auto store = QuotaStore::open(options(dir, noon, {.perDay = 100, .perMonth = 2}));
        QVERIFY(store.isOk());
        QVERIFY((*store)->consume("acme", {}, utc(2026, 11, 1)).allowed);
        const auto last = (*store)->consume("acme", {}, noon);
        QVERIFY(last.allowed);
        QCOMPARE(last.policy, std::string_view("month"));  // the one with fewer left
        QCOMPARE(last.remaining, 0);
        QCOMPARE(last.windowSeconds, 30 * 86400);
        const auto denied = (*store)->consume("acme", {}, noon);
        QVERIFY(!denied.allowed);
        QCOMPARE(denied.policy, std::string_view("month"));
        QCOMPARE(denied.retryAfterSeconds, 12 * 3600);
        QVERIFY((*store)->consume("acme", {}, utc(2026, 12, 1)).allowed);
        // February of a leap year is 29 days long.
        QCOMPARE((*store)->consume("acme", {}, utc(2028, 2, 10)).windowSeconds, 29 * 86400);
    }

    void clientLimitsOverrideDefaults() {
        QTemporaryDir dir;
        const auto now = utc(2026, 6, 15, 10);
        auto store = QuotaStore::open(options(dir, now, {.perDay = 1}));
        QVERIFY(store.isOk());
        const ClientLimits gold{.requestsPerDay = 5};
        for (int i = 0; i < 5; ++i)
            QVERIFY((*store)->consume("gold", gold, now).allowed);
        QVERIFY(!(*store)->consume("gold", gold, now).allowed);
        QVERIFY((*store)->consume("basic", {}, now).allowed);
        QVERIFY(!(*store)->consume("basic", {}, now).allowed);
    }

    void unlimitedIsCountedButNotAdvertised() {
        QTemporaryDir dir;
        const auto now = utc(2026, 6, 15, 10);
        auto store = QuotaStore::open(options(dir, now));
        QVERIFY(store.isOk());
        for (int i = 0; i < 10; ++i)
            QVERIFY(!(*store)->consume("free", {}, now).hasPolicy());
        QCOMPARE((*store)->usage("free", now).day, 10);
        QCOMPARE((*store)->usage("free", now).month, 10);
    }

    void restartNeitherResetsNorDoubleCounts() {
        QTemporaryDir dir;
        const auto now = utc(2026, 11, 29, 10);
        const ClientLimits limits{.requestsPerDay = 10, .requestsPerMonth = 100};
        {
            auto store = QuotaStore::open(options(dir, now));
            QVERIFY(store.isOk());
            for (int i = 0; i < 4; ++i)
                QVERIFY((*store)->consume("acme", limits, now).allowed);
            QVERIFY((*store)->flush().isOk());
            QVERIFY((*store)->consume("acme", limits, now).allowed);
            QVERIFY((*store)->flush().isOk());
            QVERIFY((*store)->flush().isOk());  // nothing changed: nothing added
        }                                       // destructor: stop() flushes again
        QCOMPARE(storedCount(dir, "acme", "2026-11-29"), 5);
        QCOMPARE(storedCount(dir, "acme", "2026-11"), 5);
        {
            auto store = QuotaStore::open(options(dir, now));
            QVERIFY(store.isOk());
            QCOMPARE((*store)->usage("acme", now).day, 5);
            QCOMPARE((*store)->usage("acme", now).month, 5);
            for (int i = 0; i < 5; ++i)
                QVERIFY((*store)->consume("acme", limits, now).allowed);
            QVERIFY(!(*store)->consume("acme", limits, now).allowed);
            QVERIFY((*store)->stop().isOk());
            QVERIFY((*store)->stop().isOk());
        }
        {
            auto store = QuotaStore::open(options(dir, now));
            QVERIFY(store.isOk());
            QCOMPARE((*store)->usage("acme", now).day, 10);
            QVERIFY(!(*store)->consume("acme", limits, now).allowed);
        }
        QCOMPARE(storedCount(dir, "acme", "2026-11-29"), 10);
        // The next day starts fresh; the month carries on.
        auto store = QuotaStore::open(options(dir, utc(2026, 11, 30, 1)));
        QVERIFY(store.isOk());
        QCOMPARE((*store)->usage("acme", utc(2026, 11, 30, 1)).day, 0);
        QCOMPARE((*store)->usage("acme", utc(2026, 11, 30, 1)).month, 10);
    }

    void endedPeriodIsStillWritten() {
        QTemporaryDir dir;
        auto store = QuotaStore::open(options(dir, utc(2026, 11, 30, 0, 0, 5)));
        QVERIFY(store.isOk());
        QVERIFY((*store)->consume("acme", {}, utc(2026, 11, 29, 23, 59, 59)).allowed);
        QVERIFY((*store)->consume("acme", {}, utc(2026, 11, 29, 23, 59, 59)).allowed);
        QVERIFY(
            (*store)->consume("acme", {}, utc(2026, 11, 30, 0, 0, 1)).allowed);  // before any flush
        QVERIFY((*store)->flush().isOk());
        QCOMPARE(storedCount(dir, "acme", "2026-11-29"), 2);
        QCOMPARE(storedCount(dir, "acme", "2026-11-30"), 1);
        QCOMPARE(storedCount(dir, "acme", "2026-11"), 3);
    }

    void flushesOnItsOwnThread() {
        QTemporaryDir dir;
        const auto now = utc(2026, 11, 29, 10);
        auto o = options(dir, now);
        o.flushInterval = 20ms;
        auto store = QuotaStore::open(o);
        QVERIFY(store.isOk());
        QVERIFY((*store)->consume("acme", {}, now).allowed);
        QTRY_COMPARE_WITH_TIMEOUT(storedCount(dir, "acme", "2026-11-29"), 1, 5000);
        QVERIFY((*store)->consume("acme", {}, now).allowed);
        QTRY_COMPARE_WITH_TIMEOUT(storedCount(dir, "acme", "2026-11-29"), 2, 5000);
    }

    void exactlyTheQuotaPassesUnderConcurrency() {
        QTemporaryDir dir;
        const auto now = utc(2026, 11, 29, 10);
        auto o = options(dir, now, {.perDay = 500});
        o.flushInterval = 1ms;  // flushes race the consumes
        auto store = QuotaStore::open(o);
        QVERIFY(store.isOk());
        std::atomic<int> allowed{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < 1000; ++i) {
                    if ((*store)->consume("acme", {}, now).allowed)
                        ++allowed;
                }
            });
        }
        for (auto& thread : threads)
            thread.join();
        QCOMPARE(allowed.load(), 500);
        QVERIFY((*store)->stop().isOk());
        QCOMPARE(storedCount(dir, "acme", "2026-11-29"), 500);
    }

    void unwritableFileIsAnError() {
        QuotaStore::Options o;
        o.file = "/proc/atalaya-no-such-dir/quota.sqlite";
        o.flushInterval = 0ms;
        auto store = QuotaStore::open(o);
        QVERIFY(!store.isOk());
    }
};

QTEST_GUILESS_MAIN(TestQuotaStore)
#include "tst_quotastore.moc"
