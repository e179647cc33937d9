// Metrics: exact totals under concurrency, inclusive cumulative buckets, label escaping, the
// exposition parsed back, and Debian's promtool accepting it.
#include <QProcess>
#include <QStandardPaths>
#include <QTest>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "telemetry/Metrics.h"
#include "telemetry/PrometheusText.h"

using namespace atalaya;
using namespace std::chrono_literals;

namespace {

struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

struct Exposition {
    std::vector<Sample> samples;
    std::vector<std::string> errors;  // structural problems found while parsing
};

// A strict reader of the text format 0.0.4, independent of the writer: label values unescaped,
// each sample checked to belong to the family whose TYPE line came last.
Exposition parse(const std::string& text) {
    Exposition out;
    std::map<std::string, std::string> typeOf;
    std::string currentFamily;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) {
            out.errors.push_back("last line has no newline");
            break;
        }
        const std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        if (line.rfind("# HELP ", 0) == 0)
            continue;
        if (line.rfind("# TYPE ", 0) == 0) {
            const std::string rest = line.substr(7);
            const std::string name = rest.substr(0, rest.find(' '));
            if (typeOf.count(name))
                out.errors.push_back("second TYPE for " + name);
            typeOf[name] = rest.substr(rest.find(' ') + 1);
            currentFamily = name;
            continue;
        }
        Sample sample;
        std::size_t i = 0;
        while (i < line.size() && line[i] != '{' && line[i] != ' ')
            sample.name += line[i++];
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (i < line.size() && line[i] != '}') {
                const std::size_t eq = line.find("=\"", i);
                if (eq == std::string::npos) {
                    out.errors.push_back("bad labels: " + line);
                    break;
                }
                const std::string label = line.substr(i, eq - i);
                std::string value;
                for (i = eq + 2; i < line.size() && line[i] != '"'; ++i) {
                    if (line[i] == '\\' && i + 1 < line.size()) {
                        const char next = line[++i];
                        value += next == 'n' ? '\n' : next;
                    } else {
                        value += line[i];
                    }
                }
                if (sample.labels.count(label))
                    out.errors.push_back("repeated label: " + line);
                sample.labels[label] = value;
                ++i;  // closing quote
                if (i < line.size() && line[i] == ',')
                    ++i;
            }
            ++i;  // '}'
        }
        if (i >= line.size() || line[i] != ' ') {
            out.errors.push_back("no value: " + line);
            continue;
        }
        const std::string value = line.substr(i + 1);
        sample.value = value == "+Inf" ? INFINITY : value == "-Inf" ? -INFINITY : std::stod(value);
        std::string family = sample.name;
        if (typeOf.count(currentFamily) && typeOf[currentFamily] == "histogram") {
            for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
                if (family == currentFamily + suffix)
                    family = currentFamily;
            }
        }
        if (family != currentFamily)
            out.errors.push_back("sample outside its family: " + line);
        out.samples.push_back(std::move(sample));
    }
    return out;
}

// The value of the one sample named `name` whose labels include `labels`; none if absent.
// Fails the test if more than one matches.
std::optional<double> valueOf(const Exposition& e, const std::string& name,
                              const std::map<std::string, std::string>& labels = {}) {
    std::optional<double> found;
    for (const Sample& s : e.samples) {
        if (s.name != name)
            continue;
        bool match = true;
        for (const auto& [k, v] : labels) {
            const auto it = s.labels.find(k);
            match = match && it != s.labels.end() && it->second == v;
        }
        if (!match)
            continue;
        if (found) {
            QTest::qFail(("more than one sample matches " + name).c_str(), __FILE__, __LINE__);
            return std::nullopt;
        }
        found = s.value;
    }
    return found;
}

Exposition scrape(const Metrics& metrics, const ScrapeContext& context = {}) {
    Exposition e = parse(metrics.exposition(context));
    for (const std::string& error : e.errors)
        qWarning("%s", error.c_str());
    return e;
}

RequestSample ran(std::string_view model, std::chrono::microseconds total, int batchSize = 1) {
    return {.route = "predict",
            .apiVersion = "v2",
            .model = model,
            .version = 2,
            .httpStatus = 200,
            .total = total,
            .queue = 100us,
            .compute = 200us,
            .batchSize = batchSize};
}

