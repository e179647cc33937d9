// The SLO tracker against hand-computed values, with a fake clock and no evaluation thread:
// budget arithmetic, every burn-rate window, multiwindow alerts firing and resolving, what
// counts (4xx do not), the bucket ring's roll-over and bound, persisted events and the windows
// refilled from a real inference log after a restart.
#include <QTemporaryDir>
#include <QTest>

#include "telemetry/InferenceLog.h"
#include "telemetry/SloBucketRing.h"
#include "telemetry/SloEventStore.h"
#include "telemetry/SloExport.h"
#include "telemetry/SloHistory.h"
#include "telemetry/SloTracker.h"

using namespace atalaya;

namespace {

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kHourMs = 60 * kMinuteMs;
constexpr std::int64_t kDayMs = 24 * kHourMs;
constexpr std::int64_t kStart = 1'780'000'020'000;  // a fixed "now", at a minute's start

struct FakeClock {
    std::shared_ptr<std::int64_t> now = std::make_shared<std::int64_t>(kStart);
    std::function<std::int64_t()> function() const {
        return [now = now] { return *now; };
    }
    void advanceMinutes(std::int64_t minutes) const { *now += minutes * kMinuteMs; }
};

// Counts what reaches it, to check records are handed on.
class CountingSink final : public InferenceSink {
public:
    void record(InferenceRecord&& record) override {
        ++records;
        lastModel = record.model;
    }
    int records = 0;
    std::string lastModel;
};

InferenceRecord request(const std::string& model, int status, std::int64_t totalUs,
                        std::int64_t timeMs = 0) {
    InferenceRecord r;
    r.timeUnixMs = timeMs;
    r.requestId = "r";
    r.route = "predict";
    r.apiVersion = "v1";
    r.model = model;
    r.version = 1;
    r.httpStatus = status;
    r.totalUs = totalUs;
    return r;
}

void send(SloTracker& tracker, const std::string& model, int status, std::int64_t totalUs,
          int count, std::int64_t timeMs = 0) {
    for (int i = 0; i < count; ++i)
        tracker.record(request(model, status, totalUs, timeMs));
}

// Commits `records` to a real inference log at `file`, then closes it: the history a tracker
// refills its windows from.
Status writeInferenceLog(const std::filesystem::path& file, const FakeClock& clock,
                         std::vector<InferenceRecord> records) {
    InferenceLogOptions options;
    options.file = file;
    options.clock = clock.function();
    ATALAYA_ASSIGN_OR_RETURN(auto log, InferenceLog::open(options));
    for (InferenceRecord& record : records)
        log->record(std::move(record));
    log->stop();
    return Status::ok();
}

SloTrackerOptions manualOptions(const FakeClock& clock, SloObjectives defaults = {}) {
    SloTrackerOptions options;
    options.config.defaults = defaults;
    options.evaluationInterval = std::chrono::milliseconds(0);
    options.clock = clock.function();
    return options;
}

std::unique_ptr<SloTracker> openTracker(SloTrackerOptions options) {
    auto tracker = SloTracker::open(std::move(options));
    if (!tracker.isOk())
        qFatal("%s", tracker.status().toString().c_str());
    return std::move(tracker).value();
}

SloObjectiveReport reportOf(const SloTracker& tracker, const std::string& model,
                            SloObjective objective) {
    for (const SloModelReport& report : tracker.reports()) {
        if (report.model == model)
            return report.reports[static_cast<std::size_t>(objective)];
    }
    qFatal("no SLO report for %s", model.c_str());
}

double burnOver(const SloObjectiveReport& report, int minutes) {
    return report.burnRates[sloWindowIndex(minutes)];
}

bool ruleFiring(const SloObjectiveReport& report, std::size_t rule) {
    return report.firing[rule];
}

}  // namespace

class TestSloTracker : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void budgetArithmetic_data();
    void budgetArithmetic();
    void windowNames();
    void whatCountsAsGood();
    void clientErrorsCountForNeither();
    void eachBurnRateWindow();
    void sloWindowEndsAfterWindowDays();
    void multiwindowAlertFiresAndResolves();
    void shortWindowAloneDoesNotFire();
    void fewRequestsDoNotFire();
    void ringRollsOverAndStaysBounded();
    void eventsPersistAndFiringSurvivesRestart();
    void windowsRefilledFromInferenceLog();
    void latencyRestoredOnlyAtARollupBound();
    void exportsHealthJsonAndGauges();
};

