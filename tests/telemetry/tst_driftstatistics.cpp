// Drift statistics against values computed by hand or from closed forms (no scipy here):
// chi-square tails at tabulated critical values, e^{-x/2} for two degrees of freedom, the
// Kolmogorov distribution's tabulated quantiles, and small worked examples.
#include <QTest>
#include <cmath>

#include "telemetry/DriftStatistics.h"

using namespace atalaya::drift;

class TestDriftStatistics : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void chiSquareTail_data();
    void chiSquareTail();
    void kolmogorovTail_data();
    void kolmogorovTail();
    void psiWorkedExample();
    void jensenShannonBounds();
    void ksOnFixedBins();
    void wassersteinMovesMassTimesDistance();
    void chiSquareGoodnessOfFit();
    void benjaminiHochberg_data();
    void benjaminiHochberg();
    void bonferroniDividesAlpha();
};

void TestDriftStatistics::chiSquareTail_data() {
    QTest::addColumn<double>("x");
    QTest::addColumn<double>("df");
    QTest::addColumn<double>("expected");
    QTest::newRow("df1 at 5% critical") << 3.841458820694124 << 1.0 << 0.05;
    QTest::newRow("df10 at 5% critical") << 18.307038053275146 << 10.0 << 0.05;
    QTest::newRow("df9 at 1% critical") << 21.665994333461924 << 9.0 << 0.01;
    QTest::newRow("df2 closed form") << 2.0 << 2.0 << std::exp(-1.0);
    QTest::newRow("df2 far tail") << 40.0 << 2.0 << std::exp(-20.0);
    QTest::newRow("zero") << 0.0 << 3.0 << 1.0;
}

void TestDriftStatistics::chiSquareTail() {
    QFETCH(double, x);
    QFETCH(double, df);
    QFETCH(double, expected);
    const double got = chiSquareSurvival(x, df);
    QVERIFY2(std::fabs(got - expected) <= 1e-6 * std::max(1.0, expected) + 1e-12,
             qPrintable(QStringLiteral("%1 vs %2").arg(got, 0, 'g', 12).arg(expected, 0, 'g', 12)));
}

void TestDriftStatistics::kolmogorovTail_data() {
    QTest::addColumn<double>("lambda");
    QTest::addColumn<double>("expected");
    QTest::newRow("5% quantile") << 1.3580986393225505 << 0.05;
    QTest::newRow("10% quantile") << 1.2238478702170825 << 0.10;
    QTest::newRow("1% quantile") << 1.6276236115189480 << 0.01;
    QTest::newRow("lambda 2") << 2.0 << 2 * (std::exp(-8.0) - std::exp(-32.0) + std::exp(-72.0));
    QTest::newRow("tiny lambda") << 0.05 << 1.0;
}

void TestDriftStatistics::kolmogorovTail() {
    QFETCH(double, lambda);
    QFETCH(double, expected);
    QVERIFY(std::fabs(kolmogorovSurvival(lambda) - expected) < 1e-6);
}

void TestDriftStatistics::psiWorkedExample() {
    // (0.25-0.5)ln(0.25/0.5) + (0.75-0.5)ln(0.75/0.5)
    const std::vector<double> expected{0.5, 0.5};
    const std::vector<double> actual{0.25, 0.75};
    QVERIFY(std::fabs(populationStabilityIndex(expected, actual) - 0.2746530721670274) < 1e-12);
    QCOMPARE(populationStabilityIndex(expected, expected), 0.0);
    // An empty live bin is floored, not infinite.
    const std::vector<double> empty{1.0, 0.0};
    QVERIFY(std::isfinite(populationStabilityIndex(expected, empty)));
}

void TestDriftStatistics::jensenShannonBounds() {
    const std::vector<double> a{1, 0};
    const std::vector<double> b{0, 1};
    const std::vector<double> half{0.5, 0.5};
    QCOMPARE(jensenShannon(a, a), 0.0);
    QVERIFY(std::fabs(jensenShannon(a, b) - 1.0) < 1e-12);
    // 0.5 * (KL(half || m) + KL(a || m)) with m = (0.75, 0.25), in bits.
    QVERIFY(std::fabs(jensenShannon(half, a) - 0.31127812445913283) < 1e-12);
    QCOMPARE(jensenShannon(half, a), jensenShannon(a, half));
}

void TestDriftStatistics::ksOnFixedBins() {
    const std::vector<double> reference{0.25, 0.25, 0.25, 0.25};
    const std::vector<std::int64_t> counts{40, 30, 20, 10};
    const auto result = kolmogorovSmirnov(reference, counts);
    QVERIFY(std::fabs(result.statistic - 0.2) < 1e-12);  // max |F_ref - F_cur| = |0.5 - 0.7|
    QVERIFY(std::fabs(result.pValue - kolmogorovSurvival(2.0)) < 1e-15);  // sqrt(100) * 0.2
    const std::vector<std::int64_t> same{25, 25, 25, 25};
    QCOMPARE(kolmogorovSmirnov(reference, same).pValue, 1.0);
}

void TestDriftStatistics::wassersteinMovesMassTimesDistance() {
    const std::vector<double> edges{0, 1, 2};
    const std::vector<double> reference{0.5, 0.5};
    const std::vector<double> shifted{0.0, 1.0};
    QVERIFY(std::fabs(wasserstein1(reference, shifted, edges) - 0.5) < 1e-12);
    QCOMPARE(wasserstein1(reference, reference, edges), 0.0);
}

void TestDriftStatistics::chiSquareGoodnessOfFit() {
    const std::vector<double> reference{0.5, 0.5};
    const std::vector<std::int64_t> counts{60, 40};
    const auto result = chiSquare(reference, counts);
    QVERIFY(std::fabs(result.statistic - 4.0) < 1e-12);  // (10^2 + 10^2) / 50
    QVERIFY(std::fabs(result.pValue - 0.04550026389635842) < 1e-9);
}

void TestDriftStatistics::benjaminiHochberg_data() {
    QTest::addColumn<QList<double>>("p");
    QTest::addColumn<QList<bool>>("rejected");
    QTest::newRow("all under their rank")
        << QList<double>{0.01, 0.04, 0.03, 0.005} << QList<bool>{true, true, true, true};
    QTest::newRow("step-up stops")
        << QList<double>{0.01, 0.02, 0.03, 0.5} << QList<bool>{true, true, true, false};
    QTest::newRow("only the smallest")
        << QList<double>{0.04, 0.001, 0.5, 0.03} << QList<bool>{false, true, false, false};
    QTest::newRow("none") << QList<double>{0.2, 0.3} << QList<bool>{false, false};
}

void TestDriftStatistics::benjaminiHochberg() {
    QFETCH(QList<double>, p);
    QFETCH(QList<bool>, rejected);
    const std::vector<double> values(p.begin(), p.end());
    const auto got = atalaya::drift::benjaminiHochberg(values, 0.05);
    QCOMPARE(QList<bool>(got.begin(), got.end()), rejected);
}

void TestDriftStatistics::bonferroniDividesAlpha() {
    const std::vector<double> p{0.01, 0.03};
    const auto got = bonferroni(p, 0.05);  // threshold 0.025
    QCOMPARE(got, (std::vector<bool>{true, false}));
}

QTEST_GUILESS_MAIN(TestDriftStatistics)
#include "tst_driftstatistics.moc"
