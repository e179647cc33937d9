#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "http/HttpErrors.h"
#include "http/HttpServer.h"
#include "support/HttpTestClient.h"

using namespace std::chrono_literals;
using atalaya::Status;
using atalaya::StatusCode;
using atalaya::http::HttpRequest;
using atalaya::http::HttpResponse;
using atalaya::http::HttpServer;
using atalaya::http::HttpServerOptions;
using atalaya::http::RequestHandler;
using atalaya::http::Responder;
using atalaya::test::HttpTestClient;
using atalaya::test::HttpTestResponse;

namespace {

QByteArray bytes(std::string_view text) {
    return {text.data(), static_cast<qsizetype>(text.size())};
}

QString errorCodeOf(const HttpTestResponse& response) {
    const auto json = QJsonDocument::fromJson(bytes(response.body)).object();
    return json.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString();
}

HttpResponse textResponse(std::string body) {
    HttpResponse response;
    response.contentType = "text/plain";
    response.body = std::move(body);
    return response;
}

HttpServerOptions testOptions() {
    HttpServerOptions options;
    options.ioThreads = 2;
    return options;
}

std::unique_ptr<HttpServer> startServer(RequestHandler handler,
                                        HttpServerOptions options = testOptions()) {
    auto server = std::make_unique<HttpServer>(std::move(options), std::move(handler));
    const Status status = server->start();
    if (!status.isOk()) {
        qWarning("server did not start: %s", status.toString().c_str());
        return nullptr;
    }
    return server;
}

// Runs work on other threads after a delay, the way inference threads answer. The threads are
// joined in cleanup(), so none outlives its test; what they touch must be a test member.
class DelayedWork {
public:
    ~DelayedWork() { joinAll(); }

    void runLater(std::chrono::milliseconds delay, std::function<void()> work) {
        std::lock_guard lock(m_mutex);
        m_threads.emplace_back([delay, work = std::move(work)] {
            std::this_thread::sleep_for(delay);
            work();
        });
    }

    void answerLater(Responder responder, std::chrono::milliseconds delay, HttpResponse response) {
        runLater(delay,
                 [responder = std::move(responder), response = std::move(response)]() mutable {
                     responder.send(std::move(response));
                 });
    }

    void joinAll() {
        std::vector<std::jthread> threads;
        {
            std::lock_guard lock(m_mutex);
            threads.swap(m_threads);
        }
        threads.clear();  // jthread joins
    }

private:
    std::mutex m_mutex;
    std::vector<std::jthread> m_threads;
};

}  // namespace

class TestHttpServer : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void requestHeaderLookupIgnoresCase_data();
    void requestHeaderLookupIgnoresCase();
    void errorResponseMapsStatusToHttp_data();
    void errorResponseMapsStatusToHttp();

    void handlerSeesRequestFields();
    void responseCarriesStandardHeaders_data();
    void responseCarriesStandardHeaders();
    void headRequestGetsHeadersWithoutBody();
    void keepAliveReusesOneConnection();
    void connectionHeaderDecidesPersistence_data();
    void connectionHeaderDecidesPersistence();
    void bodyUpToTheLimitIsAccepted_data();
    void bodyUpToTheLimitIsAccepted();
    void expectContinueIsAnsweredBeforeTheBody();
    void invalidRequestIsAnsweredAndClosed_data();
    void invalidRequestIsAnsweredAndClosed();
    void slowRequestIsClosedAfterReadTimeout_data();
    void slowRequestIsClosedAfterReadTimeout();
    void idleConnectionIsClosedAfterIdleTimeout_data();
    void idleConnectionIsClosedAfterIdleTimeout();
    void clientDisconnectBeforeAnswerLeavesServerServing();
    void pipelinedRequestsAreAnsweredInRequestOrder();
    void responderWorksFromAnotherThread();
    void onIoThreadRunsWorkOnTheIoThread();
    void unansweredRequestGets500_data();
    void unansweredRequestGets500();
    void secondSendDoesNotAnswerTheNextRequest();
    void connectionCapAnswers503();
    void stopAcceptingRefusesNewConnectionsButServesOpenOnes();
    void stopWithOpenIdleConnectionReturnsPromptly();
    void stopWithUnansweredRequestReturnsPromptly();
    void bindFailureOnPortInUseReturnsError();

