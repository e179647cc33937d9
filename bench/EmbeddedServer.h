#pragma once

#include <atalaya/Config.h>
#include <atalaya/Result.h>
#include <atalaya/Server.h>

#include <chrono>
#include <filesystem>
#include <memory>

namespace atalaya::bench {

// An atalaya::Server in this process on 127.0.0.1 with a free port, its data directory in a
// fresh temporary directory, every other setting at its default (what an operator gets).
//
// Thread affinity: create and destroy on one thread (the Server's own rule).
class EmbeddedServer {
public:
    // Starts the server and waits until /readyz answers 200 (every model loaded), at most
    // `readyTimeout`.
    // `telemetry` off turns the inference log and the drift monitor off, to measure their cost.
    // `authentication` on is the default security of an install, with one API key (predict
    // scope, bearerToken()) and limits far above what the load generator can send, so that
    // what is measured is the cost of the checks, never a 429.
    enum class Telemetry { On, Off };
    enum class Authentication { Off, On };
    static Result<std::unique_ptr<EmbeddedServer>> start(
        const std::filesystem::path& models, std::chrono::seconds readyTimeout,
        Telemetry telemetry = Telemetry::On, Authentication authentication = Authentication::Off);
    ~EmbeddedServer();  // stop()
    EmbeddedServer(const EmbeddedServer&) = delete;
    EmbeddedServer& operator=(const EmbeddedServer&) = delete;

    // Drains in-flight requests, joins the server's threads and removes the data directory.
    // Idempotent.
    void stop();

    const ServerConfig& config() const { return m_config; }
    std::uint16_t port() const { return m_server.port(); }
    // The API key to send with Authentication::On; empty otherwise.
    const std::string& bearerToken() const { return m_bearerToken; }

private:
    EmbeddedServer(ServerConfig config, std::filesystem::path tempDir);

    const ServerConfig m_config;
    const std::filesystem::path m_tempDir;
    std::string m_bearerToken;
    Server m_server;
    bool m_stopped = false;
};

}  // namespace atalaya::bench
