// RateLimiter and AuthFailureThrottle: exact check-and-take under concurrency, refill and
// Retry-After on a fake clock, the memory bound.
#include <QTest>
#include <atomic>
#include <thread>
#include <vector>

#include "security/AuthFailureThrottle.h"
#include "security/RateLimiter.h"

using namespace atalaya;
using namespace std::chrono_literals;

namespace {

// A steady clock that only moves when the test says so.
struct FakeClock {
    const std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    std::atomic<std::int64_t> elapsedMs{0};

    RateLimiter::Clock clock() {
        return [this] { return start + std::chrono::milliseconds(elapsedMs.load()); };
    }
    void advance(std::chrono::milliseconds by) { elapsedMs += by.count(); }
};

}  // namespace

class TestRateLimiter : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void exactlyTheBurstPassesUnderConcurrency_data() {
        QTest::addColumn<double>("rate");
        QTest::newRow("no refill") << 0.0;
        // Refill on, but the fake clock stands still: still exactly the burst.
        QTest::newRow("refill, frozen clock") << 50.0;
    }
    void exactlyTheBurstPassesUnderConcurrency() {
        QFETCH(double, rate);
        FakeClock fake;
        RateLimiter limiter({.clock = fake.clock()});
        const RateLimit limit{rate, 100};
        std::atomic<int> allowed{0};
        std::atomic<bool> go{false};
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t) {
            threads.emplace_back([&] {
                while (!go.load())
                    std::this_thread::yield();
                for (int i = 0; i < 1000; ++i) {
                    if (limiter.tryAcquire("client-a", limit).allowed)
                        ++allowed;
                }
            });
        }
        go = true;
        for (auto& thread : threads)
            thread.join();
        QCOMPARE(allowed.load(), 100);
        QCOMPARE(limiter.tryAcquire("client-b", limit).allowed, true);  // keys are independent
    }

    void refillsWithTheClock() {
        FakeClock fake;
        RateLimiter limiter({.clock = fake.clock()});
        const RateLimit limit{2, 4};  // 4 at once, then one every 500 ms
        for (int i = 0; i < 4; ++i)
            QVERIFY(limiter.tryAcquire("k", limit).allowed);
        auto denied = limiter.tryAcquire("k", limit);
        QVERIFY(!denied.allowed);
        QCOMPARE(denied.reason, std::string_view("rate_limited"));
        QCOMPARE(denied.retryAfterSeconds, 1);
        fake.advance(499ms);
        QVERIFY(!limiter.tryAcquire("k", limit).allowed);
        fake.advance(1ms);
        const auto again = limiter.tryAcquire("k", limit);
        QVERIFY(again.allowed);
        QCOMPARE(again.remaining, 0);
        fake.advance(10s);  // refill is capped at the burst
        for (int i = 0; i < 4; ++i)
            QVERIFY(limiter.tryAcquire("k", limit).allowed);
        QVERIFY(!limiter.tryAcquire("k", limit).allowed);
    }

    void decisionDescribesTheBucket() {
        FakeClock fake;
        RateLimiter limiter({.clock = fake.clock()});
        const auto d = limiter.tryAcquire("k", RateLimit{10, 100});
        QVERIFY(d.allowed);
        QCOMPARE(d.policy, std::string_view("rate"));
        QCOMPARE(d.limit, 100);
        QCOMPARE(d.remaining, 99);
        QCOMPARE(d.windowSeconds, 10);  // empty to full
        QCOMPARE(d.resetSeconds, 1);    // one token back in 0.1 s, rounded up
        QCOMPARE(d.retryAfterSeconds, 0);
    }

    void retryAfterRoundsUp_data() {
        QTest::addColumn<double>("rate");
        QTest::addColumn<int>("elapsedMs");
        QTest::addColumn<qint64>("retryAfter");
        // One token, taken; then `elapsedMs` pass before the denied attempt.
        QTest::newRow("0.3/s: 3.33 s -> 4") << 0.3 << 0 << qint64(4);
        QTest::newRow("0.5/s: exactly 2 s -> 2") << 0.5 << 0 << qint64(2);
        QTest::newRow("2/s: 0.5 s -> 1") << 2.0 << 0 << qint64(1);
        QTest::newRow("1000/s: 1 ms -> at least 1") << 1000.0 << 0 << qint64(1);
        QTest::newRow("0.1/s after 2.5 s: 7.5 s -> 8") << 0.1 << 2500 << qint64(8);
        QTest::newRow("0.25/s after 2 s: exactly 2 s -> 2") << 0.25 << 2000 << qint64(2);
        QTest::newRow("no refill: advertised as a day") << 0.0 << 0 << qint64(86400);
    }
    void retryAfterRoundsUp() {
        QFETCH(double, rate);
        QFETCH(int, elapsedMs);
        QFETCH(qint64, retryAfter);
        FakeClock fake;
        RateLimiter limiter({.clock = fake.clock()});
        const RateLimit limit{rate, 1};
        QVERIFY(limiter.tryAcquire("k", limit).allowed);
        fake.advance(std::chrono::milliseconds(elapsedMs));
        const auto d = limiter.tryAcquire("k", limit);
        QVERIFY(!d.allowed);
        QCOMPARE(d.retryAfterSeconds, retryAfter);
        const Status status = d.toStatus();
        QCOMPARE(status.code(), StatusCode::ResourceExhausted);
        QCOMPARE(status.reason(), std::string_view("rate_limited"));
        QCOMPARE(status.retryAfterSeconds(), int(retryAfter));
    }

    void unlimitedPassesAndKeepsNoState() {
        RateLimiter limiter;
        for (int i = 0; i < 1000; ++i)
            QVERIFY(limiter.tryAcquire("k", RateLimit{0, 0}).allowed);
        QCOMPARE(limiter.bucketCount(), std::size_t(0));
        QVERIFY(!limiter.tryAcquire("k", RateLimit{0, 0}).hasPolicy());
    }

    void clientLimitsOverrideTheTierDefault() {
        const RateLimit tier{5, 10};
        const auto own =
            RateLimiter::resolve(ClientLimits{.ratePerSecond = 50, .burst = 100}, tier);
        QCOMPARE(own.ratePerSecond, 50.0);
        QCOMPARE(own.burst, 100.0);
        const auto partly = RateLimiter::resolve(ClientLimits{.ratePerSecond = 50}, tier);
        QCOMPARE(partly.ratePerSecond, 50.0);
        QCOMPARE(partly.burst, 10.0);
        const auto none = RateLimiter::resolve(ClientLimits{}, tier);
        QCOMPARE(none.ratePerSecond, 5.0);
        QCOMPARE(none.burst, 10.0);
    }

    void bucketCountStaysUnderTheCap() {
        FakeClock fake;
        RateLimiter limiter({.maxBuckets = 64, .stripes = 4, .clock = fake.clock()});
        const RateLimit limit{0.001, 2};
        for (int i = 0; i < 10'000; ++i) {
            (void)limiter.tryAcquire("ip:10.0." + std::to_string(i), limit);
            QVERIFY(limiter.bucketCount() <= 64);
        }
        // The most recently used keys survive: their drained buckets are still drained.
        QVERIFY(limiter.tryAcquire("ip:10.0.9999", limit).allowed);
        QVERIFY(!limiter.tryAcquire("ip:10.0.9999", limit).allowed);
    }

    void refilledBucketsAreDroppedForFree() {
        FakeClock fake;
        RateLimiter limiter({.maxBuckets = 1000, .stripes = 1, .clock = fake.clock()});
        const RateLimit limit{1, 1};
        for (int i = 0; i < 100; ++i)
            (void)limiter.tryAcquire("k" + std::to_string(i), limit);
        QCOMPARE(limiter.bucketCount(), std::size_t(100));
        fake.advance(1s);  // all full again: indistinguishable from new buckets
        (void)limiter.tryAcquire("new", limit);
        QCOMPARE(limiter.bucketCount(), std::size_t(1));
    }

    void peekNeitherTakesNorCreates() {
        FakeClock fake;
        RateLimiter limiter({.clock = fake.clock()});
        const RateLimit limit{0, 1};
        QVERIFY(limiter.peek("k", limit, fake.clock()()).allowed);
        QCOMPARE(limiter.bucketCount(), std::size_t(0));
        QVERIFY(limiter.tryAcquire("k", limit).allowed);
        QVERIFY(!limiter.peek("k", limit, fake.clock()()).allowed);
    }

    void authFailuresThrottleOneAddress() {
        FakeClock fake;
        AuthFailureThrottle throttle({.limit = {0.1, 3}, .clock = fake.clock()});
        QVERIFY(throttle.allowAuthAttempt("192.0.2.1").allowed);
        QCOMPARE(throttle.trackedAddresses(), std::size_t(0));  // looking costs no memory
        for (int i = 0; i < 3; ++i)
            throttle.recordAuthFailure("192.0.2.1");
        const auto denied = throttle.allowAuthAttempt("192.0.2.1");
        QVERIFY(!denied.allowed);
        QCOMPARE(denied.policy, std::string_view("auth"));
        QCOMPARE(denied.retryAfterSeconds, 10);
        QVERIFY(throttle.allowAuthAttempt("192.0.2.2").allowed);  // other addresses unaffected
        fake.advance(10s);
        QVERIFY(throttle.allowAuthAttempt("192.0.2.1").allowed);
        throttle.recordAuthFailure("192.0.2.1");
        QVERIFY(!throttle.allowAuthAttempt("192.0.2.1").allowed);
    }

    void authFailureThrottleIsExactUnderConcurrency() {
        FakeClock fake;
        AuthFailureThrottle throttle({.limit = {0, 50}, .clock = fake.clock()});
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < 100; ++i)
                    throttle.recordAuthFailure("198.51.100.1");
            });
        }
        for (auto& thread : threads)
            thread.join();
        QVERIFY(!throttle.allowAuthAttempt("198.51.100.1").allowed);
        QCOMPARE(throttle.trackedAddresses(), std::size_t(1));
    }
};

QTEST_GUILESS_MAIN(TestRateLimiter)
#include "tst_ratelimiter.moc"
