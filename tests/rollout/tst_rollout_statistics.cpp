// The numbers a rollout decision rests on: confidence intervals checked against published
// values, the guard's rules on constructed tallies, the sticky canary split, and the pacer's
// bound on requests a failing candidate answers however late the guard judges.

#include <QTest>

#include "rollout/Confidence.h"
#include "rollout/GuardEvaluation.h"
#include "rollout/GuardPacer.h"
#include "rollout/RolloutManager.h"

using namespace atalaya;
using namespace atalaya::rollout;
using namespace std::chrono_literals;

class TestRolloutStatistics : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void wilsonMatchesPublishedValues();
    void differenceIntervalMatchesNewcombe();
    void guardWaitsForItsMinimumSample();
    void guardTripsOnAConfidentErrorRate();
    void guardIgnoresAnErrorRateWithinNoise();
    void guardTripsOnSlowCandidate();
    void guardTripsOnLabelShift();
    void shadowAnswersArePairedByRequest();
    void pacerWakesTheGuardEveryKOutcomes();
    void pacerBoundsAFailingCandidate_data();
    void pacerBoundsAFailingCandidate();
};

void TestRolloutStatistics::wilsonMatchesPublishedValues() {
    // Newcombe (1998), Table I: 81/263 -> 0.2553 .. 0.3662; 0/10 -> 0 .. 0.2775.
    auto [low, high] = wilsonInterval(81, 263);
    QVERIFY(qAbs(low - 0.2553) < 5e-4);
    QVERIFY(qAbs(high - 0.3662) < 5e-4);
    std::tie(low, high) = wilsonInterval(0, 10);
    QCOMPARE(low, 0.0);
    QVERIFY(qAbs(high - 0.2775) < 5e-4);
    std::tie(low, high) = wilsonInterval(0, 0);
    QCOMPARE(low, 0.0);
    QCOMPARE(high, 1.0);
}

void TestRolloutStatistics::differenceIntervalMatchesNewcombe() {
    // Newcombe (1998), Table II, method 10: 56/70 - 48/80 -> 0.0524 .. 0.3339.
    const auto [low, high] = differenceInterval(56, 70, 48, 80);
    QVERIFY2(qAbs(low - 0.0524) < 5e-4, qPrintable(QString::number(low)));
    QVERIFY2(qAbs(high - 0.3339) < 5e-4, qPrintable(QString::number(high)));
}

namespace {

VersionScoreboard::Snapshot tallies(int stableOk, int stableErrors, int candidateOk,
                                    int candidateErrors,
                                    std::chrono::microseconds candidateLatency = 1ms) {
    VersionScoreboard board;
    for (int i = 0; i < stableOk; ++i)
        board.record(VersionScoreboard::Side::Stable, false, true, 1ms, "a", 0.9, {});
    for (int i = 0; i < stableErrors; ++i)
        board.record(VersionScoreboard::Side::Stable, false, false, 1ms, {}, 0, {});
    for (int i = 0; i < candidateOk; ++i) {
        board.record(VersionScoreboard::Side::Candidate, false, true, candidateLatency, "a", 0.9,
                     {});
    }
    for (int i = 0; i < candidateErrors; ++i) {
        board.record(VersionScoreboard::Side::Candidate, false, false, 1ms, {}, 0, {});
    }
    return board.snapshot();
}

}  // namespace

void TestRolloutStatistics::guardWaitsForItsMinimumSample() {
    GuardRules rules;
    rules.minRequests = 50;
    // 100% errors, but only 49 requests: no verdict yet.
    QVERIFY(!evaluateGuard(rules, tallies(100, 0, 0, 49)));
    QVERIFY(evaluateGuard(rules, tallies(100, 0, 0, 50)));
}

void TestRolloutStatistics::guardTripsOnAConfidentErrorRate() {
    GuardRules rules;
    rules.maxErrorRate = 0.05;
    rules.minRequests = 50;
    // 20 of 100: Wilson lower bound 0.133 > 0.05.
    const auto trip = evaluateGuard(rules, tallies(100, 0, 80, 20));
    QVERIFY(trip);
    QCOMPARE(QString::fromStdString(trip->rule), QStringLiteral("error_rate"));
    QVERIFY(trip->detailJson.find("\"errors\":20") != std::string::npos);
}

void TestRolloutStatistics::guardIgnoresAnErrorRateWithinNoise() {
    GuardRules rules;
    rules.maxErrorRate = 0.05;
    rules.minRequests = 50;
    // 6 of 60 = 10%, but the Wilson lower bound (0.047) still admits 5%: not yet.
    QVERIFY(!evaluateGuard(rules, tallies(100, 0, 54, 6)));
}

void TestRolloutStatistics::guardTripsOnSlowCandidate() {
    GuardRules rules;
    rules.maxP99Ms = 50;
    rules.minRequests = 50;
    QVERIFY(!evaluateGuard(rules, tallies(100, 0, 200, 0, 10ms)));
    const auto trip = evaluateGuard(rules, tallies(100, 0, 200, 0, 200ms));
    QVERIFY(trip);
    QCOMPARE(QString::fromStdString(trip->rule), QStringLiteral("p99_latency"));
}

