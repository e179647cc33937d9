// The drift reference as the server reads it: the demo models' real model.json files (through
// loadModelMetadata, so the referenceJson is exactly what a ModelVersion keeps), the binning rule
// of docs/models.md at its boundaries, malformed references refused, and instances as the
// routes log them turned into bins.
#include <QTest>
#include <filesystem>

#include "inference/ModelMetadata.h"
#include "telemetry/DriftInputParser.h"
#include "telemetry/DriftReference.h"
#include "telemetry/InferenceRecord.h"

using namespace atalaya;
namespace fs = std::filesystem;

namespace {

const fs::path kDemoModels = ATALAYA_DEMO_MODELS;

ModelMetadata metadataOf(const std::string& model, std::int64_t version) {
    auto meta = loadModelMetadata(kDemoModels / model, version);
    if (!meta.isOk())
        qFatal("%s", meta.status().toString().c_str());
    return std::move(meta).value();
}

std::vector<std::string> columnsOf(const ModelMetadata& meta) {
    std::vector<std::string> names;
    for (const auto& feature : meta.inputs.front().features)
        names.push_back(feature.name);
    return names;
}

// A valid one-feature reference with `replace` substituted for the feature's body.
std::string withFeature(const std::string& body) {
    return R"({"samples": 10, "features": {"x": )" + body + "}}";
}

// The same, as a _data() row's QByteArray.
QByteArray featureJson(const std::string& body) {
    return QByteArray::fromStdString(withFeature(body));
}

const char* kGoodFeature =
    R"({"type": "numeric", "mean": 1, "std": 1, "bin_edges": [0, 1, 2], "bin_fractions": [0.5, 0.5]})";

}  // namespace

class TestDriftReference : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void creditRiskVersionsHaveTheirOwnReference();
    void sentimentHasTextAndPredictions();
    void binning_data();
    void binning();
    void malformedReferenceRefused_data();
    void malformedReferenceRefused();
    void tokenCount_data();
    void tokenCount();
    void instancesAsTheRoutesLogThem();
    void valuesReadLikeTheirJson();
};

void TestDriftReference::creditRiskVersionsHaveTheirOwnReference() {
    const auto v1 = parseDriftReference(metadataOf("credit-risk", 1).referenceJson);
    const auto v2 = parseDriftReference(metadataOf("credit-risk", 2).referenceJson);
    QVERIFY2(v1.isOk(), v1.status().toString().c_str());
    QVERIFY2(v2.isOk(), v2.status().toString().c_str());
    for (const DriftReference* reference : {&*v1, &*v2}) {
        QCOMPARE(reference->samples, 20000);
        QCOMPARE(reference->features.size(), std::size_t{10});
        QVERIFY(!reference->text);
        for (const auto& feature : reference->features) {
            QCOMPARE(feature.bins.edges.size(), std::size_t{11});
            QCOMPARE(feature.bins.size(), std::size_t{10});
        }
        const auto* income = reference->feature("income");
        QVERIFY(income != nullptr);
        QCOMPARE(income->bins.edges.front(), 6000.0);
        QVERIFY(income->std > 10000);
        // The window's features are the numeric ones, in the reference's order.
        const auto window = reference->windowFeature("income");
        QVERIFY(window && window->bins == &income->bins);
        QCOMPARE(&reference->features[window->index], income);
        QVERIFY(!reference->windowFeature("text.length"));
        QVERIFY(reference->predictions);
        QCOMPARE(reference->predictions->classes, (std::vector<std::string>{"approve", "decline"}));
        QVERIFY(reference->predictions->score);
    }
    // Version 1's model.json replaces the whole reference (a logistic regression predicts
    // another class mix than version 2's MLP).
    QVERIFY(v1->predictions->classFractions != v2->predictions->classFractions);
    QCOMPARE(v1->predictions->score->edges.front(), 0.5);
}

void TestDriftReference::sentimentHasTextAndPredictions() {
    const auto reference = parseDriftReference(metadataOf("sentiment", 1).referenceJson);
    QVERIFY2(reference.isOk(), reference.status().toString().c_str());
    QVERIFY(reference->features.empty());
    QVERIFY(reference->text);
    QCOMPARE(reference->text->length.size(), std::size_t{10});
    QVERIFY(reference->text->oovRate && *reference->text->oovRate > 0 &&
            *reference->text->oovRate < 0.1);
    QCOMPARE(reference->predictions->classes, (std::vector<std::string>{"negative", "positive"}));
    // A text model's window has the one pseudo feature.
    const auto length = reference->windowFeature("text.length");
    QVERIFY(length && length->index == 0 && length->bins == &reference->text->length);
    QVERIFY(!reference->windowFeature("income"));
}

