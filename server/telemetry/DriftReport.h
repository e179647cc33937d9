#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace atalaya {

struct DriftReference;
class DriftWindow;

// One input feature's live window against its reference bins (a text model has one pseudo
// feature, "text.length", tokens per text).
struct FeatureDrift {
    std::string name;
    std::int64_t count = 0;  // window observations that had this feature
    double psi = 0;
    double ksStatistic = 0;
    double ksPValue = 1;
    double wasserstein = 0;                       // in the feature's unit
    std::optional<double> wassersteinNormalized;  // divided by the reference std (when > 0)
    double jensenShannon = 0;                     // bits
    bool drifted = false;                         // rejected by Benjamini-Hochberg
};

struct PredictionDrift {
    std::int64_t count = 0;
    std::vector<std::string> classes;
    std::vector<double> referenceFractions;
    std::vector<double> currentFractions;
    double chiSquare = 0;
    double chiSquarePValue = 1;
    double jensenShannon = 0;
    std::optional<double> scorePsi;  // when the reference has score bins and the window scores
    bool drifted = false;            // the class chi-square, rejected by Benjamini-Hochberg
};

struct DriftReportOptions {
    double alpha = 0.01;           // Benjamini-Hochberg false discovery rate
    std::size_t minSamples = 200;  // no verdict on a window smaller than this
};

// One model version's drift, computed from a snapshot of its window.
struct DriftReport {
    std::string model;
    std::int64_t version = 0;
    std::size_t windowSize = 0;
    std::size_t windowCapacity = 0;
    std::uint64_t observationsSeen = 0;  // since the monitor started
    std::uint64_t recordsSkipped = 0;    // records whose inputs could not be read
    double alpha = 0.01;
    std::size_t minSamples = 0;
    // Dataset verdict: some test (a feature's KS or the prediction classes' chi-square) is
    // rejected by Benjamini-Hochberg at `alpha`, and the window holds >= minSamples.
    bool drift = false;
    std::vector<FeatureDrift> features;  // ranked by KS statistic, largest first
    std::optional<PredictionDrift> predictions;
    std::string error;  // why the version is not monitored (no or malformed reference), else empty

    // Names of the drifted features in rank order, at most `limit`: what an alert reports.
    std::vector<std::string> topFeatures(std::size_t limit) const;
};

// One of the features an alert names, with its scores at that moment.
struct DriftAlertFeature {
    std::string name;
    double ksStatistic = 0;
    double ksPValue = 1;
    double psi = 0;
    double jensenShannon = 0;
    std::optional<double> wassersteinNormalized;
};

// When a version's verdict flips from no drift to drift. Kept in the inference log's
// drift_alerts, so it outlives a restart.
struct DriftAlert {
    std::int64_t timeUnixMs = 0;
    std::string model;
    std::int64_t version = 0;
    std::uint64_t observationsSeen = 0;  // the version's count when it fired
    std::vector<std::string> topFeatures;
    bool predictionDrift = false;
    std::vector<DriftAlertFeature> features;  // topFeatures with their scores, same order
    std::int64_t windowSize = 0;              // observations the verdict was drawn from
    double alpha = 0;                         // the Benjamini-Hochberg level it was drawn at
    std::optional<double> predictionChiSquarePValue;  // the prediction classes' test
};

// The statistics of `window` against `reference` (pure; DriftStatistics does the maths).
// Fills every field but model, version and recordsSkipped.
DriftReport computeDriftReport(const DriftReference& reference, const DriftWindow& window,
                               const DriftReportOptions& options);

}  // namespace atalaya
