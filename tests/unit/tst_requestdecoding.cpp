// JSON request decoding: strict parsing, then typed validation against a model's declared
// input. Every bad row must be refused with its stable error code before reaching a batch.
#include "core/StrictJson.h"
#include "http/OipCodec.h"
#include "http/PredictCodec.h"
#include "http/Router.h"

#include <nlohmann/json.hpp>

#include <QTest>

using namespace atalaya;
using namespace atalaya::http;

namespace {

ModelMetadata tabularModel() {
    ModelMetadata meta;
    meta.name = "tabular";
    TensorSpec input;
    input.name = "features";
    input.shape = {-1, 3};
    for (const char* name : {"a", "b", "c"}) {
        FeatureSpec f;
        f.name = name;
        f.min = -10;
        f.max = 10;
        input.features.push_back(f);
    }
    meta.inputs = {input};
    TensorSpec output;
    output.name = "probabilities";
    output.shape = {-1, 2};
    meta.outputs = {output};
    meta.labels = {"left", "right"};
    return meta;
}

// Runs the whole decode path of POST /api/vN/ia/predict; returns "ok" or the error reason.
std::string decodePredict(const std::string& body, const JsonLimits& limits) {
    auto json = parseStrictJson(body, {.maxDepth = limits.maxDepth});
    if (!json.isOk()) return std::string(json.status().reason());
    auto envelope = decodePredictEnvelope(*json, limits);
    if (!envelope.isOk()) return std::string(envelope.status().reason());
    auto tensors = decodeInstances(*envelope->instances, tabularModel(), nullptr, limits);
    if (!tensors.isOk()) return std::string(tensors.status().reason());
    return "ok";
}

}  // namespace

class TestRequestDecoding : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void predictBodies_data();
    void predictBodies();
    void decodedValuesKeepColumnOrder();
    void oipBodies_data();
    void oipBodies();
    void paths_data();
    void paths();
};

void TestRequestDecoding::predictBodies_data() {
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("expected");
    const QString m = QStringLiteral(R"("model":"tabular",)");
    QTest::newRow("named features") << m + R"("instances":[{"a":1,"b":2,"c":3}]})" << "ok";
    QTest::newRow("column array") << m + R"("instances":[[1,2,3],[4,5,6]]})" << "ok";
    QTest::newRow("malformed") << R"({"model":"tabular",)" << "invalid_json";
    QTest::newRow("trailing garbage") << m + R"("instances":[[1,2,3]]} x)" << "invalid_json";
    QTest::newRow("NaN literal") << m + R"("instances":[[NaN,2,3]]})" << "invalid_json";
    QTest::newRow("duplicate key") << R"({"model":"tabular","model":"x","instances":[[1,2,3]]})"
                                   << "duplicate_key";
    QTest::newRow("duplicate feature") << m + R"("instances":[{"a":1,"a":2,"b":2,"c":3}]})"
                                       << "duplicate_key";
    QTest::newRow("too deep") << m + R"("instances":[[[[[[[[[1]]]]]]]]]})" << "too_deep";
    QTest::newRow("not an object") << R"([1,2])" << "wrong_type";
    QTest::newRow("missing model") << R"({"instances":[[1,2,3]]})" << "missing_field";
    QTest::newRow("model not a string") << R"({"model":5,"instances":[[1,2,3]]})" << "wrong_type";
    QTest::newRow("unknown field") << m + R"("instances":[[1,2,3]],"x":1})" << "unknown_field";
    QTest::newRow("missing instances") << R"({"model":"tabular"})" << "missing_field";
    QTest::newRow("empty instances") << m + R"("instances":[]})" << "wrong_type";
    QTest::newRow("too many instances") << m + R"("instances":[[1,2,3],[1,2,3],[1,2,3]]})"
                                        << "too_many_instances";
    QTest::newRow("string feature") << m + R"("instances":[{"a":"1","b":2,"c":3}]})" << "wrong_type";
    QTest::newRow("null feature") << m + R"("instances":[{"a":null,"b":2,"c":3}]})" << "wrong_type";
    QTest::newRow("missing feature") << m + R"("instances":[{"a":1,"b":2}]})" << "missing_feature";
    QTest::newRow("unknown feature") << m + R"("instances":[{"a":1,"b":2,"z":3}]})"
                                     << "unknown_feature";
    QTest::newRow("out of range") << m + R"("instances":[{"a":11,"b":2,"c":3}]})" << "out_of_range";
    QTest::newRow("infinite") << m + R"("instances":[[1e999,2,3]]})" << "invalid_json";
    QTest::newRow("short row") << m + R"("instances":[[1,2]]})" << "wrong_shape";
    QTest::newRow("instance is a string") << m + R"("instances":["hello"]})" << "wrong_type";
}

