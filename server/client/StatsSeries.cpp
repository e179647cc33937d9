#include "client/StatsSeries.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cmath>

namespace atalaya::client {
namespace {

// Reads fields of one document and keeps the first problem, so a parser reads straight through
// and checks once at the end.
class Reader {
public:
    explicit Reader(QString document) : m_document(std::move(document)) {}

    Status status() const { return m_status; }

    QJsonObject root(const QByteArray& json) {
        QJsonParseError error{};
        const QJsonDocument document = QJsonDocument::fromJson(json, &error);
        if (error.error != QJsonParseError::NoError) {
            fail(QString(), u"not JSON: " + error.errorString());
        } else if (!document.isObject()) {
            fail(QString(), QStringLiteral("not a JSON object"));
        }
        return document.object();
    }

    QJsonValue required(const QJsonObject& object, const QString& key, const QString& path) {
        const QJsonValue value = object.value(key);
        if (value.isUndefined() || value.isNull())
            fail(path + key, QStringLiteral("missing"));
        return value;
    }

    double number(const QJsonObject& object, const QString& key, const QString& path) {
        const QJsonValue value = required(object, key, path);
        if (!value.isUndefined() && !value.isNull() && !value.isDouble())
            fail(path + key, QStringLiteral("expected a number"));
        return value.toDouble();
    }

    std::optional<double> optionalNumber(const QJsonObject& object, const QString& key,
                                         const QString& path) {
        const QJsonValue value = object.value(key);
        if (value.isUndefined() || value.isNull())
            return std::nullopt;
        if (!value.isDouble()) {
            fail(path + key, QStringLiteral("expected a number"));
            return std::nullopt;
        }
        return value.toDouble();
    }

    qint64 integer(const QJsonObject& object, const QString& key, const QString& path) {
        const double value = number(object, key, path);
        if (value != std::floor(value))
            fail(path + key, QStringLiteral("expected an integer"));
        return static_cast<qint64>(value);
    }

    bool boolean(const QJsonObject& object, const QString& key, const QString& path) {
        const QJsonValue value = required(object, key, path);
        if (!value.isUndefined() && !value.isNull() && !value.isBool())
            fail(path + key, QStringLiteral("expected true or false"));
        return value.toBool();
    }

    QString string(const QJsonObject& object, const QString& key, const QString& path) {
        const QJsonValue value = required(object, key, path);
        if (!value.isUndefined() && !value.isNull() && !value.isString())
            fail(path + key, QStringLiteral("expected a string"));
        return value.toString();
    }

    QJsonArray array(const QJsonObject& object, const QString& key, const QString& path) {
        const QJsonValue value = required(object, key, path);
        if (!value.isUndefined() && !value.isNull() && !value.isArray())
            fail(path + key, QStringLiteral("expected an array"));
        return value.toArray();
    }

    QJsonObject element(const QJsonArray& array, qsizetype index, const QString& path) {
        const QJsonValue value = array.at(index);
        if (!value.isObject())
            fail(path + u'[' + QString::number(index) + u']', QStringLiteral("expected an object"));
        return value.toObject();
    }

    QList<double> numbers(const QJsonObject& object, const QString& key, const QString& path) {
        QList<double> out;
        const QJsonArray values = array(object, key, path);
        for (qsizetype i = 0; i < values.size(); ++i) {
            if (!values.at(i).isDouble())
                fail(path + key + u'[' + QString::number(i) + u']',
                     QStringLiteral("expected a number"));
            out.append(values.at(i).toDouble());
        }
        return out;
    }

private:
    void fail(const QString& path, const QString& problem) {
        if (!m_status.isOk())
            return;
        m_status = invalidArgument(
            QString(m_document + u": " + (path.isEmpty() ? QString() : path + u": ") + problem)
                .toStdString(),
            "bad_stats_document");
    }

