#include "client/HttpAdminClient.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslCertificate>
#include <utility>

namespace atalaya::client {

namespace {

bool isLoopback(const QUrl& url) {
    return url.host() == u"localhost" || QHostAddress(url.host()).isLoopback();
}

// "HTTP 401: unauthenticated: missing bearer token" from the API's error body
// ({"error": {"code", "message"}}, docs/api.md), or the status line when the body is not one.
QString httpErrorMessage(int httpStatus, const QNetworkReply& reply, const QByteArray& body) {
    QString message = u"HTTP " + QString::number(httpStatus);
    const QJsonObject error = QJsonDocument::fromJson(body).object().value(u"error").toObject();
    const QString code = error.value(u"code").toString();
    const QString text = error.value(u"message").toString();
    if (!code.isEmpty() || !text.isEmpty()) {
        return message + u": " + code + (code.isEmpty() || text.isEmpty() ? u"" : u": ") + text;
    }
    const QString phrase = reply.attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
    return phrase.isEmpty() ? message : message + u' ' + phrase;
}

// The body of a 2xx answer, or a message saying why there is none.
Result<QByteArray> successBody(QNetworkReply& reply, std::chrono::milliseconds timeout) {
    const int httpStatus = reply.attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (httpStatus == 0) {  // no HTTP answer at all: refused, unreachable, TLS, timed out
        // The transfer timeout aborts the reply, which Qt reports as a cancellation.
        const QString why = reply.error() == QNetworkReply::OperationCanceledError
                                ? u"no answer within " + QString::number(timeout.count()) + u" ms"
                                : reply.errorString();
        return Status(StatusCode::Unavailable,
                      QString(reply.url().toDisplayString() + u": " + why).toStdString());
    }
    QByteArray body = reply.readAll();
    if (httpStatus < 200 || httpStatus > 299) {
        return Status(StatusCode::Unavailable, QString(reply.url().toDisplayString() + u": " +
                                                       httpErrorMessage(httpStatus, reply, body))
                                                   .toStdString());
    }
    return body;
}

}  // namespace

HttpAdminClient::HttpAdminClient(QUrl baseUrl, QObject* parent)
    : AdminClient(parent), m_baseUrl(std::move(baseUrl)) {
    // An http_proxy from the environment must not capture the embedded server on loopback.
    if (isLoopback(m_baseUrl)) {
        m_network.setProxy(QNetworkProxy::NoProxy);
    }
}

HttpAdminClient::~HttpAdminClient() {
    // Pending replies die with m_network, after this body: none may call back into a client
    // that is half destroyed.
    for (QNetworkReply* reply : m_network.findChildren<QNetworkReply*>()) {
        reply->disconnect(this);
    }
}

QUrl HttpAdminClient::baseUrl() const {
    return m_baseUrl;
}

void HttpAdminClient::setBearerToken(const QString& token) {
    const QByteArray trimmed = token.trimmed().toUtf8();
    m_authorization = trimmed.isEmpty() ? QByteArray() : QByteArray("Bearer " + trimmed);
}

Status HttpAdminClient::setCaCertificatesFile(const QString& caFile) {
    const QList<QSslCertificate> certificates = QSslCertificate::fromPath(caFile, QSsl::Pem);
    if (certificates.isEmpty()) {
        return Status(StatusCode::InvalidArgument,
                      QString(caFile + u": no PEM certificate to trust").toStdString());
    }
    m_tls.setCaCertificates(certificates);
    m_tls.setProtocol(QSsl::TlsV1_2OrLater);
    return Status::ok();
}

void HttpAdminClient::setTimeout(std::chrono::milliseconds timeout) {
    m_timeout = timeout;
}

void HttpAdminClient::refreshHealth() {
    if (!m_pendingHealth.isNull()) {
        return;  // its answer serves this call too
    }
    QNetworkReply* reply = m_network.get(requestFor(QStringLiteral("/api/v1/health")));
    m_pendingHealth = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] { finishHealth(reply); });
}