void TestRequestDecoding::predictBodies() {
    QFETCH(QString, body);
    QFETCH(QString, expected);
    JsonLimits limits;
    limits.maxInstances = 2;
    limits.maxDepth = 6;
    if (!body.startsWith(u'{') && !body.startsWith(u'[')) body.prepend(u'{');
    QCOMPARE(QString::fromStdString(decodePredict(body.toStdString(), limits)), expected);
}

void TestRequestDecoding::decodedValuesKeepColumnOrder() {
    const auto json = parseStrictJson(R"([{"c":3,"a":1,"b":-2.5}])", {});
    QVERIFY(json.isOk());
    auto tensors = decodeInstances(*json, tabularModel(), nullptr, JsonLimits{});
    QVERIFY(tensors.isOk());
    const auto values = tensors->front().values<float>();
    QCOMPARE(tensors->front().shape, (std::vector<std::int64_t>{1, 3}));
    QCOMPARE(values[0], 1.0F);
    QCOMPARE(values[1], -2.5F);
    QCOMPARE(values[2], 3.0F);
}

void TestRequestDecoding::oipBodies_data() {
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("expected");
    const QString in = QStringLiteral(R"({"inputs":[{"name":"features","datatype":"FP32",)");
    QTest::newRow("flat") << in + R"("shape":[2,3],"data":[1,2,3,4,5,6]}]})" << "ok";
    QTest::newRow("nested") << in + R"("shape":[2,3],"data":[[1,2,3],[4,5,6]]}]})" << "ok";
    QTest::newRow("wrong datatype") << R"({"inputs":[{"name":"features","datatype":"INT64","shape":[1,3],"data":[1,2,3]}]})"
                                    << "wrong_type";
    QTest::newRow("shape mismatch") << in + R"("shape":[1,4],"data":[1,2,3,4]}]})" << "wrong_shape";
    QTest::newRow("data count") << in + R"("shape":[2,3],"data":[1,2,3]}]})" << "wrong_shape";
    QTest::newRow("wrong name") << R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1,3],"data":[1,2,3]}]})"
                                << "missing_input";
    QTest::newRow("no inputs") << R"({"id":"1"})" << "missing_field";
    QTest::newRow("out of range") << in + R"("shape":[1,3],"data":[1,2,300]}]})" << "out_of_range";
    QTest::newRow("unknown output") << in + R"("shape":[1,3],"data":[1,2,3]}],"outputs":[{"name":"q"}]})"
                                    << "unknown_output";
}

void TestRequestDecoding::oipBodies() {
    QFETCH(QString, body);
    QFETCH(QString, expected);
    auto json = parseStrictJson(body.toStdString(), {});
    QVERIFY(json.isOk());
    auto call = decodeOipInfer(*json, tabularModel(), nullptr, JsonLimits{});
    QCOMPARE(QString::fromStdString(call.isOk() ? "ok" : std::string(call.status().reason())), expected);
}

void TestRequestDecoding::paths_data() {
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("expected");
    QTest::newRow("plain") << "/api/v1/ia/predict" << "/api/v1/ia/predict";
    QTest::newRow("query dropped") << "/v2/models/m?x=1" << "/v2/models/m";
    QTest::newRow("root") << "/" << "/";
    QTest::newRow("encoded letter") << "/v2/models/cr%65dit" << "/v2/models/credit";
    QTest::newRow("dot dot") << "/api/v1/../v2/ia/predict" << "bad_path";
    QTest::newRow("encoded dot dot") << "/api/v1/%2e%2e/v2" << "bad_path";
    QTest::newRow("double slash") << "//api/v1/ia/predict" << "bad_path";
    QTest::newRow("trailing slash") << "/healthz/" << "bad_path";
    QTest::newRow("encoded slash") << "/v2/models/a%2fb" << "bad_path";
    QTest::newRow("backslash") << "/v2\\models" << "bad_path";
    QTest::newRow("bad escape") << "/v2/%zz" << "bad_path";
    QTest::newRow("relative") << "api/v1" << "bad_path";
}

void TestRequestDecoding::paths() {
    QFETCH(QString, target);
    QFETCH(QString, expected);
    auto path = normalizePath(target.toStdString());
    QCOMPARE(QString::fromStdString(path.isOk() ? *path : std::string(path.status().reason())), expected);
}

QTEST_GUILESS_MAIN(TestRequestDecoding)
#include "tst_requestdecoding.moc"
