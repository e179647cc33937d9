#pragma once

#include "inference/HostTensor.h"

#include <atalaya/Result.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace atalaya {

// The one seam to a model framework. torch/TorchModelRunner.cpp is its only LibTorch
// implementation; unit tests use fakes.
//
// Thread affinity: run() is called by one inference worker at a time per runner.
class ModelRunner {
public:
    virtual ~ModelRunner() = default;

    // One forward pass over a batch (dim 0 of every input is the batch). Framework errors come
    // back as Status, never as exceptions.
    virtual Result<std::vector<HostTensor>> run(const std::vector<HostTensor>& inputs) = 0;

    virtual std::string describe() const = 0;  // e.g. "torchscript cpu"
};

struct RunnerOptions {
    std::string device = "cpu";
};

class ModelRunnerFactory {
public:
    virtual ~ModelRunnerFactory() = default;
    virtual Result<std::unique_ptr<ModelRunner>> load(const std::filesystem::path& modelFile,
                                                      const RunnerOptions& options) = 0;
};

}  // namespace atalaya
