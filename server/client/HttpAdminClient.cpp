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
    if (!m_pendingHealth.isNull()) {
        return;  // its answer serves this call too
    }
    QNetworkReply* reply = m_network.get(requestFor(QStringLiteral("/api/v1/health")));
    m_pendingHealth = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] { finishHealth(reply); });
}

void HttpAdminClient::refreshModels() {
    refresh(m_pendingModels, requestFor(QStringLiteral("/api/v1/admin/models")),
            [this](const QByteArray& body) {
                const Result<ModelCatalog> catalog = parseModelCatalog(body);
                if (!catalog.isOk()) {
                    Q_EMIT requestFailed(QString::fromStdString(catalog.status().message()));
                    return;
                }
                Q_EMIT modelsUpdated(*catalog);
            });
}

void HttpAdminClient::refreshRollouts() {
    refresh(m_pendingRollouts, requestFor(QStringLiteral("/api/v1/admin/rollouts")),
            [this](const QByteArray& body) {
                const Result<RolloutState> rollouts = parseRolloutState(body);
                if (!rollouts.isOk()) {
                    Q_EMIT requestFailed(QString::fromStdString(rollouts.status().message()));
                    return;
                }
                Q_EMIT rolloutsUpdated(*rollouts);
            });
}

void HttpAdminClient::refreshRolloutEvents(int limit) {
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    refresh(m_pendingEvents, requestFor(QStringLiteral("/api/v1/admin/rollouts/events"), query),
            [this](const QByteArray& body) {
                const Result<QList<RolloutEvent>> events = parseRolloutEvents(body);
                if (!events.isOk()) {
                    Q_EMIT requestFailed(QString::fromStdString(events.status().message()));
                    return;
                }
                Q_EMIT rolloutEventsUpdated(*events);
            });
}

void HttpAdminClient::loadVersion(const QString& model, qint64 version, BreakingChange breaking) {
    QNetworkRequest request = requestFor(versionPath(model, version, u"load"));
    request.setTransferTimeout(static_cast<int>(m_loadTimeout.count()));
    const QJsonObject body{
        {QStringLiteral("confirm_breaking"), breaking == BreakingChange::Confirm}};
    watch(
        postJson(request, QJsonDocument(body).toJson(QJsonDocument::Compact)),
        [this, model](const QByteArray& answer) {
            const Result<CatalogVersion> loaded = parseCatalogVersion(answer);
            if (!loaded.isOk()) {
                Q_EMIT requestFailed(QString::fromStdString(loaded.status().message()));
                return;
            }
            Q_EMIT versionChanged(model, *loaded);
        },
        [this, model, version](const Failure& failure) {
            if (!failure.code.isEmpty()) {
                Q_EMIT versionLoadRefused(model, version, failure.code, failure.message);
            }
        });
}

void HttpAdminClient::unloadVersion(const QString& model, qint64 version) {
    watch(postJson(requestFor(versionPath(model, version, u"unload")), QByteArray()),
          [this, model](const QByteArray& answer) {
              const Result<CatalogVersion> unloaded = parseCatalogVersion(answer);
              if (!unloaded.isOk()) {
                  Q_EMIT requestFailed(QString::fromStdString(unloaded.status().message()));
                  return;
              }
              Q_EMIT versionChanged(model, *unloaded);
          });
}

void HttpAdminClient::applyRolloutAction(const QString& api, const QString& model,
                                         const RolloutAction& action) {
    const QString path = u"/api/v1/admin/rollouts/" + api + u'/' + model;
    watch(postJson(requestFor(path), encodeRolloutAction(action)),
          [this](const QByteArray& answer) {
              const Result<RolloutRoute> route = parseRolloutRoute(answer);
              if (!route.isOk()) {
                  Q_EMIT requestFailed(QString::fromStdString(route.status().message()));
                  return;
              }
              Q_EMIT rolloutActionDone(*route);
          });
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

void HttpAdminClient::refresh(QPointer<QNetworkReply>& pending, const QNetworkRequest& request,
                              BodyHandler onBody) {
    if (!pending.isNull()) {
        return;  // its answer serves this call too
    }
    QNetworkReply* reply = m_network.get(request);
    pending = reply;
    watch(reply, std::move(onBody), {}, &pending);
}

void HttpAdminClient::watch(QNetworkReply* reply, BodyHandler onBody, FailureHandler onFailure,
                            QPointer<QNetworkReply>* pending) {
    connect(reply, &QNetworkReply::finished, this,
            [this, reply, pending, onBody = std::move(onBody), onFailure = std::move(onFailure)] {
                reply->deleteLater();
                if (pending != nullptr && *pending == reply) {
                    pending->clear();
                }
                // Peeked before successBody() consumes it, for the error document's code.
                const QByteArray answer = reply->peek(reply->bytesAvailable());
                const std::chrono::milliseconds timeout(reply->request().transferTimeout());
                const Result<QByteArray> body = successBody(*reply, timeout);
                if (body.isOk()) {
                    onBody(*body);
                    return;
                }
                const Failure failure{QString::fromStdString(body.status().message()),
                                      errorCode(answer)};
                if (onFailure) {
                    onFailure(failure);
                }
                Q_EMIT requestFailed(failure.message);
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