private:
    RequestHandler echoHandler();

    DelayedWork m_delayed;
    std::atomic<int> m_handled{0};
    std::atomic<int> m_inFlight{0};
    std::atomic<int> m_maxInFlight{0};
    std::atomic<std::thread::id> m_handlerThread;
    std::atomic<std::thread::id> m_workThread;
};

void TestHttpServer::init() {
    m_handled = 0;
    m_inFlight = 0;
    m_maxInFlight = 0;
}

void TestHttpServer::cleanup() {
    m_delayed.joinAll();
}

RequestHandler TestHttpServer::echoHandler() {
    return [this](HttpRequest&& request, Responder responder) {
        ++m_handled;
        responder.send(textResponse(request.method + " " + request.target + " " + request.body));
    };
}

void TestHttpServer::requestHeaderLookupIgnoresCase_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("expected");
    QTest::newRow("as sent") << "Content-Type"
                             << "application/json";
    QTest::newRow("lower case") << "content-type"
                                << "application/json";
    QTest::newRow("upper case") << "AUTHORIZATION"
                                << "Bearer t";
    QTest::newRow("absent") << "X-Missing"
                            << "";
    QTest::newRow("prefix of a name") << "Content"
                                      << "";
}

void TestHttpServer::requestHeaderLookupIgnoresCase() {
    QFETCH(QString, name);
    QFETCH(QString, expected);
    HttpRequest request;
    request.headers = {{"Content-Type", "application/json"}, {"authorization", "Bearer t"}};
    QCOMPARE(bytes(request.header(name.toStdString())), expected.toUtf8());
}

void TestHttpServer::errorResponseMapsStatusToHttp_data() {
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<int>("retryAfter");
    QTest::addColumn<int>("httpStatus");
    QTest::addColumn<QString>("jsonCode");
    const auto row = [](const char* name, StatusCode code, const char* reason, int retryAfter,
                        int httpStatus, const char* jsonCode) {
        QTest::newRow(name) << static_cast<int>(code) << reason << retryAfter << httpStatus
                            << jsonCode;
    };
    row("invalid argument", StatusCode::InvalidArgument, "", 0, 400, "invalid_argument");
    row("unauthenticated", StatusCode::Unauthenticated, "", 0, 401, "unauthenticated");
    row("permission denied", StatusCode::PermissionDenied, "", 0, 403, "permission_denied");
    row("not found with reason", StatusCode::NotFound, "model_not_found", 0, 404,
        "model_not_found");
    row("failed precondition", StatusCode::FailedPrecondition, "", 0, 409, "failed_precondition");
    row("rate limited", StatusCode::ResourceExhausted, "rate_limited", 2, 429, "rate_limited");
    row("queue full", StatusCode::ResourceExhausted, "queue_full", 1, 503, "queue_full");
    row("unavailable", StatusCode::Unavailable, "draining", 5, 503, "draining");
    row("deadline exceeded", StatusCode::DeadlineExceeded, "", 0, 504, "deadline_exceeded");
    row("internal", StatusCode::Internal, "", 0, 500, "internal");
}

void TestHttpServer::errorResponseMapsStatusToHttp() {
    QFETCH(int, code);
    QFETCH(QString, reason);
    QFETCH(int, retryAfter);
    QFETCH(int, httpStatus);
    QFETCH(QString, jsonCode);
    Status status(static_cast<StatusCode>(code), "what went wrong", reason.toStdString());
    status.withRetryAfter(retryAfter);

    const HttpResponse response = atalaya::http::errorResponse(status);

    QCOMPARE(response.status, httpStatus);
    QCOMPARE(bytes(response.contentType), QByteArray("application/json"));
    const auto error = QJsonDocument::fromJson(bytes(response.body)).object()[u"error"].toObject();
    QCOMPARE(error[u"code"].toString(), jsonCode);
    QCOMPARE(error[u"message"].toString(), QStringLiteral("what went wrong"));
    const auto header =
        std::find_if(response.headers.begin(), response.headers.end(),
                     [](const auto& field) { return field.first == "Retry-After"; });
    if (retryAfter > 0) {
        QVERIFY(header != response.headers.end());
        QCOMPARE(header->second, std::to_string(retryAfter));
    } else {
        QVERIFY(header == response.headers.end());
    }
}

