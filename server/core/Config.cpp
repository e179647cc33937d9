#include <atalaya/Config.h>

#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/StrictJson.h"

namespace atalaya {
namespace {

using nlohmann::json;

// Reads the members of one JSON object, remembering which were used, so that an unknown
// (probably misspelt) key is reported instead of silently ignored.
class Section {
public:
    Section(const json& object, std::string path) : m_object(object), m_path(std::move(path)) {}

    template <class T>
    Status read(const char* key, T& out) {
        const auto it = m_object.find(key);
        if (it == m_object.end()) return Status::ok();
        m_used.insert(key);
        try {
            out = it->get<T>();
        } catch (const json::exception&) {
            return invalid(key, "has the wrong type");
        }
        return Status::ok();
    }

    template <class Int>
    Status readInt(const char* key, Int& out, long long min, long long max) {
        long long value = static_cast<long long>(out);
        ATALAYA_RETURN_IF_ERROR(read(key, value));
        if (value < min || value > max) {
            return invalid(key, "must be between " + std::to_string(min) + " and " +
                                    std::to_string(max));
        }
        out = static_cast<Int>(value);
        return Status::ok();
    }

    // A whole number of the duration's unit within [min, max].
    template <class Rep, class Period>
    Status readDuration(const char* key, std::chrono::duration<Rep, Period>& out, long long min,
                        long long max) {
        long long count = out.count();
        ATALAYA_RETURN_IF_ERROR(readInt(key, count, min, max));
        out = std::chrono::duration<Rep, Period>(count);
        return Status::ok();
    }

    Status readMs(const char* key, std::chrono::milliseconds& out) {
        return readDuration(key, out, 0, 24LL * 3600 * 1000);
    }

    // A file name relative to `base` (the config file's folder) unless absolute; an empty
    // string leaves `out` as it was.
    Status readPath(const char* key, std::filesystem::path& out, const std::filesystem::path& base);

    const json* child(const char* key) {
        const auto it = m_object.find(key);
        if (it == m_object.end()) return nullptr;
        m_used.insert(key);
        return &*it;
    }

    Status rejectUnknownKeys() const {
        for (const auto& [key, value] : m_object.items()) {
            if (!m_used.contains(key)) return invalid(key.c_str(), "is not a known setting");
        }
        return Status::ok();
    }

    Status invalid(const char* key, const std::string& what) const {
        return invalidArgument("config: " + m_path + key + " " + what, "invalid_config");
    }

