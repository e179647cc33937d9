#pragma once

#include <atalaya/Config.h>

#include "http/ApiCall.h"
#include "inference/ModelRepository.h"
#include "rollout/AdminWorker.h"
#include "rollout/RolloutManager.h"

namespace atalaya::rollout {

// The admin API of model versions and rollouts (docs/rollout.md) and the Open Inference
// Protocol's model-repository extension. Reads answer on the IO thread from memory; loads,
// unloads and actions run on the admin worker and answer from there.
//
// Not owned: the repository and the manager outlive the routes.
class RolloutRoutes final : public http::RouteGroup {
public:
    RolloutRoutes(ModelRepository& models, RolloutManager& manager, JsonLimits limits);
    ~RolloutRoutes() override;

    std::vector<http::RouteEntry> routes() override;

private:
    void listModels(const http::ApiCallPtr& call);
    void loadVersion(const http::ApiCallPtr& call);
    void unloadVersion(const http::ApiCallPtr& call);
    void setDefault(const http::ApiCallPtr& call);
    void listRollouts(const http::ApiCallPtr& call);
    void applyAction(const http::ApiCallPtr& call);
    void listEvents(const http::ApiCallPtr& call);
    void repositoryIndex(const http::ApiCallPtr& call);
    void repositoryLoad(const http::ApiCallPtr& call);
    void repositoryUnload(const http::ApiCallPtr& call);

    // On the worker: load one version and record the event; the answer's status.
    Status load(const std::string& model, std::int64_t version, bool confirmBreaking,
                const Actor& actor);
    Status unload(const std::string& model, std::int64_t version, const Actor& actor);

    ModelRepository& m_models;
    RolloutManager& m_manager;
    const JsonLimits m_limits;
    AdminWorker m_worker;  // last: joined first, while what its jobs use still exists
};

}  // namespace atalaya::rollout