void TestDriftReference::binning_data() {
    QTest::addColumn<double>("x");
    QTest::addColumn<int>("bin");
    // edges 0, 0, 0, 1, 2, 5, 5, 10, 20, 50, 100 (an integer feature with ties at the deciles)
    QTest::newRow("below the first edge") << -3.0 << 0;
    QTest::newRow("on a repeated first edge: the last bin starting there") << 0.0 << 2;
    QTest::newRow("inside") << 0.5 << 2;
    QTest::newRow("on an inner edge opens its bin") << 1.0 << 3;
    QTest::newRow("just under an edge") << 1.9999 << 3;
    QTest::newRow("on a repeated inner edge") << 5.0 << 6;
    QTest::newRow("inside the last bin") << 99.0 << 9;
    QTest::newRow("on the last edge") << 100.0 << 9;
    QTest::newRow("above the last edge") << 1e9 << 9;
}

void TestDriftReference::binning() {
    QFETCH(double, x);
    QFETCH(int, bin);
    ReferenceBins bins{.edges = {0, 0, 0, 1, 2, 5, 5, 10, 20, 50, 100},
                       .fractions = {0, 0, 0.2, 0.1, 0.1, 0, 0.2, 0.2, 0.1, 0.1}};
    QCOMPARE(bins.binOf(x), static_cast<std::size_t>(bin));
}

void TestDriftReference::malformedReferenceRefused_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("reason");
    QTest::newRow("not JSON") << QByteArray("{\"features\": ") << "invalid_json";
    QTest::newRow("duplicate key")
        << QByteArray(withFeature(kGoodFeature).replace(1, 0, R"("samples": 1, )").c_str())
        << "duplicate_key";
    QTest::newRow("not an object") << QByteArray("[]") << "bad_reference";
    QTest::newRow("neither features nor text")
        << QByteArray(R"({"samples": 3})") << "bad_reference";
    QTest::newRow("edges and fractions disagree")
        << featureJson(R"({"mean": 1, "std": 1, "bin_edges": [0, 1],
            "bin_fractions": [0.5, 0.5]})")
        << "bad_reference";
    QTest::newRow("decreasing edges")
        << featureJson(R"({"mean": 1, "std": 1, "bin_edges": [0, 2, 1],
            "bin_fractions": [0.5, 0.5]})")
        << "bad_reference";
    QTest::newRow("fractions do not sum to 1")
        << featureJson(R"({"mean": 1, "std": 1, "bin_edges": [0, 1, 2],
            "bin_fractions": [0.5, 0.4]})")
        << "bad_reference";
    QTest::newRow("negative fraction")
        << featureJson(R"({"mean": 1, "std": 1, "bin_edges": [0, 1, 2],
            "bin_fractions": [1.5, -0.5]})")
        << "bad_reference";
    QTest::newRow("edge not a number")
        << featureJson(R"({"mean": 1, "std": 1, "bin_edges": [0, "1", 2],
            "bin_fractions": [0.5, 0.5]})")
        << "bad_reference";
    QTest::newRow("missing mean") << featureJson(R"({"std": 1, "bin_edges": [0, 1, 2],
            "bin_fractions": [0.5, 0.5]})")
                                  << "bad_reference";
    QTest::newRow("negative std") << featureJson(R"({"mean": 1, "std": -1, "bin_edges": [0, 1, 2],
            "bin_fractions": [0.5, 0.5]})")
                                  << "bad_reference";
    QTest::newRow("categorical feature")
        << featureJson(R"({"type": "categorical", "mean": 1, "std": 1,
            "bin_edges": [0, 1, 2], "bin_fractions": [0.5, 0.5]})")
        << "bad_reference";
    QTest::newRow("one class") << QByteArray((R"({"features": {"x": )" + std::string(kGoodFeature) +
                                              R"(}, "predictions": {"class_fractions": {"a": 1}}})")
                                                 .c_str())
                               << "bad_reference";
    QTest::newRow("text without length")
        << QByteArray(R"({"text": {"oov_rate": 0.1}})") << "bad_reference";
}