    QString m_document;
    Status m_status;
};

QString indexed(const QString& name, qsizetype index) {
    return name + u'[' + QString::number(index) + u"].";
}

}  // namespace

Result<TimeSeries> parseTimeSeries(const QByteArray& json) {
    Reader reader(QStringLiteral("timeseries"));
    const QJsonObject root = reader.root(json);
    TimeSeries series;
    series.model = reader.string(root, QStringLiteral("model"), {});
    if (const QJsonValue version = root.value(u"version"); version.isDouble())
        series.version = static_cast<qint64>(version.toDouble());
    series.fromMs = reader.integer(root, QStringLiteral("from"), {});
    series.toMs = reader.integer(root, QStringLiteral("to"), {});
    series.stepSeconds = reader.integer(root, QStringLiteral("step"), {});
    const QJsonArray points = reader.array(root, QStringLiteral("points"), {});
    for (qsizetype i = 0; i < points.size() && reader.status().isOk(); ++i) {
        const QString path = indexed(QStringLiteral("points"), i);
        const QJsonObject p = reader.element(points, i, QStringLiteral("points"));
        const QJsonObject latency = p.value(u"latency_ms").toObject();
        series.points.append(
            {.timeMs = reader.integer(p, QStringLiteral("time"), path),
             .requests = reader.integer(p, QStringLiteral("requests"), path),
             .errors = reader.integer(p, QStringLiteral("errors"), path),
             .errorRate = reader.optionalNumber(p, QStringLiteral("error_rate"), path),
             .throughputRps = reader.number(p, QStringLiteral("throughput_rps"), path),
             .p50Ms = reader.optionalNumber(latency, QStringLiteral("p50"), path + u"latency_ms."),
             .p95Ms = reader.optionalNumber(latency, QStringLiteral("p95"), path + u"latency_ms."),
             .p99Ms = reader.optionalNumber(latency, QStringLiteral("p99"), path + u"latency_ms."),
             .meanBatchSize = reader.optionalNumber(p, QStringLiteral("mean_batch_size"), path)});
    }
    if (!reader.status().isOk())
        return reader.status();
    return series;
}

Result<DriftSeries> parseDriftSeries(const QByteArray& json) {
    Reader reader(QStringLiteral("drift series"));
    const QJsonObject root = reader.root(json);
    DriftSeries series;
    series.model = reader.string(root, QStringLiteral("model"), {});
    series.version = reader.integer(root, QStringLiteral("version"), {});
    const QJsonArray verdicts = reader.array(root, QStringLiteral("verdicts"), {});
    for (qsizetype i = 0; i < verdicts.size() && reader.status().isOk(); ++i) {
        const QString path = indexed(QStringLiteral("verdicts"), i);
        const QJsonObject v = reader.element(verdicts, i, QStringLiteral("verdicts"));
        series.verdicts.append(
            {.timeMs = reader.integer(v, QStringLiteral("time"), path),
             .drift = reader.boolean(v, QStringLiteral("drift"), path),
             .windowSize = reader.integer(v, QStringLiteral("window_size"), path)});
    }
    const QJsonArray features = reader.array(root, QStringLiteral("features"), {});
    for (qsizetype f = 0; f < features.size() && reader.status().isOk(); ++f) {
        const QString featurePath = indexed(QStringLiteral("features"), f);
        const QJsonObject object = reader.element(features, f, QStringLiteral("features"));
        DriftFeatureSeries feature;
        feature.name = reader.string(object, QStringLiteral("name"), featurePath);
        const QJsonArray points = reader.array(object, QStringLiteral("points"), featurePath);
        for (qsizetype i = 0; i < points.size() && reader.status().isOk(); ++i) {
            const QString path = featurePath + indexed(QStringLiteral("points"), i);
            const QJsonObject p = reader.element(points, i, featurePath + u"points");
            feature.points.append(
                {.timeMs = reader.integer(p, QStringLiteral("time"), path),
                 .psi = reader.number(p, QStringLiteral("psi"), path),
                 .ksStatistic = reader.number(p, QStringLiteral("ks_statistic"), path),
                 .ksPValue = reader.number(p, QStringLiteral("ks_p_value"), path),
                 .jensenShannon = reader.number(p, QStringLiteral("jensen_shannon"), path),
                 .wassersteinNormalized =
                     reader.optionalNumber(p, QStringLiteral("wasserstein_normalized"), path),
                 .drifted = reader.boolean(p, QStringLiteral("drifted"), path)});
        }
        series.features.append(feature);
    }
    if (!reader.status().isOk())
        return reader.status();
    return series;
}

Result<FeatureHistogram> parseFeatureHistogram(const QByteArray& json) {
    Reader reader(QStringLiteral("histogram"));
    const QJsonObject root = reader.root(json);
    FeatureHistogram histogram;
    histogram.model = reader.string(root, QStringLiteral("model"), {});
    histogram.version = reader.integer(root, QStringLiteral("version"), {});
    histogram.feature = reader.string(root, QStringLiteral("feature"), {});
    histogram.edges = reader.numbers(root, QStringLiteral("edges"), {});
    histogram.referenceFractions = reader.numbers(root, QStringLiteral("reference"), {});
    for (const double count : reader.numbers(root, QStringLiteral("current"), {}))
        histogram.currentCounts.append(static_cast<qint64>(count));
    histogram.live = reader.boolean(root, QStringLiteral("live"), {});
    if (reader.status().isOk() &&
        (histogram.referenceFractions.size() != histogram.currentCounts.size() ||
         histogram.edges.size() != histogram.referenceFractions.size() + 1)) {
        return invalidArgument("histogram: edges, reference and current do not agree in size",
                               "bad_stats_document");
    }
    if (!reader.status().isOk())
        return reader.status();
    return histogram;
}

}  // namespace atalaya::client