void TestHttpServer::handlerSeesRequestFields() {
    std::mutex mutex;
    HttpRequest seen;
    auto server = startServer([&](HttpRequest&& request, Responder responder) {
        {
            std::lock_guard lock(mutex);
            seen = std::move(request);
        }
        responder.send(textResponse("ok"));
    });
    QVERIFY(server);
    HttpTestClient client("127.0.0.1", server->port());

    const auto response =
        client.request("POST", "/v2/models/m/infer?x=1", "payload", {{"X-Custom", "abc"}});

    QVERIFY2(response.ok(), response.error.c_str());
    std::lock_guard lock(mutex);
    QCOMPARE(bytes(seen.method), QByteArray("POST"));
    QCOMPARE(bytes(seen.target), QByteArray("/v2/models/m/infer?x=1"));
    QCOMPARE(bytes(seen.header("x-custom")), QByteArray("abc"));
    QCOMPARE(bytes(seen.body), QByteArray("payload"));
    QCOMPARE(bytes(seen.remoteAddress), QByteArray("127.0.0.1"));
    QCOMPARE(seen.versionMajor, 1u);
    QCOMPARE(seen.versionMinor, 1u);
}

void TestHttpServer::responseCarriesStandardHeaders_data() {
    QTest::addColumn<QString>("handlerCacheControl");
    QTest::addColumn<QString>("expectedCacheControl");
    QTest::newRow("no-store by default") << ""
                                         << "no-store";
    QTest::newRow("handler's own Cache-Control kept") << "max-age=60"
                                                      << "max-age=60";
}

void TestHttpServer::responseCarriesStandardHeaders() {
    QFETCH(QString, handlerCacheControl);
    QFETCH(QString, expectedCacheControl);
    auto server = startServer([&](HttpRequest&&, Responder responder) {
        HttpResponse response = textResponse("hello");
        response.withHeader("X-Request-Id", "42");
        if (!handlerCacheControl.isEmpty()) {
            response.withHeader("Cache-Control", handlerCacheControl.toStdString());
        }
        responder.send(std::move(response));
    });
    QVERIFY(server);
    HttpTestClient client("127.0.0.1", server->port());

    const auto response = client.request("GET", "/");

    QVERIFY2(response.ok(), response.error.c_str());
    QCOMPARE(response.status, 200);
    QCOMPARE(bytes(response.body), QByteArray("hello"));
    QCOMPARE(bytes(response.header("Server")), QByteArray("atalaya"));
    QCOMPARE(bytes(response.header("Content-Type")), QByteArray("text/plain"));
    QCOMPARE(bytes(response.header("Content-Length")), QByteArray("5"));
    QCOMPARE(bytes(response.header("X-Request-Id")), QByteArray("42"));
    QCOMPARE(bytes(response.header("Cache-Control")), expectedCacheControl.toUtf8());
}

void TestHttpServer::headRequestGetsHeadersWithoutBody() {
    auto server = startServer(
        [](HttpRequest&&, Responder responder) { responder.send(textResponse("hello")); });
    QVERIFY(server);
    HttpTestClient client("127.0.0.1", server->port());

    const auto head = client.request("HEAD", "/");
    QVERIFY2(head.ok(), head.error.c_str());
    QCOMPARE(head.status, 200);
    QCOMPARE(bytes(head.header("Content-Length")), QByteArray("5"));
    QVERIFY(head.body.empty());

    // Had the body been sent, it would now be read as the next response.
    const auto get = client.request("GET", "/");
    QVERIFY2(get.ok(), get.error.c_str());
    QCOMPARE(bytes(get.body), QByteArray("hello"));
    QCOMPARE(client.connectionsOpened(), 1);
}

void TestHttpServer::keepAliveReusesOneConnection() {
    auto server = startServer(echoHandler());
    QVERIFY(server);
    HttpTestClient client("127.0.0.1", server->port());

    for (int i = 0; i < 5; ++i) {
        const std::string target = "/r" + std::to_string(i);
        const auto response = client.request("GET", target);
        QVERIFY2(response.ok(), response.error.c_str());
        QCOMPARE(response.status, 200);
        QVERIFY(response.keepAlive);
        QCOMPARE(bytes(response.body), bytes("GET " + target + " "));
    }
    QCOMPARE(client.connectionsOpened(), 1);
    QCOMPARE(server->openConnections(), std::size_t{1});
}

