#include "http/PredictCodec.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "http/JsonTensor.h"

namespace atalaya::http {
namespace {

using nlohmann::json;

// The shortest text that reads back as the same float; JSON has no NaN or infinity, so a model
// that produced one answers null there (as nlohmann writes it).
void appendJsonNumber(std::string& out, float value) {
    if (!std::isfinite(value)) {
        out += "null";
        return;
    }
    std::array<char, 32> buffer{};
    const auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value).ptr;
    out.append(buffer.data(), end);
}

std::string instanceName(std::size_t index) {
    return "instances[" + std::to_string(index) + "]";
}

// `where` names the element; it is called only to word a refusal.
template <class Where>
Status checkRange(double value, const FeatureSpec& feature, const Where& where) {
    if ((feature.min && value < *feature.min) || (feature.max && value > *feature.max)) {
        return invalidArgument(where() + " = " + std::to_string(value) +
                                   " is outside its allowed range [" +
                                   (feature.min ? std::to_string(*feature.min) : "-inf") + ", " +
                                   (feature.max ? std::to_string(*feature.max) : "inf") + "]",
                               "out_of_range");
    }
    return Status::ok();
}

// One element of an instance: written at `out`, range-checked when it is a declared feature.
// Element names ("instances[3].age") are formatted only when the element is refused: this runs
// for every value of every request on the IO thread.
template <class Where>
Status decodeElement(const json& value, DataType type, const FeatureSpec* feature, std::byte* out,
                     const Where& where) {
    if (Status written = writeElement(value, type, out); !written.isOk())
        return elementError(written, where());
    if (feature != nullptr && value.is_number())
        return checkRange(value.get<double>(), *feature, where);
    return Status::ok();
}

Status rejectUnknownFeatures(const json& instance, const std::vector<FeatureSpec>& features,
                             std::size_t index) {
    for (const auto& item : instance.items()) {
        // Not a structured binding: clang before 16 cannot capture one in a lambda (P1091),
        // and the fuzz build uses clang.
        const std::string& key = item.key();
        const bool known = std::any_of(features.begin(), features.end(),
                                       [&](const FeatureSpec& f) { return f.name == key; });
        if (!known) {
            return invalidArgument(instanceName(index) + " has unknown feature \"" + key + "\"",
                                   "unknown_feature");
        }
    }
    return Status::ok();
}

// A tabular instance: an object with exactly the declared feature names, or an array of values
// in column order.
Status decodeFeatureRow(const json& instance, const TensorSpec& spec, std::size_t index,
                        std::byte* row) {
    const std::size_t width = dataTypeSize(spec.type);
    const auto& features = spec.features;
    if (instance.is_object()) {
        for (std::size_t c = 0; c < features.size(); ++c) {
            const auto it = instance.find(features[c].name);
            const auto where = [&] { return instanceName(index) + "." + features[c].name; };
            if (it == instance.end()) {
                ATALAYA_RETURN_IF_ERROR(rejectUnknownFeatures(instance, features, index));
                return invalidArgument(where() + " is missing", "missing_feature");
            }
            ATALAYA_RETURN_IF_ERROR(
                decodeElement(*it, spec.type, &features[c], row + c * width, where));
        }
        // Every declared feature is present, so any extra key is an unknown one.
        if (instance.size() != features.size())
            return rejectUnknownFeatures(instance, features, index);
        return Status::ok();
    }
    if (instance.is_array()) {
        if (instance.size() != features.size()) {
            return invalidArgument(instanceName(index) + " has " + std::to_string(instance.size()) +
                                       " values, the model takes " +
                                       std::to_string(features.size()),
                                   "wrong_shape");
        }
        for (std::size_t c = 0; c < features.size(); ++c) {
            const auto where = [&] { return instanceName(index) + "[" + std::to_string(c) + "]"; };
            ATALAYA_RETURN_IF_ERROR(
                decodeElement(instance[c], spec.type, &features[c], row + c * width, where));
        }
        return Status::ok();
    }
    return invalidArgument(instanceName(index) + " must be an object of named features",
                           "wrong_type");
}

// Any other single-input model: each instance is a (nested) array of one row's elements.
Status decodeArrayRow(const json& instance, const TensorSpec& spec, std::size_t index,
                      std::byte* row, std::int64_t rowElements) {
    const auto flat = flattenRowMajor(instance);
    if (static_cast<std::int64_t>(flat.size()) != rowElements) {
        return invalidArgument(instanceName(index) + " has " + std::to_string(flat.size()) +
                                   " elements, the model takes " + std::to_string(rowElements),
                               "wrong_shape");
    }
    const std::size_t width = dataTypeSize(spec.type);
    for (std::size_t i = 0; i < flat.size(); ++i) {
        const auto where = [&] { return instanceName(index) + "[" + std::to_string(i) + "]"; };
        ATALAYA_RETURN_IF_ERROR(
            decodeElement(*flat[i], spec.type, nullptr, row + i * width, where));
    }
    return Status::ok();
}

// A braced list would copy the tensor's data: initializer_list elements are const.
std::vector<HostTensor> onlyInput(HostTensor&& tensor) {
    std::vector<HostTensor> inputs;
    inputs.push_back(std::move(tensor));
    return inputs;
}

Result<HostTensor> decodeText(const json& instances, const WordTokenizer& tokenizer,
                              const JsonLimits& limits) {
    std::vector<std::string> texts;
    texts.reserve(instances.size());
    for (std::size_t i = 0; i < instances.size(); ++i) {
        if (!instances[i].is_string()) {
            return invalidArgument(instanceName(i) + " must be a string", "wrong_type");
        }
        const auto& text = instances[i].get_ref<const std::string&>();
        if (text.size() > limits.maxStringBytes) {
            return invalidArgument(instanceName(i) + " is longer than " +
                                       std::to_string(limits.maxStringBytes) + " bytes",
                                   "string_too_long");
        }
        texts.push_back(text);
    }
    return tokenizer.encode(texts);
}

}  // namespace