    std::string path() const { return m_path; }

private:
    const json& m_object;
    std::string m_path;
    std::set<std::string, std::less<>> m_used;
};

Status readObject(const json* node, const std::string& path) {
    if (node != nullptr && !node->is_object()) {
        return invalidArgument("config: " + path + " must be an object", "invalid_config");
    }
    return Status::ok();
}

std::filesystem::path resolveAgainst(const std::filesystem::path& base, const std::string& p) {
    const std::filesystem::path path(p);
    return path.is_absolute() ? path : base / path;
}

Status Section::readPath(const char* key, std::filesystem::path& out,
                         const std::filesystem::path& base) {
    std::string value;
    ATALAYA_RETURN_IF_ERROR(read(key, value));
    if (!value.empty())
        out = resolveAgainst(base, value);
    return Status::ok();
}

Status applyTls(const json& node, TlsConfig& tls, const std::filesystem::path& base) {
    Section s(node, "http.tls.");
    ATALAYA_RETURN_IF_ERROR(s.readPath("cert_file", tls.certFile, base));
    ATALAYA_RETURN_IF_ERROR(s.readPath("key_file", tls.keyFile, base));
    ATALAYA_RETURN_IF_ERROR(s.readInt("port", tls.port, 0, 65535));
    return s.rejectUnknownKeys();
}

Status applyHttp(const json& node, HttpConfig& http, const std::filesystem::path& base) {
    Section s(node, "http.");
    ATALAYA_RETURN_IF_ERROR(s.read("host", http.host));
    ATALAYA_RETURN_IF_ERROR(s.readInt("port", http.port, 0, 65535));
    ATALAYA_RETURN_IF_ERROR(s.readInt("io_threads", http.ioThreads, 1, 64));
    ATALAYA_RETURN_IF_ERROR(s.readInt("max_body_bytes", http.maxBodyBytes, 1, 1LL << 30));
    ATALAYA_RETURN_IF_ERROR(s.readInt("max_header_bytes", http.maxHeaderBytes, 1024, 1 << 20));
    ATALAYA_RETURN_IF_ERROR(s.readMs("read_timeout_ms", http.readTimeout));
    ATALAYA_RETURN_IF_ERROR(s.readMs("idle_timeout_ms", http.idleTimeout));
    ATALAYA_RETURN_IF_ERROR(s.readInt("max_connections", http.maxConnections, 1, 1 << 20));
    ATALAYA_RETURN_IF_ERROR(s.read("plain", http.plain));
    if (const json* tls = s.child("tls")) {
        ATALAYA_RETURN_IF_ERROR(readObject(tls, "http.tls"));
        ATALAYA_RETURN_IF_ERROR(applyTls(*tls, http.tls, base));
    }
    return s.rejectUnknownKeys();
}

Status applyJsonLimits(const json& node, JsonLimits& limits) {
    Section s(node, "json.");
    ATALAYA_RETURN_IF_ERROR(s.readInt("max_depth", limits.maxDepth, 2, 64));
    ATALAYA_RETURN_IF_ERROR(s.readInt("max_instances", limits.maxInstances, 1, 1 << 20));
    ATALAYA_RETURN_IF_ERROR(s.readInt("max_string_bytes", limits.maxStringBytes, 1, 1 << 26));
    return s.rejectUnknownKeys();
}

Status applyInference(const json& node, InferenceConfig& inference) {
    Section s(node, "inference.");
    ATALAYA_RETURN_IF_ERROR(s.readInt("workers", inference.workers, 1, 64));
    ATALAYA_RETURN_IF_ERROR(s.readInt("intra_op_threads", inference.intraOpThreads, 0, 256));
    ATALAYA_RETURN_IF_ERROR(s.read("device", inference.device));
    ATALAYA_RETURN_IF_ERROR(s.readMs("default_deadline_ms", inference.defaultDeadline));
    return s.rejectUnknownKeys();
}

Status applyModelLogPolicy(const json& node, const std::string& model, ModelLogPolicy& policy) {
    if (!node.is_object()) {
        return invalidArgument("config: telemetry.models." + model + " must be an object",
                               "invalid_config");
    }
    Section s(node, "telemetry.models." + model + ".");
    std::string capture;
    ATALAYA_RETURN_IF_ERROR(s.read("capture", capture));
    if (!capture.empty()) {
        static const std::map<std::string, TextCapture, std::less<>> kCaptures = {
            {"full", TextCapture::Full},
            {"truncated", TextCapture::Truncated},
            {"hashed", TextCapture::Hashed},
            {"off", TextCapture::Off}};
        const auto it = kCaptures.find(capture);
        if (it == kCaptures.end()) {
            return s.invalid("capture", "must be full, truncated, hashed or off");
        }
        policy.textCapture = it->second;
    }
    ATALAYA_RETURN_IF_ERROR(s.readInt("truncate_chars", policy.truncateChars, 1, 1 << 20));
    ATALAYA_RETURN_IF_ERROR(s.read("sample_rate", policy.sampleRate));
    if (!(policy.sampleRate >= 0.0 && policy.sampleRate <= 1.0)) {
        return s.invalid("sample_rate", "must be between 0 and 1");
    }
    return s.rejectUnknownKeys();
}

Status applyTelemetry(const json& node, TelemetryConfig& telemetry) {
    Section s(node, "telemetry.");
    ATALAYA_RETURN_IF_ERROR(s.read("inference_log", telemetry.inferenceLog));
    ATALAYA_RETURN_IF_ERROR(s.read("drift_monitor", telemetry.driftMonitor));
    // A zero interval would make the writer spin; an hour is already more than anyone can lose.
    ATALAYA_RETURN_IF_ERROR(
        s.readDuration("flush_interval_ms", telemetry.flushInterval, 1, 3'600'000));
    ATALAYA_RETURN_IF_ERROR(s.readInt("queue_capacity", telemetry.queueCapacity, 1, 1 << 24));
    ATALAYA_RETURN_IF_ERROR(s.readInt("retention_days", telemetry.retentionDays, 1, 36500));
    ATALAYA_RETURN_IF_ERROR(s.readInt("max_size_mb", telemetry.maxSizeMb, 0, 1LL << 24));
    if (const json* models = s.child("models")) {
        ATALAYA_RETURN_IF_ERROR(readObject(models, "telemetry.models"));
        for (const auto& [model, policy] : models->items()) {
            ATALAYA_RETURN_IF_ERROR(applyModelLogPolicy(policy, model, telemetry.models[model]));
        }
    }
    return s.rejectUnknownKeys();
}

Status applyOAuth(const json& node, OAuthConfig& oauth, const std::filesystem::path& base) {
    ATALAYA_RETURN_IF_ERROR(readObject(&node, "security.oauth"));
    Section o(node, "security.oauth.");
    ATALAYA_RETURN_IF_ERROR(o.read("issuer", oauth.issuer));
    ATALAYA_RETURN_IF_ERROR(o.read("audience", oauth.audience));
    ATALAYA_RETURN_IF_ERROR(o.readDuration("token_ttl_s", oauth.tokenTtl, 1, 86'400));
    ATALAYA_RETURN_IF_ERROR(o.readDuration("leeway_s", oauth.leeway, 0, 600));
    ATALAYA_RETURN_IF_ERROR(o.readPath("signing_key_file", oauth.signingKeyFile, base));
    ATALAYA_RETURN_IF_ERROR(o.readPath("hs256_secret_file", oauth.hs256SecretFile, base));
    if (oauth.issuer.empty() || oauth.audience.empty())
        return o.invalid("issuer", "and audience must not be empty");
    if (!oauth.signingKeyFile.empty() && !oauth.hs256SecretFile.empty())
        return o.invalid("signing_key_file", "and hs256_secret_file exclude each other");
    return o.rejectUnknownKeys();
}

Status applySecurity(const json& node, SecurityConfig& security,
                     const std::filesystem::path& base) {
    Section s(node, "security.");
    ATALAYA_RETURN_IF_ERROR(s.read("enabled", security.enabled));
    if (const json* jwt = s.child("jwt")) {
        ATALAYA_RETURN_IF_ERROR(readObject(jwt, "security.jwt"));
        Section j(*jwt, "security.jwt.");
        ATALAYA_RETURN_IF_ERROR(j.read("issuer", security.jwt.issuer));
        ATALAYA_RETURN_IF_ERROR(j.read("audience", security.jwt.audience));
        ATALAYA_RETURN_IF_ERROR(j.readDuration("leeway_s", security.jwt.leeway, 0, 600));
        ATALAYA_RETURN_IF_ERROR(j.readPath("jwks_file", security.jwt.jwksFile, base));
        ATALAYA_RETURN_IF_ERROR(j.rejectUnknownKeys());
    }
    for (auto [key, rate] : {std::pair{"client_rate_limit", &security.clientRate},
                             std::pair{"ip_rate_limit", &security.ipRate},
                             std::pair{"auth_failure_limit", &security.authFailures}}) {
        if (const json* node = s.child(key)) {
            ATALAYA_RETURN_IF_ERROR(readObject(node, std::string("security.") + key));
            Section r(*node, std::string("security.") + key + ".");
            ATALAYA_RETURN_IF_ERROR(r.read("rate_per_second", rate->ratePerSecond));
            ATALAYA_RETURN_IF_ERROR(r.read("burst", rate->burst));
            if (rate->ratePerSecond < 0 || rate->burst < 0) {
                return r.invalid("rate_per_second", "and burst must not be negative");
            }
            ATALAYA_RETURN_IF_ERROR(r.rejectUnknownKeys());
        }
    }
    ATALAYA_RETURN_IF_ERROR(s.readInt("requests_per_day", security.requestsPerDay, 0, 1LL << 40));
    ATALAYA_RETURN_IF_ERROR(s.readInt("requests_per_month", security.requestsPerMonth, 0, 1LL << 40));
    ATALAYA_RETURN_IF_ERROR(s.read("trusted_proxies", security.trustedProxies));
    if (const json* oauth = s.child("oauth")) {
        ATALAYA_RETURN_IF_ERROR(applyOAuth(*oauth, security.oauth, base));
    }
    return s.rejectUnknownKeys();
}

Status applyApiVersions(const json& node, ApiVersionPins& pins) {
    try {
        pins = node.get<ApiVersionPins>();
    } catch (const json::exception&) {
        return invalidArgument(
            "config: api_versions must map API versions to {model: version} objects",
            "invalid_config");
    }
    return Status::ok();
}

Status applySloObjectives(const json& node, const std::string& path, SloObjectives& slo) {
    if (!node.is_object()) {
        return invalidArgument("config: " + path + " must be an object", "invalid_config");
    }
    Section s(node, path + ".");
    ATALAYA_RETURN_IF_ERROR(s.read("latency_threshold_ms", slo.latencyThresholdMs));
    // Under a microsecond no histogram bucket can hold it; over an hour it is not a latency SLO.
    if (!(slo.latencyThresholdMs >= 0.001 && slo.latencyThresholdMs <= 3'600'000)) {
        return s.invalid("latency_threshold_ms", "must be between 0.001 and 3600000");
    }
    // A target of 1 leaves no error budget to divide by; 0 is no objective at all.
    for (auto [key, target] : {std::pair{"latency_target", &slo.latencyTarget},
                               std::pair{"success_target", &slo.successTarget}}) {
        ATALAYA_RETURN_IF_ERROR(s.read(key, *target));
        if (!(*target > 0.0 && *target < 1.0)) return s.invalid(key, "must be above 0 and below 1");
    }
    ATALAYA_RETURN_IF_ERROR(s.readInt("window_days", slo.windowDays, 1, 366));
    ATALAYA_RETURN_IF_ERROR(s.readInt("min_requests", slo.minRequests, 0, 1'000'000'000));
    return s.rejectUnknownKeys();
}

Status applySlo(const json& node, SloConfig& slo) {
    Section s(node, "slo.");
    ATALAYA_RETURN_IF_ERROR(s.read("enabled", slo.enabled));
    if (const json* defaults = s.child("default")) {
        ATALAYA_RETURN_IF_ERROR(applySloObjectives(*defaults, "slo.default", slo.defaults));
    }
    if (const json* models = s.child("models")) {
        ATALAYA_RETURN_IF_ERROR(readObject(models, "slo.models"));
        for (const auto& [model, objectives] : models->items()) {
            // Keys a model does not set come from slo.default, whatever order the file has.
            auto [it, added] = slo.models.try_emplace(model, slo.defaults);
            ATALAYA_RETURN_IF_ERROR(
                applySloObjectives(objectives, "slo.models." + model, it->second));
        }
    }
    return s.rejectUnknownKeys();
}

Status applyRollout(const json& node, RolloutConfig& rollout) {
    Section s(node, "rollout.");
    // Under 10 ms the guard thread would mostly spin; outcomes wake it sooner anyway.
    ATALAYA_RETURN_IF_ERROR(
        s.readDuration("guard_interval_ms", rollout.guardInterval, 10, 3'600'000));
    ATALAYA_RETURN_IF_ERROR(
        s.readInt("guard_every_outcomes", rollout.guardEveryOutcomes, 1, 1'000'000));
    return s.rejectUnknownKeys();
}

}  // namespace

Status applyConfigFile(const std::filesystem::path& file, ServerConfig& config) {
    std::ifstream in(file);
    if (!in) return notFound("config: cannot read " + file.string(), "config_not_found");
    std::stringstream text;
    text << in.rdbuf();
    ATALAYA_ASSIGN_OR_RETURN(const json root, parseStrictJson(text.str(), {.maxDepth = 16}));
    if (!root.is_object()) return invalidArgument("config: top level must be an object");

    Section s(root, "");
    for (const char* key :
         {"http", "json", "inference", "telemetry", "security", "api_versions", "slo", "rollout"}) {
        ATALAYA_RETURN_IF_ERROR(readObject(root.contains(key) ? &root.at(key) : nullptr, key));
    }
    if (const json* http = s.child("http"))
        ATALAYA_RETURN_IF_ERROR(applyHttp(*http, config.http, file.parent_path()));
    if (const json* limits = s.child("json")) {
        ATALAYA_RETURN_IF_ERROR(applyJsonLimits(*limits, config.json));
    }
    if (const json* inference = s.child("inference")) {
        ATALAYA_RETURN_IF_ERROR(applyInference(*inference, config.inference));
    }
    if (const json* telemetry = s.child("telemetry")) {
        ATALAYA_RETURN_IF_ERROR(applyTelemetry(*telemetry, config.telemetry));
    }
    if (const json* security = s.child("security")) {
        ATALAYA_RETURN_IF_ERROR(applySecurity(*security, config.security, file.parent_path()));
    }
    if (const json* pins = s.child("api_versions")) {
        ATALAYA_RETURN_IF_ERROR(applyApiVersions(*pins, config.apiVersions));
    }
    if (const json* slo = s.child("slo")) ATALAYA_RETURN_IF_ERROR(applySlo(*slo, config.slo));
    if (const json* rollout = s.child("rollout")) {
        ATALAYA_RETURN_IF_ERROR(applyRollout(*rollout, config.rollout));
    }
    // Paths in a config file are relative to the file, not to wherever the server starts.
    const auto base = file.parent_path();
    std::string path;
    if (s.child("model_repository") != nullptr) {
        ATALAYA_RETURN_IF_ERROR(s.read("model_repository", path));
        config.modelRepository = resolveAgainst(base, path);
    }
    if (s.child("data_dir") != nullptr) {
        ATALAYA_RETURN_IF_ERROR(s.read("data_dir", path));
        config.dataDir = resolveAgainst(base, path);
    }
    ATALAYA_RETURN_IF_ERROR(s.readMs("drain_timeout_ms", config.drainTimeout));
    return s.rejectUnknownKeys();
}

std::optional<std::string> processEnvironment(const char* name) {
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read at start-up
    if (value == nullptr) return std::nullopt;
    return std::string(value);
}

namespace {

// The variable `name`, when set, as a port number 0..65535.
Status portFromEnvironment(const EnvLookup& lookup, const char* name, std::uint16_t& port) {
    const auto text = lookup(name);
    if (!text)
        return Status::ok();
    char* end = nullptr;
    const long value = std::strtol(text->c_str(), &end, 10);
    if (text->empty() || *end != '\0' || value < 0 || value > 65535)
        return invalidArgument(std::string(name) + " must be a port number", "invalid_config");
    port = static_cast<std::uint16_t>(value);
    return Status::ok();
}

// The variable `name`, when set, as "on" or "off".
Status switchFromEnvironment(const EnvLookup& lookup, const char* name, bool& on) {
    const auto text = lookup(name);
    if (!text)
        return Status::ok();
    if (*text != "on" && *text != "off")
        return invalidArgument(std::string(name) + " must be on or off", "invalid_config");
    on = *text == "on";
    return Status::ok();
}

}  // namespace

Status applyEnvironment(ServerConfig& config, EnvLookup lookup) {
    if (auto host = lookup("ATALAYA_HOST")) config.http.host = *host;
    ATALAYA_RETURN_IF_ERROR(portFromEnvironment(lookup, "ATALAYA_PORT", config.http.port));
    if (auto models = lookup("ATALAYA_MODELS")) config.modelRepository = *models;
    if (auto dataDir = lookup("ATALAYA_DATA_DIR")) config.dataDir = *dataDir;
    if (auto cert = lookup("ATALAYA_TLS_CERT"))
        config.http.tls.certFile = *cert;
    if (auto key = lookup("ATALAYA_TLS_KEY"))
        config.http.tls.keyFile = *key;
    ATALAYA_RETURN_IF_ERROR(
        portFromEnvironment(lookup, "ATALAYA_HTTPS_PORT", config.http.tls.port));
    ATALAYA_RETURN_IF_ERROR(switchFromEnvironment(lookup, "ATALAYA_PLAIN_HTTP", config.http.plain));
    return switchFromEnvironment(lookup, "ATALAYA_AUTH", config.security.enabled);
}

namespace {

Status validateListeners(const HttpConfig& http) {
    const TlsConfig& tls = http.tls;
    if (tls.certFile.empty() != tls.keyFile.empty()) {
        return invalidArgument(
            "http.tls needs both cert_file and key_file (--tls-cert and --tls-key)",
            "invalid_config");
    }
    if (!http.plain && !tls.enabled()) {
        return invalidArgument(
            "http.plain is off and no TLS certificate is configured: nothing would listen",
            "invalid_config");
    }
    if (http.plain && tls.enabled() && tls.port != 0 && tls.port == http.port) {
        return invalidArgument("http.port and http.tls.port are both " + std::to_string(tls.port) +
                                   ": HTTP and HTTPS need two ports",
                               "invalid_config");
    }
    return Status::ok();
}

}  // namespace

bool isApiVersionName(std::string_view name) {
    return name.size() >= 2 && name[0] == 'v' &&
           name.find_first_not_of("0123456789", 1) == std::string_view::npos;
}

Status validateConfig(const ServerConfig& config) {
    if (config.http.host.empty()) return invalidArgument("http.host is empty", "invalid_config");
    if (config.modelRepository.empty()) {
        return invalidArgument("model repository path is empty", "invalid_config");
    }
    ATALAYA_RETURN_IF_ERROR(validateListeners(config.http));
    for (const auto& [api, pins] : config.apiVersions) {
        if (!isApiVersionName(api)) {
            return invalidArgument("api_versions key \"" + api + "\" is not like v1, v2",
                                   "invalid_config");
        }
        for (const auto& [model, version] : pins) {
            if (version < 1) {
                std::string key = "api_versions.";
                key.append(api).append(".").append(model);
                return invalidArgument(key + " must be >= 1", "invalid_config");
            }
        }
    }
    return Status::ok();
}

}  // namespace atalaya
