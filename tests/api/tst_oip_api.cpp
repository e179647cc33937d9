// The Open Inference Protocol (KServe v2) routes against the real server: server and model
// metadata, readiness, infer with flat and nested data and BYTES, bad requests refused with
// their stable codes, and a repository where some versions FAILED to load while the rest serve.
#include <QTest>

#include "ApiTestSupport.h"

using namespace atalaya;
using namespace atalaya::test;
using namespace Qt::StringLiterals;

namespace {

namespace fs = std::filesystem;

const fs::path kDemoModels = ATALAYA_DEMO_MODELS;
const fs::path kFixtures = ATALAYA_TEST_FIXTURES;

// Fixtures that fail to load, each in its own way (tools/models/fixtures.py).
const char* const kBrokenFixtures[] = {"fixture-corrupt", "fixture-missing", "fixture-bad-json",
                                       "fixture-wrong-shape"};

// Rows of credit-risk features in the model's column order, from its smoke examples.
Json creditRows(const Json& modelJson, std::size_t count) {
    Json rows = Json::array();
    for (std::size_t i = 0; i < count; ++i) {
        Json row = Json::array();
        for (const auto& feature : modelJson["inputs"][0]["features"]) {
            row.push_back(modelJson["smoke"][i]["instance"][feature["name"].get<std::string>()]);
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

Json flattened(const Json& rows) {
    Json flat = Json::array();
    for (const auto& row : rows) {
        for (const auto& value : row)
            flat.push_back(value);
    }
    return flat;
}

Json featuresInput(const Json& shape, const Json& data) {
    return {{"name", "features"}, {"datatype", "FP32"}, {"shape", shape}, {"data", data}};
}

Json inferBody(Json inputs) {
    return {{"inputs", std::move(inputs)}};
}

// Argmax labels of an FP32 [rows, labels] probabilities output.
QStringList argmaxLabels(const Json& output, const std::vector<std::string>& labels) {
    QStringList result;
    const auto& data = output["data"];
    const std::size_t width = labels.size();
    for (std::size_t r = 0; r * width < data.size(); ++r) {
        std::size_t best = 0;
        for (std::size_t c = 1; c < width; ++c) {
            if (data[r * width + c].get<double>() > data[r * width + best].get<double>())
                best = c;
        }
        result << qstr(labels[best]);
    }
    return result;
}

}  // namespace

class TestOipApi : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void serverMetadata();
    void liveAndReady();
    void modelMetadata_data();
    void modelMetadata();
    void modelReady_data();
    void modelReady();
    void inferFlatAndNested_data();
    void inferFlatAndNested();
    void inferMatchesPredictApi();
    void idIsEchoed();
    void requestedOutputs();
    void sentimentWithBytes();
    void badInferRequests_data();
    void badInferRequests();
    void nonStringTensorNameIs400();
    void wrongMethodIs405();
    void failedVersionsAreReportedInHealth_data();
    void failedVersionsAreReportedInHealth();
    void readinessListsFailedVersions();

private:
    HttpTestResponse get(std::string_view target) { return test::get(*m_client, target); }
    HttpTestResponse post(std::string_view target, const Json& body) {
        return postJson(*m_client, target, body);
    }

    std::unique_ptr<TestModelRepository> m_repository;
    std::unique_ptr<TestServer> m_server;
    std::unique_ptr<HttpTestClient> m_client;
    Json m_creditV1;  // model.json of credit-risk version 1, as the server reads it
};

void TestOipApi::initTestCase() {
    m_repository = std::make_unique<TestModelRepository>();
    for (const char* model : {"credit-risk", "sentiment"}) {
        const Status linked = m_repository->link(kDemoModels, model);
        QVERIFY2(linked.isOk(), linked.toString().c_str());
    }
    for (const char* model : kBrokenFixtures) {
        const Status linked = m_repository->link(kFixtures, model);
        QVERIFY2(linked.isOk(), linked.toString().c_str());
    }
    auto credit = readModelJson(kDemoModels / "credit-risk", 1);
    QVERIFY2(credit.isOk(), credit.status().toString().c_str());
    m_creditV1 = *credit;

    m_server = std::make_unique<TestServer>(testServerConfig(m_repository->root()));
    const Status started = m_server->start();
    QVERIFY2(started.isOk(), started.toString().c_str());
    // Never READY as a whole (broken fixtures): wait until every version has settled.
    const Status loaded = m_server->waitUntilLoaded();
    QVERIFY2(loaded.isOk(), loaded.toString().c_str());
    m_client = std::make_unique<HttpTestClient>(std::string(kLoopback), m_server->port());
}

void TestOipApi::cleanupTestCase() {
    m_client.reset();
    m_server.reset();
}

void TestOipApi::serverMetadata() {
    const auto response = get("/v2");
    QVERIFY2(response.status == 200, qPrintable(describe(response)));
    const Json body = bodyOf(response);
    QCOMPARE(stringAt(body, "name"), u"atalaya"_s);
    QVERIFY(!stringAt(body, "version").isEmpty());
    QVERIFY(body["extensions"].is_array());
}

void TestOipApi::liveAndReady() {
    const auto live = get("/v2/health/live");
    QVERIFY2(live.status == 200, qPrintable(describe(live)));
    QCOMPARE(dumped(bodyOf(live)), u"{\"live\":true}"_s);
    // Server readiness means every version READY: the broken fixtures keep it at 503.
    const auto ready = get("/v2/health/ready");
    QVERIFY2(ready.status == 503, qPrintable(describe(ready)));
    QCOMPARE(dumped(bodyOf(ready)), u"{\"ready\":false}"_s);
}

void TestOipApi::modelMetadata_data() {
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("expected");  // JSON
    const QByteArray credit = R"({"name":"credit-risk","versions":["1","2"],
        "platform":"pytorch_torchscript",
        "inputs":[{"name":"features","datatype":"FP32","shape":[-1,10]}],
        "outputs":[{"name":"probabilities","datatype":"FP32","shape":[-1,2]}]})";
    QTest::newRow("model") << "/v2/models/credit-risk"_ba << credit;
    QTest::newRow("version 1") << "/v2/models/credit-risk/versions/1"_ba << credit;
    QTest::newRow("version 2") << "/v2/models/credit-risk/versions/2"_ba << credit;
    QTest::newRow("text model") << "/v2/models/sentiment"_ba
                                << R"({"name":"sentiment","versions":["1"],
        "platform":"pytorch_torchscript",
        "inputs":[{"name":"text","datatype":"BYTES","shape":[-1]}],
        "outputs":[{"name":"probabilities","datatype":"FP32","shape":[-1,2]}]})"_ba;
}

