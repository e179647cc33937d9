#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "http/HttpMessage.h"

namespace atalaya::test {

using http::HeaderList;

// One response as the client read it. A failed call (timeout, refused, closed) has status 0
// and says why in `error`, so a test fails with a message instead of hanging or throwing.
struct HttpTestResponse {
    int status = 0;
    std::string body;
    HeaderList headers;
    bool keepAlive = false;  // the server will keep the connection open
    std::string error;       // empty on success, e.g. "timeout" or "end of stream"

    bool ok() const { return error.empty(); }
    std::string_view header(std::string_view name) const;  // case-insensitive; empty when absent
};

// HTTPS for HttpTestClient. The server's certificate must chain to `caFile` (PEM) and name the
// host (DNS name or IP address); the system's CAs are not trusted. Versions are OpenSSL's
// (TLS1_2_VERSION, ...); 0 is the library default. Offering only versions below TLS 1.2 also
// lowers the client's OpenSSL security level, so that it is the server that refuses them.
struct TlsClientOptions {
    std::string caFile;
    std::string serverName;  // the name to verify and send as SNI; empty: the host connected to
    int minVersion = 0;
    int maxVersion = 0;
};

// A small synchronous HTTP/1.1 client for tests, on Boost.Beast. Every call is bounded by a
// timeout, so a server that hangs fails the test instead of stalling CI.
//
// request() reuses the connection while the server allows keep-alive and opens a new one
// otherwise. The raw calls (sendRaw, readRaw, readResponse, waitForClose) work on the same
// connection and read buffer, for protocol tests: pipelining, malformed input, disconnects.
//
// With TlsClientOptions every connection is HTTPS: connect() includes the handshake, and the
// raw calls send and read through TLS.
//
// Not thread-safe: use one client per thread. Does not follow redirects.
class HttpTestClient {
public:
    using Response = HttpTestResponse;
    static constexpr std::chrono::milliseconds kDefaultTimeout{5000};

    HttpTestClient(std::string host, std::uint16_t port);
    HttpTestClient(std::string host, std::uint16_t port, TlsClientOptions tls);
    ~HttpTestClient();
    HttpTestClient(const HttpTestClient&) = delete;
    HttpTestClient& operator=(const HttpTestClient&) = delete;

    // Sends one request and reads its answer within `timeout` in total (connecting included).
    // Adds Host, and Content-Length when there is a body, unless `headers` already has them.
    Response request(std::string_view method, std::string_view target, std::string_view body = {},
                     const HeaderList& headers = {},
                     std::chrono::milliseconds timeout = kDefaultTimeout);

    // Opens a new connection (and completes the TLS handshake), closing any open one. False on
    // failure or timeout; lastError() says why.
    bool connect(std::chrono::milliseconds timeout = kDefaultTimeout);
    std::string lastError() const;
    // Writes `bytes` as they are, connecting first if needed. False on failure or timeout.
    bool sendRaw(std::string_view bytes, std::chrono::milliseconds timeout = kDefaultTimeout);
    // Returns bytes already buffered, or waits for at least one byte and returns what arrived;
    // "" on timeout or when the server closed the connection. A timeout closes the connection.
    std::string readRaw(std::chrono::milliseconds timeout = kDefaultTimeout);
    // Reads one response from the open connection (after sendRaw; also for pipelining).
    Response readResponse(std::chrono::milliseconds timeout = kDefaultTimeout);
    // True when the server closes the connection (end of stream or reset) within `timeout`.
    // Bytes that arrive meanwhile are discarded. A timeout closes the connection from this side.
    bool waitForClose(std::chrono::milliseconds timeout = kDefaultTimeout);
    void close();

    // As far as the client knows: a server-side close is only seen by the next read.
    bool isConnected() const;
    // TCP connections opened so far: a keep-alive test expects it to stay at 1.
    int connectionsOpened() const;

private:
    class Impl;
    std::unique_ptr<Impl> d;
};

}  // namespace atalaya::test
