#include "inference/ModelVersion.h"

#include "core/Logging.h"
#include "core/UnixTime.h"

namespace atalaya {
namespace {

// The tensor a model actually receives for a declared input: text inputs arrive as tokens.
HostTensor warmUpInput(const TensorSpec& spec, std::int64_t rows) {
    if (spec.tokenizer) {
        auto ids = HostTensor::zeros(DataType::Int64, {rows, spec.tokenizer->maxTokens});
        auto values = ids.values<std::int64_t>();
        for (std::int64_t r = 0; r < rows; ++r)
            values[r * spec.tokenizer->maxTokens] = spec.tokenizer->unkId;
        return ids;
    }
    auto shape = spec.shape;
    shape[0] = rows;
    auto tensor = HostTensor::zeros(spec.type, shape);
    // Mid-range feature values: a model that validates its inputs must accept them.
    if (spec.type == DataType::Fp32 && !spec.features.empty()) {
        auto values = tensor.values<float>();
        for (std::size_t i = 0; i < values.size(); ++i) {
            const auto& f = spec.features[i % spec.features.size()];
            const double lo = f.min.value_or(0.0);
            const double hi = f.max.value_or(lo);
            values[i] = static_cast<float>((lo + hi) / 2);
        }
    }
    return tensor;
}

Status checkOutputs(const std::vector<TensorSpec>& declared, const std::vector<HostTensor>& got,
                    std::int64_t rows) {
    if (got.size() != declared.size()) {
        return invalidArgument("model returned " + std::to_string(got.size()) +
                                   " outputs, model.json declares " +
                                   std::to_string(declared.size()),
                               "output_mismatch");
    }
    for (std::size_t i = 0; i < got.size(); ++i) {
        auto expected = declared[i].shape;
        expected[0] = rows;
        if (got[i].shape != expected || got[i].type != declared[i].type) {
            std::string shape;
            for (auto d : got[i].shape)
                shape += (shape.empty() ? "" : ",") + std::to_string(d);
            return invalidArgument("output " + declared[i].name + " is " +
                                       std::string(dataTypeName(got[i].type)) + " [" + shape +
                                       "], model.json declares another shape or type",
                                   "output_mismatch");
        }
    }
    return Status::ok();
}

}  // namespace

std::string_view modelStateName(ModelState state) {
    switch (state) {
        case ModelState::Loading:
            return "LOADING";
        case ModelState::Ready:
            return "READY";
        case ModelState::Failed:
            return "FAILED";
        case ModelState::Draining:
            return "DRAINING";
        case ModelState::Unloaded:
            return "UNLOADED";
    }
    return "UNKNOWN";
}

ModelVersion::ModelVersion(std::string model, std::int64_t version, std::filesystem::path modelDir)
    : m_model(std::move(model)), m_version(version), m_modelDir(std::move(modelDir)) {
    setState(ModelState::Loading, {});
}

ModelVersion::~ModelVersion() {
    if (m_batcher)
        m_batcher->stop(Drain::Abort);
}

Status ModelVersion::load(ModelRunnerFactory& factory, const RunnerOptions& options,
                          ExecutionSlots& slots) {
    const auto started = std::chrono::steady_clock::now();
    Status status = loadAndValidate(factory, options);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    {
        std::lock_guard lock(m_mutex);
        m_loadDuration = took;
    }
    if (!status.isOk()) {
        markFailed(status);
        return status;
    }
    m_batcher = std::make_unique<DynamicBatcher>(m_model + ":" + std::to_string(m_version),
                                                 *m_runner, m_metadata.batching, slots, m_stats);
    return Status::ok();
}

void ModelVersion::markReady() {
    qCInfo(lcModels, "%s:%lld READY (loaded in %lld ms, %s)", m_model.c_str(),
           static_cast<long long>(m_version),
           static_cast<long long>(loadDuration().value_or(std::chrono::milliseconds(0)).count()),
           m_runner ? m_runner->describe().c_str() : "");
    setState(ModelState::Ready, {});
}

void ModelVersion::markFailed(const Status& why) {
    qCWarning(lcModels, "%s:%lld FAILED: %s", m_model.c_str(), static_cast<long long>(m_version),
              why.message().c_str());
    setState(ModelState::Failed, why.message());
    // A failed version never serves: its model's memory goes now, not when the entry does.
    if (m_batcher)
        m_batcher->stop(Drain::Abort);
    m_batcher.reset();
    m_runner.reset();
}

void ModelVersion::markUnloaded(std::string reason) {
    setState(ModelState::Unloaded, std::move(reason));
}

void ModelVersion::markDraining() {
    if (state() == ModelState::Ready)
        setState(ModelState::Draining, {});
}

Status ModelVersion::loadAndValidate(ModelRunnerFactory& factory, const RunnerOptions& options) {
    ATALAYA_ASSIGN_OR_RETURN(m_metadata, loadModelMetadata(m_modelDir, m_version));
    for (const auto& input : m_metadata.inputs) {
        if (input.tokenizer) {
            if (m_metadata.inputs.size() != 1) {
                return invalidArgument("a text model takes exactly one input");
            }
            ATALAYA_ASSIGN_OR_RETURN(m_tokenizer, WordTokenizer::load(*input.tokenizer));
        }
    }
    const auto file = m_modelDir / std::to_string(m_version) / "model.pt";
    if (!std::filesystem::exists(file)) {
        return notFound(file.string() + " is missing", "model_file_missing");
    }
    ATALAYA_ASSIGN_OR_RETURN(m_runner, factory.load(file, options));
    return warmUp();
}

Status ModelVersion::warmUp() {
    // Two sizes: a lone request and a full batch, so the first real batch finds its buffers.
    for (const std::int64_t rows :
         {std::int64_t{1}, std::int64_t{m_metadata.batching.maxBatchSize}}) {
        std::vector<HostTensor> inputs;
        for (const auto& spec : m_metadata.inputs)
            inputs.push_back(warmUpInput(spec, rows));
        auto outputs = m_runner->run(inputs);
        if (!outputs.isOk()) {
            return Status(outputs.status().code(), "warm-up failed: " + outputs.status().message(),
                          "warmup_failed");
        }
        ATALAYA_RETURN_IF_ERROR(checkOutputs(m_metadata.outputs, *outputs, rows));
    }
    return Status::ok();
}

void ModelVersion::stop(Drain drain) {
    markDraining();
    if (m_batcher)
        m_batcher->stop(drain);
    if (state() == ModelState::Draining)
        setState(ModelState::Unloaded, {});
}

void ModelVersion::setState(ModelState state, std::string reason) {
    {
        std::lock_guard lock(m_mutex);
        m_reason = std::move(reason);
        m_sinceMs = systemUnixMs();
    }
    m_state.store(state, std::memory_order_release);
}

std::string ModelVersion::reason() const {
    std::lock_guard lock(m_mutex);
    return m_reason;
}

std::optional<std::chrono::milliseconds> ModelVersion::loadDuration() const {
    std::lock_guard lock(m_mutex);
    return m_loadDuration;
}

std::int64_t ModelVersion::stateSinceMs() const {
    std::lock_guard lock(m_mutex);
    return m_sinceMs;
}

void ModelVersion::setValidation(Validation validation) {
    std::lock_guard lock(m_mutex);
    m_validation = validation;
}

ModelVersion::Validation ModelVersion::validation() const {
    std::lock_guard lock(m_mutex);
    return m_validation;
}

std::string ModelVersion::runnerDescription() const {
    return state() == ModelState::Ready && m_runner ? m_runner->describe() : std::string();
}

}  // namespace atalaya