Result<PredictEnvelope> decodePredictEnvelope(const json& body, const JsonLimits& limits) {
    if (!body.is_object())
        return invalidArgument("the body must be a JSON object", "wrong_type");
    PredictEnvelope envelope;
    for (const auto& [key, value] : body.items()) {
        if (key == "model") {
            if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
                return invalidArgument("\"model\" must be a non-empty string", "wrong_type");
            }
            envelope.model = value.get<std::string>();
        } else if (key == "instances") {
            envelope.instances = &value;
        } else {
            return invalidArgument("unknown field \"" + key + "\"", "unknown_field");
        }
    }
    if (envelope.model.empty())
        return invalidArgument("\"model\" is required", "missing_field");
    if (envelope.instances == nullptr) {
        return invalidArgument("\"instances\" is required", "missing_field");
    }
    if (!envelope.instances->is_array() || envelope.instances->empty()) {
        return invalidArgument("\"instances\" must be a non-empty array", "wrong_type");
    }
    if (envelope.instances->size() > limits.maxInstances) {
        return invalidArgument(
            "at most " + std::to_string(limits.maxInstances) + " instances per request",
            "too_many_instances");
    }
    return envelope;
}

Result<std::vector<HostTensor>> decodeInstances(const json& instances,
                                                const ModelMetadata& metadata,
                                                const WordTokenizer* tokenizer,
                                                const JsonLimits& limits) {
    if (metadata.inputs.size() != 1) {
        return invalidArgument("model " + metadata.name +
                                   " takes several inputs; use the Open Inference Protocol route",
                               "use_v2_infer");
    }
    const TensorSpec& spec = metadata.inputs.front();
    if (spec.tokenizer) {
        ATALAYA_ASSIGN_OR_RETURN(auto tokens, decodeText(instances, *tokenizer, limits));
        return onlyInput(std::move(tokens));
    }
    auto shape = spec.shape;
    shape[0] = static_cast<std::int64_t>(instances.size());
    auto tensor = HostTensor::zeros(spec.type, shape);
    const std::size_t rowBytes = tensor.rowBytes();
    const std::int64_t rowElements = tensor.elementCount() / shape[0];
    for (std::size_t i = 0; i < instances.size(); ++i) {
        std::byte* row = tensor.data.data() + i * rowBytes;
        ATALAYA_RETURN_IF_ERROR(!spec.features.empty()
                                    ? decodeFeatureRow(instances[i], spec, i, row)
                                    : decodeArrayRow(instances[i], spec, i, row, rowElements));
    }
    return onlyInput(std::move(tensor));
}

