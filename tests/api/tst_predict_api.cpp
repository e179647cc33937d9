// POST /api/vN/ia/predict against the real server and real TorchScript models: which model
// version each API version serves, classifier answers, request ids, and every kind of bad
// request refused with its HTTP status and stable error code, never reaching a model.
#include <QTest>
#include <cmath>

#include "ApiTestSupport.h"

using namespace atalaya;
using namespace atalaya::test;
using namespace Qt::StringLiterals;

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxInstances = 100;     // json.maxInstances of this suite's server
constexpr std::size_t kMaxStringBytes = 1000;  // json.maxStringBytes
constexpr std::string_view kPredictV1 = "/api/v1/ia/predict";

const fs::path kDemoModels = ATALAYA_DEMO_MODELS;
const fs::path kFixtures = ATALAYA_TEST_FIXTURES;

Json creditApplicant() {
    return {{"age", 41},
            {"income", 52000},
            {"debt_ratio", 0.3},
            {"credit_history_years", 12},
            {"num_open_accounts", 4},
            {"num_late_payments", 0},
            {"loan_amount", 15000},
            {"loan_term_months", 36},
            {"employment_years", 8},
            {"savings", 12000}};
}

Json predictBody(const std::string& model, Json instances) {
    return {{"model", model}, {"instances", std::move(instances)}};
}

QByteArray bytes(const Json& body) {
    return QByteArray::fromStdString(body.dump());
}

// A credit-risk request body with one applicant changed by `edit`.
template <class Edit>
QByteArray creditWith(Edit edit) {
    Json applicant = creditApplicant();
    edit(applicant);
    return bytes(predictBody("credit-risk", Json::array({applicant})));
}

std::vector<std::string> labelsOf(const Json& modelJson) {
    return modelJson.value("labels", std::vector<std::string>{});
}

// Softmax of fixture-echo: p(left) for features a and b.
double echoLeft(double a, double b) {
    return std::exp(a) / (std::exp(a) + std::exp(b));
}

}  // namespace

class TestPredictApi : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void apiVersionPicksModelVersion_data();
    void apiVersionPicksModelVersion();
    void creditRiskSmokeExamples_data();
    void creditRiskSmokeExamples();
    void sentimentSmokeExamples();
    void echoReturnsSoftmax();
    void manyInstancesInOneRequest();
    void columnArraysEqualNamedFeatures();
    void jsonContentTypeWithParameters();
    void requestIdIsEchoed();
    void requestIdIsGeneratedWhenAbsentOrUnusable();
    void unknownApiVersion_data();
    void unknownApiVersion();
    void badRequests_data();
    void badRequests();
    void badTimeoutHeader_data();
    void badTimeoutHeader();
    void wrongMethodIs405WithAllow_data();
    void wrongMethodIs405WithAllow();
    void pathTricksAreNeverServed_data();
    void pathTricksAreNeverServed();
    void bodyOverLimitIs413();
    void stillServesAfterBadRequests();

private:
    HttpTestResponse predict(const Json& body, std::string_view target = kPredictV1,
                             HeaderList headers = {});

    std::unique_ptr<TestModelRepository> m_repository;
    std::unique_ptr<TestServer> m_server;
    std::unique_ptr<HttpTestClient> m_client;
};

void TestPredictApi::initTestCase() {
    m_repository = std::make_unique<TestModelRepository>();
    for (const char* model : {"credit-risk", "sentiment"}) {
        const Status linked = m_repository->link(kDemoModels, model);
        QVERIFY2(linked.isOk(), linked.toString().c_str());
    }
    for (const char* model : {"fixture-echo", "fixture-throws"}) {
        const Status linked = m_repository->link(kFixtures, model);
        QVERIFY2(linked.isOk(), linked.toString().c_str());
    }
    ServerConfig config = testServerConfig(m_repository->root());
    config.json.maxInstances = kMaxInstances;
    config.json.maxStringBytes = kMaxStringBytes;
    auto server = startReadyServer(std::move(config));
    QVERIFY2(server.isOk(), server.status().toString().c_str());
    m_server = std::move(server).value();
    m_client = std::make_unique<HttpTestClient>(std::string(kLoopback), m_server->port());
}