void TestDriftReference::malformedReferenceRefused() {
    QFETCH(QByteArray, json);
    QFETCH(QString, reason);
    QVERIFY(parseDriftReference(withFeature(kGoodFeature)).isOk());
    const auto parsed = parseDriftReference(json.toStdString());
    QVERIFY(!parsed.isOk());
    QCOMPARE(QString::fromUtf8(parsed.status().reason()), reason);
}

void TestDriftReference::tokenCount_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("tokens");
    QTest::newRow("docs/models.md example") << QByteArray("Don't buy this -- 2 STARS!") << 5;
    QTest::newRow("empty") << QByteArray("") << 0;
    QTest::newRow("only separators") << QByteArray(" -- !! ") << 0;
    QTest::newRow("non-ASCII separates") << QByteArray("caf\xc3\xa9 ok") << 2;
    QTest::newRow("digits and apostrophes") << QByteArray("it's 100'%") << 2;
}

void TestDriftReference::tokenCount() {
    QFETCH(QByteArray, text);
    QFETCH(int, tokens);
    QCOMPARE(DriftInputParser::countTokens(text.toStdString()), static_cast<std::size_t>(tokens));
}

void TestDriftReference::instancesAsTheRoutesLogThem() {
    const auto meta = metadataOf("credit-risk", 1);
    auto parsed = parseDriftReference(meta.referenceJson);
    QVERIFY(parsed.isOk());
    auto reference = std::make_shared<const DriftReference>(std::move(parsed).value());
    const DriftInputParser parser(reference, columnsOf(meta));
    const std::size_t income =
        static_cast<std::size_t>(reference->feature("income") - reference->features.data());
    const std::size_t age =
        static_cast<std::size_t>(reference->feature("age") - reference->features.data());

    InferenceRecord record;
    // An object keyed by name and an array in column order (age first, income second), with
    // predictions as encodePredictions writes them.
    record.inputsJson = R"([{"age": 20, "income": 500000, "debt_ratio": 0.3,
        "credit_history_years": 5, "num_open_accounts": 3, "num_late_payments": 0,
        "loan_amount": 10000, "loan_term_months": 36, "employment_years": 4, "savings": 100},
        [60, 30000, 0.3, 5, 3, 0, 10000, 36, 4, 100]])";
    record.predictionsJson = R"([{"label": "decline", "score": 0.97, "scores": {}},
        {"label": "approve", "score": 0.51, "scores": {}}])";
    const auto observations = parser.parse(record);
    QVERIFY2(observations.isOk(), observations.status().toString().c_str());
    QCOMPARE(observations->size(), std::size_t{2});
    const auto& first = (*observations)[0];
    const auto& second = (*observations)[1];
    QCOMPARE(first.featureBins[age], 0);      // 18 <= 20 < 25
    QCOMPARE(first.featureBins[income], 9);   // above the last edge: clamped
    QCOMPARE(second.featureBins[age], 9);     // 59 <= 60 < 90
    QCOMPARE(second.featureBins[income], 1);  // 25900 <= 30000 < 32800
    QCOMPARE(first.classIndex, 1);
    QCOMPARE(first.scoreBin, 9);
    QCOMPARE(second.classIndex, 0);
    QCOMPARE(second.scoreBin, 0);

    // OIP logs {"<input>": data}; flat row-major data is cut into rows.
    record.inputsJson = R"({"features": [60, 30000, 0.3, 5, 3, 0, 10000, 36, 4, 100,
                                          20, 30000, 0.3, 5, 3, 0, 10000, 36, 4, 100]})";
    const auto oip = parser.parse(record);
    QVERIFY(oip.isOk());
    QCOMPARE(oip->size(), std::size_t{2});
    QCOMPARE((*oip)[1].featureBins[age], 0);

    // A missing feature is missing, not a zero; unreadable inputs are an error.
    record.inputsJson = R"([{"age": 30}])";
    const auto partial = parser.parse(record);
    QVERIFY(partial.isOk());
    QCOMPARE((*partial)[0].featureBins[income], DriftObservation::kMissing);
    record.inputsJson = "not json";
    QVERIFY(!parser.parse(record).isOk());

    // Text: tokens per instance, binned on the length edges.
    const auto sentiment = metadataOf("sentiment", 1);
    auto textRef = parseDriftReference(sentiment.referenceJson);
    QVERIFY(textRef.isOk());
    const DriftInputParser textParser(
        std::make_shared<const DriftReference>(std::move(textRef).value()), {});
    // Twenty tokens; JSON strings cannot hold a raw newline, so the text is built.
    std::string twenty;
    for (int i = 0; i < 20; ++i)
        twenty += "word" + std::to_string(i) + (i % 3 == 0 ? ", " : " ");
    record.inputsJson = R"(["Five stars, love it", ")" + twenty + R"("])";
    record.predictionsJson = R"([{"label": "positive", "score": 0.99}])";
    const auto texts = textParser.parse(record);
    QVERIFY(texts.isOk());
    QCOMPARE(texts->size(), std::size_t{2});
    QCOMPARE((*texts)[0].featureBins[0], 0);  // 4 tokens: below the first edge (7)
    QCOMPARE((*texts)[1].featureBins[0], 5);  // 20 tokens: 19 <= 20 < 21
    QCOMPARE((*texts)[0].classIndex, 1);
    QCOMPARE((*texts)[1].classIndex, DriftObservation::kMissing);
}