void TestRolloutStatistics::guardTripsOnLabelShift() {
    GuardRules rules;
    rules.maxLabelShift = 0.2;
    rules.minRequests = 50;
    VersionScoreboard board;
    for (int i = 0; i < 200; ++i) {
        board.record(VersionScoreboard::Side::Stable, false, true, 1ms, i % 5 == 0 ? "b" : "a", 0.9,
                     {});
        board.record(VersionScoreboard::Side::Candidate, false, true, 1ms, i % 5 == 0 ? "a" : "b",
                     0.9, {});
    }
    const auto trip = evaluateGuard(rules, board.snapshot());
    QVERIFY(trip);
    QCOMPARE(QString::fromStdString(trip->rule), QStringLiteral("label_shift"));
    // The same shares on both sides never trip it.
    VersionScoreboard same;
    for (int i = 0; i < 200; ++i) {
        same.record(VersionScoreboard::Side::Stable, false, true, 1ms, i % 5 == 0 ? "b" : "a", 0.9,
                    {});
        same.record(VersionScoreboard::Side::Candidate, false, true, 1ms, i % 5 == 0 ? "b" : "a",
                    0.9, {});
    }
    QVERIFY(!evaluateGuard(rules, same.snapshot()));
}

void TestRolloutStatistics::shadowAnswersArePairedByRequest() {
    VersionScoreboard board;
    board.record(VersionScoreboard::Side::Stable, false, true, 1ms, "a", 0.9, "r1");
    board.record(VersionScoreboard::Side::Candidate, true, true, 1ms, "a", 0.7, "r1");
    board.record(VersionScoreboard::Side::Candidate, true, true, 1ms, "b", 0.6,
                 "r2");  // shadow first
    board.record(VersionScoreboard::Side::Stable, false, true, 1ms, "a", 0.8, "r2");
    board.record(VersionScoreboard::Side::Stable, false, true, 1ms, "a", 0.8,
                 "r3");  // no shadow answer
    const auto snap = board.snapshot();
    QCOMPARE(snap.shadow.compared, std::int64_t{2});
    QCOMPARE(snap.shadow.agreed, std::int64_t{1});
    QVERIFY(qAbs(snap.shadow.sumAbsScoreDiff - 0.4) < 1e-9);
}

void TestRolloutStatistics::pacerWakesTheGuardEveryKOutcomes() {
    GuardPacer pacer(5);
    for (int i = 1; i <= 4; ++i)
        QVERIFY(!pacer.countOutcome());
    QVERIFY(pacer.countOutcome());  // the 5th unjudged outcome
    QVERIFY(pacer.countOutcome());  // and every one after it until the guard has judged
    pacer.judged(pacer.outcomes());
    QVERIFY(!pacer.countOutcome());
    // The candidate is held back from 2 x 5 unjudged outcomes on, and admitted again once judged.
    for (int i = 0; i < 9; ++i)
        (void)pacer.countOutcome();
    QCOMPARE(pacer.outcomes(), std::int64_t{16});  // 10 of them since the judgement at 6
    QVERIFY(!pacer.admits());
    QCOMPARE(pacer.heldBack(), std::int64_t{1});
    pacer.judged(pacer.outcomes());
    QVERIFY(pacer.admits());
    QCOMPARE(pacer.heldBack(), std::int64_t{1});
}

void TestRolloutStatistics::pacerBoundsAFailingCandidate_data() {
    QTest::addColumn<int>("every");
    QTest::addColumn<int>("minRequests");
    QTest::addColumn<int>("clients");
    QTest::addColumn<bool>("laggingGuard");
    QTest::newRow("prompt guard") << 20 << 50 << 8 << false;
    QTest::newRow("lagging guard") << 20 << 50 << 8 << true;
    QTest::newRow("lagging guard, many clients") << 10 << 40 << 64 << true;
    QTest::newRow("lagging guard, K above min") << 100 << 30 << 4 << true;
}

// A candidate whose every request fails, driven as fast as `clients` closed-loop clients can go:
// each round, every idle client sends if the pacer admits it, then one request completes. The
// prompt guard judges as soon as the pacer asks; the lagging one as late as it can without
// stalling everything (the gate closed, nothing in flight). Either way the candidate answers at
// most min_requests + 2K + clients requests (docs/rollout.md, "Bounded exposure").
void TestRolloutStatistics::pacerBoundsAFailingCandidate() {
    QFETCH(int, every);
    QFETCH(int, minRequests);
    QFETCH(int, clients);
    QFETCH(bool, laggingGuard);
    GuardPacer pacer(every);
    VersionScoreboard board;
    const GuardRules rules{.maxErrorRate = 0.05, .maxLabelShift = 0, .minRequests = minRequests};
    int routed = 0;
    int inFlight = 0;
    bool due = false;
    bool rolledBack = false;
    while (!rolledBack && routed < 100'000) {
        while (inFlight < clients && pacer.admits()) {
            ++routed;
            ++inFlight;
        }
        if (inFlight > 0) {
            --inFlight;
            board.record(VersionScoreboard::Side::Candidate, false, false, 1ms, {}, 0, {});
            due = pacer.countOutcome() || due;
        }
        const bool judge = laggingGuard ? inFlight == 0 : due;
        if (!judge)
            continue;
        due = false;
        const std::int64_t seen = pacer.outcomes();
        if (evaluateGuard(rules, board.snapshot()))
            rolledBack = true;
        else
            pacer.judged(seen);
    }
    QVERIFY(rolledBack);
    const int bound = minRequests + 2 * every + clients;
    QVERIFY2(routed >= minRequests && routed <= bound,
             qPrintable(QStringLiteral("%1 requests, bound %2").arg(routed).arg(bound)));
    // The lagging guard is exactly what the gate is for: it held requests back.
    QCOMPARE(pacer.heldBack() > 0, laggingGuard);
    qInfo("%d requests reached the candidate (bound %d), %lld held back", routed, bound,
          static_cast<long long>(pacer.heldBack()));
}

QTEST_GUILESS_MAIN(TestRolloutStatistics)
#include "tst_rollout_statistics.moc"
