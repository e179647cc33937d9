// The drift validation the issue asks for: seeded synthetic traffic replayed through the real
// path (DriftMonitor::record with InferenceRecords shaped like the predict route's), sampled from
// credit-risk version 1's own reference (a bin by its fraction, then uniform inside the bin).
//  (a) no shift: the false-alarm rate over independent full windows stays under a bound;
//  (b) a mean shift of 0.5 reference std in one feature from request S: the delay until the
//      verdict is drift is bounded and the shifted feature is ranked first (5 seeds, 3 features);
//  (c) a shift of the predicted class mix alone is detected through the class counts;
//  (d) the text path: longer reviews for the sentiment model, through the token-count bins.
// The figures are printed (qInfo) as a table.
#include <QTest>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "inference/ModelMetadata.h"
#include "telemetry/DriftMonitor.h"
#include "telemetry/DriftReference.h"

using namespace atalaya;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kDemoModels = ATALAYA_DEMO_MODELS;
constexpr std::size_t kWindow = 1000;
constexpr double kAlpha = 0.01;
constexpr double kFalseAlarmBound = 0.10;
constexpr int kShiftStart = 1000;  // S: requests before the shift (one full window)
constexpr int kMaxDelay = 1000;    // the bound on the detection delay, in requests
constexpr int kGiveUp = 3000;

struct Model {
    std::string referenceJson;
    DriftReference reference;
    std::vector<std::string> columns;
};

Model loadModel(const std::string& name) {
    auto meta = loadModelMetadata(kDemoModels / name, 1);
    if (!meta.isOk())
        qFatal("%s", meta.status().toString().c_str());
    auto reference = parseDriftReference(meta->referenceJson);
    if (!reference.isOk())
        qFatal("%s", reference.status().toString().c_str());
    Model m{meta->referenceJson, std::move(reference).value(), {}};
    for (const auto& feature : meta->inputs.front().features)
        m.columns.push_back(feature.name);
    return m;
}

const Model& creditRiskV1() {
    static const Model model = loadModel("credit-risk");
    return model;
}

const Model& sentimentV1() {
    static const Model model = loadModel("sentiment");
    return model;
}

DriftMonitorOptions monitorOptions(const std::string& modelName = "credit-risk") {
    const Model& model = modelName == "credit-risk" ? creditRiskV1() : sentimentV1();
    DriftMonitorOptions options;
    options.reference = [&model, modelName](const std::string& name, std::int64_t version) {
        return name == modelName && version == 1 ? std::optional(model.referenceJson)
                                                 : std::nullopt;
    };
    options.columns = [&model](const std::string&, std::int64_t) { return model.columns; };
    options.windowSize = kWindow;
    options.report = {.alpha = kAlpha, .minSamples = 200};
    options.queueCapacity = 1 << 20;  // the harness measures statistics, not drops
    return options;
}

// A successful predict of version 1 of `model` with one instance, as the route logs it.
InferenceRecord predictRecord(const std::string& model, const std::string& label, double score,
                              const json& instance, const json& prediction) {
    InferenceRecord record;
    record.route = "predict";
    record.apiVersion = "v1";
    record.model = model;
    record.version = 1;
    record.instances = 1;
    record.label = label;
    record.score = score;
    record.inputsJson = json::array({instance}).dump();
    record.predictionsJson = json::array({prediction}).dump();
    return record;
}

// Requests like the predict route logs them: one instance per request, as an object keyed by
// feature name or (every fourth request) an array in column order, and its prediction.
class TrafficGenerator {
public:
    explicit TrafficGenerator(std::uint32_t seed) : m_rng(seed) {}

    std::string shiftedFeature;
    double shift = 0;         // added to shiftedFeature, in its unit
    double declineBoost = 0;  // added to the reference's "decline" fraction

    InferenceRecord next() {
        const Model& model = creditRiskV1();
        json values = json::object();
        for (const auto& feature : model.reference.features) {
            double x = sample(feature.bins);
            if (feature.name == shiftedFeature)
                x += shift;
            values[feature.name] = x;
        }
        json instance;
        if (++m_count % 4 == 0) {
            instance = json::array();
            for (const auto& column : model.columns)
                instance.push_back(values.at(column));
        } else {
            instance = std::move(values);
        }
        const auto& predictions = *model.reference.predictions;
        std::vector<double> classFractions = predictions.classFractions;
        classFractions[1] += declineBoost;
        classFractions[0] -= declineBoost;
        std::discrete_distribution<std::size_t> pickClass(classFractions.begin(),
                                                          classFractions.end());
        const std::string label = predictions.classes[pickClass(m_rng)];
        const double score = sample(*predictions.score);

        InferenceRecord record =
            predictRecord("credit-risk", label, score, instance,
                          {{"label", label}, {"score", score}, {"scores", json::object()}});
        record.timeUnixMs = m_count;
        record.requestId = "req-" + std::to_string(m_count);
        return record;
    }

private:
    double sample(const ReferenceBins& bins) {
        std::discrete_distribution<std::size_t> pickBin(bins.fractions.begin(),
                                                        bins.fractions.end());
        const std::size_t bin = pickBin(m_rng);
        std::uniform_real_distribution<double> inside(bins.edges[bin], bins.edges[bin + 1]);
        return bins.edges[bin] == bins.edges[bin + 1] ? bins.edges[bin] : inside(m_rng);
    }