void TestOipApi::modelMetadata() {
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, expected);
    const auto response = get(target.toStdString());
    QVERIFY2(response.status == 200, qPrintable(describe(response)));
    QCOMPARE(dumped(bodyOf(response)), dumped(Json::parse(expected.toStdString())));
}

void TestOipApi::modelReady_data() {
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("expected");  // JSON body, or the error code
    QTest::newRow("model") << "/v2/models/credit-risk/ready"_ba << 200
                           << R"({"name":"credit-risk","ready":true})"_ba;
    QTest::newRow("version 1") << "/v2/models/credit-risk/versions/1/ready"_ba << 200
                               << R"({"name":"credit-risk","ready":true})"_ba;
    QTest::newRow("text model") << "/v2/models/sentiment/versions/1/ready"_ba << 200
                                << R"({"name":"sentiment","ready":true})"_ba;
    QTest::newRow("failed model") << "/v2/models/fixture-corrupt/ready"_ba << 503
                                  << R"({"name":"fixture-corrupt","ready":false})"_ba;
    QTest::newRow("failed version") << "/v2/models/fixture-corrupt/versions/1/ready"_ba << 503
                                    << R"({"name":"fixture-corrupt","ready":false})"_ba;
    QTest::newRow("unknown model")
        << "/v2/models/no-such-model/ready"_ba << 404 << "model_not_found"_ba;
    QTest::newRow("unknown version")
        << "/v2/models/credit-risk/versions/9/ready"_ba << 404 << "version_not_found"_ba;
}

