#include "http/HttpServer.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/Logging.h"
#include "http/HttpErrors.h"

namespace atalaya::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kReadChunk = 64 << 10;
// A connection's read buffer is kept between requests, unless a large body inflated it.
constexpr std::size_t kMaxIdleBufferCapacity = 64 << 10;
// Lingering close (see Session::lingerAndClose) is bounded in time and bytes.
constexpr std::chrono::milliseconds kMaxLinger{1000};
constexpr std::size_t kMaxLingerBytes = 1 << 20;
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

QLatin1String latin1(std::string_view text) {
    return QLatin1String(text.data(), static_cast<qsizetype>(text.size()));
}

// RFC 9110 §6.4.1 / §15: these statuses never carry content, and 1xx/204 no Content-Length.
bool statusForbidsBody(int status) {
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

bool isParseError(const beast::error_code& ec) {
    return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

class Session;

// Everything the sessions share with the server. Sessions hold it by shared_ptr, and Responders
// held by inference threads hold sessions, so a late answer never touches a destroyed
// io_context, even after the HttpServer is gone.
struct ServerState {
    ServerState(HttpServerOptions serverOptions, RequestHandler requestHandler)
        : options(std::move(serverOptions)), handler(std::move(requestHandler)) {}

    bool isStopped() const { return stopped.load(std::memory_order_acquire); }

    // Posts from threads outside the io_context go through here. Once stop() has drained the
    // io_context nothing may be queued on it again: the queued handler would keep its session,
    // and so this state and the io_context itself, alive forever.
    template <class Executor, class Work>
    void postUnlessStopped(const Executor& executor, Work&& work) {
        std::lock_guard lock(postMutex);
        if (!isStopped()) {
            asio::post(executor, std::forward<Work>(work));
        }
    }

    const HttpServerOptions options;
    const RequestHandler handler;

    std::mutex postMutex;
    std::atomic<bool> stopped{false};

    std::mutex sessionsMutex;
    std::unordered_map<const Session*, std::weak_ptr<Session>> sessions;

    // Declared last so that it is destroyed first, while the mutexes above still exist.
    asio::io_context io;
};

// One TCP connection. Every member function except post() and the constructor runs on the
// connection's strand (or, once stop() has joined the IO threads, on the stopping thread).
class Session : public std::enable_shared_from_this<Session> {
public:
    static std::shared_ptr<Session> create(std::shared_ptr<ServerState> state, tcp::socket socket);
    Session(std::shared_ptr<ServerState> state, tcp::socket socket);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    void start();
    void rejectBusy();      // over the connection cap: 503 and close
    void closeAfterStop();  // only once the IO threads are joined
    bool isStopping() const { return m_state->isStopped(); }

    // Any thread.
    template <class Work>
    void post(Work&& work) {
        m_state->postUnlessStopped(m_executor, std::forward<Work>(work));
    }

    void answer(std::uint64_t requestId, HttpResponse&& response);

private:
    void waitForRequest();
    void onFirstBytes(beast::error_code ec, std::size_t bytes);
    void readHeader();
    void onHeader(beast::error_code ec, std::size_t bytes);
    void sendContinue();
    void readBody();
    void onBody(beast::error_code ec, std::size_t bytes);
    void onReadError(const beast::error_code& ec);
    template <class Body>
    void handleRequest(bhttp::request<Body>&& message);
    void failRequest(int status, std::string_view code, std::string_view message);
    void writeResponse(HttpResponse&& response);
    void onWritten(beast::error_code ec, std::size_t bytes);
    void lingerAndClose();
    void drain();
    void closeSocket();

    const std::shared_ptr<ServerState> m_state;
    const asio::any_io_executor m_executor;  // the strand; copied so post() never reads m_stream
    const std::string m_remoteAddress;       // read before the socket moves into m_stream
    beast::tcp_stream m_stream;
    beast::flat_buffer m_buffer;
    std::optional<bhttp::request_parser<bhttp::empty_body>> m_headerParser;
    std::optional<bhttp::request_parser<bhttp::string_body>> m_bodyParser;
    bhttp::response<bhttp::string_body> m_response;
    std::uint64_t m_requestId = 0;  // the request being handled, or the last one
    std::size_t m_lingerBytes = 0;
    unsigned m_version = 11;
    bool m_awaitingAnswer = false;
    bool m_keepAlive = false;
    bool m_headRequest = false;
    bool m_closed = false;
};

// The ResponseSink behind one request's Responder. Exactly-once is enforced here, per request,
// so a second send() can never answer the connection's next request.
class RequestSink final : public ResponseSink {
public:
    RequestSink(std::shared_ptr<Session> session, std::uint64_t requestId)
        : m_session(std::move(session)), m_requestId(requestId) {}
    ~RequestSink() override;
    RequestSink(const RequestSink&) = delete;
    RequestSink& operator=(const RequestSink&) = delete;

    void deliver(HttpResponse&& response) override;
    void dispatch(std::function<void()> work) override;

private:
    std::shared_ptr<Session> m_session;
    std::uint64_t m_requestId;
    std::atomic<bool> m_answered{false};
};

RequestSink::~RequestSink() {
    // A handler that lets go of its Responder without answering would otherwise leave the
    // client waiting forever; answer for it.
    if (m_answered.load(std::memory_order_acquire) || m_session->isStopping()) {
        return;
    }
    try {
        qCWarning(lcHttp) << "a request handler dropped its Responder without answering";
        deliver(transportError(500, "internal", "the request was dropped without an answer"));
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
    }
}

void RequestSink::deliver(HttpResponse&& response) {
    if (m_answered.exchange(true, std::memory_order_acq_rel)) {
        qCWarning(lcHttp) << "a Responder was used twice; the second answer is dropped";
        return;
    }
    m_session->post(
        [session = m_session, id = m_requestId, response = std::move(response)]() mutable {
            session->answer(id, std::move(response));
        });
}

void RequestSink::dispatch(std::function<void()> work) {
    m_session->post([work = std::move(work)] {
        try {
            work();
        } catch (const std::exception& e) {
            qCWarning(lcHttp) << "work dispatched to an IO thread threw:" << e.what();
        }
    });
}

std::string remoteAddressOf(const tcp::socket& socket) {
    beast::error_code ec;
    const tcp::endpoint endpoint = socket.remote_endpoint(ec);
    return ec ? std::string() : endpoint.address().to_string();
}

std::shared_ptr<Session> Session::create(std::shared_ptr<ServerState> state, tcp::socket socket) {
    auto session = std::make_shared<Session>(state, std::move(socket));
    std::lock_guard lock(state->sessionsMutex);
    state->sessions.emplace(session.get(), session);
    return session;
}

Session::Session(std::shared_ptr<ServerState> state, tcp::socket socket)
    : m_state(std::move(state))
    , m_executor(socket.get_executor())
    , m_remoteAddress(remoteAddressOf(socket))
    , m_stream(std::move(socket)) {}

Session::~Session() {
    std::lock_guard lock(m_state->sessionsMutex);
    m_state->sessions.erase(this);
}

void Session::start() {
    asio::dispatch(m_executor, [self = shared_from_this()] { self->waitForRequest(); });
}

void Session::rejectBusy() {
    asio::dispatch(m_executor, [self = shared_from_this()] {
        if (self->isStopping()) {
            return;
        }
        qCDebug(lcHttp) << "refusing" << latin1(self->m_remoteAddress)
                        << "over the connection limit";
        self->m_keepAlive = false;
        HttpResponse busy =
            transportError(503, "too_many_connections", "the server has too many open connections");
        busy.withHeader("Retry-After", "1");
        self->writeResponse(std::move(busy));
    });
}

void Session::closeAfterStop() {
    closeSocket();
}

// Between requests the connection is idle (idleTimeout); from the first byte of a request the
// whole request must arrive within readTimeout, however slowly it trickles (slow-loris).
void Session::waitForRequest() {
    if (isStopping()) {
        return;
    }
    m_headerParser.emplace();
    m_headerParser->header_limit(static_cast<std::uint32_t>(m_state->options.maxHeaderBytes));
    if (m_buffer.size() > 0) {  // a pipelined request is already here
        m_stream.expires_after(m_state->options.readTimeout);
        readHeader();
        return;
    }
    m_stream.expires_after(m_state->options.idleTimeout);
    m_stream.async_read_some(m_buffer.prepare(beast::read_size(m_buffer, kReadChunk)),
                             beast::bind_front_handler(&Session::onFirstBytes, shared_from_this()));
}

void Session::onFirstBytes(beast::error_code ec, std::size_t bytes) {
    if (isStopping()) {
        return;
    }
    if (ec) {
        qCDebug(lcHttp) << "closing idle connection:" << latin1(ec.message());
        closeSocket();
        return;
    }
    m_buffer.commit(bytes);
    m_stream.expires_after(m_state->options.readTimeout);
    readHeader();
}

void Session::readHeader() {
    bhttp::async_read_header(m_stream, m_buffer, *m_headerParser,
                             beast::bind_front_handler(&Session::onHeader, shared_from_this()));
}

void Session::onHeader(beast::error_code ec, std::size_t /*bytes*/) {
    if (isStopping()) {
        return;
    }
    if (ec) {
        onReadError(ec);
        return;
    }
    const auto& header = m_headerParser->get();
    m_version = header.version();
    m_keepAlive = header.keep_alive();
    m_headRequest = header.method() == bhttp::verb::head;
    // Refuse before reading a byte of the body (RFC 9110 §15.5.14).
    const auto length = m_headerParser->content_length();
    if (length && *length > m_state->options.maxBodyBytes) {
        failRequest(413, "payload_too_large", "the request body exceeds the server's limit");
        return;
    }
    if (m_headerParser->is_done()) {
        handleRequest(m_headerParser->release());
        return;
    }
    m_bodyParser.emplace(std::move(*m_headerParser));
    m_headerParser.reset();
    m_bodyParser->body_limit(m_state->options.maxBodyBytes);  // also caps chunked bodies
    const auto expect = m_bodyParser->get()[bhttp::field::expect];
    if (m_version >= 11 && beast::iequals(expect, "100-continue")) {
        sendContinue();
        return;
    }
    readBody();
}

// RFC 9110 §10.1.1: a client that sent Expect: 100-continue may wait before sending the body.
void Session::sendContinue() {
    asio::async_write(m_stream, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          if (self->isStopping()) {
                              return;
                          }
                          if (ec) {
                              self->closeSocket();
                              return;
                          }
                          self->readBody();
                      });
}

void Session::readBody() {
    bhttp::async_read(m_stream, m_buffer, *m_bodyParser,
                      beast::bind_front_handler(&Session::onBody, shared_from_this()));
}

void Session::onBody(beast::error_code ec, std::size_t /*bytes*/) {
    if (isStopping()) {
        return;
    }
    if (ec) {
        onReadError(ec);
        return;
    }
    auto message = m_bodyParser->release();
    m_bodyParser.reset();
    handleRequest(std::move(message));
}

void Session::onReadError(const beast::error_code& ec) {
    m_headerParser.reset();
    m_bodyParser.reset();
    if (ec == bhttp::error::header_limit) {
        failRequest(431, "header_too_large", "the request header exceeds the server's limit");
    } else if (ec == bhttp::error::body_limit) {
        failRequest(413, "payload_too_large", "the request body exceeds the server's limit");
    } else if (isParseError(ec) && ec != bhttp::error::end_of_stream &&
               ec != bhttp::error::partial_message) {
        failRequest(400, "bad_request", "the request is not valid HTTP/1.1");
    } else {
        // Timeouts (the stream is already closed, so no 408 can be sent), resets and EOF.
        qCDebug(lcHttp) << "closing connection while reading:" << latin1(ec.message());
        closeSocket();
    }
}

template <class Body>
void Session::handleRequest(bhttp::request<Body>&& message) {
    m_stream.expires_never();  // the handler's time is not the client's
    HttpRequest request;
    request.method = message.method_string();
    request.target = message.target();
    for (const auto& field : message) {
        request.headers.emplace_back(field.name_string(), field.value());
    }
    if constexpr (std::is_same_v<Body, bhttp::string_body>) {
        request.body = std::move(message.body());
    }
    request.remoteAddress = m_remoteAddress;
    request.versionMajor = m_version / 10;
    request.versionMinor = m_version % 10;
    qCDebug(lcHttp) << latin1(request.method) << latin1(request.target) << "from"
                    << latin1(m_remoteAddress);

    m_awaitingAnswer = true;
    ++m_requestId;
    try {
        m_state->handler(std::move(request),
                         Responder(std::make_shared<RequestSink>(shared_from_this(), m_requestId)));
    } catch (const std::exception& e) {
        // The Responder is gone by now, so its sink answers 500.
        qCWarning(lcHttp) << "request handler threw:" << e.what();
    } catch (...) {
        qCWarning(lcHttp) << "request handler threw a non-standard exception";
    }
}

void Session::answer(std::uint64_t requestId, HttpResponse&& response) {
    if (isStopping() || m_closed || !m_awaitingAnswer || requestId != m_requestId) {
        qCDebug(lcHttp) << "dropping an answer: its connection is closed";
        return;
    }
    m_awaitingAnswer = false;
    writeResponse(std::move(response));
}

void Session::failRequest(int status, std::string_view code, std::string_view message) {
    qCDebug(lcHttp) << "refusing request from" << latin1(m_remoteAddress) << status << latin1(code);
    m_keepAlive = false;
    m_headRequest = false;
    writeResponse(transportError(status, code, message));
}

void Session::writeResponse(HttpResponse&& response) {
    if (response.status < 100 || response.status > 999) {
        qCWarning(lcHttp) << "handler answered with invalid status" << response.status;
        response = transportError(500, "internal", "invalid response status");
    }
    m_response = {};
    m_response.version(m_version);
    m_response.result(static_cast<unsigned>(response.status));
    m_response.set(bhttp::field::server, "atalaya");
    bool hasCacheControl = false;
    for (const auto& [name, value] : response.headers) {
        // The transport owns framing and connection management.
        if (beast::iequals(name, "Content-Length") || beast::iequals(name, "Transfer-Encoding")) {
            continue;
        }
        if (beast::iequals(name, "Connection")) {
            m_keepAlive = m_keepAlive && !beast::iequals(value, "close");
            continue;
        }
        hasCacheControl = hasCacheControl || beast::iequals(name, "Cache-Control");
        m_response.insert(name, value);
    }
    if (!hasCacheControl) {
        m_response.set(bhttp::field::cache_control, "no-store");
    }
    m_response.keep_alive(m_keepAlive);
    if (!statusForbidsBody(response.status)) {
        m_response.set(bhttp::field::content_type, response.contentType);
        m_response.content_length(response.body.size());
        // RFC 9110 §9.3.2: HEAD gets GET's header fields, Content-Length included, and no body.
        if (!m_headRequest) {
            m_response.body() = std::move(response.body);
        }
    }
    m_stream.expires_after(std::max(m_state->options.idleTimeout, m_state->options.readTimeout));
    bhttp::async_write(m_stream, m_response,
                       beast::bind_front_handler(&Session::onWritten, shared_from_this()));
}

void Session::onWritten(beast::error_code ec, std::size_t /*bytes*/) {
    if (isStopping()) {
        return;
    }
    if (ec) {
        qCDebug(lcHttp) << "write failed, client gone:" << latin1(ec.message());
        closeSocket();
        return;
    }
    m_response = {};  // free the body now: the connection may idle for long
    if (!m_keepAlive) {
        lingerAndClose();
        return;
    }
    if (m_buffer.size() == 0 && m_buffer.capacity() > kMaxIdleBufferCapacity) {
        m_buffer.shrink_to_fit();
    }
    waitForRequest();
}

// RFC 9112 §9.6: closing a socket with unread request bytes makes the kernel send a reset,
// which can destroy the answer before the client reads it (a 413 sent while the body is still
// coming, a 503 sent before the request was read). So half-close, discard what still arrives
// for a short, bounded time, then close.
void Session::lingerAndClose() {
    beast::error_code ec;
    m_stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
        closeSocket();
        return;
    }
    m_buffer.clear();
    m_lingerBytes = 0;
    m_stream.expires_after(
        std::min<std::chrono::milliseconds>(m_state->options.readTimeout, kMaxLinger));
    drain();
}

