#include "ApiTestSupport.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <latch>
#include <sstream>

namespace atalaya::test {
namespace {

namespace fs = std::filesystem;
using namespace Qt::StringLiterals;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kPollInterval{50};
constexpr std::chrono::milliseconds kPollRequestTimeout{10'000};

Status fileError(const std::string& what, const fs::path& path, const std::error_code& ec) {
    return internalError(what + " " + path.string() + ": " + ec.message());
}

bool isVersionDirectory(const fs::directory_entry& entry) {
    const std::string name = entry.path().filename().string();
    return entry.is_directory() && !name.empty() && name.front() != '0' &&
           name.find_first_not_of("0123456789") == std::string::npos;
}

Result<Json> readJsonFile(const fs::path& file) {
    std::ifstream in(file);
    if (!in)
        return notFound("cannot read " + file.string());
    std::stringstream text;
    text << in.rdbuf();
    Json parsed = Json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || !parsed.is_object()) {
        return invalidArgument(file.string() + " is not a JSON object");
    }
    return parsed;
}

// Polls `check` until it returns Ok or `timeout` passes; returns the last Status.
template <class Check>
Status pollUntil(std::chrono::milliseconds timeout, Check check) {
    const auto until = Clock::now() + timeout;
    Status last = check();
    while (!last.isOk() && Clock::now() < until) {
        std::this_thread::sleep_for(kPollInterval);
        last = check();
    }
    return last;
}

}  // namespace

// --- TestModelRepository --------------------------------------------------------------------

TestModelRepository::TestModelRepository() : m_root(m_dir.path().toStdString()) {}

Status TestModelRepository::link(const fs::path& from, const std::string& model,
                                 const std::string& as) {
    const fs::path source = from / model;
    if (!fs::is_directory(source)) {
        return notFound(source.string() + " is missing: build the demo_models target");
    }
    std::error_code ec;
    const fs::path target = m_root / (as.empty() ? model : as);
    fs::create_directory_symlink(source, target, ec);
    return ec ? fileError("cannot link", target, ec) : Status::ok();
}

Status TestModelRepository::linkWithOverrides(const fs::path& from, const std::string& model,
                                              const std::string& as, std::int64_t version,
                                              const Json& overrides) {
    const fs::path source = from / model;
    if (!fs::is_directory(source)) {
        return notFound(source.string() + " is missing: build the demo_models target");
    }
    const fs::path target = m_root / as;
    std::error_code ec;
    if (!fs::create_directory(target, ec))
        return fileError("cannot create", target, ec);
    for (const auto& entry : fs::directory_iterator(source)) {
        const fs::path name = entry.path().filename();
        if (!isVersionDirectory(entry)) {
            fs::create_symlink(entry.path(), target / name, ec);
            if (ec)
                return fileError("cannot link", target / name, ec);
            continue;
        }
        fs::create_directory(target / name, ec);
        if (ec)
            return fileError("cannot create", target / name, ec);
        const bool overridden = name == std::to_string(version);
        for (const auto& file : fs::directory_iterator(entry.path())) {
            if (overridden && file.path().filename() == "model.json")
                continue;
            fs::create_symlink(file.path(), target / name / file.path().filename(), ec);
            if (ec)
                return fileError("cannot link", target / name / file.path().filename(), ec);
        }
        if (!overridden)
            continue;
        Json merged = Json::object();
        if (fs::exists(entry.path() / "model.json")) {
            ATALAYA_ASSIGN_OR_RETURN(merged, readJsonFile(entry.path() / "model.json"));
        }
        for (const auto& [key, value] : overrides.items())
            merged[key] = value;
        std::ofstream out(target / name / "model.json");
        out << merged.dump(2);
        if (!out)
            return internalError("cannot write " + (target / name / "model.json").string());
    }
    return Status::ok();
}

Status TestModelRepository::linkFixtureThrowsWithoutRanges(const fs::path& fixtures) {
    const Json unbounded = {
        {"inputs",
         Json::array(
             {{{"name", "features"},
               {"datatype", "FP32"},
               {"shape", {-1, 3}},
               {"features", Json::array({{{"name", "a"}}, {{"name", "b"}}, {{"name", "c"}}})}}})}};
    return linkWithOverrides(fixtures, "fixture-throws", "fixture-throws", 1, unbounded);
}

Result<Json> readModelJson(const fs::path& modelDir, std::int64_t version) {
    ATALAYA_ASSIGN_OR_RETURN(Json doc, readJsonFile(modelDir / "model.json"));
    const fs::path versionFile = modelDir / std::to_string(version) / "model.json";
    if (fs::exists(versionFile)) {
        ATALAYA_ASSIGN_OR_RETURN(const Json overrides, readJsonFile(versionFile));
        for (const auto& [key, value] : overrides.items())
            doc[key] = value;
    }
    return doc;
}

// --- TestServer -----------------------------------------------------------------------------

ServerConfig testServerConfig(const fs::path& repository) {
    ServerConfig config;
    config.http.host = std::string(kLoopback);
    config.http.port = 0;
    config.modelRepository = repository;
    config.inference.intraOpThreads = 1;
    // These suites test serving, not credentials (tests/security does); they send no tokens.
    config.security.enabled = false;
    return config;
}

TestServer::TestServer(ServerConfig config) : m_config(std::move(config)) {
    // A data directory of its own unless the test chose one (e.g. to restart on the same state).
    if (m_config.dataDir.empty() || m_config.dataDir == ServerConfig{}.dataDir) {
        m_config.dataDir = m_dataDir.path().toStdString();
    }
    m_server = std::make_unique<Server>(m_config);
}

TestServer::~TestServer() {
    m_server->stop(Drain::Abort);
}

Status TestServer::start() {
    return m_server->start();
}

void TestServer::stop(Drain drain) {
    m_server->stop(drain);
}

Status waitUntilReady(std::uint16_t port, std::chrono::milliseconds timeout) {
    HttpTestClient client(std::string(kLoopback), port);
    return pollUntil(timeout, [&]() -> Status {
        const auto response = client.request("GET", "/readyz", {}, {}, kPollRequestTimeout);
        if (response.status == 200)
            return Status::ok();
        return Status(StatusCode::Unavailable, "GET /readyz: " + describe(response).toStdString());
    });
}

Status waitUntilLoaded(std::uint16_t port, std::chrono::milliseconds timeout) {
    return pollUntil(timeout, [&]() -> Status {
        auto health = fetchHealth(port);
        if (!health.isOk())
            return health.status();
        for (const auto& version : (*health)["models"]) {
            if (version.value("state", "") == "LOADING") {
                return Status(StatusCode::Unavailable, "still loading: " + version.dump());
            }
        }
        return Status::ok();
    });
}

Result<std::unique_ptr<TestServer>> startReadyServer(ServerConfig config) {
    auto server = std::make_unique<TestServer>(std::move(config));
    ATALAYA_RETURN_IF_ERROR(server->start());
    ATALAYA_RETURN_IF_ERROR(server->waitUntilReady());
    return server;
}

// --- HTTP -----------------------------------------------------------------------------------

HttpTestResponse get(HttpTestClient& client, std::string_view target) {
    return client.request("GET", target, {}, {}, kRequestTimeout);
}

HttpTestResponse postJson(HttpTestClient& client, std::string_view target, std::string_view body,
                          HeaderList headers) {
    const bool typed = std::any_of(headers.begin(), headers.end(), [](const auto& header) {
        return QByteArray::fromStdString(header.first)
                   .compare("content-type", Qt::CaseInsensitive) == 0;
    });
    if (!typed)
        headers.emplace_back("Content-Type", "application/json");
    return client.request("POST", target, body, headers, kRequestTimeout);
}

HttpTestResponse postJson(HttpTestClient& client, std::string_view target, const Json& body,
                          HeaderList headers) {
    return postJson(client, target, std::string_view(body.dump()), std::move(headers));
}

Result<Json> fetchHealth(std::uint16_t port) {
    HttpTestClient client(std::string(kLoopback), port);
    const auto response = client.request("GET", "/api/v1/health", {}, {}, kPollRequestTimeout);
    if (response.status != 200) {
        return Status(StatusCode::Unavailable,
                      "GET /api/v1/health: " + describe(response).toStdString());
    }
    Json body = bodyOf(response);
    if (!body.is_object())
        return invalidArgument("health is not a JSON object: " + response.body);
    return body;
}

Json versionHealth(const Json& health, std::string_view model, std::int64_t version) {
    for (const auto& entry : health.value("models", Json::array())) {
        if (entry.value("name", "") == model &&
            entry.value("version", std::int64_t{0}) == version) {
            return entry;
        }
    }
    return Json();
}

ConcurrentRequests::ConcurrentRequests(std::uint16_t port, std::vector<RequestSpec> requests,
                                       std::chrono::milliseconds timeout)
    : m_requests(std::move(requests)), m_responses(m_requests.size()) {
    auto allConnected =
        std::make_shared<std::latch>(static_cast<std::ptrdiff_t>(m_requests.size()));
    m_threads.reserve(m_requests.size());
    for (std::size_t i = 0; i < m_requests.size(); ++i) {
        m_threads.emplace_back([this, i, port, timeout, allConnected] {
            HttpTestClient client(std::string(kLoopback), port);
            // A failed connect is retried by request(), which then reports the failure.
            (void)client.connect(timeout);
            allConnected->arrive_and_wait();
            const RequestSpec& spec = m_requests[i];
            m_responses[i] =
                client.request(spec.method, spec.target, spec.body, spec.headers, timeout);
            m_answered.fetch_add(1);
        });
    }
}

ConcurrentRequests::~ConcurrentRequests() {
    wait();
}

std::vector<HttpTestResponse> ConcurrentRequests::wait() {
    for (auto& thread : m_threads) {
        if (thread.joinable())
            thread.join();
    }
    return m_responses;
}

std::vector<HttpTestResponse> sendConcurrently(std::uint16_t port,
                                               std::vector<RequestSpec> requests,
                                               std::chrono::milliseconds timeout) {
    return ConcurrentRequests(port, std::move(requests), timeout).wait();
}

// --- JSON -----------------------------------------------------------------------------------

Json bodyOf(const HttpTestResponse& response) {
    return Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
}

QString errorCodeOf(const HttpTestResponse& response) {
    const Json body = bodyOf(response);
    if (!body.is_object() || !body.contains("error") || !body["error"].is_object())
        return {};
    return stringAt(body["error"], "code");
}

QString errorBodyProblem(const HttpTestResponse& response) {
    const Json body = bodyOf(response);
    if (!body.is_object())
        return u"the body is not a JSON object: "_s + describe(response);
    if (body.size() != 1 || !body.contains("error") || !body["error"].is_object()) {
        return u"the body is not {\"error\": {...}}: "_s + describe(response);
    }
    const Json& error = body["error"];
    for (const char* key : {"code", "message"}) {
        if (!error.contains(key) || !error[key].is_string() ||
            error[key].get<std::string>().empty()) {
            return u"error.%1 is missing or not a non-empty string: "_s.arg(
                       QLatin1StringView(key)) +
                   describe(response);
        }
    }
    if (error.size() != 2)
        return u"error has members besides code and message: "_s + describe(response);
    return {};
}

QString describe(const HttpTestResponse& response) {
    if (!response.ok()) {
        return u"status %1: %2"_s.arg(response.status).arg(qstr(response.error));
    }
    return QString::number(response.status) + u' ' + qstr(response.body).left(600);
}

QString classifierProblem(const Json& prediction, const std::vector<std::string>& labels) {
    const QString shown = qstr(prediction.dump());
    if (!prediction.is_object() || prediction.size() != 3)
        return u"not {label, score, scores}: "_s + shown;
    const std::string label = prediction.value("label", "");
    if (std::find(labels.begin(), labels.end(), label) == labels.end()) {
        return u"label is not one of the model's labels: "_s + shown;
    }
    const Json& scores = prediction["scores"];
    if (!scores.is_object() || scores.size() != labels.size())
        return u"scores do not match the labels: "_s + shown;
    double sum = 0;
    double best = -1;
    for (const auto& name : labels) {
        if (!scores.contains(name) || !scores[name].is_number())
            return u"no score for a label: "_s + shown;
        const double p = scores[name].get<double>();
        if (p < 0 || p > 1)
            return u"a score is outside [0, 1]: "_s + shown;
        sum += p;
        best = std::max(best, p);
    }
    // FP32 probabilities: a softmax sums to 1 within a few ulps.
    if (std::abs(sum - 1.0) > 1e-4)
        return u"scores sum to %1: "_s.arg(sum, 0, 'g', 9) + shown;
    const Json& score = prediction["score"];
    if (!score.is_number() || score.get<double>() != scores[label].get<double>() ||
        score.get<double>() != best) {
        return u"score is not the label's, or the label is not the most probable: "_s + shown;
    }
    return {};
}

QString stringAt(const Json& object, std::string_view key) {
    if (!object.is_object())
        return {};
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string())
        return {};
    return QString::fromStdString(it->get<std::string>());
}

double sampleValue(const std::string& exposition, const std::string& series) {
    const auto at = exposition.find("\n" + series + " ");
    if (at == std::string::npos)
        return -1;
    return std::stod(exposition.substr(at + series.size() + 2));
}

}  // namespace atalaya::test
