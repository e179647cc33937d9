#include "http/JsonTensor.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

namespace atalaya::http {
namespace {

using nlohmann::json;

template <class T>
void store(T value, std::byte* out) {
    std::memcpy(out, &value, sizeof(T));
}

template <class Int>
Status storeInteger(const json& value, std::byte* out) {
    long long v = 0;
    if (value.is_number_integer()) {
        if (value.is_number_unsigned() &&
            value.get<unsigned long long>() >
                static_cast<unsigned long long>(std::numeric_limits<long long>::max())) {
            return invalidArgument(" is out of range for an integer", "out_of_range");
        }
        v = value.get<long long>();
    } else if (value.is_number_float()) {
        const double d = value.get<double>();
        if (!std::isfinite(d) || d != std::trunc(d) || std::fabs(d) > 9.0e15) {
            return invalidArgument(" must be an integer", "wrong_type");
        }
        v = static_cast<long long>(d);
    } else {
        return invalidArgument(" must be a number", "wrong_type");
    }
    if (v < static_cast<long long>(std::numeric_limits<Int>::min()) ||
        v > static_cast<long long>(std::numeric_limits<Int>::max())) {
        return invalidArgument(" is out of range for its datatype", "out_of_range");
    }
    store(static_cast<Int>(v), out);
    return Status::ok();
}

template <class T>
void appendAs(const HostTensor& tensor, std::size_t first, std::size_t count, json& out) {
    const auto values = tensor.values<T>();
    for (std::size_t i = first; i < first + count; ++i)
        out.push_back(values[i]);
}

}  // namespace

Status writeElement(const json& value, DataType type, std::byte* out) {
    switch (type) {
        case DataType::Bool:
            if (!value.is_boolean())
                return invalidArgument(" must be a boolean", "wrong_type");
            store<std::uint8_t>(value.get<bool>() ? 1 : 0, out);
            return Status::ok();
        case DataType::Fp32:
        case DataType::Fp64: {
            if (!value.is_number())
                return invalidArgument(" must be a number", "wrong_type");
            const double d = value.get<double>();
            if (!std::isfinite(d) ||
                (type == DataType::Fp32 && std::fabs(d) > std::numeric_limits<float>::max())) {
                return invalidArgument(" must be a finite number", "not_finite");
            }
            if (type == DataType::Fp32) {
                store(static_cast<float>(d), out);
            } else {
                store(d, out);
            }
            return Status::ok();
        }
        case DataType::UInt8:
            return storeInteger<std::uint8_t>(value, out);
        case DataType::Int8:
            return storeInteger<std::int8_t>(value, out);
        case DataType::Int16:
            return storeInteger<std::int16_t>(value, out);
        case DataType::Int32:
            return storeInteger<std::int32_t>(value, out);
        case DataType::Int64:
            return storeInteger<std::int64_t>(value, out);
        case DataType::Bytes:
            break;
    }
    return invalidArgument(": BYTES elements are strings", "wrong_type");
}

Status elementError(const Status& status, const std::string& where) {
    return Status(status.code(), where + status.message(), std::string(status.reason()));
}

std::vector<const json*> flattenRowMajor(const json& data) {
    std::vector<const json*> flat;
    std::vector<const json*> stack{&data};
    while (!stack.empty()) {
        const json* node = stack.back();
        stack.pop_back();
        if (node->is_array()) {
            for (auto it = node->rbegin(); it != node->rend(); ++it)
                stack.push_back(&*it);
        } else {
            flat.push_back(node);
        }
    }
    return flat;
}

void appendElements(const HostTensor& tensor, std::size_t first, std::size_t count, json& out) {
    switch (tensor.type) {
        case DataType::Bool: {
            const auto values = tensor.values<std::uint8_t>();
            for (std::size_t i = first; i < first + count; ++i)
                out.push_back(values[i] != 0);
            return;
        }
        case DataType::UInt8:
            return appendAs<std::uint8_t>(tensor, first, count, out);
        case DataType::Int8:
            return appendAs<std::int8_t>(tensor, first, count, out);
        case DataType::Int16:
            return appendAs<std::int16_t>(tensor, first, count, out);
        case DataType::Int32:
            return appendAs<std::int32_t>(tensor, first, count, out);
        case DataType::Int64:
            return appendAs<std::int64_t>(tensor, first, count, out);
        case DataType::Fp32:
            return appendAs<float>(tensor, first, count, out);
        case DataType::Fp64:
            return appendAs<double>(tensor, first, count, out);
        case DataType::Bytes:
            return;
    }
}

}  // namespace atalaya::http
