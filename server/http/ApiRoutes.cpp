#include "http/ApiRoutes.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <random>

#include "core/Logging.h"
#include "core/StrictJson.h"
#include "core/UnixTime.h"
#include "http/HttpErrors.h"
#include "http/JsonTensor.h"
#include "http/OipCodec.h"
#include "http/PredictCodec.h"
#include "security/RateLimitHeaders.h"

namespace atalaya::http {
namespace {

using nlohmann::json;
using std::chrono::duration_cast;
using std::chrono::microseconds;

constexpr std::string_view kRequestIdHeader = "X-Request-Id";
constexpr std::string_view kTimeoutHeader = "X-Request-Timeout-Ms";

bool isJsonContentType(std::string_view value) {
    const auto semicolon = value.find(';');
    std::string_view type = value.substr(0, semicolon);
    while (!type.empty() && type.back() == ' ')
        type.remove_suffix(1);
    constexpr std::string_view kJson = "application/json";
    if (type.size() != kJson.size())
        return false;
    for (std::size_t i = 0; i < type.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(type[i])) != kJson[i])
            return false;
    }
    return true;
}

// A client's own request id is echoed only if it is short and printable (it lands in logs).
bool isUsableRequestId(std::string_view id) {
    if (id.empty() || id.size() > 128)
        return false;
    return std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

Result<std::optional<SteadyClock::time_point>> deadlineOf(const HttpRequest& request,
                                                          SteadyClock::time_point received,
                                                          std::chrono::milliseconds fallback) {
    const std::string_view header = request.header(kTimeoutHeader);
    if (header.empty()) {
        if (fallback.count() == 0)
            return std::optional<SteadyClock::time_point>();
        return std::optional(received + fallback);
    }
    long long ms = 0;
    const auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), ms);
    if (ec != std::errc() || end != header.data() + header.size() || ms < 1 || ms > 3'600'000) {
        return invalidArgument(std::string(kTimeoutHeader) + " must be 1..3600000 milliseconds",
                               "bad_timeout");
    }
    return std::optional(received + std::chrono::milliseconds(ms));
}

