#pragma once

#include <QWidget>
#include <optional>

#include "client/RolloutTypes.h"
#include "client/StatsSeries.h"

class QLabel;
class QProgressBar;

namespace atalaya::ui {

// The stable and candidate versions of one route side by side since the rollout started:
// requests, error rate with its confidence interval, p50 and p99; the canary's weight; and,
// for a shadow, how often the candidate agrees with the stable version, live and from the log.
// Display only.
// Thread affinity: GUI thread.
class VersionComparison : public QWidget {
    Q_OBJECT

public:
    explicit VersionComparison(QWidget* parent = nullptr);

    void setRoute(const std::optional<client::RolloutRoute>& route);  // none clears
    // The shadow's comparison from the inference log (GET /api/v1/stats/shadow) since the
    // stage began, with both versions' latency; none clears.
    void setShadowFromLog(const std::optional<client::ShadowPair>& pair);

private:
    struct Column {
        QLabel* version = nullptr;
        QLabel* requests = nullptr;
        QLabel* errorRate = nullptr;
        QLabel* p50 = nullptr;
        QLabel* p99 = nullptr;
    };

    static Column makeColumn(const QString& role);
    static void showStats(const Column& column, const QString& version,
                          const std::optional<client::VersionStats>& stats);

    Column m_stable;
    Column m_candidate;
    QProgressBar* m_weight = nullptr;
    QLabel* m_agreement = nullptr;
    QLabel* m_fromLog = nullptr;
    QLabel* m_nextStep = nullptr;
};

}  // namespace atalaya::ui
