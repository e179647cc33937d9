#include "http/OipCodec.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "http/JsonTensor.h"

namespace atalaya::http {
namespace {

using nlohmann::json;

Result<std::vector<std::int64_t>> readShape(const json& input, const std::string& name) {
    const auto it = input.find("shape");
    if (it == input.end() || !it->is_array() || it->empty()) {
        return invalidArgument("input " + name + " needs a non-empty \"shape\"", "wrong_shape");
    }
    std::vector<std::int64_t> shape;
    for (const auto& dim : *it) {
        if (!dim.is_number_integer() || dim.get<std::int64_t>() < 0) {
            return invalidArgument("input " + name + " has a bad shape", "wrong_shape");
        }
        shape.push_back(dim.get<std::int64_t>());
    }
    return shape;
}

Result<HostTensor> decodeTextInput(const json& input, const std::string& name,
                                   const std::vector<std::int64_t>& shape,
                                   const WordTokenizer& tokenizer, const JsonLimits& limits) {
    if (shape.size() != 1)
        return invalidArgument("input " + name + " must have shape [n]", "wrong_shape");
    const auto flat = flattenRowMajor(input.at("data"));
    if (static_cast<std::int64_t>(flat.size()) != shape[0]) {
        return invalidArgument("input " + name + ": data does not match its shape", "wrong_shape");
    }
    std::vector<std::string> texts;
    for (const json* item : flat) {
        if (!item->is_string())
            return invalidArgument("input " + name + " holds strings", "wrong_type");
        if (item->get_ref<const std::string&>().size() > limits.maxStringBytes) {
            return invalidArgument("input " + name + " has a string that is too long",
                                   "string_too_long");
        }
        texts.push_back(item->get<std::string>());
    }
    return tokenizer.encode(texts);
}

Result<HostTensor> decodeInput(const json& input, const TensorSpec& spec,
                               const WordTokenizer* tokenizer, const JsonLimits& limits) {
    const std::string& name = spec.name;
    const auto datatype = input.find("datatype");
    if (datatype == input.end() || !datatype->is_string() ||
        datatype->get_ref<const std::string&>() != dataTypeName(spec.type)) {
        return invalidArgument(
            "input " + name + " must have datatype " + std::string(dataTypeName(spec.type)),
            "wrong_type");
    }
    if (!input.contains("data"))
        return invalidArgument("input " + name + " has no data", "missing_field");
    ATALAYA_ASSIGN_OR_RETURN(auto shape, readShape(input, name));
    if (shape[0] < 1 || static_cast<std::size_t>(shape[0]) > limits.maxInstances) {
        return invalidArgument(
            "input " + name + ": batch dimension must be 1.." + std::to_string(limits.maxInstances),
            "wrong_shape");
    }
    if (spec.tokenizer)
        return decodeTextInput(input, name, shape, *tokenizer, limits);

    auto expected = spec.shape;
    expected[0] = shape[0];
    if (shape != expected) {
        return invalidArgument("input " + name + " has the wrong shape for this model",
                               "wrong_shape");
    }
    auto tensor = HostTensor::zeros(spec.type, shape);
    const auto flat = flattenRowMajor(input.at("data"));
    if (static_cast<std::int64_t>(flat.size()) != tensor.elementCount()) {
        return invalidArgument("input " + name + ": data has " + std::to_string(flat.size()) +
                                   " elements, shape says " + std::to_string(tensor.elementCount()),
                               "wrong_shape");
    }
    const std::size_t width = dataTypeSize(spec.type);
    const std::size_t columns = spec.features.size();
    for (std::size_t i = 0; i < flat.size(); ++i) {
        // The name is formatted only for a refused element: this runs for every element.
        const auto where = [&] { return name + ".data[" + std::to_string(i) + "]"; };
        if (Status written = writeElement(*flat[i], spec.type, tensor.data.data() + i * width);
            !written.isOk()) {
            return elementError(written, where());
        }
        if (columns > 0 && flat[i]->is_number()) {
            const FeatureSpec& f = spec.features[i % columns];
            const double v = flat[i]->get<double>();
            if ((f.min && v < *f.min) || (f.max && v > *f.max)) {
                return invalidArgument(where() + " (" + f.name + ") is outside its allowed range",
                                       "out_of_range");
            }
        }
    }
    return tensor;
}

}  // namespace

Result<OipInferCall> decodeOipInfer(const json& body, const ModelMetadata& metadata,
                                    const WordTokenizer* tokenizer, const JsonLimits& limits) {
    if (!body.is_object())
        return invalidArgument("the body must be a JSON object", "wrong_type");
    OipInferCall call;
    if (const auto id = body.find("id"); id != body.end()) {
        if (!id->is_string())
            return invalidArgument("\"id\" must be a string", "wrong_type");
        call.id = id->get<std::string>();
    }
    const auto inputs = body.find("inputs");
    if (inputs == body.end() || !inputs->is_array()) {
        return invalidArgument("\"inputs\" must be an array", "missing_field");
    }
    if (inputs->size() != metadata.inputs.size()) {
        return invalidArgument(
            "the model takes " + std::to_string(metadata.inputs.size()) + " inputs",
            "wrong_inputs");
    }
    for (const auto& spec : metadata.inputs) {
        const auto match = std::find_if(inputs->begin(), inputs->end(), [&](const json& in) {
            const auto name = in.is_object() ? in.find("name") : in.end();
            return name != in.end() && name->is_string() && *name == spec.name;
        });
        if (match == inputs->end()) {
            return invalidArgument("input \"" + spec.name + "\" is missing", "missing_input");
        }
        ATALAYA_ASSIGN_OR_RETURN(auto tensor, decodeInput(*match, spec, tokenizer, limits));
        call.inputs.push_back(std::move(tensor));
    }
    const std::int64_t rows = call.inputs.front().rows();
    for (const auto& tensor : call.inputs) {
        if (tensor.rows() != rows) {
            return invalidArgument("inputs disagree on the batch dimension", "wrong_shape");
        }
    }
    if (const auto outputs = body.find("outputs"); outputs != body.end()) {
        if (!outputs->is_array())
            return invalidArgument("\"outputs\" must be an array", "wrong_type");
        for (const auto& requested : *outputs) {
            const auto it = requested.is_object() ? requested.find("name") : requested.end();
            const std::string name =
                it != requested.end() && it->is_string() ? it->get<std::string>() : "";
            const bool known = std::any_of(metadata.outputs.begin(), metadata.outputs.end(),
                                           [&](const TensorSpec& s) { return s.name == name; });
            if (!known)
                return invalidArgument("unknown output \"" + name + "\"", "unknown_output");
            call.requestedOutputs.push_back(name);
        }
    }
    return call;
}

std::string encodeOipInferResponse(const std::string& model, std::int64_t version,
                                   const OipInferCall& call, const ModelMetadata& metadata,
                                   const InferenceResult& result) {
    json outputs = json::array();
    for (std::size_t i = 0; i < result.outputs.size() && i < metadata.outputs.size(); ++i) {
        const auto& name = metadata.outputs[i].name;
        if (!call.requestedOutputs.empty() &&
            std::find(call.requestedOutputs.begin(), call.requestedOutputs.end(), name) ==
                call.requestedOutputs.end()) {
            continue;
        }
        const HostTensor& tensor = result.outputs[i];
        json data = json::array();
        appendElements(tensor, 0, static_cast<std::size_t>(tensor.elementCount()), data);
        outputs.push_back({{"name", name},
                           {"datatype", dataTypeName(tensor.type)},
                           {"shape", tensor.shape},
                           {"data", std::move(data)}});
    }
    json body = {{"model_name", model},
                 {"model_version", std::to_string(version)},
                 {"outputs", std::move(outputs)}};
    if (call.id)
        body["id"] = *call.id;
    return body.dump();
}

std::string encodeOipModelMetadata(const ModelMetadata& metadata,
                                   const std::vector<std::int64_t>& versions) {
    auto describe = [](const std::vector<TensorSpec>& specs) {
        json list = json::array();
        for (const auto& spec : specs) {
            auto shape = spec.shape;
            if (spec.tokenizer)
                shape = {-1};
            list.push_back(
                {{"name", spec.name}, {"datatype", dataTypeName(spec.type)}, {"shape", shape}});
        }
        return list;
    };
    json versionNames = json::array();
    for (auto v : versions)
        versionNames.push_back(std::to_string(v));
    return json{{"name", metadata.name},
                {"versions", std::move(versionNames)},
                {"platform", "pytorch_torchscript"},
                {"inputs", describe(metadata.inputs)},
                {"outputs", describe(metadata.outputs)}}
        .dump();
}

}  // namespace atalaya::http
