#include "inference/ModelRepository.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/Logging.h"

namespace atalaya {
namespace {

// A version whose own model.json says "autoload": false is registered but not loaded at start:
// a candidate kept on disk until an operator loads it (docs/rollout.md).
bool autoloads(const std::filesystem::path& versionDir) {
    std::ifstream in(versionDir / "model.json");
    if (!in)
        return true;
    const auto doc = nlohmann::json::parse(in, nullptr, false);
    return doc.is_discarded() || !doc.is_object() || doc.value("autoload", true);
}

}  // namespace

std::optional<std::int64_t> parseVersionNumber(std::string_view text) {
    std::int64_t version = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, version);
    if (text.empty() || ec != std::errc() || ptr != end || version < 1 || text.front() == '0')
        return std::nullopt;
    return version;
}

ModelRepository::ModelRepository(std::filesystem::path root, ModelRunnerFactory& factory,
                                 RunnerOptions options, ExecutionSlots& slots)
    : m_root(std::move(root)), m_factory(factory), m_options(std::move(options)), m_slots(slots) {}

ModelRepository::~ModelRepository() {
    stopAll(Drain::Abort);
}

Status ModelRepository::scan() {
    std::error_code ec;
    if (!std::filesystem::is_directory(m_root, ec)) {
        return notFound("model repository " + m_root.string() + " is not a directory",
                        "repository_missing");
    }
    std::vector<std::shared_ptr<ModelVersion>> found;
    for (const auto& model : modelsOnDisk()) {
        for (const auto version : versionsOnDisk(model)) {
            auto entry = std::make_shared<ModelVersion>(model, version, m_root / model);
            if (!autoloads(m_root / model / std::to_string(version))) {
                entry->markUnloaded(
                    "autoload is false in its model.json: load it through the admin API");
            }
            found.push_back(std::move(entry));
        }
    }
    std::lock_guard lock(m_mutex);
    for (auto& version : found) {
        m_models[version->model()].try_emplace(version->version(), std::move(version));
    }
    qCInfo(lcModels, "repository %s: %zu versions found", m_root.c_str(), found.size());
    return Status::ok();
}

void ModelRepository::loadPending() {
    std::lock_guard serial(m_loadMutex);
    for (const auto& version : versions()) {
        if (version->state() != ModelState::Loading)
            continue;
        Status status = version->load(m_factory, m_options, m_slots);
        // At start-up the repository is what the operator laid out: no schema comparison, but
        // the smoke set must pass.
        if (status.isOk() && m_validator)
            status = m_validator(*version, nullptr, {.confirmBreaking = true});
        if (status.isOk()) {
            version->markReady();
        } else if (version->state() != ModelState::Failed) {
            version->markFailed(status);
        }
    }
}

void ModelRepository::setValidator(Validator validator) {
    m_validator = std::move(validator);
}

std::shared_ptr<ModelVersion> ModelRepository::current(std::string_view model) const {
    const auto entry = m_models.find(model);
    if (entry == m_models.end())
        return nullptr;
    if (const auto d = m_defaults.find(model); d != m_defaults.end()) {
        const auto it = entry->second.find(d->second);
        if (it != entry->second.end() && it->second->state() == ModelState::Ready)
            return it->second;
    }
    for (auto it = entry->second.rbegin(); it != entry->second.rend(); ++it) {
        if (it->second->state() == ModelState::Ready)
            return it->second;
    }
    return nullptr;
}

