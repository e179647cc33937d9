#include "TrafficRunner.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <cmath>

namespace atalaya::traffic {
namespace {

constexpr int kTickMs = 10;
constexpr int kRequestTimeoutMs = 10'000;
constexpr std::chrono::milliseconds kDrainTimeout{10'000};

QUrl endpoint(const QUrl& base, const std::string& path) {
    QUrl url = base;
    url.setPath(QString::fromStdString(path));
    return url;
}

}  // namespace

TrafficRunner::TrafficRunner(TrafficOptions options, std::FILE* out, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_out(out)
    , m_network(new QNetworkAccessManager(this))
    , m_requests(m_options.seed, m_options.instances) {
    m_tick.setInterval(kTickMs);
    m_second.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &TrafficRunner::tick);
    connect(&m_second, &QTimer::timeout, this, &TrafficRunner::printSecond);
    connect(m_network, &QNetworkAccessManager::finished, this, &TrafficRunner::onAnswer);
}

TrafficRunner::~TrafficRunner() = default;

void TrafficRunner::start() {
    m_clock.start();
    if (m_options.waitReady.count() == 0) {
        beginSending();
        return;
    }
    std::fprintf(m_out, "atalaya-traffic: waiting for %s/readyz\n",
                 qPrintable(m_options.url.toString(QUrl::RemovePath)));
    std::fflush(m_out);
    pollReady();
}

void TrafficRunner::pollReady() {
    if (m_stopping)
        return;
    if (m_clock.elapsed() > std::chrono::milliseconds(m_options.waitReady).count()) {
        std::fprintf(m_out, "atalaya-traffic: the server was not ready after %lld s\n",
                     static_cast<long long>(m_options.waitReady.count()));
        finish();
        return;
    }
    QNetworkRequest request(endpoint(m_options.url, "/readyz"));
    request.setTransferTimeout(2000);
    QNetworkReply* reply = m_network->get(request);
    reply->setProperty("probe", true);
}

void TrafficRunner::beginSending() {
    std::fprintf(
        m_out, "atalaya-traffic: %g requests/s, %d instance(s) each, to %s (seed %llu)%s\n",
        m_options.rate, m_options.instances, qPrintable(m_options.url.toString(QUrl::RemovePath)),
        static_cast<unsigned long long>(m_options.seed), m_options.shiftAfter ? "" : ", no shift");
    std::fflush(m_out);
    m_sending = true;
    m_clock.start();
    m_tick.start();
    m_second.start();
}

bool TrafficRunner::shifted() const {
    return m_options.shiftAfter &&
           m_clock.elapsed() >= std::chrono::milliseconds(*m_options.shiftAfter).count();
}

void TrafficRunner::tick() {
    const double elapsedS = static_cast<double>(m_clock.elapsed()) / 1000.0;
    if (m_options.duration.count() > 0 &&
        elapsedS >= static_cast<double>(m_options.duration.count())) {
        stop();
        return;
    }
    if (shifted() && !m_announcedShift) {
        m_announcedShift = true;
        std::fprintf(m_out, "atalaya-traffic: shift begins: %s\n",
                     m_options.shift.describe().c_str());
        std::fflush(m_out);
    }
    // A schedule, not a sleep per request: requests due since the start, minus those handled.
    const auto due = static_cast<std::int64_t>(std::floor(elapsedS * m_options.rate));
    while (m_total.sent + m_total.skipped < due) {
        if (m_inFlight >= m_options.maxInFlight) {
            ++m_total.skipped;
            ++m_thisSecond.skipped;
            continue;
        }
        sendOne();
    }
}

void TrafficRunner::sendOne() {
    const DemoRequest next = m_requests.next(shifted() ? m_options.shift : m_noShift);
    QNetworkRequest request(endpoint(m_options.url, next.path));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    if (!m_options.token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_options.token);
    request.setTransferTimeout(kRequestTimeoutMs);
    // HTTP/1.1 only: Qt would otherwise offer an h2c upgrade the server does not speak.
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    m_network->post(request, QByteArray::fromStdString(next.body));
    ++m_inFlight;
    ++m_total.sent;
    ++m_thisSecond.sent;
}

void TrafficRunner::onAnswer(QNetworkReply* reply) {
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (reply->property("probe").toBool()) {
        if (status == 200 && !m_stopping) {
            beginSending();
        } else {
            QTimer::singleShot(500, this, &TrafficRunner::pollReady);
        }
        return;
    }
    --m_inFlight;
    if (status == 200) {
        ++m_total.ok;
        ++m_thisSecond.ok;
    } else {
        ++m_total.errors;
        ++m_thisSecond.errors;
        if (m_reportedStatuses.insert(status).second) {
            // Status 0: no answer at all (refused connection, timeout): say why instead.
            const QByteArray detail =
                status == 0 ? reply->errorString().toUtf8() : reply->readAll().left(300);
            std::fprintf(m_out, "atalaya-traffic: HTTP %d: %s\n", status, detail.constData());
            if (status == 401)
                std::fprintf(m_out, "atalaya-traffic: pass a key with --token or ATALAYA_TOKEN\n");
        }
    }
    if (m_stopping && m_inFlight == 0)
        finish();
}

void TrafficRunner::printSecond() {
    ++m_seconds;
    std::fprintf(m_out, "[%5lld s] sent %lld  ok %lld  errors %lld  skipped %lld  %s\n",
                 static_cast<long long>(m_seconds), static_cast<long long>(m_thisSecond.sent),
                 static_cast<long long>(m_thisSecond.ok),
                 static_cast<long long>(m_thisSecond.errors),
                 static_cast<long long>(m_thisSecond.skipped), shifted() ? "shifted" : "normal");
    std::fflush(m_out);
    m_thisSecond = {};
}

void TrafficRunner::stop() {
    if (m_stopping)
        return;
    m_stopping = true;
    m_tick.stop();
    m_second.stop();
    if (m_inFlight == 0 || !m_sending) {
        finish();
        return;
    }
    QTimer::singleShot(kDrainTimeout, this, &TrafficRunner::finish);
}

void TrafficRunner::finish() {
    if (m_finished)
        return;
    m_finished = true;
    m_tick.stop();
    m_second.stop();
    std::fprintf(m_out,
                 "atalaya-traffic: total sent %lld, ok %lld, errors %lld, skipped %lld, "
                 "unanswered %d\n",
                 static_cast<long long>(m_total.sent), static_cast<long long>(m_total.ok),
                 static_cast<long long>(m_total.errors), static_cast<long long>(m_total.skipped),
                 m_inFlight);
    std::fflush(m_out);
    Q_EMIT finished(m_total.ok > 0 ? 0 : 1);
}

}  // namespace atalaya::traffic
