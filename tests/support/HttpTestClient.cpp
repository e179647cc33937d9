#include "support/HttpTestClient.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace atalaya::test {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kMaxResponseBody = 256ULL << 20;
constexpr std::uint32_t kMaxResponseHeader = 1 << 20;
constexpr std::size_t kReadChunk = 64 << 10;

std::string describe(const beast::error_code& ec) {
    return ec == beast::error::timeout ? std::string("timeout") : ec.message();
}

HttpTestResponse failure(std::string error) {
    HttpTestResponse response;
    response.error = std::move(error);
    return response;
}

// What is left of `timeout` since `start`; at least 1 ms so that an expired budget still
// yields a (timed-out) attempt rather than an unbounded one.
std::chrono::milliseconds remaining(Clock::time_point start, std::chrono::milliseconds timeout) {
    const auto used = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return std::max(timeout - used, std::chrono::milliseconds(1));
}

}  // namespace

std::string_view HttpTestResponse::header(std::string_view name) const {
    for (const auto& [fieldName, value] : headers) {
        if (beast::iequals(fieldName, name)) {
            return value;
        }
    }
    return {};
}

// All I/O is asynchronous on a private io_context that the calling thread runs until the
// operation completes: that is what lets beast::tcp_stream enforce the timeouts.
class HttpTestClient::Impl {
public:
    Impl(std::string host, std::uint16_t port) : m_host(std::move(host)), m_port(port) {}
    ~Impl() { markClosed(); }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    Response request(std::string_view method, std::string_view target, std::string_view body,
                     const HeaderList& headers, std::chrono::milliseconds timeout);
    beast::error_code connect(std::chrono::milliseconds timeout);
    bool sendRaw(std::string_view bytes, std::chrono::milliseconds timeout);
    std::string readRaw(std::chrono::milliseconds timeout);
    Response readResponse(std::chrono::milliseconds timeout, bool headRequest);
    bool waitForClose(std::chrono::milliseconds timeout);
    void markClosed();

    bool isConnected() const { return m_connected; }
    int connectionsOpened() const { return m_connectionsOpened; }

private:
    bhttp::request<bhttp::string_body> buildRequest(std::string_view method,
                                                    std::string_view target, std::string_view body,
                                                    const HeaderList& headers) const;
    beast::error_code write(const bhttp::request<bhttp::string_body>& message);
    beast::error_code readSome(std::size_t& bytes);
    void runIo() {
        m_io.restart();
        m_io.run();
    }

    std::string m_host;
    std::uint16_t m_port;
    asio::io_context m_io;
    std::optional<beast::tcp_stream> m_stream;
    beast::flat_buffer m_buffer;
    bool m_connected = false;
    bool m_reusable = false;  // the last response allowed keep-alive
    int m_connectionsOpened = 0;
};

HttpTestResponse HttpTestClient::Impl::request(std::string_view method, std::string_view target,
                                               std::string_view body, const HeaderList& headers,
                                               std::chrono::milliseconds timeout) {
    const auto start = Clock::now();
    if (!m_connected || !m_reusable) {
        if (const auto ec = connect(timeout)) {
            return failure("connect: " + describe(ec));
        }
    }
    const auto message = buildRequest(method, target, body, headers);
    m_stream->expires_after(remaining(start, timeout));
    const beast::error_code writeError = write(message);
    // Even when the write fails the server may have answered first (a 413 sent before the
    // body was read), so read the answer anyway.
    Response response = readResponse(remaining(start, timeout), beast::iequals(method, "HEAD"));
    if (!response.ok() && writeError) {
        response.error = "write: " + describe(writeError) + "; read: " + response.error;
    }
    return response;
}

bhttp::request<bhttp::string_body> HttpTestClient::Impl::buildRequest(
    std::string_view method, std::string_view target, std::string_view body,
    const HeaderList& headers) const {
    bhttp::request<bhttp::string_body> message;
    message.method_string(method);
    message.target(target);
    message.version(11);
    bool hasHost = false;
    bool hasFraming = false;
    for (const auto& [name, value] : headers) {
        message.insert(name, value);
        hasHost = hasHost || beast::iequals(name, "Host");
        hasFraming = hasFraming || beast::iequals(name, "Content-Length") ||
                     beast::iequals(name, "Transfer-Encoding");
    }
    if (!hasHost) {
        message.set(bhttp::field::host, m_host + ":" + std::to_string(m_port));
    }
    message.body() = std::string(body);
    if (!hasFraming && !body.empty()) {
        message.content_length(body.size());
    }
    return message;
}

beast::error_code HttpTestClient::Impl::connect(std::chrono::milliseconds timeout) {
    markClosed();
    m_buffer.clear();
    m_stream.emplace(m_io);
    beast::error_code ec;
    tcp::resolver resolver(m_io);
    const auto endpoints = resolver.resolve(m_host, std::to_string(m_port), ec);
    if (ec) {
        return ec;
    }
    m_stream->expires_after(timeout);
    m_stream->async_connect(endpoints,
                            [&ec](beast::error_code result, const tcp::endpoint&) { ec = result; });
    runIo();
    if (!ec) {
        m_connected = true;
        m_reusable = true;
        ++m_connectionsOpened;
    }
    return ec;
}

