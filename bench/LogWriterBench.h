#pragma once

#include <atalaya/Result.h>

#include <cstdint>
#include <filesystem>
#include <iosfwd>

namespace atalaya::bench {

struct WriterFigures {
    std::uint64_t records = 0;    // handed to record()
    std::uint64_t committed = 0;  // rows the writer committed
    std::uint64_t dropped = 0;    // refused by a full queue
    double seconds = 0;           // first record() to the last commit
    double rowsPerSecond = 0;     // committed / seconds
    std::uint64_t flushes = 0;
};

// Pushes `records` credit-risk-like records (inputs and predictions JSON, every row sampled)
// through a real InferenceLog in `dir` at the server's defaults (flush every 200 ms, queue of
// 65536), from one producer thread as fast as the queue takes them: when the queue is full the
// producer waits a moment instead of having rows dropped, so what is measured is the writer.
Result<WriterFigures> measureWriter(const std::filesystem::path& dir, std::uint64_t records);

}  // namespace atalaya::bench
