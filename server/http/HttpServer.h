#pragma once

#include <atalaya/Status.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "http/HttpMessage.h"

namespace atalaya::http {

// The HTTPS listener: a PEM certificate (chain, leaf first) and its PEM private key.
struct TlsListenerOptions {
    std::filesystem::path certFile;
    std::filesystem::path keyFile;
    std::uint16_t port = 0;  // 0: the OS picks a free port; httpsPort() tells which
};

struct HttpServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;                 // 0: the OS picks a free port; port() tells which
    bool plain = true;                      // the plain HTTP listener on `port`
    std::optional<TlsListenerOptions> tls;  // an HTTPS listener besides (or instead of) it
    int ioThreads = 1;
    std::size_t maxBodyBytes = 1 << 20;
    std::size_t maxHeaderBytes = 16 << 10;
    std::chrono::milliseconds readTimeout{10'000};
    std::chrono::milliseconds idleTimeout{30'000};
    std::size_t maxConnections = 1024;
};

// HTTP/1.1 server on Boost.Beast. It enforces the limits (413 for a Content-Length over
// maxBodyBytes before the body is read, 431 for oversized headers, 408 on slow requests, idle
// keep-alive timeout, connection cap), honours Connection: close and keep-alive, answers
// pipelined requests in request order (one request per connection is handled at a time), and
// survives clients that disconnect before their answer.
//
// With `tls` set it also (or, with `plain` false, only) listens for HTTPS: TLS 1.2 or later,
// the handshake bounded by readTimeout, then the same sessions as plain HTTP, closed with a
// close_notify. One certificate and key are loaded once by start(); a file that cannot be read
// or a key that does not match the certificate fails start() (http/TlsContext.h).
//
// Thread affinity: start()/stop() from one thread; the handler runs on an IO thread and must
// not block: it answers through the Responder, now or later, from any thread.
class HttpServer {
public:
    HttpServer(HttpServerOptions options, RequestHandler handler);
    ~HttpServer();  // stop()
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    Status start();                   // load the TLS files, bind, listen, start the IO threads
    std::uint16_t port() const;       // the plain HTTP listener's port; 0 when it is off
    std::uint16_t httpsPort() const;  // the HTTPS listener's port; 0 when it is off
    void stopAccepting();             // close the listener; open connections keep being served
    void stop();                      // close every connection and join the IO threads
    std::size_t openConnections() const;

private:
    class Impl;
    std::unique_ptr<Impl> d;
};

}  // namespace atalaya::http
