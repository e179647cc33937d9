#pragma once

#include <atalaya/Status.h>

#include <QByteArray>
#include <QNetworkAccessManager>
#include <QPointer>
#include <QSslConfiguration>
#include <chrono>
#include <functional>

#include "client/AdminClient.h"

class QNetworkReply;
class QNetworkRequest;
class QUrlQuery;

namespace atalaya::client {

// AdminClient over HTTP with QNetworkAccessManager. Every request has a transfer timeout, so a
// hung server turns into requestFailed() instead of a request that never ends; a server that
// is down or refuses the connection does too.
//
// Thread affinity: as AdminClient (the thread that owns it, which needs an event loop).
class HttpAdminClient final : public AdminClient {
    Q_OBJECT

public:
    // `baseUrl` is the server root, e.g. http://127.0.0.1:8080 (a path prefix is kept).
    explicit HttpAdminClient(QUrl baseUrl, QObject* parent = nullptr);
    ~HttpAdminClient() override;

    QUrl baseUrl() const override;

    // Sent as "Authorization: Bearer <token>" on every request; empty sends none.
    void setBearerToken(const QString& token);

    // For an https:// base URL: trust only the PEM certificates in `caFile` (the server's
    // self-signed certificate, or a private CA) instead of the system's CAs; TLS 1.2 or later.
    // InvalidArgument when the file holds no certificate. Call before the first request.
    Status setCaCertificatesFile(const QString& caFile);

    // Whole-request limit: connecting, sending and receiving the answer. Default 5 s.
    void setTimeout(std::chrono::milliseconds timeout);
    // The limit for loadVersion(), which answers only once the version is validated and warmed
    // up. Default 120 s.
    void setLoadTimeout(std::chrono::milliseconds timeout);

    void refreshHealth() override;
    void fetchTimeSeries(const QString& model, std::optional<qint64> version, qint64 fromMs,
                         qint64 toMs, int stepSeconds) override;
    void fetchDriftSeries(const QString& model, qint64 version, qint64 fromMs,
                          qint64 toMs) override;
    void fetchHistogram(const QString& model, qint64 version, const QString& feature) override;
    void fetchShadowComparison(const QString& model, const QString& api, qint64 candidate,
                               qint64 fromMs) override;

    void refreshModels() override;
    void refreshRollouts() override;
    void refreshRolloutEvents(int limit) override;
    void loadVersion(const QString& model, qint64 version, BreakingChange breaking) override;
    void unloadVersion(const QString& model, qint64 version) override;
    void applyRolloutAction(const QString& api, const QString& model,
                            const RolloutAction& action) override;

private:
    // A failed request: its message for people, and the error document's code if it had one.
    struct Failure {
        QString message;
        QString code;
    };
    // Parses a 2xx body and emits its success signal, or says why the body does not parse.
    using BodyHandler = std::function<Status(const QByteArray& body)>;
    using FailureHandler = std::function<void(const Failure& failure)>;

    QNetworkRequest requestFor(const QString& path) const;
    QNetworkRequest requestFor(const QString& path, const QUrlQuery& query) const;
    // Calls `onBody` with the body of a 2xx answer; otherwise `onFailure` (if any) and then
    // requestFailed(`call`), as does a body `onBody` refuses. `pending`, when given, is cleared
    // as the reply finishes.
    void watch(QNetworkReply* reply, Call call, BodyHandler onBody, FailureHandler onFailure = {},
               QPointer<QNetworkReply>* pending = nullptr);
    // GET `request` unless the previous one is still pending, whose answer serves this call too.
    void refresh(QPointer<QNetworkReply>& pending, Call call, const QNetworkRequest& request,
                 BodyHandler onBody);
    QNetworkReply* postJson(QNetworkRequest request, const QByteArray& body);

    QNetworkAccessManager m_network;
    QUrl m_baseUrl;
    QByteArray m_authorization;
    QSslConfiguration m_tls = QSslConfiguration::defaultConfiguration();
    std::chrono::milliseconds m_timeout{5000};
    std::chrono::milliseconds m_loadTimeout{120000};
    QPointer<QNetworkReply> m_pendingHealth;  // at most one health request in flight
    QPointer<QNetworkReply> m_pendingModels;  // and one of each refresh below
    QPointer<QNetworkReply> m_pendingRollouts;
    QPointer<QNetworkReply> m_pendingEvents;
};

}  // namespace atalaya::client
