#pragma once

#include "inference/ExecutionSlots.h"
#include "inference/ModelRunner.h"
#include "inference/ModelVersion.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atalaya {

// The models on disk and their loaded versions. Layout (docs/models.md):
//   <root>/<model>/model.json, <root>/<model>/<version>/model.pt   (version: positive integer)
//
// Thread affinity: scan() and loadPending() on the loader thread; find() and versions() from
// any thread (request path: one mutex, a map lookup and a shared_ptr copy).
class ModelRepository {
public:
    ModelRepository(std::filesystem::path root, ModelRunnerFactory& factory,
                    RunnerOptions options, ExecutionSlots& slots);
    ~ModelRepository();

    // Registers every <model>/<version>/ directory as LOADING. NotFound if root is missing.
    Status scan();
    // Loads every LOADING version in turn; a failure marks that version FAILED only.
    void loadPending();

    // A READY version: the one asked for, or the highest READY one (Triton's rule). NotFound
    // for an unknown model or version, Unavailable ("model_not_ready") for one not READY.
    Result<std::shared_ptr<ModelVersion>> find(std::string_view model,
                                               std::optional<std::int64_t> version) const;

    std::vector<std::shared_ptr<ModelVersion>> versions() const;  // by model, then version
    bool allReady() const;  // every registered version READY (and at least one exists)
    void stopAll(Drain drain);

    const std::filesystem::path& root() const { return m_root; }

private:
    const std::filesystem::path m_root;
    ModelRunnerFactory& m_factory;
    const RunnerOptions m_options;
    ExecutionSlots& m_slots;

    mutable std::mutex m_mutex;
    // model name -> version -> state; transparent comparator so lookups take a string_view.
    std::map<std::string, std::map<std::int64_t, std::shared_ptr<ModelVersion>>, std::less<>>
        m_models;
};

}  // namespace atalaya
