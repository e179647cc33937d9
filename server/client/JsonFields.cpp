#include "client/JsonFields.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>
#include <cmath>
#include <limits>
#include <utility>

namespace atalaya::client {

namespace {

QString indexPath(const QString& path, qsizetype index) {
    return path + u'[' + QString::number(index) + u']';
}

}  // namespace

JsonFields::JsonFields(QJsonObject object, QString path, QString document, std::string reason)
    : m_object(std::move(object))
    , m_path(std::move(path))
    , m_document(std::move(document))
    , m_reason(std::move(reason)) {}

Result<JsonFields> JsonFields::parse(const QByteArray& json, const QString& document,
                                     const std::string& reason) {
    QJsonParseError parseError;
    const QJsonDocument parsed = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return invalidArgument(QString(document + u" is not JSON: " + parseError.errorString() +
                                       u" at offset " + QString::number(parseError.offset))
                                   .toStdString(),
                               reason);
    }
    if (!parsed.isObject()) {
        return invalidArgument(QString(document + u" is not a JSON object").toStdString(), reason);
    }
    return JsonFields(parsed.object(), QString(), document, reason);
}

QString JsonFields::pathOf(QStringView key) const {
    return m_path.isEmpty() ? key.toString() : m_path + u'.' + key;
}

Status JsonFields::error(const QString& path, const QString& problem) const {
    return invalidArgument(QString(m_document + u": " + path + u": " + problem).toStdString(),
                           m_reason);
}

JsonFields JsonFields::child(QJsonObject object, QString path) const {
    return {std::move(object), std::move(path), m_document, m_reason};
}

Status JsonFields::lookup(QStringView key, Presence presence, QJsonValue& value) const {
    value = m_object.value(key);
    if (value.isNull()) {
        value = QJsonValue(QJsonValue::Undefined);
    }
    if (value.isUndefined() && presence == Presence::Required) {
        return error(pathOf(key), QStringLiteral("missing"));
    }
    return Status::ok();
}

Status JsonFields::readString(QStringView key, Presence presence, QString& out) const {
    QJsonValue value;
    ATALAYA_RETURN_IF_ERROR(lookup(key, presence, value));
    if (value.isUndefined()) {
        return Status::ok();
    }
    if (!value.isString()) {
        return error(pathOf(key), QStringLiteral("expected a string"));
    }
    out = value.toString();
    return Status::ok();
}

Status JsonFields::readBool(QStringView key, bool& out) const {
    return readBool(key, Presence::Optional, out);
}

Status JsonFields::readBool(QStringView key, Presence presence, bool& out) const {
    QJsonValue value;
    ATALAYA_RETURN_IF_ERROR(lookup(key, presence, value));
    if (value.isUndefined()) {
        return Status::ok();
    }
    if (!value.isBool()) {
        return error(pathOf(key), QStringLiteral("expected true or false"));
    }
    out = value.toBool();
    return Status::ok();
}

Status JsonFields::readNumber(QStringView key, std::optional<double>& out) const {
    QJsonValue value;
    ATALAYA_RETURN_IF_ERROR(lookup(key, Presence::Optional, value));
    if (value.isUndefined()) {
        out.reset();
        return Status::ok();
    }
    if (!value.isDouble()) {
        return error(pathOf(key), QStringLiteral("expected a number"));
    }
    out = value.toDouble();
    return Status::ok();
}

Status JsonFields::readNumber(QStringView key, double& out) const {
    return readNumber(key, Presence::Optional, out);
}

Status JsonFields::readNumber(QStringView key, Presence presence, double& out) const {
    std::optional<double> value;
    ATALAYA_RETURN_IF_ERROR(readNumber(key, value));
    if (!value && presence == Presence::Required) {
        return error(pathOf(key), QStringLiteral("missing"));
    }
    if (value) {
        out = *value;
    }
    return Status::ok();
}

Status JsonFields::readInteger(QStringView key, std::optional<qint64>& out) const {
    QJsonValue value;
    ATALAYA_RETURN_IF_ERROR(lookup(key, Presence::Optional, value));
    if (value.isUndefined()) {
        out.reset();
        return Status::ok();
    }
    const double number = value.toDouble();
    // JSON has one number type; a fractional or out-of-range count means a broken server.
    // 2^53 bounds the integers a double holds exactly, and Unix milliseconds stay far below it.
    constexpr double kExact = 9007199254740992.0;
    if (!value.isDouble() || std::trunc(number) != number || std::abs(number) > kExact) {
        return error(pathOf(key), QStringLiteral("expected an integer"));
    }
    out = static_cast<qint64>(number);
    return Status::ok();
}

Status JsonFields::readInteger(QStringView key, Presence presence, qint64& out) const {
    std::optional<qint64> value;
    ATALAYA_RETURN_IF_ERROR(readInteger(key, value));
    if (!value && presence == Presence::Required) {
        return error(pathOf(key), QStringLiteral("missing"));
    }
    if (value) {
        out = *value;
    }
    return Status::ok();
}

