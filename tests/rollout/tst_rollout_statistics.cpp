// The numbers a rollout decision rests on: confidence intervals checked against published
// values, the guard's rules on constructed tallies, and the sticky canary split.

#include <QTest>

#include "rollout/Confidence.h"
#include "rollout/GuardEvaluation.h"
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

QTEST_GUILESS_MAIN(TestRolloutStatistics)
#include "tst_rollout_statistics.moc"
