#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "inference/DynamicBatcher.h"
#include "inference/ExecutionSlots.h"
#include "inference/LiveStats.h"
#include "inference/ModelMetadata.h"
#include "inference/ModelRunner.h"
#include "inference/WordTokenizer.h"

namespace atalaya {

enum class ModelState { Loading, Ready, Failed, Draining, Unloaded };
std::string_view modelStateName(ModelState state);

// One version of one model: its metadata, its runner, its batcher and its live statistics.
// Owned by ModelRepository through shared_ptr, so a request that found it keeps it alive while
// the version is being unloaded.
//
// Thread affinity: load() and stop() on the repository's loader thread; the accessors from any
// thread. metadata(), batcher() and tokenizer() are valid only once state() is Ready.
class ModelVersion {
public:
    ModelVersion(std::string model, std::int64_t version, std::filesystem::path modelDir);
    ~ModelVersion();

    // Reads metadata, loads the model, runs a warm-up batch built from the declared inputs and
    // checks the outputs against the declared ones, then starts the batcher. The version stays
    // LOADING (its batcher usable, for validation) until markReady(); a failure leaves it
    // FAILED with the reason. Never throws.
    Status load(ModelRunnerFactory& factory, const RunnerOptions& options, ExecutionSlots& slots);
    void markReady();
    void markFailed(const Status& why);
    void markDraining();
    void markUnloaded(std::string reason);  // never loaded, on purpose (autoload false)
    void stop(Drain drain);

    const std::string& model() const { return m_model; }
    std::int64_t version() const { return m_version; }
    ModelState state() const { return m_state.load(std::memory_order_acquire); }
    std::string reason() const;
    std::optional<std::chrono::milliseconds> loadDuration() const;
    std::string runnerDescription() const;
    std::int64_t stateSinceMs() const;  // Unix ms when the current state was entered

    // What validation found before the version took traffic (rollout checks).
    struct Validation {
        int smokePassed = 0;
        int smokeTotal = 0;
        bool breaking = false;  // schema differs from the version served before it
    };
    void setValidation(Validation validation);
    Validation validation() const;

    const ModelMetadata& metadata() const { return m_metadata; }
    DynamicBatcher& batcher() { return *m_batcher; }
    const WordTokenizer* tokenizer() const { return m_tokenizer ? &*m_tokenizer : nullptr; }
    LiveStats& stats() { return m_stats; }

private:
    Status loadAndValidate(ModelRunnerFactory& factory, const RunnerOptions& options);
    Status warmUp();
    void setState(ModelState state, std::string reason);

    const std::string m_model;
    const std::int64_t m_version;
    const std::filesystem::path m_modelDir;

    std::atomic<ModelState> m_state{ModelState::Loading};
    mutable std::mutex m_mutex;  // guards m_reason, m_loadDuration, m_sinceMs, m_validation
    std::string m_reason;
    std::int64_t m_sinceMs = 0;
    Validation m_validation;
    std::optional<std::chrono::milliseconds> m_loadDuration;

    ModelMetadata m_metadata;
    std::optional<WordTokenizer> m_tokenizer;
    std::unique_ptr<ModelRunner> m_runner;
    LiveStats m_stats;
    std::unique_ptr<DynamicBatcher> m_batcher;  // after m_runner: destroyed (joined) first
};

}  // namespace atalaya
