#include "client/HttpAdminClient.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslCertificate>
#include <QUrlQuery>
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

// The "code" of an {"error": {"code", "message"}} document, or empty.
QString errorCode(const QByteArray& body) {
    const QJsonObject error = QJsonDocument::fromJson(body).object().value(u"error").toObject();
    return error.value(u"code").toString();
}

QString versionPath(const QString& model, qint64 version, QStringView verb) {
    return u"/api/v1/admin/models/" + model + u"/versions/" + QString::number(version) + u'/' +
           verb;
}

// A body handler: parses the body with `parse` and hands the value to `emitValue`, or returns
// why it does not parse.
template <class Parse, class Emit>
auto parsed(Parse parse, Emit emitValue) {
    return [parse, emitValue](const QByteArray& body) -> Status {
        const auto value = parse(body);
        if (!value.isOk()) {
            return value.status();
        }
        emitValue(*value);
        return Status::ok();
    };
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

void HttpAdminClient::setLoadTimeout(std::chrono::milliseconds timeout) {
    m_loadTimeout = timeout;
}

void HttpAdminClient::refreshHealth() {
    refresh(m_pendingHealth, Call::Health, requestFor(QStringLiteral("/api/v1/health")),
            parsed(parseServerHealth, [this](const ServerHealth& h) { Q_EMIT healthUpdated(h); }));
}

void HttpAdminClient::refreshModels() {
    refresh(m_pendingModels, Call::Models, requestFor(QStringLiteral("/api/v1/admin/models")),
            parsed(parseModelCatalog, [this](const ModelCatalog& c) { Q_EMIT modelsUpdated(c); }));
}

void HttpAdminClient::refreshRollouts() {
    refresh(
        m_pendingRollouts, Call::Rollouts, requestFor(QStringLiteral("/api/v1/admin/rollouts")),
        parsed(parseRolloutState, [this](const RolloutState& r) { Q_EMIT rolloutsUpdated(r); }));
}

void HttpAdminClient::refreshRolloutEvents(int limit) {
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    refresh(m_pendingEvents, Call::RolloutEvents,
            requestFor(QStringLiteral("/api/v1/admin/rollouts/events"), query),
            parsed(parseRolloutEvents,
                   [this](const QList<RolloutEvent>& e) { Q_EMIT rolloutEventsUpdated(e); }));
}

void HttpAdminClient::loadVersion(const QString& model, qint64 version, BreakingChange breaking) {
    QNetworkRequest request = requestFor(versionPath(model, version, u"load"));
    request.setTransferTimeout(static_cast<int>(m_loadTimeout.count()));
    const QJsonObject body{
        {QStringLiteral("confirm_breaking"), breaking == BreakingChange::Confirm}};
    watch(postJson(request, QJsonDocument(body).toJson(QJsonDocument::Compact)), Call::LoadVersion,
          parsed(parseCatalogVersion,
                 [this, model](const CatalogVersion& v) { Q_EMIT versionChanged(model, v); }),
          [this, model, version](const Failure& failure) {
              if (!failure.code.isEmpty()) {
                  Q_EMIT versionLoadRefused(model, version, failure.code, failure.message);
              }
          });
}

void HttpAdminClient::unloadVersion(const QString& model, qint64 version) {
    watch(postJson(requestFor(versionPath(model, version, u"unload")), QByteArray()),
          Call::UnloadVersion, parsed(parseCatalogVersion, [this, model](const CatalogVersion& v) {
              Q_EMIT versionChanged(model, v);
          }));
}

void HttpAdminClient::applyRolloutAction(const QString& api, const QString& model,
                                         const RolloutAction& action) {
    const QString path = u"/api/v1/admin/rollouts/" + api + u'/' + model;
    watch(
        postJson(requestFor(path), encodeRolloutAction(action)), Call::RolloutAction,
        parsed(parseRolloutRoute, [this](const RolloutRoute& r) { Q_EMIT rolloutActionDone(r); }));
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
    watch(m_network.get(requestFor(QStringLiteral("/api/v1/stats/timeseries"), query)), Call::Stats,
          parsed(parseTimeSeries, [this](const TimeSeries& s) { Q_EMIT timeSeriesUpdated(s); }));
}

void HttpAdminClient::fetchDriftSeries(const QString& model, qint64 version, qint64 fromMs,
                                       qint64 toMs) {
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("model"), model);
    query.addQueryItem(QStringLiteral("version"), QString::number(version));
    query.addQueryItem(QStringLiteral("from"), QString::number(fromMs));
    query.addQueryItem(QStringLiteral("to"), QString::number(toMs));
    watch(m_network.get(requestFor(QStringLiteral("/api/v1/stats/drift"), query)), Call::Stats,
          parsed(parseDriftSeries, [this](const DriftSeries& s) { Q_EMIT driftSeriesUpdated(s); }));
}