void TestHttpServer::connectionHeaderDecidesPersistence_data() {
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<bool>("staysOpen");
    QTest::newRow("HTTP/1.1 keeps alive by default")
        << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n\r\n") << true;
    QTest::newRow("HTTP/1.1 Connection: close closes")
        << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n") << false;
    QTest::newRow("HTTP/1.0 closes by default") << QByteArray("GET / HTTP/1.0\r\n\r\n") << false;
    QTest::newRow("HTTP/1.0 keep-alive stays open")
        << QByteArray("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") << true;
}

void TestHttpServer::connectionHeaderDecidesPersistence() {
    QFETCH(QByteArray, request);
    QFETCH(bool, staysOpen);
    auto server = startServer(echoHandler());
    QVERIFY(server);
    HttpTestClient client("127.0.0.1", server->port());

    QVERIFY(client.sendRaw(request.toStdString()));
    const auto response = client.readResponse();

    QVERIFY2(response.ok(), response.error.c_str());
    QCOMPARE(response.status, 200);
    QCOMPARE(response.keepAlive, staysOpen);
    if (staysOpen) {
        QVERIFY(!client.waitForClose(300ms));
    } else {
        QVERIFY(client.waitForClose(2s));
    }
}

void TestHttpServer::bodyUpToTheLimitIsAccepted_data() {
    QTest::addColumn<bool>("chunked");
    QTest::newRow("content-length") << false;
    QTest::newRow("chunked") << true;
}

void TestHttpServer::bodyUpToTheLimitIsAccepted() {
    QFETCH(bool, chunked);
    auto options = testOptions();
    options.maxBodyBytes = 1024;
    auto server = startServer(echoHandler(), options);
    QVERIFY(server);
    HttpTestClient client("127.0.0.1", server->port());
    const std::string body(1024, 'x');
    atalaya::test::HeaderList headers;
    if (chunked) {
        headers.emplace_back("Transfer-Encoding", "chunked");
    }

    const auto response = client.request("POST", "/", body, headers);

    QVERIFY2(response.ok(), response.error.c_str());
    QCOMPARE(response.status, 200);
    QCOMPARE(bytes(response.body), bytes("POST / " + body));
}