    std::mt19937_64 m_rng;
    std::int64_t m_count = 0;
};

struct Detection {
    bool preShiftAlarm = false;
    int delay = -1;  // -1: not detected within kGiveUp
    int rank = 0;    // 1-based rank of the shifted feature when detected
    std::string top;
    bool predictionDrift = false;
    bool alertNamesIt = false;
};

// One fresh monitor: S unshifted requests, then shifted ones, checking the verdict after each.
Detection detect(std::uint32_t seed, const std::string& feature, double shift,
                 double declineBoost) {
    DriftMonitor monitor(monitorOptions());
    TrafficGenerator traffic(seed);
    for (int i = 0; i < kShiftStart; ++i)
        monitor.record(traffic.next());
    monitor.flush();
    Detection detection;
    detection.preShiftAlarm = monitor.report("credit-risk", 1)->drift;
    traffic.shiftedFeature = feature;
    traffic.shift = shift;
    traffic.declineBoost = declineBoost;
    for (int i = 1; i <= kGiveUp; ++i) {
        monitor.record(traffic.next());
        monitor.flush();
        const auto report = monitor.report("credit-risk", 1);
        if (!report->drift)
            continue;
        detection.delay = i;
        detection.predictionDrift = report->predictions && report->predictions->drifted;
        detection.top = report->features.front().name;
        for (std::size_t r = 0; r < report->features.size(); ++r) {
            if (report->features[r].name == feature)
                detection.rank = static_cast<int>(r) + 1;
        }
        const auto alerts = monitor.alerts();
        detection.alertNamesIt =
            !alerts.empty() &&
            alerts.back().observationsSeen == static_cast<std::uint64_t>(kShiftStart + i) &&
            (feature.empty() ? alerts.back().predictionDrift
                             : !alerts.back().topFeatures.empty() &&
                                   alerts.back().topFeatures.front() == feature);
        break;
    }
    return detection;
}

}  // namespace

class TestDriftHarness : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void noShiftFalseAlarmRate();
    void meanShiftDetectedAndRankedFirst();
    void predictionShiftDetectedThroughClassCounts();
    void textLengthShiftDetected();
};

void TestDriftHarness::noShiftFalseAlarmRate() {
    constexpr int kChecks = 100;
    const auto started = std::chrono::steady_clock::now();
    DriftMonitor monitor(monitorOptions());
    TrafficGenerator traffic(20261129);
    int alarms = 0;
    double minP = 1;
    for (int check = 0; check < kChecks; ++check) {
        // A whole new window between checks, so the checks are independent.
        for (std::size_t i = 0; i < kWindow; ++i)
            monitor.record(traffic.next());
        monitor.flush();
        const auto report = monitor.report("credit-risk", 1);
        QVERIFY(report);
        QCOMPARE(report->windowSize, kWindow);
        alarms += report->drift ? 1 : 0;
        for (const auto& f : report->features)
            minP = std::min(minP, f.ksPValue);
    }
    const auto counters = monitor.driftCounters();
    QCOMPARE(counters.recordsApplied, static_cast<std::uint64_t>(kChecks * kWindow));
    QCOMPARE(counters.recordsSkipped, std::uint64_t{0});
    QCOMPARE(counters.recordsDropped, std::uint64_t{0});
    const double rate = static_cast<double>(alarms) / kChecks;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    // Exact (Clopper-Pearson) 95% upper bound on the rate; for 0 alarms 1 - 0.05^(1/n) ~ 3/n.
    const double upper = alarms == 0 ? 1 - std::pow(0.05, 1.0 / kChecks) : std::nan("");
    qInfo(
        "(a) no shift: %d checks x %zu requests, BH alpha %.2f over 10 KS + 1 chi-square:"
        " false alarms %d, rate %.3f (95%% upper %.3f when 0; asserted <= %.2f);"
        " smallest KS p %.4f; %lld ms",
        kChecks, kWindow, kAlpha, alarms, rate, upper, kFalseAlarmBound, minP,
        static_cast<long long>(ms));
    QVERIFY(rate <= kFalseAlarmBound);
}

