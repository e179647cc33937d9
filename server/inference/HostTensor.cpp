#include "inference/HostTensor.h"

#include <array>
#include <functional>
#include <numeric>
#include <utility>

namespace atalaya {
namespace {

constexpr std::array<std::pair<DataType, std::string_view>, 9> kNames{{
    {DataType::Bool, "BOOL"},
    {DataType::UInt8, "UINT8"},
    {DataType::Int8, "INT8"},
    {DataType::Int16, "INT16"},
    {DataType::Int32, "INT32"},
    {DataType::Int64, "INT64"},
    {DataType::Fp32, "FP32"},
    {DataType::Fp64, "FP64"},
    {DataType::Bytes, "BYTES"},
}};

template <class T>
void appendAsDoubles(const HostTensor& tensor, std::vector<double>& out) {
    for (const T value : tensor.values<T>())
        out.push_back(static_cast<double>(value));
}

}  // namespace

std::string_view dataTypeName(DataType type) {
    for (const auto& [t, name] : kNames) {
        if (t == type)
            return name;
    }
    return "UNKNOWN";
}

std::optional<DataType> parseDataType(std::string_view name) {
    for (const auto& [t, n] : kNames) {
        if (n == name)
            return t;
    }
    return std::nullopt;
}

std::size_t dataTypeSize(DataType type) {
    switch (type) {
        case DataType::Bool:
        case DataType::UInt8:
        case DataType::Int8:
            return 1;
        case DataType::Int16:
            return 2;
        case DataType::Int32:
        case DataType::Fp32:
            return 4;
        case DataType::Int64:
        case DataType::Fp64:
            return 8;
        case DataType::Bytes:
            return 0;
    }
    return 0;
}

HostTensor HostTensor::zeros(DataType type, std::vector<std::int64_t> shape) {
    HostTensor tensor;
    tensor.type = type;
    tensor.shape = std::move(shape);
    tensor.data.resize(static_cast<std::size_t>(tensor.elementCount()) * dataTypeSize(type));
    return tensor;
}

std::int64_t HostTensor::elementCount() const {
    return std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
}

std::size_t HostTensor::rowBytes() const {
    const auto rowCount = rows();
    return rowCount == 0 ? 0 : data.size() / static_cast<std::size_t>(rowCount);
}

std::vector<double> HostTensor::toDoubles() const {
    std::vector<double> out;
    out.reserve(static_cast<std::size_t>(elementCount()));
    switch (type) {
        case DataType::Bool:
        case DataType::UInt8:
            appendAsDoubles<std::uint8_t>(*this, out);
            break;
        case DataType::Int8:
            appendAsDoubles<std::int8_t>(*this, out);
            break;
        case DataType::Int16:
            appendAsDoubles<std::int16_t>(*this, out);
            break;
        case DataType::Int32:
            appendAsDoubles<std::int32_t>(*this, out);
            break;
        case DataType::Int64:
            appendAsDoubles<std::int64_t>(*this, out);
            break;
        case DataType::Fp32:
            appendAsDoubles<float>(*this, out);
            break;
        case DataType::Fp64:
            appendAsDoubles<double>(*this, out);
            break;
        case DataType::Bytes:
            out.clear();
            break;
    }
    return out;
}

}  // namespace atalaya
