#pragma once

#include <string>

namespace atalaya {

// One instance's predicted label and its probability (classifiers): what the predict encoder
// derives from a model's output and what the inference log and drift monitor read back.
// A plain value with no dependencies, so the codec and telemetry can share it.
struct InstancePrediction {
    std::string label;
    double score = 0;
};

}  // namespace atalaya