void TestSloTracker::budgetArithmetic_data() {
    QTest::addColumn<quint64>("good");
    QTest::addColumn<quint64>("bad");
    QTest::addColumn<double>("target");
    QTest::addColumn<double>("compliance");
    QTest::addColumn<double>("burnRate");
    QTest::addColumn<double>("budget");
    // bad share 0.005 of a 0.01 allowance: half the budget gone, burning at 0.5x.
    QTest::newRow("half spent") << quint64(995) << quint64(5) << 0.99 << 0.995 << 0.5 << 0.5;
    QTest::newRow("exactly spent") << quint64(990) << quint64(10) << 0.99 << 0.99 << 1.0 << 0.0;
    // 0.02 bad against 0.01: twice the allowance, budget -1 (overspent by a whole budget).
    QTest::newRow("overspent") << quint64(980) << quint64(20) << 0.99 << 0.98 << 2.0 << -1.0;
    QTest::newRow("three nines") << quint64(9999) << quint64(1) << 0.999 << 0.9999 << 0.1 << 0.9;
    QTest::newRow("all bad") << quint64(0) << quint64(4) << 0.9 << 0.0 << 10.0 << -9.0;
}

void TestSloTracker::budgetArithmetic() {
    QFETCH(quint64, good);
    QFETCH(quint64, bad);
    QFETCH(double, target);
    QFETCH(double, compliance);
    QFETCH(double, burnRate);
    QFETCH(double, budget);
    const SloTally tally{.good = good, .bad = bad};
    QCOMPARE(*sloCompliance(tally), compliance);
    QVERIFY(qFuzzyCompare(sloBurnRate(tally, target), burnRate));
    QVERIFY(std::abs(sloErrorBudgetRemaining(tally, target) - budget) < 1e-9);

    const SloTally none;
    QVERIFY(!sloCompliance(none));
    QCOMPARE(sloBurnRate(none, target), 0.0);
    QCOMPARE(sloErrorBudgetRemaining(none, target), 1.0);
}

void TestSloTracker::windowNames() {
    QStringList names;
    for (const int minutes : kSloBurnWindowsMinutes)
        names << QString::fromStdString(sloWindowName(minutes));
    QCOMPARE(names.join(' '), QStringLiteral("5m 30m 1h 2h 6h 1d 3d"));
    // Every rule's windows are among the reported ones.
    for (const SloAlertRule& rule : kSloAlertRules) {
        QVERIFY(sloWindowIndex(rule.longWindowMinutes) < kSloBurnWindowsMinutes.size());
        QVERIFY(sloWindowIndex(rule.shortWindowMinutes) < kSloBurnWindowsMinutes.size());
    }
}

