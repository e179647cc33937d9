#include "Workload.h"

#include <nlohmann/json.hpp>

namespace atalaya::bench {

Result<ModelWorkload> makeWorkload(const std::filesystem::path& repository, std::string model,
                                   std::int64_t version, std::size_t poolSize, std::uint32_t seed) {
    ModelWorkload workload;
    ATALAYA_ASSIGN_OR_RETURN(workload.metadata, loadModelMetadata(repository / model, version));
    workload.model = std::move(model);
    workload.version = version;
    const auto& inputs = workload.metadata.inputs;
    if (inputs.size() != 1) {
        return invalidArgument(workload.model + " takes several inputs; the predict route cannot");
    }
    const TensorSpec& input = inputs.front();
    if (input.tokenizer) {
        ATALAYA_ASSIGN_OR_RETURN(auto tokenizer, WordTokenizer::load(*input.tokenizer));
        workload.tokenizer = std::move(tokenizer);
        workload.sentences = makeSentences(poolSize, seed);
        for (const auto& sentence : workload.sentences) {
            const nlohmann::json body = {{"model", workload.model}, {"instances", {sentence}}};
            workload.predictBodies.push_back(body.dump());
        }
    } else if (!input.features.empty()) {
        workload.predictBodies = makeTabularBodies(workload.model, input, poolSize, seed);
    } else {
        return invalidArgument(workload.model + " is neither tabular nor text");
    }
    return workload;
}

std::vector<HostTensor> makeRawInputs(const ModelWorkload& workload, int batchSize, int variant) {
    const TensorSpec& input = workload.metadata.inputs.front();
    if (!workload.tokenizer) {
        return {makeMidRangeRows(input, batchSize, static_cast<std::uint32_t>(variant) + 1)};
    }
    const auto& pool = workload.sentences;
    std::vector<std::string> texts;
    texts.reserve(static_cast<std::size_t>(batchSize));
    for (int i = 0; i < batchSize; ++i) {
        texts.push_back(pool[(static_cast<std::size_t>(variant) * 97 + i) % pool.size()]);
    }
    return {workload.tokenizer->encode(texts)};
}

}  // namespace atalaya::bench
