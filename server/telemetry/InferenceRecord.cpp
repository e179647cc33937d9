#include "telemetry/InferenceRecord.h"

#include <nlohmann/json.hpp>

namespace atalaya {

std::string inputsText(const InferenceRecord& record) {
    if (!record.inputsJson.empty() || record.instancesNode == nullptr)
        return record.inputsJson;
    return record.instancesNode->dump();
}

}  // namespace atalaya
