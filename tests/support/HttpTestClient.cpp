#include "support/HttpTestClient.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <optional>

namespace atalaya::test {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
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
    Impl(std::string host, std::uint16_t port, const TlsClientOptions& tls)
        : m_host(std::move(host))
        , m_port(port)
        , m_tlsContext(makeTlsContext(tls))
        , m_serverName(tls.serverName.empty() ? m_host : tls.serverName) {}
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
    std::string lastError() const { return m_lastError; }

private:
    static ssl::context makeTlsContext(const TlsClientOptions& tls);
    beast::error_code handshake();
    // The TCP layer, under TLS or not, for timeouts and closing.
    beast::tcp_stream& tcp() {
        return m_tlsStream ? beast::get_lowest_layer(*m_tlsStream) : *m_stream;
    }
    // Runs `op` on the stream requests and responses go through.
    template <class Op>
    void withStream(Op&& op) {
        if (m_tlsStream) {
            op(*m_tlsStream);
        } else {
            op(*m_stream);
        }
    }

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
    std::optional<ssl::context> m_tlsContext;  // set: every connection is HTTPS
    std::string m_serverName;
    std::optional<beast::tcp_stream> m_stream;
    std::optional<beast::ssl_stream<beast::tcp_stream>> m_tlsStream;
    beast::flat_buffer m_buffer;
    std::string m_lastError;
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
            return failure("connect: " + m_lastError);
        }
    }
    const auto message = buildRequest(method, target, body, headers);
    tcp().expires_after(remaining(start, timeout));
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

ssl::context HttpTestClient::Impl::makeTlsContext(const TlsClientOptions& tls) {
    ssl::context context(ssl::context::tls_client);
    SSL_CTX* native = context.native_handle();
    if (tls.minVersion != 0) {
        SSL_CTX_set_min_proto_version(native, tls.minVersion);
    }
    if (tls.maxVersion != 0) {
        SSL_CTX_set_max_proto_version(native, tls.maxVersion);
        if (tls.maxVersion < TLS1_2_VERSION) {
            // OpenSSL 3 allows TLS 1.0/1.1 only at security level 0 (and their SHA-1 suites).
            SSL_CTX_set_security_level(native, 0);
            SSL_CTX_set_cipher_list(native, "DEFAULT:@SECLEVEL=0");
        }
    }
    context.set_verify_mode(ssl::verify_peer);
    beast::error_code ec;
    context.load_verify_file(tls.caFile, ec);  // a bad file shows up as a failed handshake
    return context;
}

beast::error_code HttpTestClient::Impl::handshake() {
    SSL* ssl = m_tlsStream->native_handle();
    beast::error_code ec;
    // SNI carries DNS names only (RFC 6066 §3).
    asio::ip::make_address(m_serverName, ec);
    if (ec) {
        SSL_set_tlsext_host_name(ssl, m_serverName.c_str());
    }
    m_tlsStream->set_verify_callback(ssl::host_name_verification(m_serverName), ec);
    if (ec) {
        return ec;
    }
    m_tlsStream->async_handshake(ssl::stream_base::client,
                                 [&ec](beast::error_code result) { ec = result; });
    runIo();
    return ec;
}

beast::error_code HttpTestClient::Impl::connect(std::chrono::milliseconds timeout) {
    markClosed();
    m_buffer.clear();
    m_lastError.clear();
    m_stream.reset();
    m_tlsStream.reset();
    if (m_tlsContext) {
        m_tlsStream.emplace(m_io, *m_tlsContext);
    } else {
        m_stream.emplace(m_io);
    }
    beast::error_code ec;
    tcp::resolver resolver(m_io);
    const auto endpoints = resolver.resolve(m_host, std::to_string(m_port), ec);
    if (ec) {
        m_lastError = describe(ec);
        return ec;
    }
    const auto start = Clock::now();
    tcp().expires_after(timeout);
    tcp().async_connect(endpoints,
                        [&ec](beast::error_code result, const tcp::endpoint&) { ec = result; });
    runIo();
    if (!ec && m_tlsStream) {
        tcp().expires_after(remaining(start, timeout));
        ec = handshake();
        if (ec) {
            m_lastError = "TLS handshake: " + describe(ec);
            tcp().close();
            return ec;
        }
    }
    if (ec) {
        m_lastError = describe(ec);
    }
    if (!ec) {
        m_connected = true;
        m_reusable = true;
        ++m_connectionsOpened;
    }
    return ec;
}

beast::error_code HttpTestClient::Impl::write(const bhttp::request<bhttp::string_body>& message) {
    beast::error_code ec;
    withStream([&](auto& stream) {
        bhttp::async_write(stream, message,
                           [&ec](beast::error_code result, std::size_t) { ec = result; });
    });
    runIo();
    return ec;
}

beast::error_code HttpTestClient::Impl::readSome(std::size_t& bytes) {
    beast::error_code ec;
    withStream([&](auto& stream) {
        stream.async_read_some(m_buffer.prepare(kReadChunk),
                               [&](beast::error_code result, std::size_t n) {
                                   ec = result;
                                   bytes = n;
                               });
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
    tcp().expires_after(remaining(start, timeout));
    withStream([&](auto& stream) {
        asio::async_write(stream, asio::buffer(bytes.data(), bytes.size()),
                          [&ec](beast::error_code result, std::size_t) { ec = result; });
    });
    runIo();
    if (ec) {
        markClosed();
    }
    return !ec;
}

std::string HttpTestClient::Impl::readRaw(std::chrono::milliseconds timeout) {
    if (m_buffer.size() == 0 && m_connected) {
        tcp().expires_after(timeout);
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
    tcp().expires_after(timeout);
    for (;;) {
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(kMaxResponseBody);
        parser.header_limit(kMaxResponseHeader);
        parser.skip(headRequest);
        beast::error_code ec;
        withStream([&](auto& stream) {
            bhttp::async_read(stream, m_buffer, parser,
                              [&ec](beast::error_code result, std::size_t) { ec = result; });
        });
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
    tcp().expires_after(timeout);
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
    // Over TLS without a close_notify: tests want abrupt closes, and the server must cope.
    if (m_stream || m_tlsStream) {
        beast::error_code ignored;
        tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
        tcp().close();
    }
}

HttpTestClient::HttpTestClient(std::string host, std::uint16_t port)
    : d(std::make_unique<Impl>(std::move(host), port)) {}

HttpTestClient::HttpTestClient(std::string host, std::uint16_t port, TlsClientOptions tls)
    : d(std::make_unique<Impl>(std::move(host), port, tls)) {}

HttpTestClient::~HttpTestClient() = default;

HttpTestResponse HttpTestClient::request(std::string_view method, std::string_view target,
                                         std::string_view body, const HeaderList& headers,
                                         std::chrono::milliseconds timeout) {
    return d->request(method, target, body, headers, timeout);
}

bool HttpTestClient::connect(std::chrono::milliseconds timeout) {
    return !d->connect(timeout);
}

std::string HttpTestClient::lastError() const {
    return d->lastError();
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
