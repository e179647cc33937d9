#pragma once

#include <QJsonObject>
#include <QString>
#include <optional>

#include "client/RolloutTypes.h"

// How the rollout page spells the API's numbers for people, in one place so the tables, the
// comparison and the tests agree. "–" stands for a value the server did not send.
namespace atalaya::ui::rollout_text {

QString percent(const std::optional<double>& ratio, int decimals = 1);  // "12.5 %"
QString percentWithCi(const std::optional<double>& ratio,
                      const std::optional<client::Interval>& ci);  // "1.0 % [0.3–2.9]"
QString milliseconds(const std::optional<double>& ms);             // "1.90 ms"
QString timeOfDay(const std::optional<qint64>& unixMs);            // local "HH:mm:ss"
QString guardSummary(const client::GuardRules& guard);             // "errors ≤ 5.0 % · ..."
QString versions(const std::optional<qint64>& from, const std::optional<qint64>& to);
// "rule=max_error_rate value=0.31 limit=0.05": the free-form detail of an event, flat.
QString detail(const QJsonObject& detail);

}  // namespace atalaya::ui::rollout_text