void TestPredictApi::cleanupTestCase() {
    m_client.reset();
    m_server.reset();
}

HttpTestResponse TestPredictApi::predict(const Json& body, std::string_view target,
                                         HeaderList headers) {
    return postJson(*m_client, target, body, std::move(headers));
}

void TestPredictApi::apiVersionPicksModelVersion_data() {
    QTest::addColumn<QString>("api");
    QTest::addColumn<int>("expectedVersion");
    // The default pins (Config.h): v1 keeps credit-risk 1 while v2 moves on to 2.
    QTest::newRow("v1") << u"v1"_s << 1;
    QTest::newRow("v2") << u"v2"_s << 2;
}

void TestPredictApi::apiVersionPicksModelVersion() {
    QFETCH(QString, api);
    QFETCH(int, expectedVersion);
    const std::string target = "/api/" + api.toStdString() + "/ia/predict";
    const auto response = predict(predictBody("credit-risk", {creditApplicant()}), target);
    QVERIFY2(response.status == 200, qPrintable(describe(response)));
    QVERIFY(response.header("Content-Type").starts_with("application/json"));
    const Json body = bodyOf(response);
    QCOMPARE(stringAt(body, "model"), u"credit-risk"_s);
    QCOMPARE(body.value("version", 0), expectedVersion);
    QCOMPARE(stringAt(body, "api_version"), api);
    QVERIFY2(body["predictions"].is_array() && body["predictions"].size() == 1,
             qPrintable(describe(response)));
    QVERIFY(body["batch_size"].is_number_integer() && body["batch_size"].get<int>() >= 1);
    for (const char* timing : {"queue", "compute", "total"}) {
        QVERIFY2(body["timing_us"][timing].is_number_integer(), timing);
    }
    const QString problem = classifierProblem(body["predictions"][0], {"approve", "decline"});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestPredictApi::creditRiskSmokeExamples_data() {
    QTest::addColumn<QString>("api");
    QTest::addColumn<int>("version");
    QTest::newRow("v1 serves version 1") << u"v1"_s << 1;
    QTest::newRow("v2 serves version 2") << u"v2"_s << 2;
}

// model.json's "smoke" lists instances each version predicts confidently; all of them in one
// request must come back with their labels, in order.
void TestPredictApi::creditRiskSmokeExamples() {
    QFETCH(QString, api);
    QFETCH(int, version);
    const auto modelJson = readModelJson(kDemoModels / "credit-risk", version);
    QVERIFY2(modelJson.isOk(), modelJson.status().toString().c_str());
    const Json& smoke = (*modelJson)["smoke"];
    QVERIFY2(smoke.is_array() && !smoke.empty(), "credit-risk has no smoke examples");
    Json instances = Json::array();
    for (const auto& example : smoke)
        instances.push_back(example["instance"]);

    const auto response =
        predict(predictBody("credit-risk", instances), "/api/" + api.toStdString() + "/ia/predict");
    QVERIFY2(response.status == 200, qPrintable(describe(response)));
    const Json body = bodyOf(response);
    QCOMPARE(body.value("version", 0), version);
    const Json& predictions = body["predictions"];
    QCOMPARE(predictions.size(), smoke.size());
    for (std::size_t i = 0; i < smoke.size(); ++i) {
        const QString problem = classifierProblem(predictions[i], labelsOf(*modelJson));
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(stringAt(predictions[i], "label"), stringAt(smoke[i], "label"));
    }
}

void TestPredictApi::sentimentSmokeExamples() {
    const auto modelJson = readModelJson(kDemoModels / "sentiment", 1);
    QVERIFY2(modelJson.isOk(), modelJson.status().toString().c_str());
    const Json& smoke = (*modelJson)["smoke"];
    const std::string input = (*modelJson)["inputs"][0]["name"];
    Json texts = Json::array();
    bool positive = false;
    bool negative = false;
    for (const auto& example : smoke) {
        texts.push_back(example["instance"][input]);
        positive = positive || example["label"] == "positive";
        negative = negative || example["label"] == "negative";
    }
    QVERIFY2(positive && negative,
             "the smoke set should hold a clearly positive and a clearly "
             "negative review");

    const auto response = predict(predictBody("sentiment", texts), "/api/v2/ia/predict");
    QVERIFY2(response.status == 200, qPrintable(describe(response)));
    const Json body = bodyOf(response);
    QCOMPARE(body.value("version", 0), 1);  // not pinned: the highest READY version
    const Json& predictions = body["predictions"];
    QCOMPARE(predictions.size(), smoke.size());
    for (std::size_t i = 0; i < smoke.size(); ++i) {
        const QString problem = classifierProblem(predictions[i], labelsOf(*modelJson));
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(stringAt(predictions[i], "label"), stringAt(smoke[i], "label"));
    }
}

void TestPredictApi::echoReturnsSoftmax() {
    const auto response =
        predict(predictBody("fixture-echo", Json::array({{{"a", 2}, {"b", 0}, {"c", 5}}})));
    QVERIFY2(response.status == 200, qPrintable(describe(response)));
    const Json prediction = bodyOf(response)["predictions"][0];
    QCOMPARE(stringAt(prediction, "label"), u"left"_s);
    QVERIFY(qAbs(prediction["scores"]["left"].get<double>() - echoLeft(2, 0)) < 1e-6);
    QVERIFY(qAbs(prediction["scores"]["right"].get<double>() - (1 - echoLeft(2, 0))) < 1e-6);
}

// One request's instances are one batch: every row comes back, in order, with its own answer.
void TestPredictApi::manyInstancesInOneRequest() {
    constexpr int kCount = 50;
    Json instances = Json::array();
    for (int i = 0; i < kCount; ++i) {
        const double a = -10 + 20.0 * i / (kCount - 1);
        instances.push_back({{"a", a}, {"b", 0.5}, {"c", -a}});
    }
    const auto response = predict(predictBody("fixture-echo", instances));
    QVERIFY2(response.status == 200, qPrintable(describe(response)));
    const Json body = bodyOf(response);
    QVERIFY(body.value("batch_size", 0) >= kCount);
    const Json& predictions = body["predictions"];
    QCOMPARE(predictions.size(), std::size_t{kCount});
    for (int i = 0; i < kCount; ++i) {
        const double a = instances[i]["a"].get<double>();
        const QString problem = classifierProblem(predictions[i], {"left", "right"});
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY2(qAbs(predictions[i]["scores"]["left"].get<double>() - echoLeft(a, 0.5)) < 1e-5,
                 qPrintable(u"instance %1: "_s.arg(i) + qstr(predictions[i].dump())));
    }
}

void TestPredictApi::columnArraysEqualNamedFeatures() {
    const auto named =
        predict(predictBody("fixture-echo", Json::array({{{"c", 5}, {"b", 0}, {"a", 2}}})));
    const auto columns =
        predict(predictBody("fixture-echo", Json::array({Json::array({2, 0, 5})})));
    QVERIFY2(named.status == 200, qPrintable(describe(named)));
    QVERIFY2(columns.status == 200, qPrintable(describe(columns)));
    QCOMPARE(dumped(bodyOf(named)["predictions"]), dumped(bodyOf(columns)["predictions"]));
}

void TestPredictApi::jsonContentTypeWithParameters() {
    const auto response = predict(predictBody("credit-risk", {creditApplicant()}), kPredictV1,
                                  {{"Content-Type", "Application/JSON; charset=utf-8"}});
    QVERIFY2(response.status == 200, qPrintable(describe(response)));
}

void TestPredictApi::requestIdIsEchoed() {
    const std::string id = "client-chosen-id_42";
    const auto ok = predict(predictBody("credit-risk", {creditApplicant()}), kPredictV1,
                            {{"X-Request-Id", id}});
    QVERIFY2(ok.status == 200, qPrintable(describe(ok)));
    QCOMPARE(qstr(ok.header("X-Request-Id")), qstr(id));
    QCOMPARE(stringAt(bodyOf(ok), "request_id"), qstr(id));

    const auto failed = predict(predictBody("no-such-model", {creditApplicant()}), kPredictV1,
                                {{"X-Request-Id", id}});
    QCOMPARE(failed.status, 404);
    QCOMPARE(qstr(failed.header("X-Request-Id")), qstr(id));
}

void TestPredictApi::requestIdIsGeneratedWhenAbsentOrUnusable() {
    const Json body = predictBody("credit-risk", {creditApplicant()});
    const auto first = predict(body);
    const auto second = predict(body);
    // Too long and unprintable ids are not echoed (they would land in logs as sent).
    const std::string tooLong(200, 'x');
    const auto long_ = predict(body, kPredictV1, {{"X-Request-Id", tooLong}});
    const auto spaced = predict(body, kPredictV1, {{"X-Request-Id", "has space"}});
    QStringList ids;
    for (const auto* response : {&first, &second, &long_, &spaced}) {
        QVERIFY2(response->status == 200, qPrintable(describe(*response)));
        const QString id = qstr(response->header("X-Request-Id"));
        QVERIFY2(!id.isEmpty(), qPrintable(describe(*response)));
        QCOMPARE(stringAt(bodyOf(*response), "request_id"), id);
        ids << id;
    }
    QVERIFY(ids[2] != qstr(tooLong));
    QVERIFY(ids[3] != u"has space"_s);
    ids.removeDuplicates();
    QCOMPARE(ids.size(), 4);
}

void TestPredictApi::unknownApiVersion_data() {
    QTest::addColumn<QByteArray>("target");
    QTest::newRow("v9") << "/api/v9/ia/predict"_ba;
    QTest::newRow("v0") << "/api/v0/ia/predict"_ba;
    QTest::newRow("upper case") << "/api/V1/ia/predict"_ba;
    QTest::newRow("latest") << "/api/latest/ia/predict"_ba;
}

void TestPredictApi::unknownApiVersion() {
    QFETCH(QByteArray, target);
    const auto response =
        predict(predictBody("credit-risk", {creditApplicant()}), target.toStdString());
    QCOMPARE(response.status, 404);
    QCOMPARE(errorCodeOf(response), u"unknown_api_version"_s);
    const QString problem = errorBodyProblem(response);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestPredictApi::badRequests_data() {
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");  // empty: no Content-Type at all
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");

    const QByteArray json = "application/json";
    const QByteArray valid = bytes(predictBody("credit-risk", {creditApplicant()}));
    const QByteArray applicant = QByteArray::fromStdString(creditApplicant().dump());
    auto row = [&](const char* name, const QByteArray& body, int status, const QString& code,
                   const QByteArray& contentType) {
        QTest::newRow(name) << body << contentType << status << code;
    };
    auto bad = [&](const char* name, const QByteArray& body, const char16_t* code) {
        row(name, body, 400, QString::fromUtf16(code), json);
    };

    // Not JSON, or JSON the strict parser refuses.
    bad("malformed JSON", R"({"model":"credit-risk","instances":[)", u"invalid_json");
    bad("trailing garbage", valid + " x", u"invalid_json");
    bad("empty body", "", u"invalid_json");
    bad("invalid UTF-8", "{\"model\":\"credit\xff\",\"instances\":[" + applicant + "]}",
        u"invalid_json");
    bad("NaN literal", R"({"model":"fixture-echo","instances":[[NaN,1,2]]})", u"invalid_json");
    // JSON allows 1e999 but no double holds it: refused as a number, never turned into inf.
    bad("1e999 is not finite", R"({"model":"fixture-echo","instances":[[1e999,1,2]]})",
        u"invalid_json");
    bad("duplicate top-level key",
        R"({"model":"credit-risk","model":"sentiment","instances":[)" + applicant + "]}",
        u"duplicate_key");
    bad("duplicate feature", R"({"model":"fixture-echo","instances":[{"a":1,"a":2,"b":0,"c":0}]})",
        u"duplicate_key");
    bad("nesting deeper than the limit",
        R"({"model":"fixture-echo","instances":[[[[[[[[[1]]]]]]]]]})", u"too_deep");

    // The envelope.
    bad("body is an array", "[" + applicant + "]", u"wrong_type");
    bad("model is a number", R"({"model":7,"instances":[)" + applicant + "]}", u"wrong_type");
    bad("model is empty", R"({"model":"","instances":[)" + applicant + "]}", u"wrong_type");
    bad("missing model", "{\"instances\":[" + applicant + "]}", u"missing_field");
    bad("missing instances", R"({"model":"credit-risk"})", u"missing_field");
    bad("instances is an object", R"({"model":"credit-risk","instances":)" + applicant + "}",
        u"wrong_type");
    bad("empty instances", R"({"model":"credit-risk","instances":[]})", u"wrong_type");
    Json tooMany = Json::array();
    for (std::size_t i = 0; i <= kMaxInstances; ++i)
        tooMany.push_back({{"a", 1}, {"b", 2}, {"c", 3}});
    bad("too many instances", bytes(predictBody("fixture-echo", tooMany)), u"too_many_instances");
    bad("unknown field",
        R"({"model":"credit-risk","explain":true,"instances":[)" + applicant + "]}",
        u"unknown_field");

    // Instances against the model's declared input.
    bad("instance is a string", R"({"model":"credit-risk","instances":["41, 52000"]})",
        u"wrong_type");
    bad("feature is a string", creditWith([](Json& a) { a["age"] = "41"; }), u"wrong_type");
    bad("feature is null", creditWith([](Json& a) { a["income"] = nullptr; }), u"wrong_type");
    bad("feature is a boolean", creditWith([](Json& a) { a["savings"] = true; }), u"wrong_type");
    bad("feature is an array", creditWith([](Json& a) { a["age"] = {41}; }), u"wrong_type");
    bad("missing feature", creditWith([](Json& a) { a.erase("debt_ratio"); }), u"missing_feature");
    bad("unknown feature", creditWith([](Json& a) { a["zodiac_sign"] = 3; }), u"unknown_feature");
    bad("feature below its range", creditWith([](Json& a) { a["age"] = 17; }), u"out_of_range");
    bad("feature above its range", creditWith([](Json& a) { a["debt_ratio"] = 2.5; }),
        u"out_of_range");
    bad("negative where min is 0", creditWith([](Json& a) { a["savings"] = -1; }), u"out_of_range");
    bad("beyond FP32 (1e39)", R"({"model":"fixture-echo","instances":[[1e39,1,2]]})",
        u"not_finite");
    // fixture-throws raises on 13.0, but declares [-10, 10]: validation refuses it first.
    bad("13.0 never reaches fixture-throws", R"({"model":"fixture-throws","instances":[[13,0,0]]})",
        u"out_of_range");
    bad("column array too short", R"({"model":"fixture-echo","instances":[[1,2]]})",
        u"wrong_shape");
    bad("column array too long", R"({"model":"fixture-echo","instances":[[1,2,3,4]]})",
        u"wrong_shape");
    bad("text instance is a number", R"({"model":"sentiment","instances":[42]})", u"wrong_type");
    bad("text instance is an object", R"({"model":"sentiment","instances":[{"text":"good"}]})",
        u"wrong_type");
    bad("text longer than the limit",
        bytes(predictBody("sentiment", {std::string(kMaxStringBytes + 1, 'a')})),
        u"string_too_long");

    // Nothing by that name.
    row("unknown model", bytes(predictBody("no-such-model", {creditApplicant()})), 404,
        u"model_not_found"_s, json);

    // The body must be declared JSON.
    row("text/plain", valid, 415, u"unsupported_media_type"_s, "text/plain");
    row("no content type", valid, 415, u"unsupported_media_type"_s, {});
    row("form encoded", valid, 415, u"unsupported_media_type"_s,
        "application/x-www-form-urlencoded");
    row("json prefix", valid, 415, u"unsupported_media_type"_s, "application/jsonp");
}

void TestPredictApi::badRequests() {
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(int, status);
    QFETCH(QString, code);

    HeaderList headers;
    if (!contentType.isEmpty())
        headers.emplace_back("Content-Type", contentType.toStdString());
    const auto response =
        m_client->request("POST", kPredictV1, body.toStdString(), headers, kRequestTimeout);
    QVERIFY2(response.status == status, qPrintable(describe(response)));
    QCOMPARE(errorCodeOf(response), code);
    const QString problem = errorBodyProblem(response);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY(!response.header("X-Request-Id").empty());
}

void TestPredictApi::badTimeoutHeader_data() {
    QTest::addColumn<QByteArray>("value");
    QTest::newRow("zero") << "0"_ba;
    QTest::newRow("negative") << "-5"_ba;
    QTest::newRow("not a number") << "soon"_ba;
    QTest::newRow("trailing unit") << "100ms"_ba;
    QTest::newRow("over an hour") << "3600001"_ba;
}

void TestPredictApi::badTimeoutHeader() {
    QFETCH(QByteArray, value);
    const auto response = predict(predictBody("credit-risk", {creditApplicant()}), kPredictV1,
                                  {{"X-Request-Timeout-Ms", value.toStdString()}});
    QVERIFY2(response.status == 400, qPrintable(describe(response)));
    QCOMPARE(errorCodeOf(response), u"bad_timeout"_s);
}

void TestPredictApi::wrongMethodIs405WithAllow_data() {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("allow");
    QTest::newRow("GET predict") << "GET"_ba
                                 << "/api/v1/ia/predict"_ba
                                 << "POST"_ba;
    QTest::newRow("PUT predict") << "PUT"_ba
                                 << "/api/v2/ia/predict"_ba
                                 << "POST"_ba;
    QTest::newRow("DELETE predict") << "DELETE"_ba
                                    << "/api/v1/ia/predict"_ba
                                    << "POST"_ba;
    QTest::newRow("POST healthz") << "POST"_ba
                                  << "/healthz"_ba
                                  << "GET"_ba;
    QTest::newRow("DELETE health") << "DELETE"_ba
                                   << "/api/v1/health"_ba
                                   << "GET"_ba;
}

void TestPredictApi::wrongMethodIs405WithAllow() {
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, allow);
    const std::string body = predictBody("credit-risk", {creditApplicant()}).dump();
    const auto response = m_client->request(method.toStdString(), target.toStdString(), body,
                                            jsonContentType(), kRequestTimeout);
    QVERIFY2(response.status == 405, qPrintable(describe(response)));
    QCOMPARE(errorCodeOf(response), u"method_not_allowed"_s);
    const QString problem = errorBodyProblem(response);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(qstr(response.header("Allow")), QString::fromLatin1(allow));
}

void TestPredictApi::pathTricksAreNeverServed_data() {
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    const QString badPath = u"bad_path"_s;
    QTest::newRow("dot-dot") << "/api/v1/../v1/ia/predict"_ba << 400 << badPath;
    QTest::newRow("dot-dot to other version") << "/api/v2/../v1/ia/predict"_ba << 400 << badPath;
    QTest::newRow("dot") << "/api/v1/./ia/predict"_ba << 400 << badPath;
    QTest::newRow("leading double slash") << "//api/v1/ia/predict"_ba << 400 << badPath;
    QTest::newRow("inner double slash") << "/api/v1/ia//predict"_ba << 400 << badPath;
    QTest::newRow("trailing slash") << "/api/v1/ia/predict/"_ba << 400 << badPath;
    QTest::newRow("encoded dot-dot") << "/api/v1/ia/%2e%2e/predict"_ba << 400 << badPath;
    QTest::newRow("encoded dot-dot upper") << "/api/v1/ia/%2E%2E/ia/predict"_ba << 400 << badPath;
    QTest::newRow("encoded slash") << "/api/v1/ia%2fpredict"_ba << 400 << badPath;
    QTest::newRow("encoded backslash") << "/api/v1/ia%5cpredict"_ba << 400 << badPath;
    QTest::newRow("encoded NUL") << "/api/v1/ia/predict%00"_ba << 400 << badPath;
    QTest::newRow("truncated escape") << "/api/v1/ia/predict%2"_ba << 400 << badPath;
    QTest::newRow("no leading slash") << "api/v1/ia/predict"_ba << 400 << badPath;
    QTest::newRow("upper-case route") << "/API/v1/ia/predict"_ba << 404 << u"route_not_found"_s;
    QTest::newRow("suffix") << "/api/v1/ia/predict.json"_ba << 404 << u"route_not_found"_s;
}

void TestPredictApi::pathTricksAreNeverServed() {
    QFETCH(QByteArray, target);
    QFETCH(int, status);
    QFETCH(QString, code);
    const auto response =
        predict(predictBody("credit-risk", {creditApplicant()}), target.toStdString());
    QVERIFY2(response.status == status, qPrintable(describe(response)));
    QCOMPARE(errorCodeOf(response), code);
    const QString problem = errorBodyProblem(response);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

// A server of its own: the limit is the transport's, enforced from Content-Length before the
// body is read.
void TestPredictApi::bodyOverLimitIs413() {
    constexpr std::size_t kLimit = 2048;
    TestModelRepository repository;
    const Status linked = repository.link(kFixtures, "fixture-echo");
    QVERIFY2(linked.isOk(), linked.toString().c_str());
    ServerConfig config = testServerConfig(repository.root());
    config.http.maxBodyBytes = kLimit;
    auto server = startReadyServer(std::move(config));
    QVERIFY2(server.isOk(), server.status().toString().c_str());
    HttpTestClient client(std::string(kLoopback), (*server)->port());

    Json instances = Json::array();
    while (instances.dump().size() < kLimit)
        instances.push_back({{"a", 1.5}, {"b", -2.5}, {"c", 0}});
    const std::string tooLarge = predictBody("fixture-echo", instances).dump();
    QVERIFY(tooLarge.size() > kLimit);
    const auto refused = postJson(client, kPredictV1, tooLarge);
    QVERIFY2(refused.status == 413, qPrintable(describe(refused)));
    QCOMPARE(errorCodeOf(refused), u"payload_too_large"_s);
    const QString problem = errorBodyProblem(refused);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    // The same server still answers a body within the limit (on a new connection if needed).
    const auto accepted =
        postJson(client, kPredictV1,
                 predictBody("fixture-echo", Json::array({{{"a", 1}, {"b", 2}, {"c", 3}}})));
    QVERIFY2(accepted.status == 200, qPrintable(describe(accepted)));
    // docs/api.md: rejections by the transport come before routing, so they carry no request id.
    QVERIFY(refused.header("X-Request-Id").empty());
}

void TestPredictApi::stillServesAfterBadRequests() {
    const auto response = predict(predictBody("credit-risk", {creditApplicant()}));
    QVERIFY2(response.status == 200, qPrintable(describe(response)));
    // None of the refused requests reached a model: they are not in the models' statistics as
    // errors.
    const auto health = fetchHealth(m_server->port());
    QVERIFY2(health.isOk(), health.status().toString().c_str());
    for (const auto& version : (*health)["models"]) {
        QVERIFY2(version["last_minute"]["errors"] == 0, version.dump().c_str());
    }
}

QTEST_GUILESS_MAIN(TestPredictApi)
#include "tst_predict_api.moc"