EncodedPredictions encodePredictions(const ModelMetadata& metadata, const InferenceResult& result) {
    EncodedPredictions encoded;
    const HostTensor& output = result.outputs.front();
    const auto rows = static_cast<std::size_t>(output.rows());
    const std::size_t width =
        rows == 0 ? 0 : static_cast<std::size_t>(output.elementCount()) / rows;
    const bool classifier = output.type == DataType::Fp32 && !metadata.labels.empty() &&
                            width == metadata.labels.size();
    if (!classifier) {
        json predictions = json::array();
        for (std::size_t r = 0; r < rows; ++r) {
            json values = json::array();
            appendElements(output, r * width, width, values);
            predictions.push_back({{"output", std::move(values)}});
        }
        encoded.json = predictions.dump();
        return encoded;
    }
    // A classifier's rows are written straight into the text: this runs for every answer on the
    // IO thread, and a DOM of small objects per row cost more than the rest of the encoding.
    std::vector<std::string> quotedLabels;
    quotedLabels.reserve(width);
    for (const auto& label : metadata.labels)
        quotedLabels.push_back(json(label).dump());
    std::string& text = encoded.json;
    text.reserve(rows * (24 + width * 32));
    text += '[';
    encoded.instances.reserve(rows);
    for (std::size_t r = 0; r < rows; ++r) {
        const auto probs = output.values<float>().subspan(r * width, width);
        const auto best =
            static_cast<std::size_t>(std::max_element(probs.begin(), probs.end()) - probs.begin());
        encoded.instances.push_back({metadata.labels[best], probs[best]});
        text += r == 0 ? R"({"label":)" : R"(,{"label":)";
        text += quotedLabels[best];
        text += R"(,"score":)";
        appendJsonNumber(text, probs[best]);
        text += R"(,"scores":{)";
        for (std::size_t c = 0; c < width; ++c) {
            if (c > 0)
                text += ',';
            text += quotedLabels[c];
            text += ':';
            appendJsonNumber(text, probs[c]);
        }
        text += "}}";
    }
    text += ']';
    return encoded;
}

std::string encodePredictResponse(const PredictReply& reply, const EncodedPredictions& predictions,
                                  const InferenceResult& result) {
    // Written in place rather than through a DOM, for the reason encodePredictions gives;
    // strings that may come from a client (the request id) are escaped by nlohmann.
    std::string body;
    body.reserve(160 + reply.requestId.size() + reply.model.size() + predictions.json.size());
    body += R"({"request_id":)";
    body += json(reply.requestId).dump();
    body += R"(,"model":)";
    body += json(reply.model).dump();
    body += R"(,"version":)";
    body += std::to_string(reply.version);
    body += R"(,"api_version":)";
    body += json(reply.apiVersion).dump();
    body += R"(,"batch_size":)";
    body += std::to_string(result.timing.batchSize);
    body += R"(,"timing_us":{"queue":)";
    body += std::to_string(result.timing.queue.count());
    body += R"(,"compute":)";
    body += std::to_string(result.timing.compute.count());
    body += R"(,"total":)";
    body += std::to_string(reply.total.count());
    body += R"(},"predictions":)";
    body += predictions.json;
    body += '}';
    return body;
}

}  // namespace atalaya::http
