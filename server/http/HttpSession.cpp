#include "http/HttpSession.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>

#include "core/Logging.h"
#include "http/HttpErrors.h"
#include "http/RequestSink.h"

namespace atalaya::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr std::size_t kReadChunk = 64 << 10;
// A connection's read buffer is kept between requests, unless a large body inflated it.
constexpr std::size_t kMaxIdleBufferCapacity = 64 << 10;
// Lingering close (see Session::lingerAndClose) is bounded in time and bytes.
constexpr std::chrono::milliseconds kMaxLinger{1000};
constexpr std::size_t kMaxLingerBytes = 1 << 20;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// RFC 9110 §6.4.1 / §15: these statuses never carry content, and 1xx/204 no Content-Length.
bool statusForbidsBody(int status) {
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

bool isParseError(const beast::error_code& ec) {
    return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

// Whether the first bytes of a connection are the start of an HTTP/1.x request line: a method
// token of ASCII capitals (every method RFC 9110 §9 registers is one), whole or cut short, then
// a space. A TLS client's first byte is 0x16 (a handshake record), so none of them matches.
bool looksLikePlainHttp(std::string_view bytes) {
    constexpr std::size_t kLongestMethod = 16;
    std::size_t length = 0;
    while (length < bytes.size() && bytes[length] != ' ') {
        if (bytes[length] < 'A' || bytes[length] > 'Z' || ++length > kLongestMethod)
            return false;
    }
    return length > 0;
}

std::string remoteAddressOf(const tcp::socket& socket) {
    beast::error_code ec;
    const tcp::endpoint endpoint = socket.remote_endpoint(ec);
    return ec ? std::string() : endpoint.address().to_string();
}

// One TCP connection, speaking HTTP/1.1 over `Stream`: beast::tcp_stream, or an ssl_stream
// over one. Only the start (a TLS handshake) and the graceful close (close_notify) differ.
// Every member function except the SessionBase ones and the constructor runs on the
// connection's strand (or, once stop() has joined the IO threads, on the stopping thread).
template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
public:
    static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

    Session(std::shared_ptr<ServerState> state, tcp::socket socket);
    ~Session() override;
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    void start() override { begin(Start::Serve); }
    void rejectBusy() override { begin(Start::RejectBusy); }
    void closeAfterStop() override { closeSocket(); }
    bool isStopping() const override { return m_state->isStopped(); }
    void post(std::function<void()> work) override {
        m_state->postUnlessStopped(m_executor, std::move(work));
    }
    void deliver(std::uint64_t requestId, HttpResponse&& response) override {
        m_state->postUnlessStopped(m_executor, [self = this->shared_from_this(), requestId,
                                                response = std::move(response)]() mutable {
            self->answer(requestId, std::move(response));
        });
    }

private:
    enum class Start { Serve, RejectBusy };

    static Stream makeStream(tcp::socket socket, ServerState& state) {
        if constexpr (kTls) {
            return Stream(std::move(socket), *state.tls);
        } else {
            return Stream(std::move(socket));
        }
    }
    beast::tcp_stream& tcp() { return beast::get_lowest_layer(m_stream); }
    std::shared_ptr<Session> shared() { return this->shared_from_this(); }

    void begin(Start how);
    void onDetected(beast::error_code ec, bool tls, Start how);
    void refusePlainHttp();
    void onHandshake(beast::error_code ec, Start how);
    void afterHandshake(Start how);
    void sendBusy();
    void waitForRequest();
    void onFirstBytes(beast::error_code ec, std::size_t bytes);
    void readHeader();
    template <class Parser>
    bool parseBuffered(Parser& parser, beast::error_code& ec);
    void onHeader(beast::error_code ec, std::size_t bytes);
    void sendContinue();
    void readBody();
    void onBody(beast::error_code ec, std::size_t bytes);
    void onReadError(const beast::error_code& ec);
    template <class Body>
    void handleRequest(bhttp::request<Body>&& message);
    void answer(std::uint64_t requestId, HttpResponse&& response);
    void failRequest(int status, std::string_view code, std::string_view message);
    void prepareResponse(HttpResponse&& response);  // into m_response
    void writeResponse(HttpResponse&& response);
    void onWritten(beast::error_code ec, std::size_t bytes);
    void lingerAndClose();
    void halfCloseAndDrain();
    void drain();
    std::chrono::milliseconds lingerTime() const {
        return std::min<std::chrono::milliseconds>(m_state->options.readTimeout, kMaxLinger);
    }
    void closeSocket();

    const std::shared_ptr<ServerState> m_state;
    const asio::any_io_executor m_executor;  // the strand; copied so post() never reads m_stream
    const std::string m_remoteAddress;       // read before the socket moves into m_stream
    Stream m_stream;
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

template <class Stream>
Session<Stream>::Session(std::shared_ptr<ServerState> state, tcp::socket socket)
    : m_state(std::move(state))
    , m_executor(socket.get_executor())
    , m_remoteAddress(remoteAddressOf(socket))
    , m_stream(makeStream(std::move(socket), *m_state)) {}

template <class Stream>
Session<Stream>::~Session() {
    std::lock_guard lock(m_state->sessionsMutex);
    m_state->sessions.erase(this);
}

template <class Stream>
void Session<Stream>::begin(Start how) {
    asio::dispatch(m_executor, [self = shared(), how] {
        if (self->isStopping()) {
            return;
        }
        if constexpr (kTls) {
            // A client that connects and never finishes the handshake is a slow loris too.
            // The first bytes are read before the handshake, so that plain HTTP sent to this
            // port gets an answer it can read instead of a dropped connection.
            self->tcp().expires_after(self->m_state->options.readTimeout);
            beast::async_detect_ssl(
                self->tcp(), self->m_buffer,
                [self, how](beast::error_code ec, bool tls) { self->onDetected(ec, tls, how); });
        } else {
            self->afterHandshake(how);
        }
    });
}

template <class Stream>
void Session<Stream>::onDetected(beast::error_code ec, bool tls, Start how) {
    if constexpr (kTls) {
        if (isStopping()) {
            return;
        }
        if (ec) {
            qCDebug(lcHttp) << "connection from" << latin1(m_remoteAddress)
                            << "closed before a TLS handshake:" << latin1(ec.message());
            closeSocket();
            return;
        }
        if (!tls) {
            const auto first = m_buffer.cdata();
            if (looksLikePlainHttp({static_cast<const char*>(first.data()), first.size()})) {
                refusePlainHttp();
                return;
            }
            qCDebug(lcHttp) << "neither TLS nor HTTP from" << latin1(m_remoteAddress);
            closeSocket();
            return;
        }
        // The bytes already read are the start of the ClientHello.
        m_stream.async_handshake(asio::ssl::stream_base::server, m_buffer.data(),
                                 [self = shared(), how](beast::error_code ec, std::size_t used) {
                                     self->m_buffer.consume(used);
                                     self->onHandshake(ec, how);
                                 });
    }
}

// Answers in plain text on the TCP stream, below TLS (no handshake ever began), then closes.
template <class Stream>
void Session<Stream>::refusePlainHttp() {
    qCDebug(lcHttp) << "plain HTTP from" << latin1(m_remoteAddress) << "on the HTTPS port";
    m_keepAlive = false;
    m_headRequest = false;
    m_version = 11;
    prepareResponse(
        transportError(400, "plain_http_on_https_port", "this port speaks HTTPS; use https://"));
    tcp().expires_after(m_state->options.readTimeout);
    bhttp::async_write(tcp(), m_response, [self = shared()](beast::error_code ec, std::size_t) {
        if (self->isStopping()) {
            return;
        }
        if (ec) {
            self->closeSocket();
            return;
        }
        self->m_response = {};
        self->halfCloseAndDrain();
    });
}

template <class Stream>
void Session<Stream>::onHandshake(beast::error_code ec, Start how) {
    if (isStopping()) {
        return;
    }
    if (ec) {
        // Old protocol versions, scanners, timeouts.
        qCDebug(lcHttp) << "TLS handshake with" << latin1(m_remoteAddress)
                        << "failed:" << latin1(ec.message());
        closeSocket();
        return;
    }
    afterHandshake(how);
}

template <class Stream>
void Session<Stream>::afterHandshake(Start how) {
    if (how == Start::RejectBusy) {
        sendBusy();
    } else {
        waitForRequest();
    }
}

template <class Stream>
void Session<Stream>::sendBusy() {
    qCDebug(lcHttp) << "refusing" << latin1(m_remoteAddress) << "over the connection limit";
    m_keepAlive = false;
    HttpResponse busy =
        transportError(503, "too_many_connections", "the server has too many open connections");
    busy.withHeader("Retry-After", "1");
    writeResponse(std::move(busy));
}

// Between requests the connection is idle (idleTimeout); from the first byte of a request the
// whole request must arrive within readTimeout, however slowly it trickles (slow-loris).
template <class Stream>
void Session<Stream>::waitForRequest() {
    if (isStopping()) {
        return;
    }
    m_headerParser.emplace();
    m_headerParser->header_limit(static_cast<std::uint32_t>(m_state->options.maxHeaderBytes));
    if (m_buffer.size() > 0) {  // a pipelined request is already here
        tcp().expires_after(m_state->options.readTimeout);
        readHeader();
        return;
    }
    tcp().expires_after(m_state->options.idleTimeout);
    m_stream.async_read_some(m_buffer.prepare(beast::read_size(m_buffer, kReadChunk)),
                             beast::bind_front_handler(&Session::onFirstBytes, shared()));
}

template <class Stream>
void Session<Stream>::onFirstBytes(beast::error_code ec, std::size_t bytes) {
    if (isStopping()) {
        return;
    }
    if (ec) {
        qCDebug(lcHttp) << "closing idle connection:" << latin1(ec.message());
        closeSocket();
        return;
    }
    m_buffer.commit(bytes);
    tcp().expires_after(m_state->options.readTimeout);
    readHeader();
}

template <class Stream>
void Session<Stream>::readHeader() {
    // The header (usually the whole request) has mostly arrived with the first bytes: parse what
    // is buffered here, and read asynchronously only for what is missing. An asynchronous read
    // of bytes already buffered would still complete through another trip around the IO
    // thread's queue, for every request.
    beast::error_code ec;
    if (parseBuffered(*m_headerParser, ec)) {
        onHeader(ec, 0);
        return;
    }
    bhttp::async_read_header(m_stream, m_buffer, *m_headerParser,
                             beast::bind_front_handler(&Session::onHeader, shared()));
}

// Feeds the buffered bytes to `parser` (its limits apply as in an asynchronous read). True when
// it got what it was asked for (the header, or with eager() the whole message) or failed (`ec`);
// false when it needs bytes still to come.
template <class Stream>
template <class Parser>
bool Session<Stream>::parseBuffered(Parser& parser, beast::error_code& ec) {
    while (m_buffer.size() > 0) {
        const std::size_t used = parser.put(m_buffer.data(), ec);
        m_buffer.consume(used);
        if (ec == bhttp::error::need_more) {
            ec = {};
            return false;
        }
        if (ec || parser.is_done() || (!parser.eager() && parser.is_header_done()))
            return true;
        if (used == 0)
            return false;
    }
    return parser.is_done();
}

template <class Stream>
void Session<Stream>::onHeader(beast::error_code ec, std::size_t /*bytes*/) {
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
template <class Stream>
void Session<Stream>::sendContinue() {
    asio::async_write(m_stream, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared()](beast::error_code ec, std::size_t) {
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

template <class Stream>
void Session<Stream>::readBody() {
    // As readHeader: a body that arrived with its header is parsed without another trip.
    m_bodyParser->eager(true);
    beast::error_code ec;
    if (parseBuffered(*m_bodyParser, ec)) {
        onBody(ec, 0);
        return;
    }
    bhttp::async_read(m_stream, m_buffer, *m_bodyParser,
                      beast::bind_front_handler(&Session::onBody, shared()));
}

template <class Stream>
void Session<Stream>::onBody(beast::error_code ec, std::size_t /*bytes*/) {
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

template <class Stream>
void Session<Stream>::onReadError(const beast::error_code& ec) {
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
        // Timeouts (the stream is already closed, so no 408 can be sent), resets, EOF, and a
        // TLS peer gone without close_notify (stream_truncated).
        qCDebug(lcHttp) << "closing connection while reading:" << latin1(ec.message());
        closeSocket();
    }
}

template <class Stream>
template <class Body>
void Session<Stream>::handleRequest(bhttp::request<Body>&& message) {
    tcp().expires_never();  // the handler's time is not the client's
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
                    << latin1(m_remoteAddress) << (kTls ? "(TLS)" : "");

    m_awaitingAnswer = true;
    ++m_requestId;
    try {
        m_state->handler(std::move(request),
                         Responder(std::make_shared<RequestSink>(shared(), m_requestId)));
    } catch (const std::exception& e) {
        // The Responder is gone by now, so its sink answers 500.
        qCWarning(lcHttp) << "request handler threw:" << e.what();
    } catch (...) {
        qCWarning(lcHttp) << "request handler threw a non-standard exception";
    }
}

template <class Stream>
void Session<Stream>::answer(std::uint64_t requestId, HttpResponse&& response) {
    if (isStopping() || m_closed || !m_awaitingAnswer || requestId != m_requestId) {
        qCDebug(lcHttp) << "dropping an answer: its connection is closed";
        return;
    }
    m_awaitingAnswer = false;
    writeResponse(std::move(response));
}

template <class Stream>
void Session<Stream>::failRequest(int status, std::string_view code, std::string_view message) {
    qCDebug(lcHttp) << "refusing request from" << latin1(m_remoteAddress) << status << latin1(code);
    m_keepAlive = false;
    m_headRequest = false;
    writeResponse(transportError(status, code, message));
}

template <class Stream>
void Session<Stream>::prepareResponse(HttpResponse&& response) {
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
}

template <class Stream>
void Session<Stream>::writeResponse(HttpResponse&& response) {
    prepareResponse(std::move(response));
    tcp().expires_after(std::max(m_state->options.idleTimeout, m_state->options.readTimeout));
    bhttp::async_write(m_stream, m_response,
                       beast::bind_front_handler(&Session::onWritten, shared()));
}

template <class Stream>
void Session<Stream>::onWritten(beast::error_code ec, std::size_t /*bytes*/) {
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
//
// Over TLS the half-close is a close_notify (RFC 8446 §6.1): async_shutdown sends it, then
// reads until the client's own close_notify, and OpenSSL discards the application data that
// arrives meanwhile; the same time bound applies.
template <class Stream>
void Session<Stream>::lingerAndClose() {
    if constexpr (kTls) {
        tcp().expires_after(lingerTime());
        m_stream.async_shutdown([self = shared()](beast::error_code ec) {
            if (self->isStopping()) {
                return;
            }
            if (ec && ec != asio::ssl::error::stream_truncated && ec != asio::error::eof) {
                qCDebug(lcHttp) << "TLS close:" << latin1(ec.message());
            }
            self->closeSocket();
        });
    } else {
        halfCloseAndDrain();
    }
}

// The TCP half of lingerAndClose, also for the plain answer on the HTTPS port (no TLS to close).
template <class Stream>
void Session<Stream>::halfCloseAndDrain() {
    beast::error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
        closeSocket();
        return;
    }
    m_buffer.clear();
    m_lingerBytes = 0;
    tcp().expires_after(lingerTime());
    drain();
}

template <class Stream>
void Session<Stream>::drain() {
    tcp().async_read_some(m_buffer.prepare(kReadChunk),
                          [self = shared()](beast::error_code ec, std::size_t bytes) {
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

template <class Stream>
void Session<Stream>::closeSocket() {
    if (m_closed) {
        return;
    }
    m_closed = true;
    beast::error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp().close();
}

template <class Stream>
std::shared_ptr<SessionBase> registered(const std::shared_ptr<ServerState>& state,
                                        tcp::socket socket) {
    auto session = std::make_shared<Session<Stream>>(state, std::move(socket));
    std::lock_guard lock(state->sessionsMutex);
    state->sessions.emplace(session.get(), session);
    return session;
}

}  // namespace

std::shared_ptr<SessionBase> createSession(std::shared_ptr<ServerState> state, tcp::socket socket,
                                           Transport transport) {
    if (transport == Transport::Tls) {
        return registered<TlsStream>(state, std::move(socket));
    }
    return registered<PlainStream>(state, std::move(socket));
}

}  // namespace atalaya::http
