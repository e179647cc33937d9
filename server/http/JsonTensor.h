#pragma once

#include <atalaya/Status.h>

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "inference/HostTensor.h"

namespace atalaya::http {

// Writes one JSON number as an element of `type` at `out`, refusing what the type cannot hold
// exactly: non-numbers, NaN/Inf (which nlohmann yields for 1e999), fractions for integer types,
// out-of-range integers. A refusal's message is what follows the element's name
// (" must be a number"): the caller names the element with elementError(), so a name is
// formatted only for the element that failed, not for every element of every request.
Status writeElement(const nlohmann::json& value, DataType type, std::byte* out);
// `status` (from writeElement) with the element's name in front: "instances[2].age must be ...".
Status elementError(const Status& status, const std::string& where);

// The leaves of a flat or nested JSON array in row-major order (a non-array is its own leaf);
// both the predict and the Open Inference Protocol decoders accept either form.
std::vector<const nlohmann::json*> flattenRowMajor(const nlohmann::json& data);

// Appends the elements of one tensor (`type`) to a JSON array, for responses.
void appendElements(const HostTensor& tensor, std::size_t first, std::size_t count,
                    nlohmann::json& out);

}  // namespace atalaya::http
