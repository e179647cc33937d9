#pragma once

#include <atalaya/Config.h>
#include <atalaya/Result.h>
#include <atalaya/Server.h>

#include <QString>
#include <QTemporaryDir>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/HttpTestClient.h"

// Helpers for the API integration suites: a model repository made for one test, the real
// server on a free loopback port, and bounded HTTP calls. Everything here runs on the test's
// main thread unless a comment says otherwise.
namespace atalaya::test {

using Json = nlohmann::json;

// Generous bounds: these machines are noisy, and a bound only exists so that a hang fails the
// test instead of stalling CI. No test asserts that anything is fast.
inline constexpr std::chrono::milliseconds kRequestTimeout{60'000};
inline constexpr std::chrono::milliseconds kModelLoadTimeout{120'000};
inline constexpr std::string_view kLoopback = "127.0.0.1";

// A model repository in a temporary directory, assembled from the generated models
// (ATALAYA_DEMO_MODELS, ATALAYA_TEST_FIXTURES) by symbolic links, so nothing is copied.
class TestModelRepository {
public:
    TestModelRepository();
    const std::filesystem::path& root() const { return m_root; }

    // Links <from>/<model> into the repository as `as` (default: the same name).
    Status link(const std::filesystem::path& from, const std::string& model,
                const std::string& as = {});

    // Adds <from>/<model> as `as` with every file linked, except that version `version` gets a
    // model.json of its own holding `overrides` on top of the one it had (docs/models.md: the
    // version file is merged key by key over the model's), e.g. to change a fixture's inputs.
    Status linkWithOverrides(const std::filesystem::path& from, const std::string& model,
                             const std::string& as, std::int64_t version, const Json& overrides);

    // Adds <fixtures>/fixture-throws, which raises on 13.0 but declares a, b, c in [-10, 10], so
    // the server would refuse 13.0 with 400 out_of_range before any model runs. Version 1 is
    // given the same input without ranges: 13.0 reaches the model and fails it (500).
    Status linkFixtureThrowsWithoutRanges(const std::filesystem::path& fixtures);

private:
    QTemporaryDir m_dir;
    std::filesystem::path m_root;
};

// The metadata the server reads for one version: <modelDir>/model.json with
// <modelDir>/<version>/model.json merged over it. For the "smoke" examples.
Result<Json> readModelJson(const std::filesystem::path& modelDir, std::int64_t version);

// A config for tests: loopback, port 0, the given repository, one intra-op thread (two cores
// shared with compilers: more threads only contend), data in a directory of the server's own.
ServerConfig testServerConfig(const std::filesystem::path& repository);

// Polls GET /readyz until 200: every model version READY.
Status waitUntilReady(std::uint16_t port, std::chrono::milliseconds timeout = kModelLoadTimeout);
// Polls GET /api/v1/health until no version is LOADING (for repositories with broken models).
Status waitUntilLoaded(std::uint16_t port, std::chrono::milliseconds timeout = kModelLoadTimeout);

// The real atalaya::Server, started on a free port. Stopped (Drain::Abort) on destruction.
class TestServer {
public:
    explicit TestServer(ServerConfig config);
    ~TestServer();
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    Status start();
    Status waitUntilReady(std::chrono::milliseconds timeout = kModelLoadTimeout) {
        return test::waitUntilReady(port(), timeout);
    }
    Status waitUntilLoaded(std::chrono::milliseconds timeout = kModelLoadTimeout) {
        return test::waitUntilLoaded(port(), timeout);
    }
    void stop(Drain drain);

    std::uint16_t port() const { return m_server->port(); }
    std::uint16_t httpsPort() const { return m_server->httpsPort(); }
    std::string baseUrl() const { return m_server->baseUrl(); }
    const ServerConfig& config() const { return m_config; }

private:
    QTemporaryDir m_dataDir;
    ServerConfig m_config;
    std::unique_ptr<Server> m_server;
};

// Starts a server on `repository` and waits until every model is READY.
Result<std::unique_ptr<TestServer>> startReadyServer(ServerConfig config);

// --- HTTP ---------------------------------------------------------------------------------

inline const HeaderList& jsonContentType() {
    static const HeaderList headers{{"Content-Type", "application/json"}};
    return headers;
}

HttpTestResponse get(HttpTestClient& client, std::string_view target);
// POST with Content-Type: application/json (unless `headers` names another) plus `headers`.
HttpTestResponse postJson(HttpTestClient& client, std::string_view target, std::string_view body,
                          HeaderList headers = {});
HttpTestResponse postJson(HttpTestClient& client, std::string_view target, const Json& body,
                          HeaderList headers = {});
inline HttpTestResponse postJson(HttpTestClient& client, std::string_view target,
                                 const std::string& body, HeaderList headers = {}) {
    return postJson(client, target, std::string_view(body), std::move(headers));
}

// The health detail (GET /api/v1/health) and one version's entry in it.
Result<Json> fetchHealth(std::uint16_t port);
Json versionHealth(const Json& health, std::string_view model, std::int64_t version);

struct RequestSpec {
    std::string method = "POST";
    std::string target;
    std::string body;
    HeaderList headers = jsonContentType();
};

// Sends requests at once, each from a thread of its own on a connection of its own (all
// connected before any request is written), so they reach the server together. The threads
// are joined by wait() or the destructor; answers come back in the order of `requests`.
class ConcurrentRequests {
public:
    ConcurrentRequests(std::uint16_t port, std::vector<RequestSpec> requests,
                       std::chrono::milliseconds timeout = kRequestTimeout);
    ~ConcurrentRequests();
    ConcurrentRequests(const ConcurrentRequests&) = delete;
    ConcurrentRequests& operator=(const ConcurrentRequests&) = delete;

    int answered() const { return m_answered.load(); }  // any thread
    std::vector<HttpTestResponse> wait();

private:
    std::vector<RequestSpec> m_requests;
    std::vector<HttpTestResponse> m_responses;
    std::atomic<int> m_answered{0};
    std::vector<std::thread> m_threads;
};

std::vector<HttpTestResponse> sendConcurrently(std::uint16_t port,
                                               std::vector<RequestSpec> requests,
                                               std::chrono::milliseconds timeout = kRequestTimeout);

// --- Prometheus ------------------------------------------------------------------------------

// The value of the /metrics sample line that starts with `series` (labels included), or -1.
double sampleValue(const std::string& exposition, const std::string& series);

// --- JSON -----------------------------------------------------------------------------------

// The parsed body, or a discarded value when it is not JSON.
Json bodyOf(const HttpTestResponse& response);
QString errorCodeOf(const HttpTestResponse& response);
// Empty when the response carries exactly {"error": {"code": "...", "message": "..."}} with
// non-empty strings (docs/api.md); otherwise what is wrong, for QVERIFY2.
QString errorBodyProblem(const HttpTestResponse& response);
// "200 {...}" or "status 0: timeout": what a failed check prints.
QString describe(const HttpTestResponse& response);

inline QString qstr(std::string_view text) {
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}
// Empty when `prediction` is a classifier answer over `labels` (docs/api.md):
// {"label": one of labels, "score": p(label), "scores": {label: p}} with every p in [0, 1],
// the scores summing to 1 and the label the most probable one; otherwise what is wrong.
QString classifierProblem(const Json& prediction, const std::vector<std::string>& labels);

// Compact JSON text, for QCOMPARE (QTest cannot print a Json).
inline QString dumped(const Json& value) {
    return qstr(value.dump());
}
// A string member of a JSON object (empty when absent or not a string), for QCOMPARE.
QString stringAt(const Json& object, std::string_view key);

}  // namespace atalaya::test