void TestHttpServer::expectContinueIsAnsweredBeforeTheBody() {
    auto server = startServer(echoHandler());
    QVERIFY(server);
    HttpTestClient client("127.0.0.1", server->port());

    QVERIFY(client.sendRaw(
        "POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
    QCOMPARE(bytes(client.readRaw(2s)), QByteArray("HTTP/1.1 100 Continue\r\n\r\n"));
    QVERIFY(client.sendRaw("hello"));
    const auto response = client.readResponse();

    QVERIFY2(response.ok(), response.error.c_str());
    QCOMPARE(bytes(response.body), QByteArray("POST /e hello"));
}

void TestHttpServer::invalidRequestIsAnsweredAndClosed_data() {
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::newRow("413 from Content-Length, body never sent")
        << QByteArray("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000000\r\n\r\n") << 413
        << "payload_too_large";
    const QByteArray chunk = QByteArray::number(500, 16) + "\r\n" + QByteArray(500, 'x') + "\r\n";
    QTest::newRow("413 from a chunked body over the limit")
        << "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk +
               chunk + "0\r\n\r\n"
        << 413 << "payload_too_large";
    QTest::newRow("431 from a 64 KiB header")
        << "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + QByteArray(64 << 10, 'a') + "\r\n\r\n"
        << 431 << "header_too_large";
    QTest::newRow("400 from garbage")
        << QByteArray("this is not http at all\r\n\r\n") << 400 << "bad_request";
    QTest::newRow("400 from a malformed header field")
        << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nBad Field: x\r\n\r\n") << 400 << "bad_request";
    QTest::newRow("400 from conflicting Content-Length (smuggling)")
        << QByteArray(
               "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")
        << 400 << "bad_request";
    QTest::newRow("400 from Content-Length with chunked (smuggling)")
        << QByteArray(
               "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
               "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        << 400 << "bad_request";
}

void TestHttpServer::invalidRequestIsAnsweredAndClosed() {
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QString, code);
    auto options = testOptions();
    options.maxBodyBytes = 1024;
    options.maxHeaderBytes = 8 << 10;
    auto server = startServer(echoHandler(), options);
    QVERIFY(server);
    HttpTestClient client("127.0.0.1", server->port());

    QVERIFY(client.sendRaw(request.toStdString()));
    const auto response = client.readResponse(2s);

    QVERIFY2(response.ok(), response.error.c_str());
    QCOMPARE(response.status, status);
    QCOMPARE(errorCodeOf(response), code);
    QCOMPARE(bytes(response.header("Connection")), QByteArray("close"));
    QVERIFY(client.waitForClose(2s));
    QCOMPARE(m_handled.load(), 0);
}

void TestHttpServer::slowRequestIsClosedAfterReadTimeout_data() {
    QTest::addColumn<QByteArray>("firstPart");
    QTest::addColumn<bool>("dripFeed");
    QTest::newRow("half a header") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ") << false;
    QTest::newRow("half a body")
        << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n12345") << false;
    // Each byte arrives well within readTimeout; the whole request does not.
    QTest::newRow("header drip-fed a byte at a time")
        << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: 0123456789012345678901234567890123")
        << true;
}

void TestHttpServer::slowRequestIsClosedAfterReadTimeout() {
    QFETCH(QByteArray, firstPart);
    QFETCH(bool, dripFeed);
    auto options = testOptions();
    options.readTimeout = 300ms;
    auto server = startServer(echoHandler(), options);
    QVERIFY(server);
    HttpTestClient client("127.0.0.1", server->port());
    QVERIFY(client.connect());

    QElapsedTimer timer;
    timer.start();
    if (dripFeed) {
        for (const char byte : firstPart) {
            if (!client.sendRaw(std::string(1, byte), 1s) || timer.elapsed() > 3000) {
                break;
            }
            std::this_thread::sleep_for(50ms);
        }
    } else {
        QVERIFY(client.sendRaw(firstPart.toStdString()));
    }

    QVERIFY(client.waitForClose(3s));
    QVERIFY2(timer.elapsed() >= 250, qPrintable(QString::number(timer.elapsed())));
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(m_handled.load(), 0);
}

void TestHttpServer::idleConnectionIsClosedAfterIdleTimeout_data() {
    QTest::addColumn<bool>("afterARequest");
    QTest::newRow("keep-alive connection after a request") << true;
    QTest::newRow("connection that never sends") << false;
}

void TestHttpServer::idleConnectionIsClosedAfterIdleTimeout() {
    QFETCH(bool, afterARequest);
    auto options = testOptions();
    options.idleTimeout = 300ms;
    auto server = startServer(echoHandler(), options);
    QVERIFY(server);
    HttpTestClient client("127.0.0.1", server->port());
    if (afterARequest) {
        const auto response = client.request("GET", "/");
        QVERIFY2(response.ok(), response.error.c_str());
        QVERIFY(response.keepAlive);
    } else {
        QVERIFY(client.connect());
    }

    QElapsedTimer timer;
    timer.start();
    QVERIFY(client.waitForClose(3s));
    QVERIFY2(timer.elapsed() >= 250, qPrintable(QString::number(timer.elapsed())));
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
    QTRY_COMPARE_WITH_TIMEOUT(server->openConnections(), std::size_t{0}, 2000);
}

void TestHttpServer::clientDisconnectBeforeAnswerLeavesServerServing() {
    auto server = startServer([this](HttpRequest&& request, Responder responder) {
        ++m_handled;
        if (request.target == "/slow") {
            m_delayed.answerLater(std::move(responder), 200ms, textResponse("late"));
        } else {
            responder.send(textResponse("fast"));
        }
    });
    QVERIFY(server);

    for (int i = 0; i < 50; ++i) {
        HttpTestClient leaver("127.0.0.1", server->port());
        QVERIFY(leaver.sendRaw("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n"));
        leaver.close();

        HttpTestClient next("127.0.0.1", server->port());
        const auto response = next.request("GET", "/fast");
        QVERIFY2(response.ok(), response.error.c_str());
        QCOMPARE(bytes(response.body), QByteArray("fast"));
    }

    m_delayed.joinAll();  // every late answer has now been sent into a closed connection
    HttpTestClient after("127.0.0.1", server->port());
    const auto response = after.request("GET", "/fast");
    QVERIFY2(response.ok(), response.error.c_str());
    after.close();
    QTRY_COMPARE_WITH_TIMEOUT(server->openConnections(), std::size_t{0}, 5000);
}

void TestHttpServer::pipelinedRequestsAreAnsweredInRequestOrder() {
    auto server = startServer([this](HttpRequest&& request, Responder responder) {
        const int now = ++m_inFlight;
        m_maxInFlight = std::max(m_maxInFlight.load(), now);
        // Were the three handled at once, the first would be answered last.
        const auto delay = request.target == "/a" ? 100ms : request.target == "/b" ? 50ms : 0ms;
        m_delayed.runLater(delay,
                           [this, responder = std::move(responder), target = request.target] {
                               --m_inFlight;
                               responder.send(textResponse(target));
                           });
    });
    QVERIFY(server);
    HttpTestClient client("127.0.0.1", server->port());

    QVERIFY(
        client.sendRaw("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                       "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"
                       "GET /c HTTP/1.1\r\nHost: x\r\n\r\n"));

    for (const char* expected : {"/a", "/b", "/c"}) {
        const auto response = client.readResponse(2s);
        QVERIFY2(response.ok(), response.error.c_str());
        QCOMPARE(bytes(response.body), QByteArray(expected));
    }
    QCOMPARE(m_maxInFlight.load(), 1);
}

void TestHttpServer::responderWorksFromAnotherThread() {
    auto server = startServer([this](HttpRequest&& request, Responder responder) {
        m_delayed.answerLater(std::move(responder), 0ms, textResponse("from " + request.target));
    });
    QVERIFY(server);
    HttpTestClient client("127.0.0.1", server->port());

    for (int i = 0; i < 3; ++i) {
        const auto response = client.request("GET", "/t");
        QVERIFY2(response.ok(), response.error.c_str());
        QCOMPARE(bytes(response.body), QByteArray("from /t"));
    }
    QCOMPARE(client.connectionsOpened(), 1);
}

void TestHttpServer::onIoThreadRunsWorkOnTheIoThread() {
    auto options = testOptions();
    options.ioThreads = 1;
    auto server = startServer(
        [this](HttpRequest&&, Responder responder) {
            m_handlerThread = std::this_thread::get_id();
            m_delayed.runLater(0ms, [this, responder] {
                responder.onIoThread([this, responder] {
                    m_workThread = std::this_thread::get_id();
                    responder.send(textResponse("done"));
                });
            });
        },
        options);
    QVERIFY(server);
    HttpTestClient client("127.0.0.1", server->port());

    const auto response = client.request("GET", "/");

    QVERIFY2(response.ok(), response.error.c_str());
    QCOMPARE(bytes(response.body), QByteArray("done"));
    QVERIFY(m_workThread.load() == m_handlerThread.load());
}

void TestHttpServer::unansweredRequestGets500_data() {
    QTest::addColumn<bool>("throws");
    QTest::newRow("handler drops its Responder") << false;
    QTest::newRow("handler throws") << true;
}

void TestHttpServer::unansweredRequestGets500() {
    QFETCH(bool, throws);
    auto server = startServer([throws](HttpRequest&&, Responder) {
        if (throws) {
            throw std::runtime_error("handler bug");
        }
    });
    QVERIFY(server);
    HttpTestClient client("127.0.0.1", server->port());

    const auto response = client.request("GET", "/", {}, {}, 2s);

    QVERIFY2(response.ok(), response.error.c_str());
    QCOMPARE(response.status, 500);
    QCOMPARE(errorCodeOf(response), QStringLiteral("internal"));
    QVERIFY(response.keepAlive);
}

void TestHttpServer::secondSendDoesNotAnswerTheNextRequest() {
    auto server = startServer([this](HttpRequest&& request, Responder responder) {
        if (request.target == "/twice") {
            responder.send(textResponse("first"));
            responder.send(textResponse("second"));
        } else {
            m_delayed.answerLater(std::move(responder), 100ms, textResponse("next"));
        }
    });
    QVERIFY(server);
    HttpTestClient client("127.0.0.1", server->port());

    const auto first = client.request("GET", "/twice");
    const auto next = client.request("GET", "/next");

    QCOMPARE(bytes(first.body), QByteArray("first"));
    QCOMPARE(bytes(next.body), QByteArray("next"));
}

void TestHttpServer::connectionCapAnswers503() {
    auto options = testOptions();
    options.maxConnections = 2;
    auto server = startServer(echoHandler(), options);
    QVERIFY(server);
    HttpTestClient first("127.0.0.1", server->port());
    HttpTestClient second("127.0.0.1", server->port());
    QCOMPARE(first.request("GET", "/").status, 200);
    QCOMPARE(second.request("GET", "/").status, 200);

    HttpTestClient third("127.0.0.1", server->port());
    const auto refused = third.request("GET", "/");

    QVERIFY2(refused.ok(), refused.error.c_str());
    QCOMPARE(refused.status, 503);
    QCOMPARE(errorCodeOf(refused), QStringLiteral("too_many_connections"));
    QCOMPARE(bytes(refused.header("Connection")), QByteArray("close"));
    QVERIFY(third.waitForClose(2s));

    first.close();
    QTRY_COMPARE_WITH_TIMEOUT(server->openConnections(), std::size_t{1}, 2000);
    HttpTestClient fourth("127.0.0.1", server->port());
    QCOMPARE(fourth.request("GET", "/").status, 200);
}

void TestHttpServer::stopAcceptingRefusesNewConnectionsButServesOpenOnes() {
    auto server = startServer(echoHandler());
    QVERIFY(server);
    HttpTestClient open("127.0.0.1", server->port());
    QCOMPARE(open.request("GET", "/").status, 200);

    server->stopAccepting();

    HttpTestClient late("127.0.0.1", server->port());
    QVERIFY(!late.connect(1s));
    QCOMPARE(open.request("GET", "/again").status, 200);
    QCOMPARE(open.connectionsOpened(), 1);
}

void TestHttpServer::stopWithOpenIdleConnectionReturnsPromptly() {
    auto server = startServer(echoHandler());  // idleTimeout: 30 s
    QVERIFY(server);
    HttpTestClient client("127.0.0.1", server->port());
    QCOMPARE(client.request("GET", "/").status, 200);

    QElapsedTimer timer;
    timer.start();
    server->stop();
    QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));

    QVERIFY(client.waitForClose(2s));
    QCOMPARE(server->openConnections(), std::size_t{0});
    server->stop();  // idempotent
}

