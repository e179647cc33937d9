#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace atalaya {

// Open Inference Protocol datatype names; BYTES inputs are strings turned into tensors by a
// declared preprocessing step before they reach a model.
enum class DataType { Bool, UInt8, Int8, Int16, Int32, Int64, Fp32, Fp64, Bytes };

std::string_view dataTypeName(DataType type);
std::optional<DataType> parseDataType(std::string_view name);
std::size_t dataTypeSize(DataType type);  // 0 for Bytes

// A dense, row-major tensor in host memory: what crosses the seam between the HTTP layer,
// the batcher and the LibTorch runner, so none of them needs another's headers.
struct HostTensor {
    DataType type = DataType::Fp32;
    std::vector<std::int64_t> shape;
    std::vector<std::byte> data;

    static HostTensor zeros(DataType type, std::vector<std::int64_t> shape);

    std::int64_t elementCount() const;
    std::int64_t rows() const { return shape.empty() ? 1 : shape.front(); }
    std::size_t rowBytes() const;
    // Every element as a double, row-major (booleans as 0/1); empty for Bytes.
    std::vector<double> toDoubles() const;

    template <class T>
    std::span<T> values() {
        return {reinterpret_cast<T*>(data.data()), data.size() / sizeof(T)};
    }
    template <class T>
    std::span<const T> values() const {
        return {reinterpret_cast<const T*>(data.data()), data.size() / sizeof(T)};
    }
};

}  // namespace atalaya
