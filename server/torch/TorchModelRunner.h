#pragma once

#include "inference/ModelRunner.h"

#include <memory>
#include <string>

// Deliberately free of LibTorch headers: this is what the rest of the server includes.
namespace atalaya {

std::unique_ptr<ModelRunnerFactory> makeTorchRunnerFactory();

struct TorchRuntimeInfo {
    std::string version;  // LibTorch version string
    int intraOpThreads = 0;
    bool cudaAvailable = false;
};

// Process-wide LibTorch settings; call once before the first model loads.
void configureTorchRuntime(int intraOpThreads);
TorchRuntimeInfo torchRuntimeInfo();

}  // namespace atalaya
