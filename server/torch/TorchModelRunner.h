#pragma once

#include <memory>
#include <string>

#include "inference/ModelRunner.h"

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
// The intra-op threads of every forward pass the calling thread runs from now on (and of threads
// that have not run one yet); threads that already ran one keep theirs. For measurements that
// compare thread settings on one thread and put the previous count back (bench/); the server's
// own are set once by configureTorchRuntime(). No-op for threads < 1.
void setTorchIntraOpThreads(int threads);
// intraOpThreads is the calling thread's.
TorchRuntimeInfo torchRuntimeInfo();

}  // namespace atalaya
