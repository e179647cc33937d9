#pragma once

#include "inference/HostTensor.h"

#include <atalaya/Status.h>

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

namespace atalaya {

using SteadyClock = std::chrono::steady_clock;

struct InferenceTiming {
    std::chrono::microseconds queue{0};    // submit() until its batch started
    std::chrono::microseconds compute{0};  // the batch's forward pass
    int batchSize = 0;                     // rows in the forward pass it rode in
};

struct InferenceResult {
    Status status;
    std::vector<HostTensor> outputs;  // this request's rows only
    InferenceTiming timing;
};

// One caller's work for a batcher: `inputs` all share dim 0 (the caller's instance count).
struct InferenceRequest {
    std::vector<HostTensor> inputs;
    SteadyClock::time_point enqueuedAt = SteadyClock::now();
    std::optional<SteadyClock::time_point> deadline;
    // Called exactly once, on an inference thread, after submit() returned Ok. Keep it short:
    // hand the result to another thread rather than encoding responses here.
    std::function<void(InferenceResult&&)> onDone;

    std::int64_t rows() const { return inputs.empty() ? 0 : inputs.front().rows(); }
};

}  // namespace atalaya