void TestOipApi::modelReady() {
    QFETCH(QByteArray, target);
    QFETCH(int, status);
    QFETCH(QByteArray, expected);
    const auto response = get(target.toStdString());
    QVERIFY2(response.status == status, qPrintable(describe(response)));
    if (status == 404) {
        QCOMPARE(errorCodeOf(response), QString::fromLatin1(expected));
    } else {
        QCOMPARE(dumped(bodyOf(response)), dumped(Json::parse(expected.toStdString())));
    }
}

void TestOipApi::inferFlatAndNested_data() {
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<bool>("nested");
    QTest::addColumn<QString>("version");
    QTest::newRow("flat, highest version") << "/v2/models/credit-risk/infer"_ba << false << u"2"_s;
    QTest::newRow("nested, highest version") << "/v2/models/credit-risk/infer"_ba << true << u"2"_s;
    QTest::newRow("flat, version 1")
        << "/v2/models/credit-risk/versions/1/infer"_ba << false << u"1"_s;
    QTest::newRow("nested, version 1")
        << "/v2/models/credit-risk/versions/1/infer"_ba << true << u"1"_s;
}

void TestOipApi::inferFlatAndNested() {
    QFETCH(QByteArray, target);
    QFETCH(bool, nested);
    QFETCH(QString, version);
    const Json rows = creditRows(m_creditV1, 3);
    const auto response = post(
        target.toStdString(), inferBody({featuresInput({3, 10}, nested ? rows : flattened(rows))}));
    QVERIFY2(response.status == 200, qPrintable(describe(response)));
    const Json body = bodyOf(response);
    QCOMPARE(stringAt(body, "model_name"), u"credit-risk"_s);
    QCOMPARE(stringAt(body, "model_version"), version);
    QVERIFY2(!body.contains("id"), "no id was sent, none should come back");
    QCOMPARE(body["outputs"].size(), std::size_t{1});
    const Json& output = body["outputs"][0];
    QCOMPARE(stringAt(output, "name"), u"probabilities"_s);
    QCOMPARE(stringAt(output, "datatype"), u"FP32"_s);
    QCOMPARE(dumped(output["shape"]), u"[3,2]"_s);
    QCOMPARE(output["data"].size(), std::size_t{6});
    for (std::size_t r = 0; r < 3; ++r) {
        const double sum =
            output["data"][2 * r].get<double>() + output["data"][2 * r + 1].get<double>();
        QVERIFY2(qAbs(sum - 1.0) < 1e-4, qPrintable(describe(response)));
    }
    if (version == u"1"_s) {
        // Version 1's smoke examples come back with their labels through this route too.
        QStringList expected;
        for (std::size_t i = 0; i < 3; ++i)
            expected << stringAt(m_creditV1["smoke"][i], "label");
        QCOMPARE(argmaxLabels(output, m_creditV1["labels"].get<std::vector<std::string>>()),
                 expected);
    }
}

// The same model version through both protocols gives the same numbers.
void TestOipApi::inferMatchesPredictApi() {
    const Json rows = creditRows(m_creditV1, 2);
    const auto oip =
        post("/v2/models/credit-risk/versions/1/infer", inferBody({featuresInput({2, 10}, rows)}));
    const auto predict =
        post("/api/v1/ia/predict", {{"model", "credit-risk"}, {"instances", rows}});
    QVERIFY2(oip.status == 200, qPrintable(describe(oip)));
    QVERIFY2(predict.status == 200, qPrintable(describe(predict)));
    const Json data = bodyOf(oip)["outputs"][0]["data"];
    const Json predictions = bodyOf(predict)["predictions"];
    for (std::size_t r = 0; r < 2; ++r) {
        const QString shown = dumped(predictions[r]) + u" vs "_s + dumped(data);
        QVERIFY2(qAbs(predictions[r]["scores"]["approve"].get<double>() -
                      data[2 * r].get<double>()) < 1e-6,
                 qPrintable(shown));
        QVERIFY2(qAbs(predictions[r]["scores"]["decline"].get<double>() -
                      data[2 * r + 1].get<double>()) < 1e-6,
                 qPrintable(shown));
    }
}