void TestHttpServer::stopWithUnansweredRequestReturnsPromptly() {
    std::mutex mutex;
    std::vector<Responder> parked;
    auto server = startServer([&](HttpRequest&&, Responder responder) {
        std::lock_guard lock(mutex);
        parked.push_back(std::move(responder));
    });
    QVERIFY(server);
    HttpTestClient client("127.0.0.1", server->port());
    QVERIFY(client.sendRaw("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            std::lock_guard lock(mutex);
            return !parked.empty();
        }(),
        2000);

    QElapsedTimer timer;
    timer.start();
    server.reset();  // stops and destroys the server while a Responder is still held
    QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
    QVERIFY(client.waitForClose(2s));

    // Answering, then dropping, a request of a destroyed server is quietly ignored.
    std::lock_guard lock(mutex);
    parked.front().send(textResponse("too late"));
    parked.clear();
}

void TestHttpServer::bindFailureOnPortInUseReturnsError() {
    auto first = startServer(echoHandler());
    QVERIFY(first);
    auto options = testOptions();
    options.port = first->port();
    HttpServer second(options, echoHandler());

    const Status status = second.start();

    QCOMPARE(status.code(), StatusCode::Unavailable);
    QCOMPARE(QByteArray(status.reason().data(), static_cast<qsizetype>(status.reason().size())),
             QByteArray("bind_failed"));
    HttpTestClient client("127.0.0.1", first->port());
    QCOMPARE(client.request("GET", "/").status, 200);
}

QTEST_GUILESS_MAIN(TestHttpServer)

#include "tst_httpserver.moc"
