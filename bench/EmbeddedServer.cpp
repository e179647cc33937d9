#include "EmbeddedServer.h"

#include <stdlib.h>  // mkdtemp

#include <cstdlib>
#include <string>
#include <thread>

#include "HttpProbe.h"
#include "security/ApiKeyStore.h"

namespace atalaya::bench {
namespace {

Result<std::filesystem::path> makeTempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "atalaya-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        return internalError("cannot create a temporary directory in " +
                             std::filesystem::temp_directory_path().string());
    }
    return std::filesystem::path(pattern);
}

// A predict key made the way `atalaya-server keys create` makes one (ApiKeyStore::create on
// <dataDir>/security.sqlite, before the server opens it), with limits no load run reaches.
Result<std::string> issueBenchKey(const std::filesystem::path& dataDir) {
    ATALAYA_ASSIGN_OR_RETURN(auto keys, security::ApiKeyStore::open(dataDir / "security.sqlite"));
    security::ApiKeySpec spec;
    spec.name = "bench";
    spec.owner = "atalaya-bench";
    spec.scopes = static_cast<std::uint8_t>(Scope::Predict);
    spec.limits = {.ratePerSecond = 1e9, .burst = 1e9};
    ATALAYA_ASSIGN_OR_RETURN(auto issued, keys->create(spec));
    return std::move(issued.token);
}

}  // namespace

EmbeddedServer::EmbeddedServer(ServerConfig config, std::filesystem::path tempDir)
    : m_config(std::move(config)), m_tempDir(std::move(tempDir)), m_server(m_config) {}

EmbeddedServer::~EmbeddedServer() {
    stop();
}

Result<std::unique_ptr<EmbeddedServer>> EmbeddedServer::start(const std::filesystem::path& models,
                                                              std::chrono::seconds readyTimeout,
                                                              Telemetry telemetry,
                                                              Authentication authentication) {
    ATALAYA_ASSIGN_OR_RETURN(auto tempDir, makeTempDir());
    ServerConfig config;
    config.http.host = "127.0.0.1";
    config.http.port = 0;
    config.modelRepository = models;
    config.dataDir = tempDir / "data";
    // The serving benchmark measures serving; the load generator sends no tokens. Reported in
    // the output (BenchRun) so no one compares it with an authenticated deployment unawares.
    // With authentication, every loopback client shares one address: its bucket (default
    // 200/s) would measure 429s, so it is raised out of reach and still checked per request.
    config.security.enabled = authentication == Authentication::On;
    config.security.ipRate = {.ratePerSecond = 1e9, .burst = 1e9};
    config.telemetry.inferenceLog = telemetry == Telemetry::On;
    config.telemetry.driftMonitor = telemetry == Telemetry::On;
    std::filesystem::create_directories(config.dataDir);

    std::unique_ptr<EmbeddedServer> server(new EmbeddedServer(std::move(config), tempDir));
    if (authentication == Authentication::On) {
        ATALAYA_ASSIGN_OR_RETURN(server->m_bearerToken, issueBenchKey(server->m_config.dataDir));
    }
    ATALAYA_RETURN_IF_ERROR(server->m_server.start());

    const auto deadline = std::chrono::steady_clock::now() + readyTimeout;
    while (probeStatus("127.0.0.1", server->port(), "/readyz", std::chrono::seconds(2)) != 200) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return Status(StatusCode::DeadlineExceeded, "the server was not ready within " +
                                                            std::to_string(readyTimeout.count()) +
                                                            " s (see /readyz)");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return server;
}

void EmbeddedServer::stop() {
    if (m_stopped)
        return;
    m_stopped = true;
    m_server.stop(Drain::Wait);
    std::error_code ignored;
    std::filesystem::remove_all(m_tempDir, ignored);
}

}  // namespace atalaya::bench