beast::error_code HttpTestClient::Impl::write(const bhttp::request<bhttp::string_body>& message) {
    beast::error_code ec;
    bhttp::async_write(*m_stream, message,
                       [&ec](beast::error_code result, std::size_t) { ec = result; });
    runIo();
    return ec;
}

beast::error_code HttpTestClient::Impl::readSome(std::size_t& bytes) {
    beast::error_code ec;
    m_stream->async_read_some(m_buffer.prepare(kReadChunk),
                              [&](beast::error_code result, std::size_t n) {
                                  ec = result;
                                  bytes = n;
                              });
    runIo();
    return ec;
}

bool HttpTestClient::Impl::sendRaw(std::string_view bytes, std::chrono::milliseconds timeout) {
    const auto start = Clock::now();
    if (!m_connected && connect(timeout)) {
        return false;
    }
    beast::error_code ec;
    m_stream->expires_after(remaining(start, timeout));
    asio::async_write(*m_stream, asio::buffer(bytes.data(), bytes.size()),
                      [&ec](beast::error_code result, std::size_t) { ec = result; });
    runIo();
    if (ec) {
        markClosed();
    }
    return !ec;
}

std::string HttpTestClient::Impl::readRaw(std::chrono::milliseconds timeout) {
    if (m_buffer.size() == 0 && m_connected) {
        m_stream->expires_after(timeout);
        std::size_t bytes = 0;
        if (readSome(bytes)) {
            markClosed();
            return {};
        }
        m_buffer.commit(bytes);
    }
    std::string data = beast::buffers_to_string(m_buffer.data());
    m_buffer.consume(m_buffer.size());
    return data;
}

HttpTestResponse HttpTestClient::Impl::readResponse(std::chrono::milliseconds timeout,
                                                    bool headRequest) {
    if (!m_connected && m_buffer.size() == 0) {
        return failure("not connected");
    }
    m_stream->expires_after(timeout);
    for (;;) {
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(kMaxResponseBody);
        parser.header_limit(kMaxResponseHeader);
        parser.skip(headRequest);
        beast::error_code ec;
        bhttp::async_read(*m_stream, m_buffer, parser,
                          [&ec](beast::error_code result, std::size_t) { ec = result; });
        runIo();
        if (ec) {
            markClosed();
            return failure(describe(ec));
        }
        auto message = parser.release();
        const auto status = static_cast<int>(message.result_int());
        if (status >= 100 && status < 200 && status != 101) {
            continue;  // interim answer, e.g. 100 Continue: the real one follows
        }
        Response response;
        response.status = status;
        response.keepAlive = message.keep_alive();
        for (const auto& field : message) {
            response.headers.emplace_back(field.name_string(), field.value());
        }
        response.body = std::move(message.body());
        m_reusable = response.keepAlive;
        return response;
    }
}

bool HttpTestClient::Impl::waitForClose(std::chrono::milliseconds timeout) {
    if (!m_connected) {
        return true;
    }
    m_buffer.clear();
    m_stream->expires_after(timeout);
    for (;;) {
        std::size_t bytes = 0;
        const beast::error_code ec = readSome(bytes);
        if (ec) {
            markClosed();
            return ec != beast::error::timeout;
        }
    }
}

void HttpTestClient::Impl::markClosed() {
    m_connected = false;
    m_reusable = false;
    if (m_stream) {
        beast::error_code ignored;
        m_stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
        m_stream->close();
    }
}

HttpTestClient::HttpTestClient(std::string host, std::uint16_t port)
    : d(std::make_unique<Impl>(std::move(host), port)) {}

HttpTestClient::~HttpTestClient() = default;

HttpTestResponse HttpTestClient::request(std::string_view method, std::string_view target,
                                         std::string_view body, const HeaderList& headers,
                                         std::chrono::milliseconds timeout) {
    return d->request(method, target, body, headers, timeout);
}

bool HttpTestClient::connect(std::chrono::milliseconds timeout) {
    return !d->connect(timeout);
}

bool HttpTestClient::sendRaw(std::string_view bytes, std::chrono::milliseconds timeout) {
    return d->sendRaw(bytes, timeout);
}

std::string HttpTestClient::readRaw(std::chrono::milliseconds timeout) {
    return d->readRaw(timeout);
}

HttpTestResponse HttpTestClient::readResponse(std::chrono::milliseconds timeout) {
    return d->readResponse(timeout, false);
}

bool HttpTestClient::waitForClose(std::chrono::milliseconds timeout) {
    return d->waitForClose(timeout);
}

void HttpTestClient::close() {
    d->markClosed();
}

bool HttpTestClient::isConnected() const {
    return d->isConnected();
}

int HttpTestClient::connectionsOpened() const {
    return d->connectionsOpened();
}

}  // namespace atalaya::test