Result<std::shared_ptr<ModelVersion>> ModelRepository::loadVersion(const std::string& model,
                                                                   std::int64_t version,
                                                                   const LoadOptions& options) {
    std::lock_guard serial(m_loadMutex);
    const auto modelDir = m_root / model;
    std::error_code ec;
    if (model.empty() || model.find('/') != std::string::npos || model.front() == '.' ||
        !std::filesystem::is_directory(modelDir / std::to_string(version), ec)) {
        return notFound(
            "no directory " + model + "/" + std::to_string(version) + " in the model repository",
            "version_not_found");
    }
    std::shared_ptr<ModelVersion> serving;
    {
        std::lock_guard lock(m_mutex);
        serving = current(model);
        // A new version arriving while the model serves by "highest READY" must not take the
        // unversioned traffic before anyone decided so: the serving one becomes the default.
        if (serving && m_defaults.find(model) == m_defaults.end() && serving->version() < version) {
            m_defaults.emplace(model, serving->version());
        }
    }
    auto candidate = std::make_shared<ModelVersion>(model, version, modelDir);
    Status status = candidate->load(m_factory, m_options, m_slots);
    // Checked against what serves now: another version, or this one when it is a reload.
    if (status.isOk() && m_validator)
        status = m_validator(*candidate, serving.get(), options);
    if (!status.isOk()) {
        if (candidate->state() != ModelState::Failed)
            candidate->markFailed(status);
        // Kept aside for the admin API: what serves (and readiness) is untouched.
        std::lock_guard lock(m_mutex);
        m_failedLoads[model + ":" + std::to_string(version)] = candidate;
        return status;
    }
    serving.reset();  // retire() below waits for the last reference to the old instance
    candidate->markReady();
    std::shared_ptr<ModelVersion> replaced;
    {
        std::lock_guard lock(m_mutex);
        m_failedLoads.erase(model + ":" + std::to_string(version));
        auto& slot = m_models[model][version];
        replaced = std::exchange(slot, candidate);
    }
    qCInfo(lcModels, "%s:%lld in service%s", model.c_str(), static_cast<long long>(version),
           replaced ? " (replacing the previous instance)" : "");
    if (replaced)
        retire(std::move(replaced), 1);
    return candidate;
}

Status ModelRepository::unloadVersion(const std::string& model, std::int64_t version) {
    std::lock_guard serial(m_loadMutex);
    std::shared_ptr<ModelVersion> target;
    {
        std::lock_guard lock(m_mutex);
        const auto entry = m_models.find(model);
        if (entry == m_models.end()) {
            return notFound("unknown model \"" + model + "\"", "model_not_found");
        }
        const auto it = entry->second.find(version);
        if (it == entry->second.end()) {
            return notFound("model \"" + model + "\" has no version " + std::to_string(version),
                            "version_not_found");
        }
        target = it->second;
        target->markDraining();  // from now on find() refuses it
    }
    retire(std::move(target), 2);  // the map keeps it, UNLOADED, for the admin API
    return Status::ok();
}

void ModelRepository::retire(std::shared_ptr<ModelVersion> old, long ownReferences) {
    old->markDraining();
    // Requests that found this instance hold a reference until they are answered.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (old.use_count() > ownReferences && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    old->stop(Drain::Wait);
}

std::vector<std::int64_t> ModelRepository::versionsOnDisk(const std::string& model) const {
    std::vector<std::int64_t> found;
    std::error_code ec;
    for (const auto& dir : std::filesystem::directory_iterator(m_root / model, ec)) {
        if (!dir.is_directory())
            continue;
        if (const auto version = parseVersionNumber(dir.path().filename().string())) {
            found.push_back(*version);
        }
    }
    std::sort(found.begin(), found.end());
    return found;
}

std::vector<std::string> ModelRepository::modelsOnDisk() const {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& dir : std::filesystem::directory_iterator(m_root, ec)) {
        if (dir.is_directory())
            found.push_back(dir.path().filename().string());
    }
    std::sort(found.begin(), found.end());
    return found;
}

Status ModelRepository::setDefaultVersion(const std::string& model, std::int64_t version) {
    std::lock_guard lock(m_mutex);
    const auto entry = m_models.find(model);
    if (entry == m_models.end() || entry->second.find(version) == entry->second.end()) {
        return notFound(model + ":" + std::to_string(version) + " is not loaded",
                        "version_not_found");
    }
    m_defaults[model] = version;
    return Status::ok();
}