// The routes hand the drift monitor decoded values (inputValues, instancePredictions) so it
// need not parse JSON; it must see exactly what it would have read from the JSON text.
void TestDriftReference::valuesReadLikeTheirJson() {
    const auto meta = metadataOf("credit-risk", 1);
    auto parsed = parseDriftReference(meta.referenceJson);
    QVERIFY(parsed.isOk());
    const DriftInputParser parser(std::make_shared<const DriftReference>(std::move(parsed).value()),
                                  columnsOf(meta));
    InferenceRecord fromJson;
    fromJson.inputsJson = R"([[60, 30000, 0.3, 5, 3, 0, 10000, 36, 4, 100],
                              [20, 900000, 1.9, 79, 49, 49, 499000, 359, 59, 4900000]])";
    fromJson.predictionsJson = R"([{"label": "decline", "score": 0.97, "scores": {}},
                                   {"label": "approve", "score": 0.51, "scores": {}}])";
    InferenceRecord fromValues;
    fromValues.inputsJson = "not json: must not be read";
    auto values = std::make_shared<InstanceValues>();
    values->columns = 10;
    values->numbers = {60, 30000,  0.3, 5,  3,  0,  10000,  36,  4,  100,
                       20, 900000, 1.9, 79, 49, 49, 499000, 359, 59, 4900000};
    fromValues.inputValues = values;
    fromValues.instancePredictions = {{"decline", 0.97}, {"approve", 0.51}};

    const auto expected = parser.parse(fromJson);
    const auto actual = parser.parse(fromValues);
    QVERIFY2(expected.isOk(), expected.status().toString().c_str());
    QVERIFY2(actual.isOk(), actual.status().toString().c_str());
    QCOMPARE(actual->size(), expected->size());
    for (std::size_t i = 0; i < expected->size(); ++i) {
        QCOMPARE((*actual)[i].featureBins, (*expected)[i].featureBins);
        QCOMPARE((*actual)[i].classIndex, (*expected)[i].classIndex);
        QCOMPARE((*actual)[i].scoreBin, (*expected)[i].scoreBin);
    }
    QVERIFY((*actual)[1].featureBins != (*actual)[0].featureBins);

    // Values of another width than the model's columns are not guessed at: the JSON is read.
    values->columns = 5;
    fromValues.inputValues = values;
    QVERIFY(!parser.parse(fromValues).isOk());

    // Text: the strings as sent, tokens counted as from the JSON.
    const auto sentiment = metadataOf("sentiment", 1);
    auto textRef = parseDriftReference(sentiment.referenceJson);
    QVERIFY(textRef.isOk());
    const DriftInputParser textParser(
        std::make_shared<const DriftReference>(std::move(textRef).value()), {});
    InferenceRecord text;
    auto texts = std::make_shared<InstanceValues>();
    std::string twenty;
    for (int i = 0; i < 20; ++i)
        twenty += "word" + std::to_string(i) + (i % 3 == 0 ? ", " : " ");
    texts->texts = {"Five stars, love it", twenty};
    text.inputValues = texts;
    text.instancePredictions = {{"positive", 0.99}, {"negative", 0.6}};
    const auto observed = textParser.parse(text);
    QVERIFY(observed.isOk());
    QCOMPARE(observed->size(), std::size_t{2});
    QCOMPARE((*observed)[0].featureBins[0], 0);  // 4 tokens: below the first edge (7)
    QCOMPARE((*observed)[1].featureBins[0], 5);  // 20 tokens: 19 <= 20 < 21
    QCOMPARE((*observed)[0].classIndex, 1);
    QCOMPARE((*observed)[1].classIndex, 0);
}

QTEST_GUILESS_MAIN(TestDriftReference)
#include "tst_driftreference.moc"