Status JsonFields::readInteger(QStringView key, Presence presence, int& out) const {
    qint64 value = out;
    ATALAYA_RETURN_IF_ERROR(readInteger(key, presence, value));
    if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
        return error(pathOf(key), QStringLiteral("expected an integer"));
    }
    out = static_cast<int>(value);
    return Status::ok();
}

Status JsonFields::readStringList(QStringView key, QStringList& out) const {
    QJsonValue value;
    ATALAYA_RETURN_IF_ERROR(lookup(key, Presence::Optional, value));
    if (value.isUndefined()) {
        return Status::ok();
    }
    if (!value.isArray()) {
        return error(pathOf(key), QStringLiteral("expected an array of strings"));
    }
    const QJsonArray array = value.toArray();
    QStringList strings;
    strings.reserve(array.size());
    for (qsizetype i = 0; i < array.size(); ++i) {
        if (!array.at(i).isString()) {
            return error(indexPath(pathOf(key), i), QStringLiteral("expected a string"));
        }
        strings.append(array.at(i).toString());
    }
    out = std::move(strings);
    return Status::ok();
}

Status JsonFields::readNumberList(QStringView key, QList<double>& out) const {
    return readNumberList(key, Presence::Optional, out);
}

Status JsonFields::readNumberList(QStringView key, Presence presence, QList<double>& out) const {
    QJsonValue value;
    ATALAYA_RETURN_IF_ERROR(lookup(key, presence, value));
    if (value.isUndefined()) {
        return Status::ok();
    }
    if (!value.isArray()) {
        return error(pathOf(key), QStringLiteral("expected an array of numbers"));
    }
    const QJsonArray array = value.toArray();
    QList<double> numbers;
    numbers.reserve(array.size());
    for (qsizetype i = 0; i < array.size(); ++i) {
        if (!array.at(i).isDouble()) {
            return error(indexPath(pathOf(key), i), QStringLiteral("expected a number"));
        }
        numbers.append(array.at(i).toDouble());
    }
    out = std::move(numbers);
    return Status::ok();
}

Status JsonFields::readInterval(QStringView key,
                                std::optional<std::pair<double, double>>& out) const {
    QList<double> bounds;
    ATALAYA_RETURN_IF_ERROR(readNumberList(key, bounds));
    out.reset();
    if (!m_object.contains(key) || m_object.value(key).isNull()) {
        return Status::ok();
    }
    if (bounds.size() != 2 || bounds.at(0) > bounds.at(1)) {
        return error(pathOf(key), QStringLiteral("expected [low, high]"));
    }
    out = std::pair(bounds.at(0), bounds.at(1));
    return Status::ok();
}

Status JsonFields::readNumberMap(QStringView key, QMap<QString, double>& out) const {
    QJsonValue value;
    ATALAYA_RETURN_IF_ERROR(lookup(key, Presence::Optional, value));
    if (value.isUndefined()) {
        return Status::ok();
    }
    if (!value.isObject()) {
        return error(pathOf(key), QStringLiteral("expected an object of numbers"));
    }
    const QJsonObject object = value.toObject();
    QMap<QString, double> numbers;
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!it.value().isDouble()) {
            return error(pathOf(key) + u'.' + it.key(), QStringLiteral("expected a number"));
        }
        numbers.insert(it.key(), it.value().toDouble());
    }
    out = std::move(numbers);
    return Status::ok();
}

Status JsonFields::readRawObject(QStringView key, QJsonObject& out) const {
    QJsonValue value;
    ATALAYA_RETURN_IF_ERROR(lookup(key, Presence::Optional, value));
    if (value.isUndefined()) {
        return Status::ok();
    }
    if (!value.isObject()) {
        return error(pathOf(key), QStringLiteral("expected an object"));
    }
    out = value.toObject();
    return Status::ok();
}

Status JsonFields::readObject(QStringView key, Presence presence,
                              const std::function<Status(const JsonFields&)>& read,
                              bool* found) const {
    QJsonValue value;
    ATALAYA_RETURN_IF_ERROR(lookup(key, presence, value));
    if (found != nullptr) {
        *found = !value.isUndefined();
    }
    if (value.isUndefined()) {
        return Status::ok();
    }
    if (!value.isObject()) {
        return error(pathOf(key), QStringLiteral("expected an object"));
    }
    return read(child(value.toObject(), pathOf(key)));
}

Status JsonFields::readObjects(QStringView key, Presence presence,
                               const std::function<Status(const JsonFields&)>& read) const {
    QJsonValue value;
    ATALAYA_RETURN_IF_ERROR(lookup(key, presence, value));
    if (value.isUndefined()) {
        return Status::ok();
    }
    if (!value.isArray()) {
        return error(pathOf(key), QStringLiteral("expected an array"));
    }
    const QJsonArray array = value.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString path = indexPath(pathOf(key), i);
        if (!array.at(i).isObject()) {
            return error(path, QStringLiteral("expected an object"));
        }
        ATALAYA_RETURN_IF_ERROR(read(child(array.at(i).toObject(), path)));
    }
    return Status::ok();
}

}  // namespace atalaya::client
