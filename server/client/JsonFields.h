#pragma once

#include <atalaya/Result.h>

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <functional>
#include <optional>
#include <utility>

namespace atalaya::client {

// Strict, path-aware reading of the fields of one JSON object of an admin API answer, for the
// typed parsers of the console's client. An absent or null optional field leaves its output at
// its default, so an older console survives a server that drops a field; a field present with
// the wrong JSON type is an InvalidArgument error naming its path ("routes[0].stats.p99_ms"),
// never a silent zero. Unknown fields are ignored: the server may add some.
//
// Plain value over a QJsonObject (implicitly shared): copy it freely; any thread.
class JsonFields {
public:
    enum class Presence { Required, Optional };

    // `document` names the answer in messages ("rollouts document"); `reason` is the Status
    // reason of every error ("bad_rollouts_document").
    JsonFields(QJsonObject object, QString path, QString document, std::string reason);

    // The root object of `json`, or why `json` is not a JSON object.
    static Result<JsonFields> parse(const QByteArray& json, const QString& document,
                                    const std::string& reason);
    // A T read by `read(const JsonFields& root, T& out) -> Status` from the root object of `json`.
    template <class T, class Read>
    static Result<T> parseAs(const QByteArray& json, const QString& document,
                             const std::string& reason, Read read) {
        ATALAYA_ASSIGN_OR_RETURN(const JsonFields root, parse(json, document, reason));
        T value{};
        ATALAYA_RETURN_IF_ERROR(read(root, value));
        return value;
    }

    const QJsonObject& object() const { return m_object; }
    QString pathOf(QStringView key) const;
    Status error(const QString& path, const QString& problem) const;

    Status readString(QStringView key, Presence presence, QString& out) const;
    Status readBool(QStringView key, bool& out) const;  // optional, as every read without Presence
    Status readBool(QStringView key, Presence presence, bool& out) const;
    Status readNumber(QStringView key, double& out) const;
    Status readNumber(QStringView key, Presence presence, double& out) const;
    Status readNumber(QStringView key, std::optional<double>& out) const;
    Status readInteger(QStringView key, Presence presence, qint64& out) const;
    Status readInteger(QStringView key, std::optional<qint64>& out) const;
    Status readInteger(QStringView key, Presence presence, int& out) const;  // within int's range
    Status readNumberList(QStringView key, QList<double>& out) const;
    Status readNumberList(QStringView key, Presence presence, QList<double>& out) const;
    Status readStringList(QStringView key, QStringList& out) const;
    // A two-number array [lo, hi], e.g. a confidence interval.
    Status readInterval(QStringView key, std::optional<std::pair<double, double>>& out) const;
    // An object whose every value is a number, e.g. {"approve": 0.7, "deny": 0.3}.
    Status readNumberMap(QStringView key, QMap<QString, double>& out) const;
    // An object kept as JSON, for free-form fields the console only displays.
    Status readRawObject(QStringView key, QJsonObject& out) const;

    // Calls `read` with the fields of the object at `key`; `found` says whether it was there
    // (absent or null is not an error when optional).
    Status readObject(QStringView key, Presence presence,
                      const std::function<Status(const JsonFields&)>& read,
                      bool* found = nullptr) const;
    // Calls `read` with the fields of each object of the array at `key`, in order.
    Status readObjects(QStringView key, Presence presence,
                       const std::function<Status(const JsonFields&)>& read) const;
    // Appends to `out` a T read by `read(const JsonFields&, T&) -> Status` from each object of
    // the array at `key`.
    template <class T, class Read>
    Status readList(QStringView key, Presence presence, Read read, QList<T>& out) const {
        return readObjects(key, presence, [&out, &read](const JsonFields& inner) {
            T value{};
            ATALAYA_RETURN_IF_ERROR(read(inner, value));
            out.append(std::move(value));
            return Status::ok();
        });
    }

private:
    // The value at `key`, or an undefined value when it is absent or null and that is allowed.
    Status lookup(QStringView key, Presence presence, QJsonValue& value) const;
    JsonFields child(QJsonObject object, QString path) const;

    QJsonObject m_object;
    QString m_path;
    QString m_document;
    std::string m_reason;
};

}  // namespace atalaya::client
