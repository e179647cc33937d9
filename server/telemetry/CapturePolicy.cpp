#include "telemetry/CapturePolicy.h"

#include <openssl/evp.h>

#include <cstdint>
#include <nlohmann/json.hpp>

namespace atalaya {
namespace {

using nlohmann::json;

// Applies the policy to every string value below `node`, in place. The instances may nest
// (an object of features, an OIP tensor's nested data), so the walk is recursive; its depth
// is bounded by the request's JSON depth limit.
Status captureStrings(json& node, const ModelLogPolicy& policy) {
    if (node.is_string()) {
        const auto& text = node.get_ref<const std::string&>();
        switch (policy.textCapture) {
            case TextCapture::Full:
                return Status::ok();
            case TextCapture::Truncated:
                node = std::string(truncateUtf8(text, policy.truncateChars));
                return Status::ok();
            case TextCapture::Hashed: {
                ATALAYA_ASSIGN_OR_RETURN(std::string digest, sha256Hex(text));
                node = std::move(digest);
                return Status::ok();
            }
            case TextCapture::Off:
                node = nullptr;
                return Status::ok();
        }
    }
    if (node.is_structured()) {
        for (auto& child : node)
            ATALAYA_RETURN_IF_ERROR(captureStrings(child, policy));
    }
    return Status::ok();
}

// splitmix64's finaliser: FNV-1a alone leaves ids that differ only in a trailing counter
// ("abc-1", "abc-2") too close together in the high bits.
std::uint64_t mix(std::uint64_t x) {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

}  // namespace

std::optional<std::string> captureInputs(const std::string& inputsJson,
                                         const ModelLogPolicy& policy) {
    if (policy.textCapture == TextCapture::Full)
        return inputsJson;
    json inputs = json::parse(inputsJson, nullptr, /*allow_exceptions=*/false);
    if (inputs.is_discarded())
        return std::nullopt;
    if (!captureStrings(inputs, policy).isOk())
        return std::nullopt;
    return inputs.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<std::string> sha256Hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
        return internalError("openssl: SHA-256 failed", "hash_failed");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(size * 2);
    for (unsigned int i = 0; i < size; ++i) {
        hex.push_back(kHex[digest[i] >> 4]);
        hex.push_back(kHex[digest[i] & 0x0f]);
    }
    return hex;
}

std::string_view truncateUtf8(std::string_view text, std::size_t maxChars) {
    std::size_t chars = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        const bool startsCodePoint = (byte & 0xC0) != 0x80;
        if (startsCodePoint && chars++ == maxChars)
            return text.substr(0, i);
    }
    return text;
}

bool isSampled(std::string_view requestId, double sampleRate) {
    if (sampleRate >= 1.0)
        return true;
    if (sampleRate <= 0.0)
        return false;
    std::uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a 64
    for (const char c : requestId) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    const double unit = static_cast<double>(mix(hash) >> 11) * 0x1.0p-53;  // [0, 1)
    return unit < sampleRate;
}

}  // namespace atalaya