void TestDriftHarness::meanShiftDetectedAndRankedFirst() {
    const Model& model = creditRiskV1();
    const std::vector<std::string> features{"income", "age", "debt_ratio"};
    const std::vector<std::uint32_t> seeds{1, 2, 3, 4, 5};
    qInfo(
        "(b) mean shift of 0.5 reference std in one feature from request S=%d, W=%zu, "
        "alpha %.2f; delay = requests after S until the verdict is drift",
        kShiftStart, kWindow, kAlpha);
    qInfo("    %-12s %6s %12s  %s", "feature", "seed", "delay", "rank (top feature)");
    QStringList failures;
    for (const auto& feature : features) {
        const double shift = 0.5 * model.reference.feature(feature)->std;
        int worst = 0;
        for (const auto seed : seeds) {
            const Detection d = detect(seed, feature, shift, 0);
            qInfo("    %-12s %6u %12d  %d (%s)%s", feature.c_str(), seed, d.delay, d.rank,
                  d.top.c_str(), d.preShiftAlarm ? "  [alarm before S]" : "");
            worst = std::max(worst, d.delay < 0 ? kGiveUp + 1 : d.delay);
            if (d.delay < 0 || d.delay > kMaxDelay || d.rank != 1 || !d.alertNamesIt ||
                d.preShiftAlarm) {
                failures.push_back(QStringLiteral("%1 seed %2: delay %3 rank %4 alert %5")
                                       .arg(QString::fromStdString(feature))
                                       .arg(seed)
                                       .arg(d.delay)
                                       .arg(d.rank)
                                       .arg(d.alertNamesIt));
            }
        }
        qInfo("    %-12s  worst delay %d (bound %d)", feature.c_str(), worst, kMaxDelay);
    }
    QVERIFY2(failures.empty(), qPrintable(failures.join(QStringLiteral("; "))));
}

void TestDriftHarness::predictionShiftDetectedThroughClassCounts() {
    // Inputs unchanged, "decline" predicted 10 points more often than in training.
    constexpr double kBoost = 0.10;
    qInfo("(c) prediction shift: decline fraction +%.2f from request S=%d, inputs unshifted",
          kBoost, kShiftStart);
    QStringList failures;
    for (const std::uint32_t seed : {1u, 2u, 3u, 4u, 5u}) {
        const Detection d = detect(seed, "", 0, kBoost);
        qInfo("    seed %u: delay %d, class chi-square drifted %s", seed, d.delay,
              d.predictionDrift ? "yes" : "no");
        if (d.delay < 0 || d.delay > kMaxDelay || !d.predictionDrift || !d.alertNamesIt ||
            d.preShiftAlarm)
            failures.push_back(QStringLiteral("seed %1: delay %2").arg(seed).arg(d.delay));
    }
    QVERIFY2(failures.empty(), qPrintable(failures.join(QStringLiteral("; "))));
}

// (d) The text path: reviews with a token count drawn from sentiment's length bins (an integer
// uniform inside the bin), as the predict route logs a text model's instances; from request S
// every review is `kExtra` tokens longer.
void TestDriftHarness::textLengthShiftDetected() {
    constexpr int kExtra = 4;
    const Model& model = sentimentV1();
    const auto& length = model.reference.text->length;
    const auto& predictions = *model.reference.predictions;
    qInfo("(d) text: sentiment reviews %d tokens longer from request S=%d", kExtra, kShiftStart);
    QStringList failures;
    for (const std::uint32_t seed : {1u, 2u, 3u, 4u, 5u}) {
        std::mt19937_64 rng(seed);
        std::discrete_distribution<std::size_t> pickBin(length.fractions.begin(),
                                                        length.fractions.end());
        std::discrete_distribution<std::size_t> pickClass(predictions.classFractions.begin(),
                                                          predictions.classFractions.end());
        auto review = [&](int extra) {
            const std::size_t bin = pickBin(rng);
            const auto lo = static_cast<int>(std::ceil(length.edges[bin]));
            const auto hi = std::max(lo, static_cast<int>(std::ceil(length.edges[bin + 1])) - 1);
            const int tokens = std::uniform_int_distribution<int>(lo, hi)(rng) + extra;
            std::string text;
            for (int t = 0; t < tokens; ++t)
                text += (t % 5 == 0 ? "Great, " : "it's ");
            const std::string label = predictions.classes[pickClass(rng)];
            return predictRecord("sentiment", label, 0.97, text,
                                 {{"label", label}, {"score", 0.97}});
        };
        DriftMonitor monitor(monitorOptions("sentiment"));
        for (int i = 0; i < kShiftStart; ++i)
            monitor.record(review(0));
        monitor.flush();
        const bool preShiftAlarm = monitor.report("sentiment", 1)->drift;
        int delay = -1;
        for (int i = 1; i <= kGiveUp && delay < 0; ++i) {
            monitor.record(review(kExtra));
            monitor.flush();
            if (monitor.report("sentiment", 1)->drift)
                delay = i;
        }
        const auto report = monitor.report("sentiment", 1);
        qInfo("    seed %u: delay %d, top %s%s", seed, delay, report->features.front().name.c_str(),
              preShiftAlarm ? "  [alarm before S]" : "");
        if (delay < 0 || delay > kMaxDelay || preShiftAlarm)
            failures.push_back(QStringLiteral("seed %1: delay %2").arg(seed).arg(delay));
    }
    QVERIFY2(failures.empty(), qPrintable(failures.join(QStringLiteral("; "))));
}

QTEST_GUILESS_MAIN(TestDriftHarness)
#include "tst_driftharness.moc"
