#pragma once

#include <atalaya/Result.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atalaya {

// Everything the server can be told, in one typed struct. Sources, later overriding earlier:
// built-in defaults < config file (JSON) < ATALAYA_* environment variables < command-line flags.
// See docs/configuration.md for the file format and every key.

// HTTPS (docs/security.md#tls): on when a certificate and key are configured, both or neither.
struct TlsConfig {
    std::filesystem::path certFile;  // PEM certificate chain, leaf first
    std::filesystem::path keyFile;   // PEM private key of the leaf
    std::uint16_t port = 8443;       // 0 picks a free port (tests)

    bool enabled() const { return !certFile.empty() || !keyFile.empty(); }
};

struct HttpConfig {
    std::string host = "127.0.0.1";  // loopback by default: exposing the server is a decision
    std::uint16_t port = 8080;       // 0 picks a free port (tests)
    int ioThreads = 1;
    std::size_t maxBodyBytes = 1 << 20;     // larger bodies get 413 from Content-Length alone
    std::size_t maxHeaderBytes = 16 << 10;  // request line + all header fields
    std::chrono::milliseconds readTimeout{10'000};  // a whole request must arrive within this
    std::chrono::milliseconds idleTimeout{30'000};  // keep-alive connection with no request
    std::size_t maxConnections = 1024;
    TlsConfig tls;
    bool plain = true;  // the plain HTTP listener on `port`; false serves HTTPS only
};

struct JsonLimits {
    int maxDepth = 8;                  // nesting of objects and arrays in a request body
    std::size_t maxInstances = 1024;   // instances per predict call
    std::size_t maxStringBytes = 64 << 10;
};

struct InferenceConfig {
    // Forward passes that may run at once across all models. With intraOpThreads each, the
    // product should not exceed the cores, or BLAS and LibTorch threads fight for them.
    int workers = 1;
    int intraOpThreads = 0;  // 0: number of cores / workers
    std::string device = "cpu";  // "cpu" or "cuda" (when the LibTorch build has it)
    // Applied when a request carries no deadline of its own; 0 means none.
    std::chrono::milliseconds defaultDeadline{0};
};

// What the inference log keeps of a text input (a string instance): the text, its first
// `truncateChars` characters, its SHA-256 (hex), or nothing (null).
enum class TextCapture { Full, Truncated, Hashed, Off };

// Per model: how its text inputs are captured and which share of its requests get a raw row.
// Per-minute rollups count every request whatever the sample rate.
struct ModelLogPolicy {
    TextCapture textCapture = TextCapture::Full;
    std::size_t truncateChars = 256;  // for TextCapture::Truncated, in Unicode code points
    double sampleRate = 1.0;          // 0..1, decided by a hash of the request id
};

// The inference log: one SQLite row per request, written by a thread of its own.
struct TelemetryConfig {
    bool inferenceLog = true;
    bool driftMonitor = true;  // per-feature drift from live traffic against model.json references
    std::chrono::milliseconds flushInterval{200};  // rows lost on kill -9 are at most this old
    std::size_t queueCapacity = 65536;  // rows waiting for the writer; beyond it rows are dropped
    int retentionDays = 30;             // rows older than this are deleted in the background
    std::map<std::string, ModelLogPolicy> models;  // a model not listed: full text, every row
    // Budget of <dataDir>/inference-log.sqlite (file + WAL) in MiB; past it the oldest raw rows
    // are deleted in the background (docs/telemetry.md, "Retention"). 0 = unlimited.
    std::int64_t maxSizeMb = 2048;
};

// Which model version each public API version serves, e.g. {"v1": {"credit-risk": 1}}.
// A model absent from an API version's map is served at its highest READY version.
using ApiVersionPins = std::map<std::string, std::map<std::string, std::int64_t>>;
// An API version's name: "v" and digits (v1, v2, ...), in the config and in rollout routes.
bool isApiVersionName(std::string_view name);

// Who may call the API (docs/security.md). On by default: every route but /healthz, /readyz and
// /v2/health/* needs a bearer token (an API key from <dataDir>/security.sqlite, or a JWT).
struct JwtConfig {
    std::string issuer;    // when set, a token's `iss` must equal it
    std::string audience;  // when set, a token's `aud` must contain it
    std::chrono::seconds leeway{60};
    std::filesystem::path jwksFile;  // JWK Set of accepted signing keys; empty: JWTs refused
};

// The OAuth 2.0 token endpoint (POST /oauth/token, client-credentials grant): how Atalaya signs
// the access tokens it issues. One key: signingKeyFile (PEM, EC P-256 -> ES256 or Ed25519 ->
// EdDSA) or hs256SecretFile (>= 32 bytes); neither: an ES256 key is generated into
// <dataDir>/oauth-signing-key.pem (0600) on first start and reused after.
struct OAuthConfig {
    std::string issuer = "atalaya";    // `iss` of issued tokens, required back on use
    std::string audience = "atalaya";  // `aud` of issued tokens, required back on use
    std::chrono::seconds tokenTtl{900};
    std::chrono::seconds leeway{5};  // clock skew allowed when verifying its own tokens
    std::filesystem::path signingKeyFile;
    std::filesystem::path hs256SecretFile;
};

// A token bucket: `burst` requests at once, refilled at `ratePerSecond`. burst 0 = unlimited.
struct RateLimitConfig {
    double ratePerSecond = 0;
    double burst = 0;
};

struct SecurityConfig {
    bool enabled = true;  // false only for local development and tests (ATALAYA_AUTH=off)
    JwtConfig jwt;
    // Per authenticated client (a key's own limits override it) and per source address (every
    // route, before any token is looked at).
    RateLimitConfig clientRate{.ratePerSecond = 50, .burst = 100};
    RateLimitConfig ipRate{.ratePerSecond = 200, .burst = 400};
    // Failed authentications per source address before further attempts are refused.
    RateLimitConfig authFailures{.ratePerSecond = 0.2, .burst = 10};
    std::int64_t requestsPerDay = 0;    // per client; 0 = unlimited
    std::int64_t requestsPerMonth = 0;  // per client; 0 = unlimited
    // Peers (CIDR) whose X-Forwarded-For names the real client; empty: the TCP peer is.
    std::vector<std::string> trustedProxies;
    OAuthConfig oauth;
};

// Service level objectives of one model (docs/telemetry.md, "SLOs"): a latency objective
// (latencyTarget of requests succeed within latencyThresholdMs) and a success objective
// (successTarget of requests do not fail on the server's side), each over windowDays. The
// burn-rate alert windows are fixed to the SRE workbook's table, not configured.
struct SloObjectives {
    double latencyThresholdMs = 50;
    double latencyTarget = 0.99;
    double successTarget = 0.999;
    int windowDays = 30;
    // A burn-rate window holding fewer requests than this cannot fire an alert (its rate is
    // still reported): one failure in two requests is a 50 % error rate, not an incident.
    int minRequests = 20;
};

struct SloConfig {
    bool enabled = true;
    SloObjectives defaults;                        // for every model not listed below
    std::map<std::string, SloObjectives> models;   // per model; unset keys come from defaults
    const SloObjectives& objectivesFor(const std::string& model) const {
        const auto it = models.find(model);
        return it != models.end() ? it->second : defaults;
    }
};

// The rollout guard (docs/rollout.md, "Guard"): it judges every canary and shadow every
// `guardInterval`, and sooner when a candidate has `guardEveryOutcomes` outcomes it has not
// judged; a canary's candidate is held back while 2 x that many wait, which bounds the requests a
// broken candidate answers whatever the request rate.
struct RolloutConfig {
    std::chrono::milliseconds guardInterval{200};
    std::int64_t guardEveryOutcomes = 20;
};

struct ServerConfig {
    HttpConfig http;
    JsonLimits json;
    InferenceConfig inference;
    TelemetryConfig telemetry;
    SecurityConfig security;
    std::filesystem::path modelRepository = "models";
    std::filesystem::path dataDir = "data";
    ApiVersionPins apiVersions = {{"v1", {{"credit-risk", 1}}}, {"v2", {{"credit-risk", 2}}}};
    std::chrono::milliseconds drainTimeout{15'000};  // SIGTERM: how long in-flight work may finish
    SloConfig slo;
    RolloutConfig rollout;
};

// Reads a JSON config file into `config` (only the keys present change). Unknown keys are an
// error, so a typo does not silently fall back to a default.
Status applyConfigFile(const std::filesystem::path& file, ServerConfig& config);

// Applies ATALAYA_HOST, ATALAYA_PORT, ATALAYA_MODELS, ATALAYA_DATA_DIR and ATALAYA_AUTH ("off"
// turns authentication off, for local development; "on" forces it on), ATALAYA_TLS_CERT,
// ATALAYA_TLS_KEY, ATALAYA_HTTPS_PORT and ATALAYA_PLAIN_HTTP (on/off); ATALAYA_CONFIG is read
// by the caller. `getenv` is injectable so tests need no process environment.
using EnvLookup = std::optional<std::string> (*)(const char* name);
Status applyEnvironment(ServerConfig& config, EnvLookup lookup);
std::optional<std::string> processEnvironment(const char* name);

Status validateConfig(const ServerConfig& config);

}  // namespace atalaya
