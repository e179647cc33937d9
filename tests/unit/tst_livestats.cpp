// LiveStats: percentiles from the log-scale histogram, and the one-minute window.
#include "inference/LiveStats.h"

#include <QTest>

using namespace atalaya;
using namespace std::chrono_literals;

class TestLiveStats : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void emptyWindowHasNoPercentiles() {
        const auto s = LiveStats().snapshot();
        QCOMPARE(s.requests, 0);
        QVERIFY(!s.successRate && !s.p50Ms && !s.p99Ms);
    }

    void percentilesWithinBucketResolution() {
        LiveStats stats;
        const auto now = LiveStats::Clock::now();
        // 1..1000 ms uniformly: p50 ~ 500 ms, p99 ~ 990 ms.
        for (int ms = 1; ms <= 1000; ++ms) stats.recordRequest(std::chrono::milliseconds(ms), ms % 100 != 0, now);
        const auto s = stats.snapshot(now);
        QCOMPARE(s.requests, 1000);
        QCOMPARE(s.errors, 10);
        QCOMPARE(*s.successRate, 0.99);
        QVERIFY2(std::abs(*s.p50Ms - 500) / 500 < 0.07, qPrintable(QString::number(*s.p50Ms)));
        QVERIFY2(std::abs(*s.p99Ms - 990) / 990 < 0.07, qPrintable(QString::number(*s.p99Ms)));
        QVERIFY(*s.p50Ms <= *s.p95Ms && *s.p95Ms <= *s.p99Ms);
    }

    void oldSecondsLeaveTheWindow() {
        LiveStats stats;
        const auto start = LiveStats::Clock::now();
        stats.recordRequest(1ms, true, start);
        stats.recordBatch(4, start);
        QCOMPARE(stats.snapshot(start + 30s).requests, 1);
        QCOMPARE(stats.snapshot(start + 30s).meanBatchSize, 4.0);
        QCOMPARE(stats.snapshot(start + 61s).requests, 0);
        stats.recordRequest(1ms, false, start + 61s);  // reuses the expired slot
        const auto s = stats.snapshot(start + 61s);
        QCOMPARE(s.requests, 1);
        QCOMPARE(*s.successRate, 0.0);
    }

    void bucketsAreMonotonic() {
        int previous = -1;
        for (long us : {1L, 10L, 11L, 100L, 1000L, 10'000L, 1'000'000L, 100'000'000L, 1'000'000'000L}) {
            const int b = LiveStats::bucketFor(std::chrono::microseconds(us));
            QVERIFY(b >= previous);
            QVERIFY(LiveStats::bucketUpperMs(b) * 1000 >= std::min<double>(us, LiveStats::bucketUpperMs(LiveStats::kBuckets - 1) * 1000));
            previous = b;
        }
    }
};

QTEST_GUILESS_MAIN(TestLiveStats)
#include "tst_livestats.moc"
