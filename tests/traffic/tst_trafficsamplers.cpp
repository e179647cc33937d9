// The traffic generator's samplers against the demo models' reference statistics (model.json
// "reference", computed by tools/models/ on the training data): unshifted traffic must look like
// the training data, or the demo would show drift where there is none; shifted traffic must
// not. Also its --shift parsing, and that a seed fixes the bodies.
#include <QTest>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>
#include <string>

#include "CreditRiskSampler.h"
#include "DemoRequests.h"
#include "ReviewSampler.h"
#include "ReviewVocabulary.h"
#include "TrafficShift.h"
#include "inference/ModelMetadata.h"
#include "telemetry/DriftInputParser.h"
#include "telemetry/DriftReference.h"
#include "telemetry/DriftStatistics.h"

using namespace atalaya;
using namespace atalaya::traffic;

namespace {

const std::filesystem::path kModels = ATALAYA_DEMO_MODELS;
constexpr int kSamples = 20'000;

DriftReference reference(const std::string& model, std::int64_t version) {
    auto metadata = loadModelMetadata(kModels / model, version);
    if (!metadata.isOk())
        qFatal("%s", metadata.status().toString().c_str());
    auto parsed = parseDriftReference(metadata->referenceJson);
    if (!parsed.isOk())
        qFatal("%s", parsed.status().toString().c_str());
    return std::move(parsed).value();
}

double psi(const ReferenceBins& bins, const std::vector<double>& values) {
    std::vector<std::int64_t> counts(bins.size(), 0);
    for (const double v : values)
        ++counts[bins.binOf(v)];
    const auto actual = drift::normalize(counts);
    return drift::populationStabilityIndex(bins.fractions, actual);
}

std::vector<double> creditColumn(const TrafficShift& shift, std::size_t column) {
    CreditRiskSampler sampler(11);
    std::vector<double> values;
    for (int i = 0; i < kSamples; ++i)
        values.push_back(sampler.sample(shift)[column]);
    return values;
}

std::vector<double> reviewLengths(const TrafficShift& shift, int count) {
    ReviewSampler sampler(12);
    std::vector<double> lengths;
    for (int i = 0; i < count; ++i)
        lengths.push_back(
            static_cast<double>(DriftInputParser::countTokens(sampler.sample(shift))));
    return lengths;
}

std::set<std::string> modelVocabulary() {
    std::ifstream in(kModels / "sentiment" / "vocab.txt");
    std::set<std::string> vocabulary;
    for (std::string line; std::getline(in, line);)
        vocabulary.insert(line);
    return vocabulary;
}

// The server's tokenizer rule (docs/models.md): ASCII-lowercase, maximal runs of [a-z0-9'].
std::vector<std::string> tokensOf(std::string_view text) {
    std::vector<std::string> tokens;
    std::string token;
    for (const char raw : std::string(text) + " ") {
        const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(raw)));
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\'') {
            token += c;
        } else if (!token.empty()) {
            tokens.push_back(std::move(token));
            token.clear();
        }
    }
    return tokens;
}

// A made-up brand or city name: 2-3 of the grammar's syllables (sentiment.py pseudo_words()).
bool isPseudoWord(std::string_view word, int syllables = 0) {
    if (word.empty())
        return syllables >= 2;
    if (syllables == 3)
        return false;
    return std::any_of(vocabulary::kSyllables.begin(), vocabulary::kSyllables.end(),
                       [&](std::string_view syllable) {
                           return word.starts_with(syllable) &&
                                  isPseudoWord(word.substr(syllable.size()), syllables + 1);
                       });
}

// A product code ("xk4821", sentiment.py model_code()); one that happened to repeat in training.
bool isModelCode(std::string_view word) {
    return word.size() == 6 && std::string_view("xzqk").find(word[0]) != std::string_view::npos &&
           word[1] >= 'a' && word[1] <= 'h' &&
           std::all_of(word.begin() + 2, word.end(), [](char c) { return c >= '0' && c <= '9'; });
}

TrafficShift shifted(const char* argument) {
    TrafficShift shift;
    const Status applied = applyShiftArgument(argument, shift);
    if (!applied.isOk())
        qFatal("%s", applied.toString().c_str());
    return shift;
}

}  // namespace

class TestTrafficSamplers : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void applicationsMatchTheTrainingData_data();
    void applicationsMatchTheTrainingData();
    void shiftedIncomeLeavesTheReference();
    void shiftsStayInTheDeclaredRange();
    void reviewLengthsMatchTheTrainingData();
    void longerReviewsLeaveTheReference();
    void novelVocabularyIsUnknownToTheModel();
    void reviewGrammarMatchesTheTrainer();
    void creditRiskFeaturesMatchTheModel();
    void shiftArguments_data();
    void shiftArguments();
    void aSeedFixesTheBodies();
};

