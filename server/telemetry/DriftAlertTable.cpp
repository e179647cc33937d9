#include "telemetry/DriftAlertTable.h"

#include <nlohmann/json.hpp>

#include "telemetry/SqliteDatabase.h"

namespace atalaya {
namespace {

using nlohmann::json;

std::string featuresJson(const std::vector<DriftAlertFeature>& features) {
    json out = json::array();
    for (const DriftAlertFeature& f : features) {
        out.push_back({{"name", f.name},
                       {"ks_statistic", f.ksStatistic},
                       {"ks_p_value", f.ksPValue},
                       {"psi", f.psi},
                       {"jensen_shannon", f.jensenShannon},
                       {"wasserstein_normalized",
                        f.wassersteinNormalized ? json(*f.wassersteinNormalized) : json(nullptr)}});
    }
    return out.dump();
}

// A row written by this server: anything else in the column is skipped, not fatal, so one
// damaged row does not hide the others.
std::vector<DriftAlertFeature> parseFeatures(std::string_view text) {
    std::vector<DriftAlertFeature> features;
    const json parsed = json::parse(text, nullptr, false);
    if (!parsed.is_array())
        return features;
    for (const json& f : parsed) {
        try {
            const json w = f.value("wasserstein_normalized", json());
            features.push_back({.name = f.at("name").get<std::string>(),
                                .ksStatistic = f.value("ks_statistic", 0.0),
                                .ksPValue = f.value("ks_p_value", 1.0),
                                .psi = f.value("psi", 0.0),
                                .jensenShannon = f.value("jensen_shannon", 0.0),
                                .wassersteinNormalized =
                                    w.is_number() ? std::optional(w.get<double>()) : std::nullopt});
        } catch (const json::exception&) {
            continue;
        }
    }
    return features;
}

}  // namespace

Status ensureDriftAlertSchema(SqliteDatabase& db) {
    return db.execute(R"(
CREATE TABLE IF NOT EXISTS drift_alerts (
    id                            INTEGER PRIMARY KEY,
    time_ms                       INTEGER NOT NULL,
    model                         TEXT NOT NULL,
    version                       INTEGER NOT NULL,
    observations_seen             INTEGER NOT NULL,
    window_size                   INTEGER NOT NULL,
    alpha                         REAL NOT NULL,
    prediction_drift              INTEGER NOT NULL,
    prediction_chi_square_p_value REAL,
    features                      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS drift_alerts_time ON drift_alerts (time_ms);
)");
}

Status bindDriftAlert(SqliteStatement& insert, const DriftAlert& alert) {
    ATALAYA_RETURN_IF_ERROR(insert.bindInt(1, alert.timeUnixMs));
    ATALAYA_RETURN_IF_ERROR(insert.bindText(2, alert.model));
    ATALAYA_RETURN_IF_ERROR(insert.bindInt(3, alert.version));
    ATALAYA_RETURN_IF_ERROR(insert.bindInt(4, static_cast<std::int64_t>(alert.observationsSeen)));
    ATALAYA_RETURN_IF_ERROR(insert.bindInt(5, alert.windowSize));
    ATALAYA_RETURN_IF_ERROR(insert.bindDouble(6, alert.alpha));
    ATALAYA_RETURN_IF_ERROR(insert.bindInt(7, alert.predictionDrift ? 1 : 0));
    ATALAYA_RETURN_IF_ERROR(alert.predictionChiSquarePValue
                                ? insert.bindDouble(8, *alert.predictionChiSquarePValue)
                                : insert.bindNull(8));
    return insert.bindText(9, featuresJson(alert.features));
}

Result<std::vector<DriftAlert>> readRecentDriftAlerts(const std::filesystem::path& file,
                                                      std::size_t limit) {
    ATALAYA_ASSIGN_OR_RETURN(SqliteDatabase db,
                             SqliteDatabase::open(file, SqliteDatabase::Access::ReadOnly));
    ATALAYA_ASSIGN_OR_RETURN(
        const std::int64_t tables,
        db.queryInt("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = "
                    "'drift_alerts'"));
    std::vector<DriftAlert> alerts;
    if (tables == 0)
        return alerts;
    ATALAYA_ASSIGN_OR_RETURN(
        SqliteStatement select,
        db.prepare("SELECT time_ms, model, version, observations_seen, window_size, alpha, "
                   "prediction_drift, prediction_chi_square_p_value, features FROM (SELECT * "
                   "FROM drift_alerts ORDER BY time_ms DESC, id DESC LIMIT ?1) ORDER BY time_ms, "
                   "id"));
    ATALAYA_RETURN_IF_ERROR(select.bindInt(1, static_cast<std::int64_t>(limit)));
    for (;;) {
        ATALAYA_ASSIGN_OR_RETURN(const auto step, select.step());
        if (step == SqliteStatement::Step::Done)
            break;
        DriftAlert alert;
        alert.timeUnixMs = select.columnInt(0);
        alert.model = std::string(select.columnText(1));
        alert.version = select.columnInt(2);
        alert.observationsSeen = static_cast<std::uint64_t>(select.columnInt(3));
        alert.windowSize = select.columnInt(4);
        alert.alpha = select.columnDouble(5);
        alert.predictionDrift = select.columnInt(6) != 0;
        if (!select.isNull(7))
            alert.predictionChiSquarePValue = select.columnDouble(7);
        alert.features = parseFeatures(select.columnText(8));
        for (const DriftAlertFeature& feature : alert.features)
            alert.topFeatures.push_back(feature.name);
        alerts.push_back(std::move(alert));
    }
    return alerts;
}

}  // namespace atalaya