QNetworkRequest HttpAdminClient::requestFor(const QString& path, const QUrlQuery& query) const {
    QUrl url = m_baseUrl;
    QString basePath = url.path();
    while (basePath.endsWith(u'/')) {
        basePath.chop(1);
    }
    url.setPath(basePath + path);
    if (!query.isEmpty()) {
        url.setQuery(query);
    }

    QNetworkRequest request(url);
    request.setSslConfiguration(m_tls);
    request.setTransferTimeout(static_cast<int>(m_timeout.count()));
    // The admin API never redirects; following one could hand the bearer token to another host.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    request.setRawHeader("Accept", "application/json");
    if (!m_authorization.isEmpty()) {
        request.setRawHeader("Authorization", m_authorization);
    }
    return request;
}

void HttpAdminClient::finishHealth(QNetworkReply* reply) {
    reply->deleteLater();
    if (m_pendingHealth == reply) {
        m_pendingHealth.clear();
    }
    const Result<QByteArray> body = successBody(*reply, m_timeout);
    if (!body.isOk()) {
        Q_EMIT requestFailed(QString::fromStdString(body.status().message()));
        return;
    }
    const Result<ServerHealth> health = parseServerHealth(*body);
    if (!health.isOk()) {
        Q_EMIT requestFailed(QString::fromStdString(health.status().message()));
        return;
    }
    Q_EMIT healthUpdated(*health);
}

}  // namespace atalaya::client

namespace atalaya::client {

namespace {

// Emits `updated` with the parsed body, or `failed` with why it did not parse.
template <class Parse, class Emit, class Fail>
void emitParsed(const QByteArray& body, Parse parse, Emit updated, Fail failed) {
    const auto parsed = parse(body);
    if (!parsed.isOk()) {
        failed(QString::fromStdString(parsed.status().message()));
        return;
    }
    updated(*parsed);
}

}  // namespace

void HttpAdminClient::getStats(const QString& path, const QUrlQuery& query,
                               std::function<void(const QByteArray&)> onBody) {
    QNetworkReply* reply = m_network.get(requestFor(path, query));
    connect(reply, &QNetworkReply::finished, this, [this, reply, onBody = std::move(onBody)] {
        reply->deleteLater();
        const Result<QByteArray> body = successBody(*reply, m_timeout);
        if (!body.isOk()) {
            Q_EMIT statsFailed(QString::fromStdString(body.status().message()));
            return;
        }
        onBody(*body);
    });
}

void HttpAdminClient::fetchTimeSeries(const QString& model, std::optional<qint64> version,
                                      qint64 fromMs, qint64 toMs, int stepSeconds) {
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("model"), model);
    if (version) {
        query.addQueryItem(QStringLiteral("version"), QString::number(*version));
    }
    query.addQueryItem(QStringLiteral("from"), QString::number(fromMs));
    query.addQueryItem(QStringLiteral("to"), QString::number(toMs));
    query.addQueryItem(QStringLiteral("step"), QString::number(stepSeconds));
    getStats(QStringLiteral("/api/v1/stats/timeseries"), query, [this](const QByteArray& body) {
        emitParsed(
            body, parseTimeSeries, [this](const TimeSeries& s) { Q_EMIT timeSeriesUpdated(s); },
            [this](const QString& m) { Q_EMIT statsFailed(m); });
    });
}

void HttpAdminClient::fetchDriftSeries(const QString& model, qint64 version, qint64 fromMs,
                                       qint64 toMs) {
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("model"), model);
    query.addQueryItem(QStringLiteral("version"), QString::number(version));
    query.addQueryItem(QStringLiteral("from"), QString::number(fromMs));
    query.addQueryItem(QStringLiteral("to"), QString::number(toMs));
    getStats(QStringLiteral("/api/v1/stats/drift"), query, [this](const QByteArray& body) {
        emitParsed(
            body, parseDriftSeries, [this](const DriftSeries& s) { Q_EMIT driftSeriesUpdated(s); },
            [this](const QString& m) { Q_EMIT statsFailed(m); });
    });
}

void HttpAdminClient::fetchHistogram(const QString& model, qint64 version, const QString& feature) {
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("model"), model);
    query.addQueryItem(QStringLiteral("version"), QString::number(version));
    query.addQueryItem(QStringLiteral("feature"), feature);
    getStats(QStringLiteral("/api/v1/stats/histogram"), query, [this](const QByteArray& body) {
        emitParsed(
            body, parseFeatureHistogram,
            [this](const FeatureHistogram& h) { Q_EMIT histogramUpdated(h); },
            [this](const QString& m) { Q_EMIT statsFailed(m); });
    });
}

}  // namespace atalaya::client
