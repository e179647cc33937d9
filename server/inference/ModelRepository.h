#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "inference/ExecutionSlots.h"
#include "inference/ModelRunner.h"
#include "inference/ModelVersion.h"

namespace atalaya {

// A version directory's or URL segment's number: a positive integer without a leading zero
// ("1", "12"; not "01", "0", "1a"). The one rule for every place that reads a version.
std::optional<std::int64_t> parseVersionNumber(std::string_view text);

// The models on disk and their loaded versions. Layout (docs/models.md):
//   <root>/<model>/model.json, <root>/<model>/<version>/model.pt   (version: positive integer)
//
// Versions can be loaded, reloaded and unloaded while serving (docs/rollout.md): a new
// instance is loaded and validated aside, then swapped in; the instance it replaces drains
// (requests holding it complete) before it is stopped.
//
// Thread affinity: scan(), loadPending(), loadVersion() and unloadVersion() on a loader thread
// (they block for seconds; calls are serialised); find() and versions() from any thread
// (request path: one mutex, a map lookup and a shared_ptr copy).
class ModelRepository {
public:
    // Checks a freshly loaded version before it takes traffic: `current` is the version served
    // by default for the same model (null if none). Runs on the loader thread.
    struct LoadOptions {
        bool confirmBreaking = false;  // the operator accepts a schema change
    };
    using Validator = std::function<Status(ModelVersion& candidate, const ModelVersion* current,
                                           const LoadOptions& options)>;

    ModelRepository(std::filesystem::path root, ModelRunnerFactory& factory, RunnerOptions options,
                    ExecutionSlots& slots);
    ~ModelRepository();

    // Registers every <model>/<version>/ directory as LOADING. NotFound if root is missing.
    Status scan();
    // Loads every LOADING version in turn; a failure marks that version FAILED only.
    void loadPending();
    void setValidator(Validator validator);

    // Loads <root>/<model>/<version> as found on disk now, validates it, and puts it in service
    // (replacing, then draining, an instance already serving). On failure the serving instance,
    // if any, is untouched; a version that was not serving is remembered as FAILED.
    Result<std::shared_ptr<ModelVersion>> loadVersion(const std::string& model,
                                                      std::int64_t version,
                                                      const LoadOptions& options);
    // Takes a version out of service; its queued and in-flight requests complete.
    Status unloadVersion(const std::string& model, std::int64_t version);
    // Version directories of `model` on disk now (a new folder is seen on request, not polled).
    std::vector<std::int64_t> versionsOnDisk(const std::string& model) const;
    std::vector<std::string> modelsOnDisk() const;

    // The version a request without a version number gets: the one set here while READY, else
    // the highest READY one.
    Status setDefaultVersion(const std::string& model, std::int64_t version);
    std::optional<std::int64_t> defaultVersion(std::string_view model) const;
    // The default chosen for `model`, by setDefaultVersion() or kept by a hot load, rather than
    // the highest-READY fallback: what outlives a restart (rollout.sqlite).
    std::optional<std::int64_t> chosenDefault(std::string_view model) const;
    // Between scan() and loadPending(): a version registered UNLOADED because its model.json
    // says "autoload": false is loaded at start after all, because a route or default that
    // outlived a restart needs it. NotFound when scan() did not find it.
    Status loadAtStart(const std::string& model, std::int64_t version);
    // Hot loads that failed and have not succeeded since (by "model:version").
    std::vector<std::shared_ptr<ModelVersion>> failedLoads() const;

    // A READY version: the one asked for, or the highest READY one (Triton's rule). NotFound
    // for an unknown model or version, Unavailable ("model_not_ready") for one not READY.
    Result<std::shared_ptr<ModelVersion>> find(std::string_view model,
                                               std::optional<std::int64_t> version) const;

    std::vector<std::shared_ptr<ModelVersion>> versions() const;  // by model, then version
    // Every version meant to serve is READY (and at least one exists); UNLOADED ones and failed
    // hot loads do not count.
    bool allReady() const;
    // The versions allReady() waits for: not READY, and not unloaded or draining on purpose.
    std::vector<std::shared_ptr<ModelVersion>> versionsNotReady() const;
    void stopAll(Drain drain);

    const std::filesystem::path& root() const { return m_root; }

private:
    std::shared_ptr<ModelVersion> current(std::string_view model) const;  // m_mutex held
    // Waits until no request holds `old` (its use count is down to `ownReferences`, or a
    // timeout), then stops it with Drain::Wait.
    static void retire(std::shared_ptr<ModelVersion> old, long ownReferences);

    const std::filesystem::path m_root;
    ModelRunnerFactory& m_factory;
    const RunnerOptions m_options;
    ExecutionSlots& m_slots;

    std::mutex m_loadMutex;  // one load or unload at a time
    Validator m_validator;   // set before loads start

    mutable std::mutex m_mutex;
    std::map<std::string, std::int64_t, std::less<>> m_defaults;
    std::map<std::string, std::shared_ptr<ModelVersion>> m_failedLoads;
    // model name -> version -> state; transparent comparator so lookups take a string_view.
    std::map<std::string, std::map<std::int64_t, std::shared_ptr<ModelVersion>>, std::less<>>
        m_models;
};

}  // namespace atalaya
