#include "telemetry/DriftReport.h"

#include <algorithm>
#include <numeric>

#include "telemetry/DriftReference.h"
#include "telemetry/DriftStatistics.h"
#include "telemetry/DriftWindow.h"

namespace atalaya {
namespace {

std::int64_t total(std::span<const std::int64_t> counts) {
    return std::accumulate(counts.begin(), counts.end(), std::int64_t{0});
}

FeatureDrift featureDrift(std::string name, const ReferenceBins& bins, double referenceStd,
                          std::span<const std::int64_t> counts) {
    FeatureDrift drift;
    drift.name = std::move(name);
    drift.count = total(counts);
    if (drift.count == 0)
        return drift;
    const auto current = drift::normalize(counts);
    drift.psi = drift::populationStabilityIndex(bins.fractions, current);
    const auto ks = drift::kolmogorovSmirnov(bins.fractions, counts);
    drift.ksStatistic = ks.statistic;
    drift.ksPValue = ks.pValue;
    drift.wasserstein = drift::wasserstein1(bins.fractions, current, bins.edges);
    if (referenceStd > 0)
        drift.wassersteinNormalized = drift.wasserstein / referenceStd;
    drift.jensenShannon = drift::jensenShannon(bins.fractions, current);
    return drift;
}

PredictionDrift predictionDrift(const PredictionReference& reference, const DriftWindow& window) {
    PredictionDrift drift;
    drift.classes = reference.classes;
    drift.referenceFractions = reference.classFractions;
    drift.count = total(window.classCounts());
    drift.currentFractions = drift::normalize(window.classCounts());
    if (drift.count > 0) {
        const auto test = drift::chiSquare(reference.classFractions, window.classCounts());
        drift.chiSquare = test.statistic;
        drift.chiSquarePValue = test.pValue;
        drift.jensenShannon =
            drift::jensenShannon(reference.classFractions, drift.currentFractions);
    }
    if (reference.score && total(window.scoreCounts()) > 0) {
        drift.scorePsi = drift::populationStabilityIndex(reference.score->fractions,
                                                         drift::normalize(window.scoreCounts()));
    }
    return drift;
}

// Benjamini-Hochberg over every test that has data: one KS per feature, plus the prediction
// classes' chi-square. Tests without data take no part, so they cannot dilute alpha.
void decide(DriftReport& report) {
    std::vector<double> pValues;
    std::vector<bool*> flags;
    for (auto& feature : report.features) {
        if (feature.count > 0) {
            pValues.push_back(feature.ksPValue);
            flags.push_back(&feature.drifted);
        }
    }
    if (report.predictions && report.predictions->count > 0) {
        pValues.push_back(report.predictions->chiSquarePValue);
        flags.push_back(&report.predictions->drifted);
    }
    const auto rejected = drift::benjaminiHochberg(pValues, report.alpha);
    bool any = false;
    for (std::size_t i = 0; i < rejected.size(); ++i) {
        *flags[i] = rejected[i];
        any = any || rejected[i];
    }
    report.drift = any && report.windowSize >= report.minSamples;
}

}  // namespace

std::vector<std::string> DriftReport::topFeatures(std::size_t limit) const {
    std::vector<std::string> names;
    for (const auto& feature : features) {
        if (names.size() == limit)
            break;
        if (feature.drifted)
            names.push_back(feature.name);
    }
    return names;
}

DriftReport computeDriftReport(const DriftReference& reference, const DriftWindow& window,
                               const DriftReportOptions& options) {
    DriftReport report;
    report.windowSize = window.size();
    report.windowCapacity = window.capacity();
    report.observationsSeen = window.observationsSeen();
    report.alpha = options.alpha;
    report.minSamples = options.minSamples;
    // The window's feature order is DriftMonitor's: the reference's numeric features, or the
    // text length alone.
    if (!reference.features.empty()) {
        for (std::size_t f = 0; f < reference.features.size(); ++f) {
            const auto& feature = reference.features[f];
            report.features.push_back(
                featureDrift(feature.name, feature.bins, feature.std, window.featureCounts(f)));
        }
    } else if (reference.text) {
        report.features.push_back(
            featureDrift("text.length", reference.text->length, 0, window.featureCounts(0)));
    }
    if (reference.predictions && window.layout().classes > 0)
        report.predictions = predictionDrift(*reference.predictions, window);
    decide(report);
    std::stable_sort(report.features.begin(), report.features.end(),
                     [](const auto& a, const auto& b) { return a.ksStatistic > b.ksStatistic; });
    return report;
}

}  // namespace atalaya