void TestOipApi::idIsEchoed() {
    Json body = inferBody({featuresInput({1, 10}, creditRows(m_creditV1, 1))});
    body["id"] = "oip-request-7";
    const auto response = post("/v2/models/credit-risk/infer", body);
    QVERIFY2(response.status == 200, qPrintable(describe(response)));
    QCOMPARE(stringAt(bodyOf(response), "id"), u"oip-request-7"_s);
}

void TestOipApi::requestedOutputs() {
    Json body = inferBody({featuresInput({1, 10}, creditRows(m_creditV1, 1))});
    body["outputs"] = Json::array({{{"name", "probabilities"}}});
    const auto response = post("/v2/models/credit-risk/infer", body);
    QVERIFY2(response.status == 200, qPrintable(describe(response)));
    const Json outputs = bodyOf(response)["outputs"];
    QCOMPARE(outputs.size(), std::size_t{1});
    QCOMPARE(stringAt(outputs[0], "name"), u"probabilities"_s);

    body["outputs"] = Json::array({{{"name", "logits"}}});
    const auto unknown = post("/v2/models/credit-risk/infer", body);
    QVERIFY2(unknown.status == 400, qPrintable(describe(unknown)));
    QCOMPARE(errorCodeOf(unknown), u"unknown_output"_s);
}

void TestOipApi::sentimentWithBytes() {
    const auto modelJson = readModelJson(kDemoModels / "sentiment", 1);
    QVERIFY2(modelJson.isOk(), modelJson.status().toString().c_str());
    Json texts = Json::array();
    QStringList expected;
    for (const auto& example : (*modelJson)["smoke"]) {
        texts.push_back(example["instance"]["text"]);
        expected << stringAt(example, "label");
    }
    const Json input = {
        {"name", "text"}, {"datatype", "BYTES"}, {"shape", {texts.size()}}, {"data", texts}};
    const auto response = post("/v2/models/sentiment/infer", inferBody({input}));
    QVERIFY2(response.status == 200, qPrintable(describe(response)));
    const Json output = bodyOf(response)["outputs"][0];
    QCOMPARE(dumped(output["shape"]), u"[%1,2]"_s.arg(texts.size()));
    QCOMPARE(argmaxLabels(output, (*modelJson)["labels"].get<std::vector<std::string>>()),
             expected);
}

