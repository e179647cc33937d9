// What the routes hand the inference log: the real server in-process with fixture models, then
// the rows it committed by the time it stopped. An answer, a model error, a queue_full 503 and
// an OIP call are logged; a request refused before the batcher (400) is not.
#include <QTest>

#include "ApiTestSupport.h"
#include "telemetry/SqliteDatabase.h"

using namespace atalaya;
using namespace atalaya::test;
using namespace Qt::StringLiterals;

namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = ATALAYA_TEST_FIXTURES;
constexpr int kFixtureBatch = 8;   // max_batch_size of every fixture
constexpr int kFixtureQueue = 16;  // max_queue_size of every fixture
constexpr std::string_view kPredict = "/api/v1/ia/predict";

std::string fixtureBody(const std::string& model, int rows, double a = 1.0) {
    Json instances = Json::array();
    for (int i = 0; i < rows; ++i)
        instances.push_back(Json::array({a, -1.0 * i / rows, 0.0}));
    return Json{{"model", model}, {"instances", instances}}.dump();
}

HeaderList withRequestId(const std::string& id) {
    HeaderList headers = jsonContentType();
    headers.emplace_back("X-Request-Id", id);
    return headers;
}

// One logged row as JSON (columns by name), or null when there is none.
Json loggedRow(SqliteDatabase& db, const std::string& requestId) {
    auto row = db.prepare(
        "SELECT route, api_version, model, version, http_status, error_code, batch_size, "
        "instances, label, score, predictions, inputs, total_us FROM inference_log WHERE "
        "request_id = ?1");
    if (!row.isOk() || !row->bindText(1, requestId).isOk())
        return nullptr;
    const auto step = row->step();
    if (!step.isOk() || *step != SqliteStatement::Step::Row)
        return nullptr;
    Json out = Json::object();
    for (int c = 0; c < row->columnCount(); ++c) {
        const std::string name(row->columnName(c));
        if (row->isNull(c)) {
            out[name] = nullptr;
        } else if (row->isInteger(c)) {
            out[name] = row->columnInt(c);
        } else if (name == "score") {
            out[name] = row->columnDouble(c);
        } else if (name == "predictions" || name == "inputs") {
            out[name] = Json::parse(row->columnText(c), nullptr, false);
        } else {
            out[name] = std::string(row->columnText(c));
        }
    }
    return out;
}

}  // namespace

class TestInferenceLogApi : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void everyRequestPastTheBatcherIsLogged();

private:
    std::unique_ptr<TestModelRepository> m_repository;
};

void TestInferenceLogApi::initTestCase() {
    m_repository = std::make_unique<TestModelRepository>();
    for (const char* model : {"fixture-echo", "fixture-slow"}) {
        const Status linked = m_repository->link(kFixtures, model);
        QVERIFY2(linked.isOk(), linked.toString().c_str());
    }
    const Status linked = m_repository->linkFixtureThrowsWithoutRanges(kFixtures);
    QVERIFY2(linked.isOk(), linked.toString().c_str());
}

