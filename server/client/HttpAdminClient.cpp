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

QNetworkRequest HttpAdminClient::requestFor(const QString& path) const {
    QUrl url = m_baseUrl;
    QString basePath = url.path();
    while (basePath.endsWith(u'/')) {
        basePath.chop(1);
    }
    url.setPath(basePath + path);

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
