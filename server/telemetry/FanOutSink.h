#pragma once

#include <utility>
#include <vector>

#include "telemetry/InferenceRecord.h"

namespace atalaya {

// Hands every record to several sinks (the inference log and the drift monitor): the first
// gets a copy, the last the original. Copies happen on the IO thread, so keep the list short.
// counters() are the first sink's, which is what /api/v1/health reports as the log.
// Thread affinity: as InferenceSink. Does not own the sinks; they must outlive it.
class FanOutSink final : public InferenceSink {
public:
    explicit FanOutSink(std::vector<InferenceSink*> sinks) : m_sinks(std::move(sinks)) {}

    void record(InferenceRecord&& record) override {
        for (std::size_t i = 0; i + 1 < m_sinks.size(); ++i) {
            InferenceRecord copy = record;
            m_sinks[i]->record(std::move(copy));
        }
        if (!m_sinks.empty())
            m_sinks.back()->record(std::move(record));
    }

    InferenceSinkCounters counters() const override {
        return m_sinks.empty() ? InferenceSinkCounters{} : m_sinks.front()->counters();
    }

private:
    const std::vector<InferenceSink*> m_sinks;
};

}  // namespace atalaya