void TestOipApi::badInferRequests_data() {
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");

    const QByteArray infer = "/v2/models/credit-risk/infer";
    const Json row = Json::array({40, 50000, 0.2, 10, 3, 0, 9000, 36, 5, 10000});
    auto features = [&](const Json& edits) {
        Json input = featuresInput({1, 10}, row);
        for (const auto& [key, value] : edits.items()) {
            if (value.is_null()) {
                input.erase(key);
            } else {
                input[key] = value;
            }
        }
        return QByteArray::fromStdString(inferBody({input}).dump());
    };
    const QByteArray good = features(Json::object());
    auto bad = [](const char* name, const QByteArray& target, const QByteArray& body, int status,
                  const char16_t* code) {
        QTest::newRow(name) << target << body << status << QString::fromUtf16(code);
    };

    bad("malformed JSON", infer, R"({"inputs":[)", 400, u"invalid_json");
    bad("body is an array", infer, "[]", 400, u"wrong_type");
    bad("no inputs", infer, R"({"id":"x"})", 400, u"missing_field");
    bad("inputs is an object", infer, R"({"inputs":{}})", 400, u"missing_field");
    bad("no input at all", infer, R"({"inputs":[]})", 400, u"wrong_inputs");
    bad("one input too many", infer,
        QByteArray::fromStdString(
            inferBody({featuresInput({1, 10}, row), featuresInput({1, 10}, row)}).dump()),
        400, u"wrong_inputs");
    bad("missing input (wrong name)", infer, features({{"name", "feature"}}), 400,
        u"missing_input");
    bad("bad datatype", infer, features({{"datatype", "FP64"}}), 400, u"wrong_type");
    bad("lower-case datatype", infer, features({{"datatype", "fp32"}}), 400, u"wrong_type");
    bad("no datatype", infer, features({{"datatype", nullptr}}), 400, u"wrong_type");
    bad("no data", infer, features({{"data", nullptr}}), 400, u"missing_field");
    bad("no shape", infer, features({{"shape", nullptr}}), 400, u"wrong_shape");
    bad("wrong feature count in shape", infer, features({{"shape", {1, 9}}}), 400, u"wrong_shape");
    bad("shape of rank 1", infer, features({{"shape", {10}}}), 400, u"wrong_shape");
    bad("data shorter than shape", infer, features({{"shape", {2, 10}}}), 400, u"wrong_shape");
    bad("zero rows", infer, features({{"shape", {0, 10}}, {"data", Json::array()}}), 400,
        u"wrong_shape");
    bad("negative dimension", infer, features({{"shape", {-1, 10}}}), 400, u"wrong_shape");
    bad("string in FP32 data", infer,
        features({{"data", {"40", 50000, 0.2, 10, 3, 0, 9000, 36, 5, 10000}}}), 400, u"wrong_type");
    bad("feature out of range", infer,
        features({{"data", {5, 50000, 0.2, 10, 3, 0, 9000, 36, 5, 10000}}}), 400, u"out_of_range");
    bad("id is a number", infer, QByteArray(good).replace("{\"inputs\"", "{\"id\":7,\"inputs\""),
        400, u"wrong_type");
    bad("outputs is an object", infer,
        QByteArray(good).replace("{\"inputs\"", "{\"outputs\":{},\"inputs\""), 400, u"wrong_type");
    bad("duplicate key", infer,
        QByteArray(good).replace("{\"inputs\"", "{\"id\":\"a\",\"id\":\"b\",\"inputs\""), 400,
        u"duplicate_key");

    const QByteArray text = "/v2/models/sentiment/infer";
    bad("BYTES holding numbers", text,
        R"({"inputs":[{"name":"text","datatype":"BYTES","shape":[1],"data":[5]}]})", 400,
        u"wrong_type");
    bad("BYTES shorter than shape", text,
        R"({"inputs":[{"name":"text","datatype":"BYTES","shape":[2],"data":["good"]}]})", 400,
        u"wrong_shape");
    bad("text sent as FP32", text,
        R"({"inputs":[{"name":"text","datatype":"FP32","shape":[1],"data":[1.0]}]})", 400,
        u"wrong_type");

    bad("unknown model", "/v2/models/no-such-model/infer", good, 404, u"model_not_found");
    bad("unknown version", "/v2/models/credit-risk/versions/9/infer", good, 404,
        u"version_not_found");
    bad("version zero", "/v2/models/credit-risk/versions/0/infer", good, 404, u"version_not_found");
    bad("version not a number", "/v2/models/credit-risk/versions/latest/infer", good, 404,
        u"version_not_found");
    // Found, but FAILED to load: the server's condition, not the client's mistake.
    bad("failed version", "/v2/models/fixture-corrupt/versions/1/infer", good, 503,
        u"model_not_ready");
    bad("model with no ready version", "/v2/models/fixture-corrupt/infer", good, 503,
        u"model_not_ready");
}

void TestOipApi::badInferRequests() {
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    const auto response = postJson(*m_client, target.toStdString(), body.toStdString());
    QVERIFY2(response.status == status, qPrintable(describe(response)));
    QCOMPARE(errorCodeOf(response), code);
    const QString problem = errorBodyProblem(response);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    if (status == 503)
        QVERIFY2(!response.header("Retry-After").empty(), "503 without Retry-After");
    QVERIFY(!response.header("X-Request-Id").empty());
}