void Session::drain() {
    m_stream.async_read_some(m_buffer.prepare(kReadChunk),
                             [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                                 if (self->isStopping()) {
                                     return;
                                 }
                                 self->m_lingerBytes += bytes;
                                 if (ec || self->m_lingerBytes > kMaxLingerBytes) {
                                     self->closeSocket();
                                     return;
                                 }
                                 self->drain();
                             });
}

void Session::closeSocket() {
    if (m_closed) {
        return;
    }
    m_closed = true;
    beast::error_code ec;
    m_stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    m_stream.close();
}

}  // namespace

class HttpServer::Impl {
public:
    Impl(HttpServerOptions options, RequestHandler handler)
        : m_state(std::make_shared<ServerState>(std::move(options), std::move(handler)))
        , m_acceptor(m_state->io)
        , m_acceptRetry(m_state->io) {}

    Status start();
    std::uint16_t port() const { return m_port; }
    void stopAccepting();
    void stop();
    std::size_t openConnections() const;

private:
    Status listen();
    void accept();  // with m_acceptorMutex held
    void onAccept(beast::error_code ec, tcp::socket socket);
    void retryAcceptLater();
    void runIo();
    std::vector<std::shared_ptr<Session>> liveSessions() const;

    std::shared_ptr<ServerState> m_state;
    // stopAccepting() may run on any thread while an IO thread re-arms the accept.
    std::mutex m_acceptorMutex;
    tcp::acceptor m_acceptor;
    asio::steady_timer m_acceptRetry;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> m_work;
    std::vector<std::thread> m_threads;
    std::uint16_t m_port = 0;
    bool m_overCapWarned = false;  // accept handlers only; they never run concurrently
    bool m_started = false;
    bool m_stopped = false;
};