std::optional<std::int64_t> ModelRepository::chosenDefault(std::string_view model) const {
    std::lock_guard lock(m_mutex);
    const auto d = m_defaults.find(model);
    return d == m_defaults.end() ? std::nullopt : std::optional(d->second);
}

Status ModelRepository::loadAtStart(const std::string& model, std::int64_t version) {
    std::lock_guard lock(m_mutex);
    if (const auto entry = m_models.find(model); entry != m_models.end()) {
        if (const auto it = entry->second.find(version); it != entry->second.end()) {
            // A fresh entry is LOADING, which loadPending() loads and readiness waits for.
            if (it->second->state() == ModelState::Unloaded)
                it->second = std::make_shared<ModelVersion>(model, version, m_root / model);
            return Status::ok();
        }
    }
    return notFound(model + ":" + std::to_string(version) + " is not in the repository",
                    "version_not_found");
}

std::vector<std::shared_ptr<ModelVersion>> ModelRepository::failedLoads() const {
    std::lock_guard lock(m_mutex);
    std::vector<std::shared_ptr<ModelVersion>> all;
    for (const auto& [key, version] : m_failedLoads)
        all.push_back(version);
    return all;
}

std::optional<std::int64_t> ModelRepository::defaultVersion(std::string_view model) const {
    std::lock_guard lock(m_mutex);
    const auto served = current(model);
    if (!served)
        return std::nullopt;
    return served->version();
}

Result<std::shared_ptr<ModelVersion>> ModelRepository::find(
    std::string_view model, std::optional<std::int64_t> version) const {
    std::lock_guard lock(m_mutex);
    const auto entry = m_models.find(model);
    if (entry == m_models.end()) {
        return notFound("unknown model \"" + std::string(model) + "\"", "model_not_found");
    }
    const auto& byVersion = entry->second;
    if (version) {
        const auto it = byVersion.find(*version);
        if (it == byVersion.end()) {
            return notFound(
                "model \"" + std::string(model) + "\" has no version " + std::to_string(*version),
                "version_not_found");
        }
        if (it->second->state() != ModelState::Ready) {
            return Status(StatusCode::Unavailable,
                          std::string(model) + ":" + std::to_string(*version) + " is " +
                              std::string(modelStateName(it->second->state())),
                          "model_not_ready")
                .withRetryAfter(1);
        }
        return it->second;
    }
    if (auto served = current(model))
        return served;
    return Status(StatusCode::Unavailable,
                  "model \"" + std::string(model) + "\" has no READY version", "model_not_ready")
        .withRetryAfter(1);
}

std::vector<std::shared_ptr<ModelVersion>> ModelRepository::versions() const {
    std::lock_guard lock(m_mutex);
    std::vector<std::shared_ptr<ModelVersion>> all;
    for (const auto& [name, byVersion] : m_models) {
        for (const auto& [number, version] : byVersion)
            all.push_back(version);
    }
    return all;
}

bool ModelRepository::allReady() const {
    const auto all = versions();
    return std::ranges::any_of(all,
                               [](const auto& v) { return v->state() == ModelState::Ready; }) &&
           versionsNotReady().empty();
}

std::vector<std::shared_ptr<ModelVersion>> ModelRepository::versionsNotReady() const {
    std::vector<std::shared_ptr<ModelVersion>> waiting;
    for (auto& version : versions()) {
        // Versions unloaded on purpose (or draining after a reload) are not expected to serve.
        const ModelState state = version->state();
        if (state != ModelState::Ready && state != ModelState::Unloaded &&
            state != ModelState::Draining)
            waiting.push_back(std::move(version));
    }
    return waiting;
}

void ModelRepository::stopAll(Drain drain) {
    for (const auto& version : versions())
        version->stop(drain);
}

}  // namespace atalaya
