#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <QUrl>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <set>

#include "DemoRequests.h"
#include "TrafficShift.h"

class QNetworkAccessManager;
class QNetworkReply;

namespace atalaya::traffic {

struct TrafficOptions {
    QUrl url = QUrl(QStringLiteral("http://127.0.0.1:8080"));
    QByteArray token;                  // bearer token; empty: none (the server's auth is off)
    double rate = 10;                  // requests per second over the whole mix
    std::chrono::seconds duration{0};  // 0: until stop()
    std::optional<std::chrono::seconds> shiftAfter;  // seconds of normal traffic, then shifted
    TrafficShift shift;
    int instances = 1;                   // per request
    std::uint64_t seed = 1;              // the request bodies; not the timing
    std::chrono::seconds waitReady{60};  // for GET /readyz before sending; 0: do not wait
    int maxInFlight = 64;                // beyond it a due request is skipped and counted
};

struct TrafficCounts {
    std::int64_t sent = 0;
    std::int64_t ok = 0;      // HTTP 200
    std::int64_t errors = 0;  // any other answer, or none
    std::int64_t skipped = 0;
};

// Sends the demo mix (DemoRequests) at a steady rate over Qt Network and prints one line per
// second of what was sent, answered and refused, then totals. Waits for GET /readyz first, so
// it can start together with the server.
//
// Thread affinity: lives on a thread with a Qt event loop (the tool's main thread); every
// method is called there.
class TrafficRunner : public QObject {
    Q_OBJECT
public:
    TrafficRunner(TrafficOptions options, std::FILE* out, QObject* parent = nullptr);
    ~TrafficRunner() override;

    void start();
    // Stops sending, waits up to 10 s for answers in flight, prints totals, emits finished().
    void stop();
    const TrafficCounts& totals() const { return m_total; }

Q_SIGNALS:
    // 0 when some request was answered with 200; 1 when none was, or the server never got ready.
    void finished(int exitCode);

private:
    void pollReady();
    void beginSending();
    void tick();
    void sendOne();
    void onAnswer(QNetworkReply* reply);
    void printSecond();
    void finish();
    bool shifted() const;

    TrafficOptions m_options;
    std::FILE* m_out;
    QNetworkAccessManager* m_network;
    DemoRequests m_requests;
    TrafficShift m_noShift;
    QTimer m_tick;
    QTimer m_second;
    QElapsedTimer m_clock;  // since sending began (or since start() while waiting for /readyz)
    bool m_sending = false;
    bool m_stopping = false;
    bool m_finished = false;
    bool m_announcedShift = false;
    int m_inFlight = 0;
    std::int64_t m_seconds = 0;
    TrafficCounts m_total;
    TrafficCounts m_thisSecond;
    std::set<int> m_reportedStatuses;  // each refusal's HTTP status is printed once, with its body
};

}  // namespace atalaya::traffic