Status HttpServer::Impl::start() {
    if (m_started || m_stopped) {
        return {StatusCode::FailedPrecondition, "the HTTP server can be started only once",
                "already_started"};
    }
    ATALAYA_RETURN_IF_ERROR(listen());
    m_started = true;
    m_work.emplace(m_state->io.get_executor());
    {
        std::lock_guard lock(m_acceptorMutex);
        accept();
    }
    const int threads = std::max(1, m_state->options.ioThreads);
    m_threads.reserve(static_cast<std::size_t>(threads));
    for (int i = 0; i < threads; ++i) {
        m_threads.emplace_back([this] { runIo(); });
    }
    qCInfo(lcHttp).nospace() << "listening on " << latin1(m_state->options.host) << ":" << m_port
                             << " with " << threads << " IO thread(s)";
    return Status::ok();
}

Status HttpServer::Impl::listen() {
    const auto& options = m_state->options;
    const auto failed = [&](const beast::error_code& ec) {
        beast::error_code ignored;
        m_acceptor.close(ignored);
        return Status(StatusCode::Unavailable,
                      "cannot listen on " + options.host + ":" + std::to_string(options.port) +
                          ": " + ec.message(),
                      "bind_failed");
    };
    beast::error_code ec;
    tcp::resolver resolver(m_state->io);
    const auto endpoints =
        resolver.resolve(options.host, std::to_string(options.port),
                         tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec) {
        return failed(ec);
    }
    const tcp::endpoint endpoint = endpoints.begin()->endpoint();
    m_acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
        // Lets a restarted server rebind while old connections sit in TIME_WAIT; on Linux it
        // does not allow two listeners on one port, so "port in use" still fails.
        m_acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        m_acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        m_acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (!ec) {
        m_port = m_acceptor.local_endpoint(ec).port();
    }
    return ec ? failed(ec) : Status::ok();
}