void TestTrafficSamplers::applicationsMatchTheTrainingData_data() {
    QTest::addColumn<std::int64_t>("version");
    QTest::addColumn<QString>("feature");
    for (const std::int64_t version : {1, 2}) {
        for (const auto& feature : CreditRiskSampler::features()) {
            const QString name =
                QString::fromUtf8(feature.name.data(), static_cast<qsizetype>(feature.name.size()));
            QTest::addRow("v%lld %s", static_cast<long long>(version), qPrintable(name))
                << version << name;
        }
    }
}

// PSI under 0.02 (0.1 is the usual "stable" bound), mean within 3% of the training mean.
void TestTrafficSamplers::applicationsMatchTheTrainingData() {
    QFETCH(std::int64_t, version);
    QFETCH(QString, feature);
    const DriftReference ref = reference("credit-risk", version);
    const auto* expected = ref.feature(feature.toStdString());
    QVERIFY(expected != nullptr);
    const auto column = CreditRiskSampler::featureIndex(feature.toStdString());
    QVERIFY(column.has_value());
    const auto values = creditColumn(TrafficShift{}, *column);
    const double mean = std::accumulate(values.begin(), values.end(), 0.0) / kSamples;
    const double score = psi(expected->bins, values);
    QVERIFY2(score < 0.02, ("PSI " + std::to_string(score)).c_str());
    QVERIFY2(
        std::fabs(mean - expected->mean) <= 0.03 * std::fabs(expected->mean) + 1e-9,
        ("mean " + std::to_string(mean) + ", training " + std::to_string(expected->mean)).c_str());
}

void TestTrafficSamplers::shiftedIncomeLeavesTheReference() {
    const DriftReference ref = reference("credit-risk", 1);
    const auto column = *CreditRiskSampler::featureIndex("income");
    const double score =
        psi(ref.feature("income")->bins, creditColumn(shifted("income=1.5"), column));
    QVERIFY2(score > 0.25, ("PSI " + std::to_string(score)).c_str());
    // The other columns do not move.
    const auto age = *CreditRiskSampler::featureIndex("age");
    QVERIFY(psi(ref.feature("age")->bins, creditColumn(shifted("income=1.5"), age)) < 0.02);
}

void TestTrafficSamplers::shiftsStayInTheDeclaredRange() {
    TrafficShift shift = shifted("income=50");
    QVERIFY(applyShiftArgument("age=+70", shift).isOk());
    CreditRiskSampler sampler(3);
    for (int i = 0; i < 1000; ++i) {
        const auto row = sampler.sample(shift);
        for (std::size_t c = 0; c < row.size(); ++c) {
            const auto& feature = CreditRiskSampler::features()[c];
            QVERIFY(row[c] >= feature.min && row[c] <= feature.max);
        }
    }
}

void TestTrafficSamplers::reviewLengthsMatchTheTrainingData() {
    const DriftReference ref = reference("sentiment", 1);
    QVERIFY(ref.text.has_value());
    const double score = psi(ref.text->length, reviewLengths(TrafficShift{}, 4000));
    QVERIFY2(score < 0.05, ("PSI " + std::to_string(score)).c_str());
}

void TestTrafficSamplers::longerReviewsLeaveTheReference() {
    const DriftReference ref = reference("sentiment", 1);
    const double score = psi(ref.text->length, reviewLengths(shifted("review_words=+8"), 4000));
    QVERIFY2(score > 0.25, ("PSI " + std::to_string(score)).c_str());
}

// review_vocabulary=1 replaces every sentiment adjective with slang: no such word may be in the
// model's vocabulary, or the shift would not be a vocabulary change.
void TestTrafficSamplers::novelVocabularyIsUnknownToTheModel() {
    const std::set<std::string> vocabulary = modelVocabulary();
    QVERIFY(vocabulary.size() > 100);
    ReviewSampler normal(5);
    ReviewSampler novel(5);
    std::set<std::string> unknownNormal, unknownNovel;
    auto collectUnknown = [&](const std::string& text, std::set<std::string>& out) {
        std::string word;
        for (const char raw : text + " ") {
            const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(raw)));
            if ((c >= 'a' && c <= 'z') || c == '\'') {
                word += c;
            } else {
                if (!word.empty() && !vocabulary.contains(word))
                    out.insert(word);
                word.clear();
            }
        }
    };
    for (int i = 0; i < 500; ++i) {
        collectUnknown(normal.sample(TrafficShift{}), unknownNormal);
        collectUnknown(novel.sample(shifted("review_vocabulary=1")), unknownNovel);
    }
    for (const char* slang : {"mid", "janky", "bussin", "goated"})
        QVERIFY2(unknownNovel.contains(slang) && !unknownNormal.contains(slang), slang);
}