void HttpAdminClient::fetchHistogram(const QString& model, qint64 version, const QString& feature) {
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("model"), model);
    query.addQueryItem(QStringLiteral("version"), QString::number(version));
    query.addQueryItem(QStringLiteral("feature"), feature);
    watch(m_network.get(requestFor(QStringLiteral("/api/v1/stats/histogram"), query)), Call::Stats,
          parsed(parseFeatureHistogram,
                 [this](const FeatureHistogram& h) { Q_EMIT histogramUpdated(h); }));
}

void HttpAdminClient::fetchShadowComparison(const QString& model, const QString& api,
                                            qint64 candidate, qint64 fromMs) {
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("model"), model);
    query.addQueryItem(QStringLiteral("api_version"), api);
    query.addQueryItem(QStringLiteral("version"), QString::number(candidate));
    query.addQueryItem(QStringLiteral("from"), QString::number(fromMs));
    watch(m_network.get(requestFor(QStringLiteral("/api/v1/stats/shadow"), query)), Call::Stats,
          parsed(parseShadowComparison,
                 [this](const ShadowComparison& c) { Q_EMIT shadowComparisonUpdated(c); }));
}

QNetworkRequest HttpAdminClient::requestFor(const QString& path, const QUrlQuery& query) const {
    QNetworkRequest request = requestFor(path);
    QUrl url = request.url();
    url.setQuery(query);
    request.setUrl(url);
    return request;
}

QNetworkReply* HttpAdminClient::postJson(QNetworkRequest request, const QByteArray& body) {
    // Every change is a POST with a JSON body, even an empty one: the route table answers 415
    // to a change without the JSON content type.
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    return m_network.post(request, body.isEmpty() ? QByteArrayLiteral("{}") : body);
}

void HttpAdminClient::refresh(QPointer<QNetworkReply>& pending, Call call,
                              const QNetworkRequest& request, BodyHandler onBody) {
    if (!pending.isNull()) {
        return;  // its answer serves this call too
    }
    QNetworkReply* reply = m_network.get(request);
    pending = reply;
    watch(reply, call, std::move(onBody), {}, &pending);
}

void HttpAdminClient::watch(QNetworkReply* reply, Call call, BodyHandler onBody,
                            FailureHandler onFailure, QPointer<QNetworkReply>* pending) {
    connect(
        reply, &QNetworkReply::finished, this,
        [this, reply, call, pending, onBody = std::move(onBody), onFailure = std::move(onFailure)] {
            reply->deleteLater();
            if (pending != nullptr && *pending == reply) {
                pending->clear();
            }
            // Peeked before successBody() consumes it, for the error document's code.
            const QByteArray answer = reply->peek(reply->bytesAvailable());
            const std::chrono::milliseconds timeout(reply->request().transferTimeout());
            const Result<QByteArray> body = successBody(*reply, timeout);
            if (body.isOk()) {
                const Status handled = onBody(*body);
                if (!handled.isOk()) {
                    Q_EMIT requestFailed(QString::fromStdString(handled.message()), call);
                }
                return;
            }
            const Failure failure{QString::fromStdString(body.status().message()),
                                  errorCode(answer)};
            if (onFailure) {
                onFailure(failure);
            }
            Q_EMIT requestFailed(failure.message, call);
        });
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

}  // namespace atalaya::client