void HttpServer::Impl::accept() {
    // Each connection gets its own strand: its handlers never run concurrently, while
    // different connections use all IO threads.
    m_acceptor.async_accept(asio::make_strand(m_state->io),
                            beast::bind_front_handler(&Impl::onAccept, this));
}

void HttpServer::Impl::onAccept(beast::error_code ec, tcp::socket socket) {
    if (m_state->isStopped() || ec == asio::error::operation_aborted) {
        return;
    }
    if (ec) {
        // E.g. EMFILE: retrying at once would spin on the same error.
        qCWarning(lcHttp) << "accept failed:" << latin1(ec.message());
        retryAcceptLater();
        return;
    }
    const bool overCap = openConnections() >= m_state->options.maxConnections;
    // Once per overload episode: a warning per refused connection would flood the log.
    if (overCap && !m_overCapWarned) {
        qCWarning(lcHttp) << "connection limit" << m_state->options.maxConnections
                          << "reached; refusing new connections with 503";
    }
    m_overCapWarned = overCap;
    auto session = Session::create(m_state, std::move(socket));
    if (overCap) {
        session->rejectBusy();
    } else {
        session->start();
    }
    std::lock_guard lock(m_acceptorMutex);
    if (m_acceptor.is_open()) {
        accept();
    }
}

