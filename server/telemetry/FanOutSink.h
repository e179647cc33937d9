#pragma once

#include <utility>
#include <vector>

#include "telemetry/InferenceRecord.h"

namespace atalaya {

// Hands every record to the sinks that accept it (the drift monitor, then the inference log):
// the last of them gets the original, each one before it its copyFor() (the drift monitor's
// copies only what it reads, so it goes first). Copies happen on the IO thread, so keep the
// list short; a record only one sink accepts (an error answer, which the drift monitor
// ignores) is not copied at all.
// counters() are the last sink's, which is what /api/v1/health reports as the log.
// Thread affinity: as InferenceSink. Does not own the sinks; they must outlive it.
class FanOutSink final : public InferenceSink {
public:
    explicit FanOutSink(std::vector<InferenceSink*> sinks) : m_sinks(std::move(sinks)) {}

    void record(InferenceRecord&& record) override {
        InferenceSink* previous = nullptr;  // accepted it; gets a copy once another one does
        for (InferenceSink* sink : m_sinks) {
            if (!sink->accepts(record))
                continue;
            if (previous != nullptr)
                previous->record(previous->copyFor(record));
            previous = sink;
        }
        if (previous != nullptr)
            previous->record(std::move(record));
    }

    InferenceSinkCounters counters() const override {
        return m_sinks.empty() ? InferenceSinkCounters{} : m_sinks.back()->counters();
    }

private:
    const std::vector<InferenceSink*> m_sinks;
};

}  // namespace atalaya