void TestSloTracker::whatCountsAsGood() {
    FakeClock clock;
    CountingSink downstream;
    auto options = manualOptions(clock);  // 50 ms threshold
    options.downstream = &downstream;
    auto tracker = openTracker(std::move(options));
    send(*tracker, "m", 200, 50'000, 3);  // exactly at the threshold: good (le is inclusive)
    send(*tracker, "m", 200, 50'001, 2);  // a microsecond over: slow
    send(*tracker, "m", 500, 10, 1);      // fast but failed: bad for both objectives
    send(*tracker, "m", 503, 10, 1);      // queue_full is the server's failure
    send(*tracker, "m", 504, 90'000, 1);  // deadline_exceeded too
    tracker->evaluate();

    const auto& latency = reportOf(*tracker, "m", SloObjective::Latency);
    QCOMPARE(latency.window.good, 3U);
    QCOMPARE(latency.window.bad, 5U);
    const auto& success = reportOf(*tracker, "m", SloObjective::Success);
    QCOMPARE(success.window.good, 5U);
    QCOMPARE(success.window.bad, 3U);
    QCOMPARE(downstream.records, 8);  // every record handed on
    QCOMPARE(downstream.lastModel, std::string("m"));
}

void TestSloTracker::clientErrorsCountForNeither() {
    FakeClock clock;
    auto options = manualOptions(clock);
    options.models = {"m"};  // as the server does for every model in its repository
    auto tracker = openTracker(std::move(options));
    for (const int status : {400, 403, 404, 413, 422, 429})
        send(*tracker, "m", status, 1'000'000, 5);
    tracker->evaluate();
    for (const SloObjective objective : kSloObjectives) {
        const auto& report = reportOf(*tracker, "m", objective);
        QCOMPARE(report.window.total(), 0U);
        QVERIFY(!report.compliance);
        QCOMPARE(report.errorBudgetRemaining, 1.0);
        QCOMPARE(burnOver(report, 5), 0.0);
    }
    send(*tracker, "m", 503, 10, 1);
    tracker->evaluate();
    QCOMPARE(reportOf(*tracker, "m", SloObjective::Success).window.bad, 1U);
    QCOMPARE(reportOf(*tracker, "m", SloObjective::Success).window.total(), 1U);
}

void TestSloTracker::eachBurnRateWindow() {
    FakeClock clock;
    // Success target 0.9: the burn rate is 10 x the bad share.
    auto tracker = openTracker(manualOptions(clock, {.successTarget = 0.9}));
    const auto at = [&](std::int64_t ageMinutes) { return kStart - ageMinutes * kMinuteMs; };
    // One group of requests in each window that the next shorter window does not reach.
    send(*tracker, "m", 200, 10, 9, at(2));  // 5m  (ages 0..4)
    send(*tracker, "m", 500, 10, 1, at(2));
    send(*tracker, "m", 500, 10, 10, at(20));     // 30m (5..29)
    send(*tracker, "m", 200, 10, 10, at(45));     // 1h  (30..59)
    send(*tracker, "m", 200, 10, 20, at(90));     // 2h  (60..119)
    send(*tracker, "m", 200, 10, 40, at(200));    // 6h  (120..359)
    send(*tracker, "m", 200, 10, 100, at(1000));  // 1d  (360..1439)
    send(*tracker, "m", 500, 10, 10, at(1000));
    send(*tracker, "m", 200, 10, 100, at(3000));         // 3d  (1440..4319)
    send(*tracker, "m", 200, 10, 700, at(5000));         // SLO window only
    send(*tracker, "m", 500, 10, 50, at(31 * 24 * 60));  // older than the 30-day window
    tracker->evaluate();

    const auto& r = reportOf(*tracker, "m", SloObjective::Success);
    // bad / total over each window, x10:
    QVERIFY(qFuzzyCompare(burnOver(r, 5), 10.0 * 1 / 10));
    QVERIFY(qFuzzyCompare(burnOver(r, 30), 10.0 * 11 / 20));
    QVERIFY(qFuzzyCompare(burnOver(r, 60), 10.0 * 11 / 30));
    QVERIFY(qFuzzyCompare(burnOver(r, 120), 10.0 * 11 / 50));
    QVERIFY(qFuzzyCompare(burnOver(r, 360), 10.0 * 11 / 90));
    QVERIFY(qFuzzyCompare(burnOver(r, 1440), 10.0 * 21 / 200));
    QVERIFY(qFuzzyCompare(burnOver(r, 4320), 10.0 * 21 / 300));
    // The 30-day window: 1000 requests, 21 bad; the 50 from 31 days ago are out.
    QCOMPARE(r.window.total(), 1000U);
    QCOMPARE(r.window.bad, 21U);
    QVERIFY(qFuzzyCompare(*r.compliance, 0.979));
    QVERIFY(qFuzzyCompare(r.errorBudgetRemaining, 1 - 0.021 / 0.1));
    // Page 1h/5m: 3.67 and 1.0, neither above 14.4. Ticket 3d/6h at 1x: 0.7 and 1.22: the long
    // window is under. Ticket 1d/2h at 3x: 1.05 and 2.2. Page 6h/30m at 6x: 1.22 and 5.5.
    for (std::size_t rule = 0; rule < kSloAlertRules.size(); ++rule)
        QVERIFY2(!ruleFiring(r, rule), std::to_string(rule).c_str());
}

void TestSloTracker::sloWindowEndsAfterWindowDays() {
    FakeClock clock;
    auto tracker = openTracker(manualOptions(clock, {.successTarget = 0.99, .windowDays = 2}));
    send(*tracker, "m", 500, 10, 1);
    send(*tracker, "m", 200, 10, 99);
    tracker->evaluate();
    // 1 bad in 100 against a 1 % allowance: the whole budget, exactly.
    QVERIFY(std::abs(reportOf(*tracker, "m", SloObjective::Success).errorBudgetRemaining) < 1e-9);
    // Two days later (the hour of the requests is now the 49th): out of the window.
    clock.advanceMinutes(2 * 24 * 60 + 60);
    tracker->evaluate();
    const auto& r = reportOf(*tracker, "m", SloObjective::Success);
    QCOMPARE(r.window.total(), 0U);
    QCOMPARE(r.errorBudgetRemaining, 1.0);
    // Still inside the 3-day burn window, which does not depend on window_days.
    QVERIFY(qFuzzyCompare(burnOver(r, 4320), 1.0));
}

void TestSloTracker::multiwindowAlertFiresAndResolves() {
    FakeClock clock;
    // Success 0.999; a lax latency target so that the failures (slow by definition) raise
    // only success alerts here.
    auto tracker = openTracker(manualOptions(clock, {.latencyTarget = 0.5}));
    // 55 minutes of clean traffic (ages 5..59), then a burst of 5xx: 10 of 70 in the last 5
    // minutes.
    for (int minute = 59; minute >= 5; --minute)
        send(*tracker, "m", 200, 10, 10, kStart - minute * kMinuteMs);
    send(*tracker, "m", 200, 10, 60);
    send(*tracker, "m", 500, 10, 10);
    tracker->evaluate();
    {
        const auto& r = reportOf(*tracker, "m", SloObjective::Success);
        // 5m: 10/70 bad = 142.9x; 1h: 10/(550+70) = 16.13x; both above 14.4.
        QVERIFY(qFuzzyCompare(burnOver(r, 5), (10.0 / 70) / 0.001));
        QVERIFY(qFuzzyCompare(burnOver(r, 60), (10.0 / 620) / 0.001));
        QVERIFY(ruleFiring(r, 0));
        QVERIFY(ruleFiring(r, 1));  // 6h/30m: 10/320 = 31.25x and 16.13x, above 6
        QVERIFY(r.firingAny(SloSeverity::Page));
        QVERIFY(r.firingAny(SloSeverity::Ticket));
        QVERIFY(!reportOf(*tracker, "m", SloObjective::Latency).firingAny(SloSeverity::Page));
    }
    auto events = tracker->recentEvents();
    QCOMPARE(events.size(), std::size_t(4));  // every rule started firing
    QCOMPARE(events[0].model, std::string("m"));
    QVERIFY(events[0].objective == SloObjective::Success);
    QVERIFY(events[0].severity == SloSeverity::Page);
    QVERIFY(events[0].firing);
    QCOMPARE(events[0].longWindowMinutes, 60);
    QCOMPARE(events[0].shortWindowMinutes, 5);
    QCOMPARE(events[0].burnRateThreshold, 14.4);
    QVERIFY(qFuzzyCompare(events[0].longBurnRate, (10.0 / 620) / 0.001));
    QVERIFY(qFuzzyCompare(events[0].shortBurnRate, (10.0 / 70) / 0.001));
    QCOMPARE(events[0].timeUnixMs, kStart);

    // Evaluating again without change raises nothing new.
    tracker->evaluate();
    QCOMPARE(tracker->recentEvents().size(), std::size_t(4));

    // Five clean minutes later the 5m window no longer burns: the 1h/5m page resolves although
    // the hour still holds the burst; 6h/30m keeps firing.
    for (int minute = 0; minute < 5; ++minute) {
        clock.advanceMinutes(1);
        send(*tracker, "m", 200, 10, 10);
    }
    tracker->evaluate();
    {
        const auto& r = reportOf(*tracker, "m", SloObjective::Success);
        QCOMPARE(burnOver(r, 5), 0.0);
        QVERIFY(burnOver(r, 60) > 14.4);
        QVERIFY(!ruleFiring(r, 0));
        QVERIFY(ruleFiring(r, 1));
        QVERIFY(r.firingAny(SloSeverity::Page));
    }
    events = tracker->recentEvents();
    QCOMPARE(events.size(), std::size_t(5));
    QVERIFY(!events.back().firing);
    QCOMPARE(events.back().longWindowMinutes, 60);
    QCOMPARE(events.back().shortBurnRate, 0.0);
    QCOMPARE(events.back().timeUnixMs, kStart + 5 * kMinuteMs);

    // Past 30 minutes the 6h/30m page resolves too; past 2 h the 1d/2h ticket. With no traffic
    // since, the 6h window of the 3d/6h ticket still holds the burst (10/670 = 14.9x).
    clock.advanceMinutes(30);
    tracker->evaluate();
    QVERIFY(!reportOf(*tracker, "m", SloObjective::Success).firingAny(SloSeverity::Page));
    clock.advanceMinutes(120);
    tracker->evaluate();
    {
        const auto& r = reportOf(*tracker, "m", SloObjective::Success);
        QVERIFY(!ruleFiring(r, 2));
        QVERIFY(ruleFiring(r, 3));
    }
    clock.advanceMinutes(6 * 60);
    tracker->evaluate();
    QVERIFY(!reportOf(*tracker, "m", SloObjective::Success).firingAny(SloSeverity::Ticket));
    events = tracker->recentEvents();
    QCOMPARE(events.size(), std::size_t(8));  // four fired, four resolved
    for (std::size_t i = 4; i < events.size(); ++i)
        QVERIFY(!events[i].firing);
}

void TestSloTracker::shortWindowAloneDoesNotFire() {
    FakeClock clock;
    auto tracker = openTracker(manualOptions(clock));
    // Lots of clean traffic 40 minutes ago (in the 1h and 6h windows, not in 5m or 30m), then
    // 10 % errors now: the short windows burn at 100x, the long ones at 0.99x.
    send(*tracker, "m", 200, 10, 10'000, kStart - 40 * kMinuteMs);
    send(*tracker, "m", 200, 10, 90);
    send(*tracker, "m", 500, 10, 10);
    tracker->evaluate();
    const auto& r = reportOf(*tracker, "m", SloObjective::Success);
    QVERIFY(qFuzzyCompare(burnOver(r, 5), 100.0));
    QVERIFY(qFuzzyCompare(burnOver(r, 30), 100.0));
    QVERIFY(qFuzzyCompare(burnOver(r, 60), (10.0 / 10'100) / 0.001));
    QVERIFY(!r.firingAny(SloSeverity::Page));
    QVERIFY(!r.firingAny(SloSeverity::Ticket));
    QVERIFY(tracker->recentEvents().empty());
}

// One failure in a handful of requests burns at hundreds of times the budget but is no incident:
// below min_requests (20 by default) a window's burn rate is reported and fires nothing. At
// exactly 20 requests it may fire.
void TestSloTracker::fewRequestsDoNotFire() {
    FakeClock clock;
    auto tracker = openTracker(manualOptions(clock, {.latencyTarget = 0.5}));
    send(*tracker, "m", 500, 10, 1);
    send(*tracker, "m", 200, 10, 1);
    tracker->evaluate();
    {
        const auto& r = reportOf(*tracker, "m", SloObjective::Success);
        QCOMPARE(r.minRequests, std::uint64_t{20});
        QVERIFY(qFuzzyCompare(burnOver(r, 5), 0.5 / 0.001));  // 500x, reported
        QVERIFY(!r.firingAny(SloSeverity::Page));
        QVERIFY(!r.firingAny(SloSeverity::Ticket));
    }
    send(*tracker, "m", 200, 10, 17);  // 19 requests, one failed: 52.6x, still too few
    tracker->evaluate();
    {
        const auto& r = reportOf(*tracker, "m", SloObjective::Success);
        QVERIFY(qFuzzyCompare(burnOver(r, 5), (1.0 / 19) / 0.001));
        QVERIFY(!r.firingAny(SloSeverity::Page));
    }
    QVERIFY(tracker->recentEvents().empty());
    send(*tracker, "m", 200, 10, 1);  // 20: 50x over 5m and 1h, above 14.4, enough requests
    tracker->evaluate();
    const auto& r = reportOf(*tracker, "m", SloObjective::Success);
    QVERIFY(qFuzzyCompare(burnOver(r, 5), (1.0 / 20) / 0.001));
    QVERIFY(r.firingAny(SloSeverity::Page));
    QVERIFY(r.firingAny(SloSeverity::Ticket));
    QCOMPARE(tracker->recentEvents().size(), std::size_t(4));
    // The minimum is per model, from the config, and in the health JSON.
    const auto json = sloHealthJson(tracker->reports(), tracker->recentEvents());
    QVERIFY(json.at("models")[0].at("min_requests") == 20);
}

void TestSloTracker::ringRollsOverAndStaysBounded() {
    SloBucketRing ring(kMinuteMs, 5);
    const SloCounts one{.latency = {.good = 1}, .success = {.bad = 1}};
    const auto minute = [](std::int64_t m) { return m * kMinuteMs + 30'000; };
    for (std::int64_t m = 0; m < 5; ++m)
        ring.add(minute(m), one);
    QCOMPARE(ring.sum(minute(4), 5).latency.good, 5U);
    QCOMPARE(ring.sum(minute(4), 2).success.bad, 2U);
    // Minute 5 takes minute 0's slot and starts from zero there.
    ring.add(minute(5), one);
    ring.add(minute(5), one);
    QCOMPARE(ring.sum(minute(5), 5).latency.good, 6U);  // minutes 1..4 once, 5 twice
    QCOMPARE(ring.sum(minute(5), 1).latency.good, 2U);
    // Minute 0 is gone for good: a late record for it is ignored, not added to minute 5.
    ring.add(minute(0), one);
    QCOMPARE(ring.sum(minute(5), 1).latency.good, 2U);
    // A sum taken long after sees nothing left over from an earlier lap.
    QCOMPARE(ring.sum(minute(100), 5).latency.good, 0U);
    // A slot is reused only when its minute comes round, so a gap of several laps is fine.
    ring.add(minute(1000), one);
    QCOMPARE(ring.sum(minute(1000), 5).latency.good, 1U);
    QCOMPARE(ring.capacity(), std::size_t(5));
    // Buckets in the future are not counted yet.
    ring.add(minute(1002), one);
    QCOMPARE(ring.sum(minute(1001), 5).latency.good, 1U);
    QCOMPARE(ring.sum(minute(1002), 5).latency.good, 2U);

    // The tracker: ten days of traffic, one request a minute, touch the same fixed rings.
    FakeClock clock;
    auto tracker = openTracker(manualOptions(clock, {.successTarget = 0.99, .windowDays = 3}));
    for (int m = 0; m < 10 * 24 * 60; ++m) {
        send(*tracker, "m", m % 2 == 0 ? 200 : 500, 10, 1);
        clock.advanceMinutes(1);
    }
    clock.advanceMinutes(-1);
    tracker->evaluate();
    const auto& r = reportOf(*tracker, "m", SloObjective::Success);
    QCOMPARE(tracker->trackedModels(), std::size_t(1));
    QCOMPARE(r.burnTallies[sloWindowIndex(4320)].total(), 4320U);  // exactly the last 3 days
    QCOMPARE(r.burnTallies[sloWindowIndex(5)].total(), 5U);
    // The 3-day SLO window is 72 hour buckets: 71 whole hours and the current, partial one.
    const std::int64_t minuteOfHour = (*clock.now / kMinuteMs) % 60;
    QCOMPARE(r.window.total(), std::uint64_t(71 * 60 + minuteOfHour + 1));
}

void TestSloTracker::eventsPersistAndFiringSurvivesRestart() {
    QTemporaryDir dir;
    const std::filesystem::path events = dir.filePath(QStringLiteral("slo.sqlite")).toStdString();
    FakeClock clock;
    {
        auto options = manualOptions(clock, {.minRequests = 0});
        options.eventsFile = events;
        auto tracker = openTracker(std::move(options));
        send(*tracker, "m", 500, 10, 5);
        tracker->evaluate();
        // Failures are bad for both objectives: each fires every rule (1000x and 100x).
        QCOMPARE(tracker->recentEvents().size(), std::size_t(8));
    }
    {
        auto store = SloEventStore::open(events);
        QVERIFY(store.isOk());
        auto stored = (*store)->recent(100);
        QVERIFY(stored.isOk());
        QCOMPARE(stored->size(), std::size_t(8));
        QCOMPARE((*stored)[0].model, std::string("m"));
        QVERIFY((*stored)[0].firing);
        QVERIFY((*stored)[0].objective == SloObjective::Latency);
        QVERIFY(qFuzzyCompare((*stored)[0].shortBurnRate, 100.0));
        QVERIFY((*stored)[4].objective == SloObjective::Success);
        QVERIFY(qFuzzyCompare((*stored)[4].shortBurnRate, 1000.0));
        QVERIFY((*stored)[7].severity == SloSeverity::Ticket);
        QCOMPARE((*stored)[7].longWindowMinutes, 4320);
        QCOMPARE((*stored)[7].timeUnixMs, kStart);
        QCOMPARE((*store)->openAlerts()->size(), std::size_t(8));
    }
    // Restart without the traffic (no inference log to refill from): the eight alerts come back
    // as firing, so the first evaluation resolves them (8 events) instead of firing twice.
    clock.advanceMinutes(1);
    auto options = manualOptions(clock, {.minRequests = 0});
    options.eventsFile = events;
    auto tracker = openTracker(std::move(options));
    auto recent = tracker->recentEvents();
    QCOMPARE(recent.size(), std::size_t(16));
    for (std::size_t i = 8; i < recent.size(); ++i) {
        QVERIFY(!recent[i].firing);
        QCOMPARE(recent[i].timeUnixMs, kStart + kMinuteMs);
    }
    auto store = SloEventStore::open(events);
    QVERIFY(store.isOk());
    QCOMPARE((*store)->openAlerts()->size(), std::size_t(0));
    QCOMPARE((*store)->recent(100)->size(), std::size_t(16));
}

void TestSloTracker::windowsRefilledFromInferenceLog() {
    QTemporaryDir dir;
    const std::filesystem::path logFile =
        dir.filePath(QStringLiteral("inference-log.sqlite")).toStdString();
    FakeClock clock;
    const auto at = [&](std::int64_t ageMinutes) { return kStart - ageMinutes * kMinuteMs; };
    std::vector<InferenceRecord> logged;
    for (int i = 0; i < 90; ++i)
        logged.push_back(request("m", 200, 10'000, at(10)));  // fast: good for both
    for (int i = 0; i < 6; ++i)
        logged.push_back(request("m", 200, 100'000, at(10)));  // slow
    for (int i = 0; i < 4; ++i)
        logged.push_back(request("m", 500, 1'000, at(10)));  // failed (and fast)
    for (int i = 0; i < 50; ++i)
        logged.push_back(request("m", 200, 10'000, at(2 * 24 * 60)));
    QVERIFY(writeInferenceLog(logFile, clock, std::move(logged)).isOk());
    auto options = manualOptions(clock);
    options.inferenceLog = logFile;
    auto tracker = openTracker(std::move(options));
    const auto& success = reportOf(*tracker, "m", SloObjective::Success);
    QCOMPARE(success.window.total(), 150U);
    QCOMPARE(success.window.bad, 4U);
    QVERIFY(qFuzzyCompare(burnOver(success, 30), (4.0 / 100) / 0.001));
    QCOMPARE(success.burnTallies[sloWindowIndex(5)].total(), 0U);
    const auto& latency = reportOf(*tracker, "m", SloObjective::Latency);
    // 50 ms is a rollup bound: 94 requests at or under it, minus the 4 errors among them.
    QCOMPARE(latency.window.total(), 150U);
    QCOMPARE(latency.window.good, 140U);
    QCOMPARE(latency.burnTallies[sloWindowIndex(60)].bad, 10U);
    // And the restored burn fires the alerts it would have fired live.
    QVERIFY(success.firingAny(SloSeverity::Page));
}

void TestSloTracker::latencyRestoredOnlyAtARollupBound() {
    QCOMPARE(*sloRollupBucketFor(50), std::size_t(5));
    QCOMPARE(*sloRollupBucketFor(1), std::size_t(0));
    QVERIFY(!sloRollupBucketFor(30));
    QVERIFY(!sloRollupBucketFor(0.5));

    QTemporaryDir dir;
    const std::filesystem::path logFile =
        dir.filePath(QStringLiteral("inference-log.sqlite")).toStdString();
    FakeClock clock;
    const std::vector<InferenceRecord> logged(10, request("m", 200, 10'000, kStart - kMinuteMs));
    QVERIFY(writeInferenceLog(logFile, clock, logged).isOk());
    SloConfig config;
    config.models["m"] = {.latencyThresholdMs = 30};
    auto history = readSloHistory(logFile, kStart - kDayMs, config);
    QVERIFY(history.isOk());
    QCOMPARE(history->size(), std::size_t(1));
    QCOMPARE(history->front().counts.success.good, 10U);
    QCOMPARE(history->front().counts.latency.total(), 0U);  // 30 ms is inside the 25-50 bucket
    QCOMPARE(history->front().timeMs, (kStart - kMinuteMs) / kMinuteMs * kMinuteMs);
    // A missing file is no history.
    auto none =
        readSloHistory(dir.filePath(QStringLiteral("none.sqlite")).toStdString(), 0, config);
    QVERIFY(none.isOk());
    QVERIFY(none->empty());
}

void TestSloTracker::exportsHealthJsonAndGauges() {
    FakeClock clock;
    auto options = manualOptions(clock, {.minRequests = 0});
    options.models = {"quiet"};
    auto tracker = openTracker(std::move(options));
    send(*tracker, "busy", 500, 10, 1);
    tracker->evaluate();
    const auto json = sloHealthJson(tracker->reports(), tracker->recentEvents());
    QCOMPARE(json.at("alert_rules").size(), std::size_t(4));
    QVERIFY(json.at("alert_rules")[0].at("long_window") == "1h");
    QCOMPARE(json.at("models").size(), std::size_t(2));
    const auto& busy = json.at("models")[0];
    QVERIFY(busy.at("model") == "busy");
    QVERIFY(busy.at("latency_threshold_ms") == 50.0);
    QVERIFY(busy.at("objectives").at("success").at("compliance") == 0.0);
    QVERIFY(std::abs(busy.at("objectives").at("success").at("burn_rates").at("5m").get<double>() -
                     1000.0) < 1e-9);
    QVERIFY(busy.at("objectives").at("success").at("alerts").at("page") == true);
    const auto& quiet = json.at("models")[1];
    QVERIFY(quiet.at("objectives").at("latency").at("compliance").is_null());
    QVERIFY(quiet.at("objectives").at("latency").at("error_budget_remaining") == 1.0);
    // Both objectives of "busy" fire every rule: 8 alerts, 8 events.
    QCOMPARE(json.at("firing").size(), std::size_t(8));
    QCOMPARE(json.at("events").size(), std::size_t(8));
    QVERIFY(json.at("events")[0].at("state") == "firing");

    const auto gauges = sloGaugeSamples(tracker->reports());
    QCOMPARE(gauges.size(), std::size_t(4));
    QCOMPARE(gauges[0].model, std::string("busy"));
    QCOMPARE(gauges[0].objective, std::string("latency"));
    QCOMPARE(*gauges[0].latencyThresholdSeconds, 0.05);
    QVERIFY(!gauges[1].latencyThresholdSeconds);
    QCOMPARE(gauges[0].burnRates.size(), kSloBurnWindowsMinutes.size());
    QCOMPARE(gauges[0].alerts.size(), std::size_t(2));
    QVERIFY(gauges[0].alerts[0].second);
    QVERIFY(!gauges[2].alerts[0].second);
}

QTEST_GUILESS_MAIN(TestSloTracker)
#include "tst_slotracker.moc"
