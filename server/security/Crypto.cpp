#include "security/Crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace atalaya::security {

Result<std::string> randomBytes(std::size_t count) {
    std::string bytes(count, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1)
        return internalError("the random generator failed", "random_failed");
    return bytes;
}

namespace {

// EVP_sha256() makes OpenSSL 3 look the implementation up again on every call (an implicit
// EVP_MD_fetch with its locks); an API key is hashed on every request, so it is fetched once.
// The fetched object is immutable and safe to share between threads; it lives until exit.
const EVP_MD* sha256Algorithm() {
    static const EVP_MD* const fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
}

}  // namespace

Result<Sha256Digest> sha256(std::string_view data) {
    Sha256Digest digest{};
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), digest.data(), &size, sha256Algorithm(), nullptr) !=
            1 ||
        size != digest.size()) {
        return internalError("SHA-256 failed", "crypto_failed");
    }
    return digest;
}

Result<std::string> hmacSha256(std::string_view key, std::string_view data) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (HMAC(sha256Algorithm(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
             &size) == nullptr ||
        size != 32) {
        return internalError("HMAC-SHA-256 failed", "crypto_failed");
    }
    return std::string(reinterpret_cast<const char*>(mac), size);
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string toHex(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        hex += kDigits[byte >> 4];
        hex += kDigits[byte & 0xf];
    }
    return hex;
}

}  // namespace atalaya::security