const std::map<std::string, std::string> kTotal = {
    {"model", "m"}, {"version", "2"}, {"phase", "total"}};

std::map<std::string, std::string> with(std::map<std::string, std::string> labels,
                                        const std::string& key, const std::string& value) {
    labels[key] = value;
    return labels;
}

}  // namespace

class TestMetrics : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void concurrentRecordsAddUpExactly() {
        constexpr int kThreads = 4;
        constexpr int kPerThread = 25'000;
        Metrics metrics;
        const auto record = [&](int thread) {
            const std::string model = thread % 2 ? "odd" : "even";
            for (int i = 0; i < kPerThread; ++i) {
                RequestSample s =
                    ran(model, std::chrono::microseconds((i % 7 + 1) * 1000), i % 3 + 1);
                s.httpStatus = i % 5 == 0 ? 503 : 200;
                metrics.recordRequest(s);
                if (s.httpStatus == 503)
                    metrics.recordRejection("queue_full");
            }
        };
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back(record, t);
        for (auto& thread : threads)
            thread.join();

        // Each model gets kThreads / 2 threads' worth of the same sequence.
        constexpr int kPerModel = kPerThread * kThreads / 2;
        std::int64_t sumUs = 0, atMost1ms = 0, atMost5ms = 0, errors = 0, batchRows = 0;
        for (int i = 0; i < kPerThread; ++i) {
            const int ms = i % 7 + 1;
            sumUs += ms * 1000;
            atMost1ms += ms <= 1;
            atMost5ms += ms <= 5;
            errors += i % 5 == 0;
            batchRows += i % 3 + 1;
        }
        const Exposition e = scrape(metrics);
        QVERIFY(e.errors.empty());
        for (const std::string model : {"even", "odd"}) {
            const std::map<std::string, std::string> series = {{"model", model}, {"version", "2"}};
            QCOMPARE(*valueOf(e, "atalaya_requests_total", with(series, "code", "200")),
                     double(kPerModel - 2 * errors));
            QCOMPARE(*valueOf(e, "atalaya_requests_total", with(series, "code", "503")),
                     double(2 * errors));
            const auto total = with(series, "phase", "total");
            QCOMPARE(*valueOf(e, "atalaya_request_duration_seconds_count", total),
                     double(kPerModel));
            QCOMPARE(*valueOf(e, "atalaya_request_duration_seconds_sum", total),
                     double(2 * sumUs) / 1e6);
            QCOMPARE(
                *valueOf(e, "atalaya_request_duration_seconds_bucket", with(total, "le", "0.001")),
                double(2 * atMost1ms));
            QCOMPARE(
                *valueOf(e, "atalaya_request_duration_seconds_bucket", with(total, "le", "0.005")),
                double(2 * atMost5ms));
            QCOMPARE(*valueOf(e, "atalaya_request_duration_seconds_count",
                              with(series, "phase", "compute")),
                     double(kPerModel));
            QCOMPARE(*valueOf(e, "atalaya_batch_size_sum", series), double(2 * batchRows));
            QCOMPARE(*valueOf(e, "atalaya_batch_size_count", series), double(kPerModel));
        }
        QCOMPARE(*valueOf(e, "atalaya_rejections_total", {{"reason", "queue_full"}}),
                 double(4 * errors));
    }

    void scrapesDuringRecordingStayConsistent() {
        Metrics metrics;
        std::atomic<bool> done{false};
        std::thread writer([&] {
            for (int i = 0; i < 200'000; ++i)
                metrics.recordRequest(ran("m", std::chrono::microseconds(i % 20'000)));
            done = true;
        });
        double previousCount = 0;
        int scrapes = 0;
        while (!done || scrapes == 0) {
            const Exposition e = scrape(metrics);
            QVERIFY(e.errors.empty());
            ++scrapes;
            const auto count = valueOf(e, "atalaya_request_duration_seconds_count", kTotal);
            if (!count)
                continue;  // no request recorded yet
            QCOMPARE(
                *valueOf(e, "atalaya_request_duration_seconds_bucket", with(kTotal, "le", "+Inf")),
                *count);
            QVERIFY(*count >= previousCount);
            previousCount = *count;
        }
        writer.join();
        QCOMPARE(*valueOf(scrape(metrics), "atalaya_request_duration_seconds_count", kTotal),
                 200'000.0);
        qInfo("%d scrapes while recording", scrapes);
    }

    void bucketEdgesAreInclusive_data() {
        QTest::addColumn<qint64>("us");
        QTest::addColumn<QString>("le");
        QTest::addColumn<double>("cumulative");
        QTest::newRow("on 1ms") << qint64(1000) << "0.001" << 1.0;
        QTest::newRow("just over 1ms") << qint64(1001) << "0.001" << 0.0;
        QTest::newRow("just over 1ms, next") << qint64(1001) << "0.0025" << 1.0;
        QTest::newRow("on 2.5ms") << qint64(2500) << "0.0025" << 1.0;
        QTest::newRow("zero") << qint64(0) << "0.001" << 1.0;
        QTest::newRow("negative counts as zero") << qint64(-5) << "0.001" << 1.0;
        QTest::newRow("on 10s") << qint64(10'000'000) << "10" << 1.0;
        QTest::newRow("over 10s") << qint64(10'000'001) << "10" << 0.0;
        QTest::newRow("over 10s, +Inf") << qint64(10'000'001) << "+Inf" << 1.0;
    }
    void bucketEdgesAreInclusive() {
        QFETCH(qint64, us);
        QFETCH(QString, le);
        QFETCH(double, cumulative);
        Metrics metrics;
        metrics.recordRequest(ran("m", std::chrono::microseconds(us)));
        const Exposition e = scrape(metrics);
        QCOMPARE(*valueOf(e, "atalaya_request_duration_seconds_bucket",
                          with(kTotal, "le", le.toStdString())),
                 cumulative);
        QCOMPARE(*valueOf(e, "atalaya_request_duration_seconds_sum", kTotal),
                 std::max<qint64>(us, 0) / 1e6);
    }

    void bucketsAreCumulativeUpToInf() {
        Metrics metrics;
        const auto bounds = metrics.latencyBucketsSeconds();
        QCOMPARE(bounds.size(), std::size_t(13));
        for (const double bound : bounds) {
            metrics.recordRequest(ran("m", std::chrono::microseconds(std::llround(bound * 1e6))));
        }
        metrics.recordRequest(ran("m", 60s));
        const Exposition e = scrape(metrics);
        std::vector<double> buckets;
        for (const Sample& s : e.samples) {
            if (s.name == "atalaya_request_duration_seconds_bucket" &&
                s.labels.at("phase") == "total") {
                buckets.push_back(s.value);
            }
        }
        QCOMPARE(buckets.size(), bounds.size() + 1);
        for (std::size_t i = 0; i < buckets.size(); ++i)
            QCOMPARE(buckets[i], double(i + 1));
        QCOMPARE(*valueOf(e, "atalaya_request_duration_seconds_count", kTotal), buckets.back());
    }

    void batchSizeBuckets() {
        Metrics metrics;
        for (const int rows : {1, 3, 128, 129})
            metrics.recordRequest(ran("m", 1ms, rows));
        const Exposition e = scrape(metrics);
        const std::map<std::string, std::string> series = {{"model", "m"}, {"version", "2"}};
        QCOMPARE(*valueOf(e, "atalaya_batch_size_bucket", with(series, "le", "1")), 1.0);
        QCOMPARE(*valueOf(e, "atalaya_batch_size_bucket", with(series, "le", "2")), 1.0);
        QCOMPARE(*valueOf(e, "atalaya_batch_size_bucket", with(series, "le", "4")), 2.0);
        QCOMPARE(*valueOf(e, "atalaya_batch_size_bucket", with(series, "le", "128")), 3.0);
        QCOMPARE(*valueOf(e, "atalaya_batch_size_bucket", with(series, "le", "+Inf")), 4.0);
        QCOMPARE(*valueOf(e, "atalaya_batch_size_sum", series), 261.0);
    }

    void requestsThatNeverRanObserveOnlyTheirTotal() {
        Metrics metrics;
        metrics.recordRequest(ran("m", 3ms, /*batchSize=*/0));
        const Exposition e = scrape(metrics);
        QCOMPARE(*valueOf(e, "atalaya_request_duration_seconds_count", kTotal), 1.0);
        QCOMPARE(
            *valueOf(e, "atalaya_request_duration_seconds_count", with(kTotal, "phase", "queue")),
            0.0);
        QCOMPARE(*valueOf(e, "atalaya_batch_size_count", {{"model", "m"}}), 0.0);
    }

    void requestsWithoutModelAreCountedWithoutLatency() {
        Metrics metrics;
        metrics.recordRequest(
            {.route = "predict", .apiVersion = "v1", .httpStatus = 404, .total = 1ms});
        const Exposition e = scrape(metrics);
        QCOMPARE(*valueOf(e, "atalaya_requests_total",
                          {{"model", ""}, {"version", ""}, {"code", "404"}}),
                 1.0);
        QVERIFY(!valueOf(e, "atalaya_request_duration_seconds_count"));
    }

    void sloThresholdsBecomeBuckets() {
        MetricsOptions options;
        options.sloThresholdsSeconds = {0.075, 0.05, -1, NAN, INFINITY, 1e-9};
        Metrics metrics(options);
        const auto bounds = metrics.latencyBucketsSeconds();
        QCOMPARE(bounds.size(),
                 std::size_t(14));  // 0.075 added; 0.05 already there; the rest invalid
        QVERIFY(std::is_sorted(bounds.begin(), bounds.end()));
        metrics.recordRequest(ran("m", 75ms));
        const Exposition e = scrape(metrics);
        QCOMPARE(
            *valueOf(e, "atalaya_request_duration_seconds_bucket", with(kTotal, "le", "0.075")),
            1.0);
        QCOMPARE(*valueOf(e, "atalaya_request_duration_seconds_bucket", with(kTotal, "le", "0.05")),
                 0.0);
    }

    void labelValuesAreEscaped() {
        Metrics metrics;
        const std::string model = "a\\b\"c\nd";
        metrics.recordRequest(ran(model, 1ms));
        const std::string text = metrics.exposition({});
        QVERIFY(text.find(R"(model="a\\b\"c\nd")") != std::string::npos);
        const Exposition e = parse(text);
        QVERIFY(e.errors.empty());
        QCOMPARE(*valueOf(e, "atalaya_requests_total", {{"model", model}}), 1.0);
    }

    void invalidUtf8IsReplaced_data() {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QByteArray>("escaped");
        const QByteArray replacement("\xEF\xBF\xBD");
        QTest::newRow("valid two-byte") << QByteArray("caf\xC3\xA9") << QByteArray("caf\xC3\xA9");
        QTest::newRow("valid four-byte")
            << QByteArray("\xF0\x9F\x98\x80") << QByteArray("\xF0\x9F\x98\x80");
        QTest::newRow("stray byte") << QByteArray("a\xFFz") << QByteArray("a" + replacement + "z");
        QTest::newRow("overlong slash") << QByteArray("\xC0\xAF") << replacement + replacement;
        QTest::newRow("surrogate")
            << QByteArray("\xED\xA0\x80") << replacement + replacement + replacement;
        QTest::newRow("truncated at end") << QByteArray("\xE2\x82") << replacement + replacement;
    }
    void invalidUtf8IsReplaced() {
        QFETCH(QByteArray, raw);
        QFETCH(QByteArray, escaped);
        std::string out;
        appendEscapedLabelValue(out, std::string_view(raw.constData(), raw.size()));
        QCOMPARE(QByteArray::fromStdString(out), escaped);
    }

    void helpEscapesBackslashAndNewlineOnly() {
        std::string out;
        appendEscapedHelp(out, "a\\b\n\"c\"");
        QCOMPARE(out, std::string(R"(a\\b\n"c")"));
    }

    void numbersParseBackExactly_data() {
        QTest::addColumn<double>("value");
        QTest::addColumn<QString>("text");
        QTest::newRow("bucket bound") << 0.0025 << "0.0025";
        QTest::newRow("integer") << 10.0 << "10";
        QTest::newRow("microsecond") << 1e-6 << "1e-06";
        QTest::newRow("shortest round trip") << 0.1 + 0.2 << "0.30000000000000004";
        QTest::newRow("large") << 1e21 << "1e+21";
        QTest::newRow("+Inf") << double(INFINITY) << "+Inf";
        QTest::newRow("-Inf") << double(-INFINITY) << "-Inf";
        QTest::newRow("NaN") << double(NAN) << "NaN";
    }
    void numbersParseBackExactly() {
        QFETCH(double, value);
        QFETCH(QString, text);
        std::string out;
        appendPrometheusNumber(out, value);
        QCOMPARE(QString::fromStdString(out), text);
    }

    void scrapedGauges() {
        Metrics metrics({.buildVersion = "9.9.9"});
        ScrapeContext context;
        context.models = {
            {.model = "credit-risk",
             .version = 2,
             .state = "READY",
             .queueDepth = 3,
             .inFlight = 8,
             .loadSeconds = 1.5},
            {.model = "reviews", .version = 1, .state = "LOADING"},
            {.model = "odd", .version = 1, .state = "SOMETHING_NEW"},
        };
        context.inferenceLogRowsDropped = 42;
        context.uptimeSeconds = 12.5;
        context.inferenceLog = InferenceLogStorageSample{
            .fileBytes = 4096,
            .walBytes = 512,
            .usedBytes = 2048,
            .maxBytes = 1 << 20,
            .deleted = {{"inference_log", "size", 17}, {"inference_log", "age", 3}}};
        context.driftCounters = DriftCountersSample{.recordsApplied = 9,
                                                    .recordsDropped = 5,
                                                    .recordsSkipped = 2,
                                                    .snapshotsWritten = 4,
                                                    .snapshotsDropped = 1};
        const Exposition e = scrape(metrics, context);
        QVERIFY(e.errors.empty());
        const std::map<std::string, std::string> credit = {{"model", "credit-risk"},
                                                           {"version", "2"}};
        QCOMPARE(*valueOf(e, "atalaya_queue_depth", credit), 3.0);
        QCOMPARE(*valueOf(e, "atalaya_in_flight", credit), 8.0);
        QCOMPARE(*valueOf(e, "atalaya_model_load_duration_seconds", credit), 1.5);
        QVERIFY(!valueOf(e, "atalaya_model_load_duration_seconds", {{"model", "reviews"}}));
        QCOMPARE(*valueOf(e, "atalaya_model_state", with(credit, "state", "READY")), 1.0);
        QCOMPARE(*valueOf(e, "atalaya_model_state", with(credit, "state", "LOADING")), 0.0);
        double states = 0;
        for (const Sample& s : e.samples) {
            if (s.name == "atalaya_model_state" && s.labels.at("model") == "credit-risk")
                states += 1;
        }
        QCOMPARE(states, 5.0);
        QCOMPARE(*valueOf(e, "atalaya_model_state", {{"model", "reviews"}, {"state", "LOADING"}}),
                 1.0);
        QCOMPARE(*valueOf(e, "atalaya_model_state", {{"model", "odd"}, {"state", "SOMETHING_NEW"}}),
                 1.0);
        QCOMPARE(*valueOf(e, "atalaya_inference_log_rows_dropped_total"), 42.0);
        QCOMPARE(*valueOf(e, "atalaya_uptime_seconds"), 12.5);
        QCOMPARE(*valueOf(e, "atalaya_inference_log_size_bytes", {{"file", "wal"}}), 512.0);
        QCOMPARE(*valueOf(e, "atalaya_inference_log_used_bytes"), 2048.0);
        QCOMPARE(*valueOf(e, "atalaya_inference_log_max_size_bytes"), double(1 << 20));
        QCOMPARE(*valueOf(e, "atalaya_inference_log_retention_deleted_rows_total",
                          {{"table", "inference_log"}, {"reason", "size"}}),
                 17.0);
        QCOMPARE(*valueOf(e, "atalaya_drift_records_applied_total"), 9.0);
        QCOMPARE(*valueOf(e, "atalaya_drift_records_dropped_total"), 5.0);
        QCOMPARE(*valueOf(e, "atalaya_drift_records_skipped_total"), 2.0);
        QCOMPARE(*valueOf(e, "atalaya_drift_snapshots_written_total"), 4.0);
        QCOMPARE(*valueOf(e, "atalaya_drift_snapshots_dropped_total"), 1.0);
        // Off: no family at all.
        const Exposition off = scrape(metrics);
        QVERIFY(!valueOf(off, "atalaya_drift_records_dropped_total"));
        QVERIFY(!valueOf(off, "atalaya_inference_log_used_bytes"));
        QCOMPARE(*valueOf(e, "atalaya_build_info", {{"version", "9.9.9"}}), 1.0);
    }

    void knownRejectionReasonsStartAtZero() {
        Metrics metrics;
        metrics.recordRejection("rate_limited");
        const Exposition e = scrape(metrics);
        QCOMPARE(*valueOf(e, "atalaya_rejections_total", {{"reason", "queue_full"}}), 0.0);
        QCOMPARE(*valueOf(e, "atalaya_rejections_total", {{"reason", "deadline_exceeded"}}), 0.0);
        QCOMPARE(*valueOf(e, "atalaya_rejections_total", {{"reason", "rate_limited"}}), 1.0);
    }

    void promtoolAcceptsExposition() {
        const QString promtool = QStandardPaths::findExecutable("promtool");
        if (promtool.isEmpty()) {
            QSKIP(
                "promtool not found: install Debian's 'prometheus' package "
                "(scripts/install-deps.sh does)");
        }
        Metrics metrics;
        metrics.recordRequest(ran("credit-risk", 12ms, 4));
        metrics.recordRequest(ran("we\"ird\\na\nme \xFF", 1s, 0));
        metrics.recordRequest({.route = "oip_infer",
                               .model = "reviews",
                               .version = 1,
                               .httpStatus = 504,
                               .total = 30ms});
        metrics.recordRequest({.route = "predict", .apiVersion = "v1", .httpStatus = 400});
        metrics.recordRejection("deadline_exceeded");
        ScrapeContext context;
        context.models = {{.model = "credit-risk",
                           .version = 2,
                           .state = "READY",
                           .queueDepth = 1,
                           .loadSeconds = 0.25},
                          {.model = "reviews", .version = 1, .state = "FAILED"}};
        context.inferenceLogRowsDropped = 7;
        context.uptimeSeconds = 3.25;
        context.inferenceLog =
            InferenceLogStorageSample{.fileBytes = 8192, .deleted = {{"drift_alerts", "age", 1}}};
        context.driftCounters = DriftCountersSample{.recordsDropped = 3};
        const std::string text = metrics.exposition(context);

        QProcess process;
        process.start(promtool, {"check", "metrics"});
        QVERIFY2(process.waitForStarted(10'000), qPrintable(process.errorString()));
        process.write(text.data(), qint64(text.size()));
        process.closeWriteChannel();
        QVERIFY(process.waitForFinished(30'000));
        const QByteArray output = process.readAllStandardOutput() + process.readAllStandardError();
        QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0,
                 qPrintable("promtool check metrics failed:\n" + output + "\n--- exposition:\n" +
                            QString::fromStdString(text)));
        QVERIFY2(output.trimmed().isEmpty(), output.constData());  // no lint warnings either
    }

    // Not a pass/fail bound (CI machines vary): prints what the request path pays per request.
    void recordingCost() {
        Metrics metrics;
        constexpr int kPerThread = 500'000;
        const auto start = std::chrono::steady_clock::now();
        std::thread other([&] {
            for (int i = 0; i < kPerThread; ++i)
                metrics.recordRequest(ran("credit-risk", 2ms, 8));
        });
        for (int i = 0; i < kPerThread; ++i)
            metrics.recordRequest(ran("reviews", 2ms, 8));
        other.join();
        const double ns =
            std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start)
                .count();
        qInfo(
            "recordRequest: %.0f ns per request with 2 threads recording (%.1f M requests/s in "
            "all)",
            ns / kPerThread, 2 * kPerThread / ns * 1e3);
        QCOMPARE(*valueOf(scrape(metrics), "atalaya_batch_size_count", {{"model", "reviews"}}),
                 double(kPerThread));
    }
};

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
