#include "inference/ModelRepository.h"

#include "core/Logging.h"

#include <algorithm>
#include <charconv>

namespace atalaya {
namespace {

std::optional<std::int64_t> parseVersionDir(const std::string& name) {
    std::int64_t version = 0;
    const auto* end = name.data() + name.size();
    const auto [ptr, ec] = std::from_chars(name.data(), end, version);
    if (ec != std::errc() || ptr != end || version < 1 || name.front() == '0') return std::nullopt;
    return version;
}

}  // namespace

ModelRepository::ModelRepository(std::filesystem::path root, ModelRunnerFactory& factory,
                                 RunnerOptions options, ExecutionSlots& slots)
    : m_root(std::move(root)), m_factory(factory), m_options(std::move(options)), m_slots(slots) {}

ModelRepository::~ModelRepository() { stopAll(Drain::Abort); }

Status ModelRepository::scan() {
    std::error_code ec;
    if (!std::filesystem::is_directory(m_root, ec)) {
        return notFound("model repository " + m_root.string() + " is not a directory",
                        "repository_missing");
    }
    std::vector<std::shared_ptr<ModelVersion>> found;
    for (const auto& modelDir : std::filesystem::directory_iterator(m_root, ec)) {
        if (!modelDir.is_directory()) continue;
        const std::string model = modelDir.path().filename().string();
        for (const auto& versionDir : std::filesystem::directory_iterator(modelDir.path(), ec)) {
            if (!versionDir.is_directory()) continue;
            const auto version = parseVersionDir(versionDir.path().filename().string());
            if (!version) continue;
            found.push_back(std::make_shared<ModelVersion>(model, *version, modelDir.path()));
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
    for (const auto& version : versions()) {
        if (version->state() == ModelState::Loading) version->load(m_factory, m_options, m_slots);
    }
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
            return notFound("model \"" + std::string(model) + "\" has no version " +
                                std::to_string(*version),
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
    for (auto it = byVersion.rbegin(); it != byVersion.rend(); ++it) {
        if (it->second->state() == ModelState::Ready) return it->second;
    }
    return Status(StatusCode::Unavailable,
                  "model \"" + std::string(model) + "\" has no READY version", "model_not_ready")
        .withRetryAfter(1);
}

std::vector<std::shared_ptr<ModelVersion>> ModelRepository::versions() const {
    std::lock_guard lock(m_mutex);
    std::vector<std::shared_ptr<ModelVersion>> all;
    for (const auto& [name, byVersion] : m_models) {
        for (const auto& [number, version] : byVersion) all.push_back(version);
    }
    return all;
}

bool ModelRepository::allReady() const {
    const auto all = versions();
    return !all.empty() && std::ranges::all_of(all, [](const auto& version) {
        return version->state() == ModelState::Ready;
    });
}

void ModelRepository::stopAll(Drain drain) {
    for (const auto& version : versions()) version->stop(drain);
}

}  // namespace atalaya