void TestInferenceLogApi::everyRequestPastTheBatcherIsLogged() {
    auto started = startReadyServer(testServerConfig(m_repository->root()));
    QVERIFY2(started.isOk(), started.status().toString().c_str());
    TestServer& server = **started;
    QVERIFY(server.config().telemetry.inferenceLog);  // on by default
    HttpTestClient client(std::string(kLoopback), server.port());

    QCOMPARE(
        postJson(client, kPredict, fixtureBody("fixture-echo", 2), withRequestId("ok-1")).status,
        200);
    QCOMPARE(postJson(client, kPredict, std::string_view(R"({"model":"fixture-echo"})"),
                      withRequestId("bad-1"))
                 .status,
             400);
    QCOMPARE(
        postJson(client, kPredict, fixtureBody("fixture-throws", 1, 13.0), withRequestId("boom-1"))
            .status,
        500);
    const Json oip = {
        {"inputs",
         {{{"name", "features"}, {"datatype", "FP32"}, {"shape", {1, 3}}, {"data", {1, 0, 0}}}}}};
    QCOMPARE(postJson(client, "/v2/models/fixture-echo/infer", oip, withRequestId("oip-1")).status,
             200);

    // Full batches of a slow model, sent together, overflow its queue of kFixtureQueue.
    std::vector<std::string> refused;
    for (int round = 0; round < 3 && refused.empty(); ++round) {
        std::vector<RequestSpec> requests;
        for (int i = 0; i < 3 * (kFixtureQueue + 1); ++i) {
            requests.push_back({.method = "POST",
                                .target = std::string(kPredict),
                                .body = fixtureBody("fixture-slow", kFixtureBatch),
                                .headers = withRequestId("slow-" + std::to_string(round) + "-" +
                                                         std::to_string(i))});
        }
        const auto responses = sendConcurrently(server.port(), requests);
        for (std::size_t i = 0; i < responses.size(); ++i) {
            if (responses[i].status == 503) {
                refused.push_back(std::string(responses[i].header("X-Request-Id")));
            }
        }
    }
    QVERIFY2(!refused.empty(), "no request was refused with queue_full");

    const auto health = fetchHealth(server.port());
    QVERIFY2(health.isOk(), health.status().toString().c_str());
    QVERIFY2((*health)["telemetry"].value("inference_log", false), qPrintable(dumped(*health)));
    server.stop(Drain::Wait);  // commits what the log still holds

    const fs::path file = server.config().dataDir / "inference-log.sqlite";
    auto db = SqliteDatabase::open(file, SqliteDatabase::Access::ReadOnly);
    QVERIFY2(db.isOk(), db.status().toString().c_str());

    const Json ok = loggedRow(*db, "ok-1");
    QVERIFY2(ok.is_object(), "the answered request has no row");
    QCOMPARE(stringAt(ok, "route"), u"predict"_s);
    QCOMPARE(stringAt(ok, "api_version"), u"v1"_s);
    QCOMPARE(stringAt(ok, "model"), u"fixture-echo"_s);
    QCOMPARE(ok["version"].get<int>(), 1);
    QCOMPARE(ok["http_status"].get<int>(), 200);
    QVERIFY(ok["error_code"].is_null());
    QCOMPARE(ok["instances"].get<int>(), 2);
    QVERIFY(ok["batch_size"].get<int>() >= 2);
    QVERIFY(ok["total_us"].get<std::int64_t>() > 0);
    QCOMPARE(stringAt(ok, "label"), u"left"_s);  // softmax([1, 0]) favours left
    QVERIFY(std::abs(ok["score"].get<double>() - std::exp(1.0) / (std::exp(1.0) + 1.0)) < 1e-5);
    QVERIFY2(ok["predictions"].is_array() && ok["predictions"].size() == 2, qPrintable(dumped(ok)));
    QCOMPARE(dumped(ok["inputs"]), u"[[1.0,-0.0,0.0],[1.0,-0.5,0.0]]"_s);

    QVERIFY2(loggedRow(*db, "bad-1").is_null(), "a 400 before the batcher must not be logged");

    const Json boom = loggedRow(*db, "boom-1");
    QVERIFY2(boom.is_object(), "the model error has no row");
    QCOMPARE(boom["http_status"].get<int>(), 500);
    QCOMPARE(stringAt(boom, "error_code"), u"model_error"_s);
    QVERIFY(boom["label"].is_null() && boom["predictions"].is_null());

    const Json viaOip = loggedRow(*db, "oip-1");
    QVERIFY2(viaOip.is_object(), "the OIP call has no row");
    QCOMPARE(stringAt(viaOip, "route"), u"oip_infer"_s);
    QVERIFY(viaOip["api_version"].is_null());
    QCOMPARE(dumped(viaOip["inputs"]), u"{\"features\":[1,0,0]}"_s);
    QCOMPARE(stringAt(viaOip, "label"), u"left"_s);

    for (const std::string& id : refused) {
        const Json row = loggedRow(*db, id);
        QVERIFY2(row.is_object(), ("no row for refused " + id).c_str());
        QCOMPARE(row["http_status"].get<int>(), 503);
        QCOMPARE(stringAt(row, "error_code"), u"queue_full"_s);
        QCOMPARE(row["batch_size"].get<int>(), 0);
    }
    qInfo("%zu queue_full refusals logged", refused.size());
}

QTEST_GUILESS_MAIN(TestInferenceLogApi)
#include "tst_inferencelog_api.moc"
