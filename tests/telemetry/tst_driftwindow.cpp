// The sliding window's incremental counts against a recount of its last W observations, across
// many wrap-arounds, with missing values and out-of-range indices.
#include <QTest>
#include <random>

#include "telemetry/DriftWindow.h"

using namespace atalaya;

namespace {

struct Recount {
    std::vector<std::vector<std::int64_t>> features;
    std::vector<std::int64_t> classes;
    std::vector<std::int64_t> scores;
};

Recount recount(const DriftWindowLayout& layout, const std::vector<DriftObservation>& all,
                std::size_t capacity) {
    Recount counts;
    for (const std::size_t bins : layout.featureBins)
        counts.features.emplace_back(bins, 0);
    counts.classes.assign(layout.classes, 0);
    counts.scores.assign(layout.scoreBins, 0);
    const std::size_t from = all.size() > capacity ? all.size() - capacity : 0;
    auto valid = [](std::int32_t i, std::size_t n) {
        return i >= 0 && static_cast<std::size_t>(i) < n;
    };
    for (std::size_t k = from; k < all.size(); ++k) {
        const auto& o = all[k];
        for (std::size_t f = 0; f < layout.featureBins.size(); ++f) {
            if (valid(o.featureBins[f], layout.featureBins[f]))
                ++counts.features[f][static_cast<std::size_t>(o.featureBins[f])];
        }
        if (valid(o.classIndex, layout.classes))
            ++counts.classes[static_cast<std::size_t>(o.classIndex)];
        if (valid(o.scoreBin, layout.scoreBins))
            ++counts.scores[static_cast<std::size_t>(o.scoreBin)];
    }
    return counts;
}

template <class A, class B>
bool same(const A& a, const B& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

}  // namespace

class TestDriftWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void countsEqualRecountAfterWrapAround_data();
    void countsEqualRecountAfterWrapAround();
};

void TestDriftWindow::countsEqualRecountAfterWrapAround_data() {
    QTest::addColumn<int>("capacity");
    QTest::addColumn<int>("observations");
    QTest::newRow("not yet full") << 100 << 37;
    QTest::newRow("exactly full") << 100 << 100;
    QTest::newRow("ten wraps and a bit") << 100 << 1037;
    QTest::newRow("capacity 1") << 1 << 50;
    QTest::newRow("default size") << 1000 << 4321;
}

void TestDriftWindow::countsEqualRecountAfterWrapAround() {
    QFETCH(int, capacity);
    QFETCH(int, observations);
    const DriftWindowLayout layout{.featureBins = {10, 10, 3}, .classes = 4, .scoreBins = 5};
    DriftWindow window(layout, static_cast<std::size_t>(capacity));
    std::mt19937 rng(42);
    // -1 is missing; the top value is out of range and must count as missing too.
    std::uniform_int_distribution<int> bin(-1, 10);
    std::vector<DriftObservation> all;
    for (int i = 0; i < observations; ++i) {
        DriftObservation o;
        o.featureBins = {bin(rng), bin(rng), bin(rng) % 4};
        o.classIndex = bin(rng) % 5;
        o.scoreBin = bin(rng) % 6;
        window.add(o);
        all.push_back(o);
        if (i % 97 == 0 || i == observations - 1) {
            const auto expected = recount(layout, all, static_cast<std::size_t>(capacity));
            for (std::size_t f = 0; f < layout.featureBins.size(); ++f)
                QVERIFY2(same(window.featureCounts(f), expected.features[f]),
                         qPrintable(QStringLiteral("feature %1 after %2").arg(f).arg(i + 1)));
            QVERIFY(same(window.classCounts(), expected.classes));
            QVERIFY(same(window.scoreCounts(), expected.scores));
        }
    }
    QCOMPARE(window.size(), static_cast<std::size_t>(std::min(capacity, observations)));
    QCOMPARE(window.observationsSeen(), static_cast<std::uint64_t>(observations));
}

QTEST_GUILESS_MAIN(TestDriftWindow)
#include "tst_driftwindow.moc"
