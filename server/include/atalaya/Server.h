#pragma once

#include <atalaya/Config.h>
#include <atalaya/Result.h>
#include <atalaya/Status.h>

#include <cstdint>
#include <memory>
#include <string>

namespace atalaya {

enum class Drain { Wait, Abort };

// The whole serving engine: model repository, batchers, inference workers and the HTTP
// listener. Owns its own threads; it needs no Qt event loop, so the console and the headless
// binary embed it the same way.
//
// Thread affinity: construct, start() and stop() from one thread (the application's main).
class Server {
public:
    explicit Server(ServerConfig config);
    ~Server();  // stop(Drain::Abort) if still running
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds the listener and starts serving. Models load in the background: /healthz answers
    // at once, /readyz once every configured model version is READY. A model that fails to
    // load is reported in health, never a start() error; a port that cannot be bound is.
    Status start();

    // Stops accepting; with Drain::Wait, in-flight and queued requests finish (up to the
    // configured drain timeout) before the threads are joined.
    void stop(Drain drain);

    // Valid after a successful start(); ports are the bound ones even when 0 was asked.
    // port() is the plain HTTP listener's (0 when http.plain is off), httpsPort() the HTTPS
    // listener's (0 without TLS). baseUrl() is "http://host:port" while plain HTTP listens,
    // else "https://host:httpsPort".
    std::string host() const;
    std::uint16_t port() const;
    std::uint16_t httpsPort() const;
    std::string baseUrl() const;

    // A bearer token with every scope that lives only in this process's memory (credential
    // "local"), for an application embedding the server, e.g. the console talking to its own
    // server over loopback. Never written anywhere; gone when the server is. Empty when
    // security is off. Call after a successful start(); thread-safe.
    Result<std::string> issueLocalToken();

private:
    class Impl;
    std::unique_ptr<Impl> d;
};

}  // namespace atalaya
