#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "inference/InstancePrediction.h"

namespace atalaya {

// A request's instances as the decoder read them, for sinks that need values rather than JSON
// text (the drift monitor): parsing inputsJson again would cost about as much as serving the
// request did. Immutable once made, and shared, so a fan-out copies a pointer.
struct InstanceValues {
    std::size_t columns = 0;         // numbers per instance, in the model's column order
    std::vector<double> numbers;     // instances x columns, row-major; empty for a text model
    std::vector<std::string> texts;  // a text model's instances as sent; empty otherwise
};

// One answered inference request, as the inference log stores it (one row per request).
// Built on the IO thread when the answer is sent. The log's writer thread serializes the
// instances when the route left them parsed (inputsText()) and applies a model's text capture
// policy; everything else is already text or numbers.
struct InferenceRecord {
    std::int64_t timeUnixMs = 0;  // when the answer was sent
    std::string requestId;
    std::string client;      // authenticated client id; empty until auth exists
    std::string route;       // "predict" (/api/vN/ia/predict) or "oip_infer"
    std::string apiVersion;  // "v1", "v2"; empty for OIP routes
    std::string model;
    std::int64_t version = 0;
    int httpStatus = 200;
    std::string errorCode;  // the error body's code when httpStatus != 200
    std::int64_t queueUs = 0;
    std::int64_t computeUs = 0;
    std::int64_t totalUs = 0;
    int batchSize = 0;            // rows in the forward pass this request rode in
    int instances = 0;            // rows this request carried
    std::string label;            // first instance's predicted label (classifiers), else empty
    double score = 0;             // its probability
    std::string predictionsJson;  // every instance's prediction, JSON array
    std::string inputsJson;       // the instances as sent (features as values), JSON array
    // Or, instead of inputsJson, the parsed request and its instances node: the log's writer
    // serializes them (inputsText()), and the document is freed there too. Serializing and
    // freeing a request's DOM cost the IO thread more than queueing the record.
    std::shared_ptr<const nlohmann::json> requestDocument;
    const nlohmann::json* instancesNode = nullptr;  // inside *requestDocument
    // The same instances and predictions as values, when the route had them at hand; a reader
    // falls back to the JSON text above when they are absent.
    std::shared_ptr<const InstanceValues> inputValues;
    std::vector<InstancePrediction> instancePredictions;  // in instance order
};

// The record's instances as JSON text: inputsJson, or its instancesNode serialized; empty when
// it has neither. Call off the IO thread.
std::string inputsText(const InferenceRecord& record);

// What /api/v1/health reports of a sink.
struct InferenceSinkCounters {
    std::uint64_t rowsWritten = 0;    // committed to storage
    std::uint64_t rowsDropped = 0;    // refused because the queue was full (or the sink stopped)
    std::size_t queueDepth = 0;       // recorded, not yet committed
    std::int64_t lastDropUnixMs = 0;  // 0 when nothing was ever dropped
};

// Where finished requests go. record() is called on IO threads for every answered inference
// request and must never block or touch disk: queue and return.
// Thread affinity: both methods from any thread, concurrently.
class InferenceSink {
public:
    virtual ~InferenceSink() = default;
    virtual void record(InferenceRecord&& record) = 0;
    virtual InferenceSinkCounters counters() const { return {}; }
    // False for a record that record() would discard unread: a FanOutSink then neither copies
    // it for this sink nor hands it over. Cheap and side-effect free; any thread.
    virtual bool accepts(const InferenceRecord& /*record*/) const { return true; }
    // What a FanOutSink hands this sink when a later sink gets the original: a copy of the
    // fields this sink reads (all of them unless overridden). Runs on the IO thread, once per
    // request, so a sink that reads little copies little.
    virtual InferenceRecord copyFor(const InferenceRecord& record) const { return record; }
};

}  // namespace atalaya