void HttpServer::Impl::retryAcceptLater() {
    m_acceptRetry.expires_after(kAcceptRetryDelay);
    m_acceptRetry.async_wait([this](beast::error_code ec) {
        if (ec || m_state->isStopped()) {
            return;
        }
        std::lock_guard lock(m_acceptorMutex);
        if (m_acceptor.is_open()) {
            accept();
        }
    });
}

void HttpServer::Impl::runIo() {
    for (;;) {
        try {
            m_state->io.run();
            return;
        } catch (const std::exception& e) {
            qCWarning(lcHttp) << "IO thread caught an exception:" << e.what();
        }
    }
}

void HttpServer::Impl::stopAccepting() {
    std::lock_guard lock(m_acceptorMutex);
    if (m_acceptor.is_open()) {
        beast::error_code ec;
        m_acceptor.close(ec);
        qCInfo(lcHttp) << "stopped accepting connections";
    }
}

void HttpServer::Impl::stop() {
    if (m_stopped) {
        return;
    }
    m_stopped = true;
    {
        std::lock_guard lock(m_state->postMutex);
        m_state->stopped.store(true, std::memory_order_release);
    }
    stopAccepting();
    m_work.reset();
    m_state->io.stop();
    for (auto& thread : m_threads) {
        thread.join();
    }
    m_threads.clear();
    // The IO threads are gone, so this thread may touch the sockets. Closing them aborts the
    // pending operations; running the io_context once more lets those handlers finish and
    // release the sessions they hold (every handler returns early once stopped is set).
    m_acceptRetry.cancel();
    const auto sessions = liveSessions();
    for (const auto& session : sessions) {
        session->closeAfterStop();
    }
    m_state->io.restart();
    runIo();
    if (m_started) {
        qCInfo(lcHttp) << "stopped;" << sessions.size() << "connection(s) closed";
    }
}

std::vector<std::shared_ptr<Session>> HttpServer::Impl::liveSessions() const {
    std::vector<std::shared_ptr<Session>> live;
    std::lock_guard lock(m_state->sessionsMutex);
    live.reserve(m_state->sessions.size());
    for (const auto& [key, weak] : m_state->sessions) {
        if (auto session = weak.lock()) {
            live.push_back(std::move(session));
        }
    }
    return live;
}

std::size_t HttpServer::Impl::openConnections() const {
    std::lock_guard lock(m_state->sessionsMutex);
    return m_state->sessions.size();
}

HttpServer::HttpServer(HttpServerOptions options, RequestHandler handler)
    : d(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() {
    stop();
}

Status HttpServer::start() {
    return d->start();
}

std::uint16_t HttpServer::port() const {
    return d->port();
}

void HttpServer::stopAccepting() {
    d->stopAccepting();
}

void HttpServer::stop() {
    d->stop();
}

std::size_t HttpServer::openConnections() const {
    return d->openConnections();
}

}  // namespace atalaya::http