// ReviewVocabulary.cpp copies the word lists of tools/models/sentiment.py, and this keeps the
// copy honest against what the trainer made: the model's vocabulary is exactly the grammar's
// words (all frequent), the made-up brand and city names, counts ("after 3 days") and the odd
// repeated product code. A word the copy has and the trainer dropped, or one the trainer added
// and the copy lacks, fails here.
void TestTrafficSamplers::reviewGrammarMatchesTheTrainer() {
    const std::set<std::string> model = modelVocabulary();
    QVERIFY(model.size() > 100);
    // The words ReviewSampler writes around the lists ("the X is not Y", "but", " and ").
    std::set<std::string> grammar{"the", "this", "is", "not", "but", "and"};
    using namespace vocabulary;
    for (const auto* list :
         {&kProducts, &kAspects, &kPositive, &kNegative, &kPositivePhrases, &kNegativePhrases,
          &kIntensifiers, &kPeople, &kPlaces, &kWhen, &kDays, &kColors, &kNeutralTemplates}) {
        for (const std::string_view entry : *list) {
            std::string text(entry);
            for (auto open = text.find('{'); open != std::string::npos; open = text.find('{'))
                text.erase(open, text.find('}', open) - open + 1);  // the template's slots
            for (auto& token : tokensOf(text))
                grammar.insert(std::move(token));
        }
    }
    for (const auto& word : grammar)
        QVERIFY2(model.contains(word), ("not in the model's vocabulary: " + word).c_str());
    for (const auto& word : model) {
        const bool explained = word == "<pad>" || word == "<unk>" || grammar.contains(word) ||
                               isPseudoWord(word) || isModelCode(word) ||
                               word.find_first_not_of("0123456789") == std::string::npos;
        QVERIFY2(explained, ("the model knows a word the sampler never writes: " + word).c_str());
    }
}

// The sampler's copy of the features' names, column order and declared ranges (which its
// shifts clip to, so that every request stays valid) against the model's own metadata.
void TestTrafficSamplers::creditRiskFeaturesMatchTheModel() {
    for (const std::int64_t version : {1, 2}) {
        const auto metadata = loadModelMetadata(kModels / "credit-risk", version);
        QVERIFY2(metadata.isOk(), metadata.status().toString().c_str());
        QCOMPARE(metadata->inputs.size(), std::size_t{1});
        const auto& declared = metadata->inputs.front().features;
        const auto& copied = CreditRiskSampler::features();
        QCOMPARE(declared.size(), copied.size());
        for (std::size_t c = 0; c < copied.size(); ++c) {
            QCOMPARE(declared[c].name, std::string(copied[c].name));
            QCOMPARE(declared[c].min, std::optional<double>(copied[c].min));
            QCOMPARE(declared[c].max, std::optional<double>(copied[c].max));
        }
    }
}

void TestTrafficSamplers::shiftArguments_data() {
    QTest::addColumn<QString>("argument");
    QTest::addColumn<bool>("valid");
    QTest::newRow("scale") << "income=1.5" << true;
    QTest::newRow("scale with x") << "income=x2" << true;
    QTest::newRow("add") << "age=+10" << true;
    QTest::newRow("subtract") << "debt_ratio=-0.1" << true;
    QTest::newRow("review words") << "review_words=+8" << true;
    QTest::newRow("vocabulary") << "review_vocabulary=0.5" << true;
    QTest::newRow("negative share") << "negative_share=0.9" << true;
    QTest::newRow("unknown feature") << "zip=2" << false;
    QTest::newRow("no value") << "income" << false;
    QTest::newRow("not a number") << "income=lots" << false;
    QTest::newRow("nan") << "income=nan" << false;
    QTest::newRow("share above 1") << "negative_share=1.5" << false;
    QTest::newRow("share with sign") << "review_vocabulary=+0.5" << false;
    QTest::newRow("fractional words") << "review_words=+2.5" << false;
}

void TestTrafficSamplers::shiftArguments() {
    QFETCH(QString, argument);
    QFETCH(bool, valid);
    TrafficShift shift;
    const Status applied = applyShiftArgument(argument.toStdString(), shift);
    QCOMPARE(applied.isOk(), valid);
    if (valid)
        QVERIFY(!shift.empty());
    else
        QCOMPARE(applied.reason(), std::string_view("bad_shift"));
}

void TestTrafficSamplers::aSeedFixesTheBodies() {
    DemoRequests a(42, 3);
    DemoRequests b(42, 3);
    DemoRequests c(43, 3);
    bool differs = false;
    for (int i = 0; i < 9; ++i) {
        const DemoRequest first = a.next(TrafficShift{});
        QCOMPARE(first.body, b.next(TrafficShift{}).body);
        differs = differs || first.body != c.next(TrafficShift{}).body;
        const auto body = nlohmann::json::parse(first.body);
        QCOMPARE(body["instances"].size(), std::size_t{3});
        QCOMPARE(first.path, std::string(i % 3 == 0 ? "/api/v1/ia/predict" : "/api/v2/ia/predict"));
        QVERIFY(body["model"] == (i % 3 == 2 ? "sentiment" : "credit-risk"));
    }
    QVERIFY(differs);
}

QTEST_GUILESS_MAIN(TestTrafficSamplers)
#include "tst_trafficsamplers.moc"
