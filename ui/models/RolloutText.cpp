#include "models/RolloutText.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QStringList>

namespace atalaya::ui::rollout_text {

namespace {

const QString kMissing = QStringLiteral("–");

QString number(double value) {
    return QString::number(value, 'g', 4);
}

}  // namespace

QString percent(const std::optional<double>& ratio, int decimals) {
    return ratio ? QString::number(*ratio * 100.0, 'f', decimals) + u" %" : kMissing;
}

QString percentWithCi(const std::optional<double>& ratio,
                      const std::optional<client::Interval>& ci) {
    QString text = percent(ratio);
    if (ratio && ci) {
        text += u" [" + QString::number(ci->first * 100.0, 'f', 1) + u'–' +
                QString::number(ci->second * 100.0, 'f', 1) + u']';
    }
    return text;
}

QString milliseconds(const std::optional<double>& ms) {
    return ms ? QString::number(*ms, 'f', *ms < 10.0 ? 2 : 1) + u" ms" : kMissing;
}

QString timeOfDay(const std::optional<qint64>& unixMs) {
    return unixMs ? QDateTime::fromMSecsSinceEpoch(*unixMs).toString(QStringLiteral("HH:mm:ss"))
                  : kMissing;
}

QString guardSummary(const client::GuardRules& guard) {
    QStringList rules;
    if (guard.maxErrorRate) {
        rules.append(u"errors ≤ " + percent(guard.maxErrorRate));
    }
    if (guard.maxP99Ms) {
        rules.append(u"p99 ≤ " + number(*guard.maxP99Ms) + u" ms");
    }
    if (guard.maxLabelShift) {
        rules.append(u"label shift ≤ " + number(*guard.maxLabelShift));
    }
    if (guard.minRequests) {
        rules.append(u"after " + QString::number(*guard.minRequests) + u" requests");
    }
    return rules.isEmpty() ? kMissing : rules.join(u" · ");
}

QString versions(const std::optional<qint64>& from, const std::optional<qint64>& to) {
    if (from && to) {
        return u'v' + QString::number(*from) + u" → v" + QString::number(*to);
    }
    if (to || from) {
        return u'v' + QString::number(to ? *to : *from);
    }
    return kMissing;
}

QString detail(const QJsonObject& detail) {
    QStringList parts;
    for (auto it = detail.begin(); it != detail.end(); ++it) {
        const QJsonValue value = it.value();
        QString text;
        if (value.isString()) {
            text = value.toString();
        } else if (value.isDouble()) {
            text = number(value.toDouble());
        } else if (value.isBool()) {
            text = value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
        } else if (value.isObject()) {
            text =
                QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
        } else if (value.isArray()) {
            text = QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
        }
        parts.append(it.key() + u'=' + text);
    }
    return parts.join(u' ');
}

}  // namespace atalaya::ui::rollout_text