// Regression: {"name": 5} made nlohmann's value("name", "") throw out of the handler; the client
// got 500 "the request was dropped without an answer" without X-Request-Id, and the request
// stayed pending, so a graceful shutdown waited the whole drain timeout.
void TestOipApi::nonStringTensorNameIs400() {
    const Json row = Json::array({40, 50000, 0.2, 10, 3, 0, 9000, 36, 5, 10000});
    Json input = featuresInput({1, 10}, row);
    input["name"] = 5;
    const auto badInput = post("/v2/models/credit-risk/infer", inferBody({input}));
    QVERIFY2(badInput.status == 400, qPrintable(describe(badInput)));
    QCOMPARE(errorCodeOf(badInput), u"missing_input"_s);
    QVERIFY(!badInput.header("X-Request-Id").empty());

    Json body = inferBody({featuresInput({1, 10}, row)});
    body["outputs"] = Json::array({{{"name", 5}}});
    const auto badOutput = post("/v2/models/credit-risk/infer", body);
    QVERIFY2(badOutput.status == 400, qPrintable(describe(badOutput)));
    QCOMPARE(errorCodeOf(badOutput), u"unknown_output"_s);
    QVERIFY(!badOutput.header("X-Request-Id").empty());
}

void TestOipApi::wrongMethodIs405() {
    const auto postMetadata = m_client->request("POST", "/v2/models/credit-risk", "{}",
                                                jsonContentType(), kRequestTimeout);
    QVERIFY2(postMetadata.status == 405, qPrintable(describe(postMetadata)));
    QCOMPARE(qstr(postMetadata.header("Allow")), u"GET"_s);
    const auto getInfer = get("/v2/models/credit-risk/versions/1/infer");
    QVERIFY2(getInfer.status == 405, qPrintable(describe(getInfer)));
    QCOMPARE(qstr(getInfer.header("Allow")), u"POST"_s);
}

void TestOipApi::failedVersionsAreReportedInHealth_data() {
    QTest::addColumn<QString>("model");
    for (const char* model : kBrokenFixtures)
        QTest::newRow(model) << QString::fromLatin1(model);
}

// A version that fails to load is FAILED with its reason, the server is "degraded", and the
// other models keep serving.
void TestOipApi::failedVersionsAreReportedInHealth() {
    QFETCH(QString, model);
    const auto health = fetchHealth(m_server->port());
    QVERIFY2(health.isOk(), health.status().toString().c_str());
    QCOMPARE(stringAt(*health, "status"), u"degraded"_s);
    const Json failed = versionHealth(*health, model.toStdString(), 1);
    QVERIFY2(failed.is_object(), qPrintable(qstr(health->dump())));
    QCOMPARE(stringAt(failed, "state"), u"FAILED"_s);
    QVERIFY2(!stringAt(failed, "reason").isEmpty(), failed.dump().c_str());
    const std::pair<const char*, int> serving[] = {
        {"credit-risk", 1}, {"credit-risk", 2}, {"sentiment", 1}};
    for (const auto& [name, version] : serving) {
        QCOMPARE(stringAt(versionHealth(*health, name, version), "state"), u"READY"_s);
    }

    const auto served = post("/api/v2/ia/predict",
                             {{"model", "credit-risk"}, {"instances", creditRows(m_creditV1, 1)}});
    QVERIFY2(served.status == 200, qPrintable(describe(served)));
    const auto refused = post(
        "/api/v1/ia/predict",
        {{"model", model.toStdString()}, {"instances", Json::array({Json::array({1, 2, 3})})}});
    QVERIFY2(refused.status == 503, qPrintable(describe(refused)));
    QCOMPARE(errorCodeOf(refused), u"model_not_ready"_s);
}

void TestOipApi::readinessListsFailedVersions() {
    const auto response = get("/readyz");
    QVERIFY2(response.status == 503, qPrintable(describe(response)));
    const Json body = bodyOf(response);
    QCOMPARE(stringAt(body, "status"), u"not_ready"_s);
    QStringList failed;
    for (const auto& entry : body["not_ready"]) {
        QCOMPARE(stringAt(entry, "state"), u"FAILED"_s);
        failed << stringAt(entry, "name");
    }
    failed.sort();
    QStringList expected;
    for (const char* model : kBrokenFixtures)
        expected << QString::fromLatin1(model);
    expected.sort();
    QCOMPARE(failed, expected);
}

QTEST_GUILESS_MAIN(TestOipApi)
#include "tst_oip_api.moc"