Result<std::int64_t> parseVersionParam(std::string_view text) {
    if (const auto version = parseVersionNumber(text))
        return *version;
    return notFound("model version \"" + std::string(text) + "\" is not a positive integer",
                    "version_not_found");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The route table. Access::Public marks the only routes reachable without credentials.
std::vector<RouteEntry> ApiRoutes::routeTable() {
    using A = Access;
    auto on = [this](void (ApiRoutes::*handler)(const ApiCallPtr&)) {
        return handlerOf(this, handler);
    };
    std::vector<RouteEntry> table{
        {{"GET", "/healthz", A::Public}, on(&ApiRoutes::serveHealthz)},
        {{"GET", "/readyz", A::Public}, on(&ApiRoutes::serveReadyz)},
        {{"GET", "/api/v1/health", A::Metrics}, on(&ApiRoutes::serveHealthDetail)},
        {{"GET", "/metrics", A::Metrics}, on(&ApiRoutes::serveMetrics)},
        {{"POST", "/api/{api}/ia/predict", A::Predict, true}, on(&ApiRoutes::servePredict)},
        // Open Inference Protocol (KServe v2)
        {{"GET", "/v2", A::Predict}, on(&ApiRoutes::serveOipServer)},
        {{"GET", "/v2/health/live", A::Public}, on(&ApiRoutes::serveOipLive)},
        {{"GET", "/v2/health/ready", A::Public}, on(&ApiRoutes::serveOipReady)},
        {{"GET", "/v2/models/{model}", A::Predict}, on(&ApiRoutes::serveOipModel)},
        {{"GET", "/v2/models/{model}/ready", A::Predict}, on(&ApiRoutes::serveOipModelReady)},
        {{"POST", "/v2/models/{model}/infer", A::Predict, true}, on(&ApiRoutes::serveOipInfer)},
        {{"GET", "/v2/models/{model}/versions/{version}", A::Predict},
         on(&ApiRoutes::serveOipModel)},
        {{"GET", "/v2/models/{model}/versions/{version}/ready", A::Predict},
         on(&ApiRoutes::serveOipModelReady)},
        {{"POST", "/v2/models/{model}/versions/{version}/infer", A::Predict, true},
         on(&ApiRoutes::serveOipInfer)},
    };
    // Routes of the other parts of the server (rollout, administration, statistics).
    for (RouteGroup* group : m_context.routeGroups) {
        for (auto& entry : group->routes())
            table.push_back(std::move(entry));
    }
    return table;
}
// ---------------------------------------------------------------------------------------------

ApiRoutes::ApiRoutes(ApiContext context)
    : m_context(std::move(context)), m_router(*m_context.router), m_routes(routeTable()) {
    std::random_device seed;
    char prefix[16];
    std::snprintf(prefix, sizeof prefix, "%08x", seed());
    m_requestIdPrefix = prefix;
}

ApiRoutes::~ApiRoutes() = default;

std::string ApiRoutes::nextRequestId() {
    return m_requestIdPrefix + "-" + std::to_string(m_requestCounter.fetch_add(1) + 1);
}

void ApiRoutes::handle(HttpRequest&& request, Responder responder) {
    auto call = std::make_shared<ApiCall>(std::move(request), std::move(responder));
    call->pending = &m_pending;
    call->metrics = m_context.metrics;
    m_pending.fetch_add(1);
    const std::string_view clientId = call->request.header(kRequestIdHeader);
    call->requestId = isUsableRequestId(clientId) ? std::string(clientId) : nextRequestId();

    auto path = normalizePath(call->request.target);
    if (!path.isOk())
        return call->fail(path.status());

    std::string allow;
    for (const RouteEntry& route : m_routes) {
        PathParams params;
        if (!matchPattern(route.info.pattern, *path, params))
            continue;
        // HEAD is GET without a body (RFC 9110 s9.3.2); the transport drops the body.
        const bool headOfGet = call->request.method == "HEAD" && route.info.method == "GET";
        if (route.info.method != call->request.method && !headOfGet) {
            allow += (allow.empty() ? "" : ", ") + route.info.method;
            continue;
        }
        call->route = route.info.pattern;
        call->params = std::move(params);
        call->clientAddress =
            m_context.gate != nullptr
                ? m_context.gate->clientAddress(call->request.remoteAddress,
                                                call->request.header("X-Forwarded-For"))
                : call->request.remoteAddress;
        if (m_context.gate != nullptr) {
            // Per source address, before any token is looked at, on every route.
            const RateLimitDecision admitted = m_context.gate->admitAddress(call->clientAddress);
            if (!admitted.allowed)
                return failLimited(call, {&admitted, 1});
        }
        try {
            // Before anything looks at the body: an unauthenticated caller learns nothing more.
            if (!authorize(call, route.info.access))
                return;
            if (route.info.jsonBody && !isJsonContentType(call->request.header("Content-Type"))) {
                return call->reply(transportError(415, "unsupported_media_type",
                                                  "the body must be application/json"));
            }
            return route.handler(call);
        } catch (const std::exception& error) {
            // A bug in a handler must cost one 500, not the connection or the drain count.
            qCWarning(lcHttp, "%s %s: %s", call->request.method.c_str(), path->c_str(),
                      error.what());
            return call->fail(internalError("internal error", "internal"));
        }
    }
    if (!allow.empty()) {
        auto response = transportError(405, "method_not_allowed",
                                       call->request.method + " is not allowed here");
        response.withHeader("Allow", allow);
        return call->reply(std::move(response));
    }
    call->fail(notFound("no route for " + *path, "route_not_found"));
}

bool ApiRoutes::authorize(const ApiCallPtr& call, Access access) {
    if (access == Access::Public || m_context.authenticator == nullptr)
        return true;
    // A source that keeps failing is refused before any signature or hash work is spent on it.
    if (m_context.gate != nullptr) {
        const RateLimitDecision attempt = m_context.gate->admitAuthAttempt(call->clientAddress);
        if (!attempt.allowed) {
            failLimited(call, {&attempt, 1});
            return false;
        }
    }
    // Only the Authorization header is read: tokens in the query string (RFC 6750 s2.3) are
    // never accepted, since URLs end up in logs and browser history.
    auto principal = m_context.authenticator->authenticate(call->request.header("Authorization"));
    if (!principal.isOk()) {
        if (m_context.gate != nullptr)
            m_context.gate->recordAuthFailure(call->clientAddress);
        call->fail(principal.status());
        return false;
    }
    const Scope needed = access == Access::Predict   ? Scope::Predict
                         : access == Access::Metrics ? Scope::Metrics
                                                     : Scope::Admin;
    if (!principal->has(needed)) {
        call->fail({StatusCode::PermissionDenied,
                    "this route needs the \"" + std::string(scopeName(needed)) + "\" scope",
                    "insufficient_scope"},
                   scopeName(needed));
        return false;
    }
    if (m_context.gate != nullptr) {
        const auto decisions = m_context.gate->admitClient(principal->clientId, principal->limits);
        for (const auto& decision : decisions) {
            if (!decision.allowed) {
                failLimited(call, decisions);
                return false;
            }
        }
        call->extraHeaders = rateLimitHeaders(decisions);
    }
    call->principal = std::move(principal).value();
    return true;
}

// 429 with Retry-After and the RateLimit fields of every policy that applied; distinct codes
// (rate_limited, quota_exceeded) so a client can tell a burst from an exhausted quota.
void ApiRoutes::failLimited(const ApiCallPtr& call, std::span<const RateLimitDecision> decisions) {
    const auto denied = std::find_if(decisions.begin(), decisions.end(),
                                     [](const RateLimitDecision& d) { return !d.allowed; });
    const Status status = denied->toStatus();
    if (m_context.metrics != nullptr)
        m_context.metrics->recordRejection(status.reason());
    HttpResponse response = errorResponse(status);
    for (auto& header : rateLimitHeaders(decisions, RetryAfterField::Omit)) {
        response.headers.push_back(std::move(header));
    }
    call->reply(std::move(response));
}

bool ApiRoutes::authorizeModel(const ApiCallPtr& call, std::string_view model) {
    if (!call->principal || call->principal->mayUseModel(model))
        return true;
    call->fail({StatusCode::PermissionDenied, "this credential may not use this model",
                "insufficient_scope"},
               "predict:" + std::string(model));
    return false;
}

void ApiRoutes::serveHealthz(const ApiCallPtr& call) {
    call->reply(jsonResponse(200, R"({"status":"alive"})"));
}

void ApiRoutes::serveReadyz(const ApiCallPtr& call) {
    bool ready = false;
    std::string body = encodeReadiness(m_context.models, ready);
    call->reply(jsonResponse(ready ? 200 : 503, std::move(body)));
}

void ApiRoutes::serveHealthDetail(const ApiCallPtr& call) {
    const double uptime =
        std::chrono::duration<double>(SteadyClock::now() - m_context.startedAt).count();
    call->reply(jsonResponse(
        200, encodeHealth(m_context.models, m_context.runtime, m_router, m_context.address(),
                          uptime, m_context.log, m_context.healthSections)));
}

void ApiRoutes::serveMetrics(const ApiCallPtr& call) {
    if (m_context.metrics == nullptr)
        return call->fail(notFound("metrics are off", "route_not_found"));
    ScrapeContext scrape;
    for (const auto& version : m_context.models.versions()) {
        const ModelState state = version->state();
        const bool running = state == ModelState::Ready || state == ModelState::Draining;
        const auto load = version->loadDuration();
        scrape.models.push_back(
            {.model = version->model(),
             .version = version->version(),
             .state = std::string(modelStateName(state)),
             .queueDepth = running ? version->batcher().queueDepth() : 0,
             .inFlight = running ? version->batcher().inFlight() : 0,
             .loadSeconds =
                 load ? std::optional(static_cast<double>(load->count()) / 1000.0) : std::nullopt});
    }
    if (m_context.log != nullptr)
        scrape.inferenceLogRowsDropped = m_context.log->counters().rowsDropped;
    for (const auto& addGauges : m_context.gaugeSources)
        addGauges(scrape);
    scrape.uptimeSeconds =
        std::chrono::duration<double>(SteadyClock::now() - m_context.startedAt).count();
    HttpResponse response;
    response.contentType = std::string(kPrometheusContentType);
    response.body = m_context.metrics->exposition(scrape);
    call->reply(std::move(response));
}

namespace {

// What the inference log needs of a request besides its outcome, taken while the body is
// parsed. Made only when a sink is set, so a server without a log dumps no instances.
struct LogDraft {
    std::string route;
    std::string apiVersion;
    std::string inputsJson;  // or, for the log's writer to serialize, the next two
    std::shared_ptr<const json> requestDocument;
    const json* instancesNode = nullptr;
    int instances = 0;
    std::shared_ptr<const InstanceValues> inputValues;
};

// The drift monitor's view of a request, so it never parses inputsJson again: a text model's
// strings (the leaves of `data`, which the decoder has validated), otherwise the first input's
// elements, one row per instance in the model's column order.
std::shared_ptr<const InstanceValues> instanceValuesOf(const TensorSpec& spec,
                                                       const HostTensor& tensor, const json& data) {
    auto values = std::make_shared<InstanceValues>();
    if (spec.tokenizer) {
        for (const json* item : flattenRowMajor(data)) {
            if (item->is_string())
                values->texts.push_back(item->get<std::string>());
        }
    } else if (tensor.rows() > 0) {
        values->numbers = tensor.toDoubles();
        values->columns = values->numbers.size() / static_cast<std::size_t>(tensor.rows());
    }
    return values;
}

InferenceRecord startRecord(LogDraft& draft, const std::string& requestId,
                            const std::string& client, const ModelVersion& version,
                            const InferenceTiming& timing, microseconds total) {
    InferenceRecord record;
    record.timeUnixMs = systemUnixMs();
    record.requestId = requestId;
    record.client = client;
    record.route = draft.route;
    record.apiVersion = draft.apiVersion;
    record.model = version.model();
    record.version = version.version();
    record.queueUs = timing.queue.count();
    record.computeUs = timing.compute.count();
    record.totalUs = total.count();
    record.batchSize = timing.batchSize;
    record.instances = draft.instances;
    record.inputsJson = std::move(draft.inputsJson);  // a request completes exactly once
    record.requestDocument = draft.requestDocument;   // shared with a shadow's record
    record.instancesNode = draft.instancesNode;
    record.inputValues = draft.inputValues;
    return record;
}

void sendRecord(InferenceSink& sink, InferenceRecord&& record, const HttpResponse& response,
                const Status& status) {
    record.httpStatus = response.status;
    if (!status.isOk())
        record.errorCode = std::string(status.reason());
    sink.record(std::move(record));
}

std::string clientOf(const ApiCall& call) {
    return call.principal ? call.principal->clientId : std::string();
}

// Submits decoded inputs to a version's batcher and answers from the IO thread when done.
// `encode(result, total, record)` turns a successful result into the response body and, when
// `record` is not null, fills its prediction fields. With a sink, every outcome from here on
// (answer, model error, deadline, queue_full) is recorded before it is sent.
// `onFailure(total)`, when set, hears of every outcome that is not a success.
template <class Encode>
void runInference(const ApiCallPtr& call, std::shared_ptr<ModelVersion> version,
                  std::vector<HostTensor>&& inputs, std::optional<SteadyClock::time_point> deadline,
                  InferenceSink* sink, std::shared_ptr<LogDraft> draft, Encode encode,
                  std::function<void(microseconds)> onFailure = {}) {
    call->served = version.get();
    InferenceRequest request;
    request.inputs = std::move(inputs);
    request.deadline = deadline;
    request.onDone = [call, version, encode, sink, draft, onFailure](InferenceResult&& result) {
        call->responder.onIoThread([call, version, encode, sink, draft, onFailure,
                                    result = std::move(result)] {
            const auto total = duration_cast<microseconds>(SteadyClock::now() - call->receivedAt);
            version->stats().recordRequest(total, result.status.isOk());
            call->timing = result.timing;
            std::optional<InferenceRecord> record;
            if (sink != nullptr)
                record = startRecord(*draft, call->requestId, clientOf(*call), *version,
                                     result.timing, total);
            HttpResponse response;
            if (result.status.isOk()) {
                response.body = encode(result, total, record ? &*record : nullptr);
            } else {
                response = errorResponse(result.status);
                if (onFailure)
                    onFailure(total);
            }
            if (record)
                sendRecord(*sink, std::move(*record), response, result.status);
            call->reply(std::move(response));
        });
    };
    const Status submitted = version->batcher().submit(std::move(request));
    if (!submitted.isOk()) {
        const auto total = duration_cast<microseconds>(SteadyClock::now() - call->receivedAt);
        version->stats().recordRequest(total, false);
        if (onFailure)
            onFailure(total);
        HttpResponse response = errorResponse(submitted);
        if (sink != nullptr) {
            sendRecord(*sink,
                       startRecord(*draft, call->requestId, clientOf(*call), *version, {}, total),
                       response, submitted);
        }
        call->reply(std::move(response));
    }
}

// {"<input name>": <its data>, ...}: the values without the envelope, so a capture policy sees
// the text and not the "name"/"datatype" strings. Called on a body decodeOipInfer accepted.
std::string oipInputsForLog(const json& body) {
    json inputs = json::object();
    for (const auto& input : body.at("inputs")) {
        const auto name = input.find("name");
        const auto data = input.find("data");
        if (name != input.end() && name->is_string() && data != input.end()) {
            inputs[name->get<std::string>()] = *data;
        }
    }
    return inputs.dump();
}

// instanceValuesOf for an OIP body: the model's first declared input, found by name (decodeOipInfer
// has matched every input, so it is there).
std::shared_ptr<const InstanceValues> oipInstanceValues(const json& body,
                                                        const ModelMetadata& metadata,
                                                        const HostTensor& firstInput) {
    const TensorSpec& spec = metadata.inputs.front();
    for (const auto& input : body.at("inputs")) {
        const auto name = input.find("name");
        const auto data = input.find("data");
        if (name != input.end() && *name == spec.name && data != input.end())
            return instanceValuesOf(spec, firstInput, *data);
    }
    return nullptr;
}

void fillPrediction(InferenceRecord& record, EncodedPredictions&& predictions) {
    record.label = std::string(predictions.label());
    record.score = predictions.score();
    record.predictionsJson = std::move(predictions.json);
    record.instancePredictions = std::move(predictions.instances);
}

// Sends a copy of a request to a shadow version. Its outcome goes to the router (agreement
// with the client's answer) and to the log as route "shadow"; nobody waits for it, and a
// shadow that is full or failing costs the client nothing.
void runShadow(const ApiCallPtr& call, TrafficRouter& router, std::shared_ptr<ModelVersion> shadow,
               std::vector<HostTensor>&& inputs, InferenceSink* sink, LogDraft draft) {
    const auto submittedAt = SteadyClock::now();
    InferenceRequest request;
    request.inputs = std::move(inputs);
    request.onDone = [call, &router, shadow, sink, submittedAt,
                      draft =
                          std::make_shared<LogDraft>(std::move(draft))](InferenceResult&& result) {
        call->responder.onIoThread([call, &router, shadow, sink, submittedAt, draft,
                                    result = std::move(result)] {
            const auto took = duration_cast<microseconds>(SteadyClock::now() - submittedAt);
            shadow->stats().recordRequest(took, result.status.isOk());
            EncodedPredictions predictions;
            if (result.status.isOk())
                predictions = encodePredictions(shadow->metadata(), result);
            router.observe({.api = call->apiVersion,
                            .model = shadow->model(),
                            .version = shadow->version(),
                            .shadow = true,
                            .ok = result.status.isOk(),
                            .latency = took,
                            .label = predictions.label(),
                            .score = predictions.score(),
                            .requestId = call->requestId});
            if (sink == nullptr)
                return;
            InferenceRecord record =
                startRecord(*draft, call->requestId, clientOf(*call), *shadow, result.timing, took);
            HttpResponse response;
            if (result.status.isOk()) {
                fillPrediction(record, std::move(predictions));
            } else {
                response = errorResponse(result.status);
            }
            sendRecord(*sink, std::move(record), response, result.status);
        });
    };
    // A refused submit (queue full, draining) is simply a shadow request that did not happen.
    (void)shadow->batcher().submit(std::move(request));
}

}  // namespace

void ApiRoutes::servePredict(const ApiCallPtr& call) {
    const std::string api(call->params.get("api").value_or(""));
    if (!m_router.knowsApiVersion(api)) {
        return call->fail(notFound("unknown API version \"" + api + "\"", "unknown_api_version"));
    }
    call->apiVersion = api;
    const auto& limits = m_context.config.json;
    auto parsed = parseStrictJson(call->request.body, {.maxDepth = limits.maxDepth});
    if (!parsed.isOk())
        return call->fail(parsed.status());
    // Shared: with a log, its writer serializes the instances from the document and frees it,
    // both off the IO thread.
    const auto body = std::make_shared<const json>(std::move(parsed).value());
    auto envelope = decodePredictEnvelope(*body, limits);
    if (!envelope.isOk())
        return call->fail(envelope.status());
    if (!authorizeModel(call, envelope->model))
        return;
    // Sticky per caller: a credential keeps its canary side, and so does an address.
    const std::string_view clientKey =
        call->principal ? call->principal->clientId : call->clientAddress;
    RouteDecision decision = m_router.route(api, envelope->model, clientKey);
    for (auto& header : decision.headers)
        call->extraHeaders.push_back(std::move(header));
    auto version = m_context.models.find(envelope->model, decision.version);
    if (!version.isOk())
        return call->fail(version.status());
    auto deadline =
        deadlineOf(call->request, call->receivedAt, m_context.config.inference.defaultDeadline);
    if (!deadline.isOk())
        return call->fail(deadline.status());
    auto inputs = decodeInstances(*envelope->instances, (*version)->metadata(),
                                  (*version)->tokenizer(), limits);
    if (!inputs.isOk())
        return call->fail(inputs.status());

    PredictReply reply{.requestId = call->requestId,
                       .apiVersion = api,
                       .model = (*version)->model(),
                       .version = (*version)->version()};
    std::shared_ptr<LogDraft> draft;
    if (m_context.sink != nullptr) {
        draft = std::make_shared<LogDraft>(
            LogDraft{.route = "predict",
                     .apiVersion = api,
                     .inputsJson = {},
                     .requestDocument = body,
                     .instancesNode = envelope->instances,
                     .instances = static_cast<int>(envelope->instances->size()),
                     .inputValues = instanceValuesOf((*version)->metadata().inputs.front(),
                                                     inputs->front(), *envelope->instances)});
    }
    if (decision.shadow && *decision.shadow != (*version)->version()) {
        // The shadow decodes with its own metadata: a version with another schema is refused
        // at load for existing routes, so the same instances fit.
        auto shadow = m_context.models.find(envelope->model, decision.shadow);
        if (shadow.isOk()) {
            auto copy = decodeInstances(*envelope->instances, (*shadow)->metadata(),
                                        (*shadow)->tokenizer(), limits);
            if (copy.isOk()) {
                LogDraft shadowDraft = draft ? *draft : LogDraft{};
                shadowDraft.route = "shadow";
                runShadow(call, m_router, *shadow, std::move(copy).value(), m_context.sink,
                          std::move(shadowDraft));
            }
        }
    }
    const ModelVersion* served = version->get();
    auto observe = [router = &m_router, call, served](bool ok, microseconds total,
                                                      std::string_view label, double score) {
        router->observe({.api = call->apiVersion,
                         .model = served->model(),
                         .version = served->version(),
                         .shadow = false,
                         .ok = ok,
                         .latency = total,
                         .label = label,
                         .score = score,
                         .requestId = call->requestId});
    };
    runInference(
        call, *version, std::move(inputs).value(), *deadline, m_context.sink, std::move(draft),
        [reply, served, observe](const InferenceResult& result, microseconds total,
                                 InferenceRecord* record) {
            PredictReply timed = reply;
            timed.total = total;
            auto predictions = encodePredictions(served->metadata(), result);
            std::string body = encodePredictResponse(timed, predictions, result);
            observe(true, total, predictions.label(), predictions.score());
            if (record != nullptr)
                fillPrediction(*record, std::move(predictions));
            return body;
        },
        [observe](microseconds total) { observe(false, total, {}, 0); });
}

void ApiRoutes::serveOipServer(const ApiCallPtr& call) {
    call->reply(jsonResponse(
        200, json{{"name", "atalaya"}, {"version", ATALAYA_VERSION}, {"extensions", json::array()}}
                 .dump()));
}

void ApiRoutes::serveOipLive(const ApiCallPtr& call) {
    call->reply(jsonResponse(200, R"({"live":true})"));
}

void ApiRoutes::serveOipReady(const ApiCallPtr& call) {
    const bool ready = m_context.models.allReady();
    call->reply(jsonResponse(ready ? 200 : 503, json{{"ready", ready}}.dump()));
}

namespace {

template <class Params>
Result<std::shared_ptr<ModelVersion>> findFromParams(const ModelRepository& models,
                                                     const Params& params) {
    const std::string_view model = params.get("model").value_or("");
    std::optional<std::int64_t> version;
    if (const auto text = params.get("version")) {
        ATALAYA_ASSIGN_OR_RETURN(version, parseVersionParam(*text));
    }
    return models.find(model, version);
}

}  // namespace

void ApiRoutes::serveOipModel(const ApiCallPtr& call) {
    if (!authorizeModel(call, call->params.get("model").value_or("")))
        return;
    auto version = findFromParams(m_context.models, call->params);
    if (!version.isOk())
        return call->fail(version.status());
    std::vector<std::int64_t> ready;
    for (const auto& v : m_context.models.versions()) {
        if (v->model() == (*version)->model() && v->state() == ModelState::Ready)
            ready.push_back(v->version());
    }
    call->reply(jsonResponse(200, encodeOipModelMetadata((*version)->metadata(), ready)));
}

void ApiRoutes::serveOipModelReady(const ApiCallPtr& call) {
    if (!authorizeModel(call, call->params.get("model").value_or("")))
        return;
    auto version = findFromParams(m_context.models, call->params);
    if (version.isOk()) {
        return call->reply(
            jsonResponse(200, json{{"name", (*version)->model()}, {"ready", true}}.dump()));
    }
    if (version.status().code() == StatusCode::NotFound)
        return call->fail(version.status());
    call->reply(jsonResponse(
        503, json{{"name", call->params.get("model").value_or("")}, {"ready", false}}.dump()));
}

void ApiRoutes::serveOipInfer(const ApiCallPtr& call) {
    if (!authorizeModel(call, call->params.get("model").value_or("")))
        return;
    const auto& limits = m_context.config.json;
    auto body = parseStrictJson(call->request.body, {.maxDepth = limits.maxDepth});
    if (!body.isOk())
        return call->fail(body.status());
    auto version = findFromParams(m_context.models, call->params);
    if (!version.isOk())
        return call->fail(version.status());
    auto deadline =
        deadlineOf(call->request, call->receivedAt, m_context.config.inference.defaultDeadline);
    if (!deadline.isOk())
        return call->fail(deadline.status());
    auto decoded = decodeOipInfer(*body, (*version)->metadata(), (*version)->tokenizer(), limits);
    if (!decoded.isOk())
        return call->fail(decoded.status());

    auto shared = std::make_shared<OipInferCall>(std::move(decoded).value());
    auto inputs = std::move(shared->inputs);
    std::shared_ptr<LogDraft> draft;
    if (m_context.sink != nullptr) {
        draft = std::make_shared<LogDraft>(LogDraft{
            .route = "oip_infer",
            .apiVersion = {},
            .inputsJson = oipInputsForLog(*body),
            .requestDocument = nullptr,
            .instancesNode = nullptr,
            .instances = static_cast<int>(inputs.front().rows()),
            .inputValues = oipInstanceValues(*body, (*version)->metadata(), inputs.front())});
    }
    const ModelVersion* served = version->get();
    runInference(call, *version, std::move(inputs), *deadline, m_context.sink, std::move(draft),
                 [shared, served](const InferenceResult& result, microseconds /*total*/,
                                  InferenceRecord* record) {
                     // The answer carries raw tensors; the log keeps labels, as for predict.
                     if (record != nullptr)
                         fillPrediction(*record, encodePredictions(served->metadata(), result));
                     return encodeOipInferResponse(served->model(), served->version(), *shared,
                                                   served->metadata(), result);
                 });
}

}  // namespace atalaya::http
