#include "FuzzKeys.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>

#include <array>
#include <nlohmann/json.hpp>

#include "FuzzCheck.h"
#include "security/Base64Url.h"

namespace atalaya::fuzz {
namespace {

using security::base64UrlDecode;
using security::base64UrlEncode;

// P-256: d = 0x0102...20 and its public point, computed once with python3-cryptography.
constexpr std::string_view kEcD = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA";
constexpr std::string_view kEcX = "UVw9brnjlrkE0_7Kf1T9zQzB6Ze_N13KUVrQpsO0A18";
constexpr std::string_view kEcY = "RTa-OlDzGPv5pUdZAqIhUCvvDVfgjFOyzApW8X2fk1Q";
// Ed25519 seed (RFC 8032 s5.1.5: the public key is derived from it).
constexpr std::string_view kEdSeed = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8";
constexpr std::string_view kHsSecret = "atalaya fuzz test secret, not for deployment";

struct PkeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string decoded(std::string_view text) {
    auto bytes = base64UrlDecode(text);
    fuzzCheck(bytes.has_value(), "a test key constant is not base64url");
    return *bytes;
}

EVP_PKEY* ecPrivateKey() {
    static const PkeyPtr key = [] {
        const std::string d = decoded(kEcD);
        const std::string point = "\x04" + decoded(kEcX) + decoded(kEcY);
        BIGNUM* priv = BN_bin2bn(reinterpret_cast<const unsigned char*>(d.data()),
                                 static_cast<int>(d.size()), nullptr);
        OSSL_PARAM_BLD* builder = OSSL_PARAM_BLD_new();
        OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
        OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_PRIV_KEY, priv);
        OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size());
        OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(builder);
        EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
        EVP_PKEY* out = nullptr;
        if (ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1)
            EVP_PKEY_fromdata(ctx, &out, EVP_PKEY_KEYPAIR, params);
        EVP_PKEY_CTX_free(ctx);
        OSSL_PARAM_free(params);
        OSSL_PARAM_BLD_free(builder);
        BN_free(priv);
        fuzzCheck(out != nullptr, "the P-256 test key does not import");
        return PkeyPtr(out);
    }();
    return key.get();
}

EVP_PKEY* edPrivateKey() {
    static const PkeyPtr key = [] {
        const std::string seed = decoded(kEdSeed);
        EVP_PKEY* out = EVP_PKEY_new_raw_private_key(
            EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed.data()),
            seed.size());
        fuzzCheck(out != nullptr, "the Ed25519 test key does not import");
        return PkeyPtr(out);
    }();
    return key.get();
}

std::string digestSign(EVP_PKEY* key, const EVP_MD* md, std::string_view input) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t size = 0;
    std::string signature;
    const auto* tbs = reinterpret_cast<const unsigned char*>(input.data());
    if (ctx != nullptr && EVP_DigestSignInit(ctx, nullptr, md, nullptr, key) == 1 &&
        EVP_DigestSign(ctx, nullptr, &size, tbs, input.size()) == 1) {
        signature.resize(size);
        if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &size, tbs,
                           input.size()) == 1) {
            signature.resize(size);
        } else {
            signature.clear();
        }
    }
    EVP_MD_CTX_free(ctx);
    fuzzCheck(!signature.empty(), "a test key could not sign");
    return signature;
}

// DER ECDSA-Sig-Value -> the JWS form R||S, 32 bytes each (RFC 7518 s3.4).
std::string rawFromDer(const std::string& der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    fuzzCheck(sig != nullptr, "OpenSSL produced an unreadable ECDSA signature");
    std::string raw(64, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32);
    ECDSA_SIG_free(sig);
    return raw;
}

}  // namespace

std::string testJwks() {
    std::array<unsigned char, 32> edPublic{};
    std::size_t edSize = edPublic.size();
    fuzzCheck(EVP_PKEY_get_raw_public_key(edPrivateKey(), edPublic.data(), &edSize) == 1,
              "the Ed25519 test key has no public half");
    const std::string edX(reinterpret_cast<const char*>(edPublic.data()), edSize);
    const nlohmann::json jwks = {
        {"keys",
         {{{"kty", "EC"}, {"crv", "P-256"}, {"kid", "es-1"}, {"x", kEcX}, {"y", kEcY}},
          {{"kty", "OKP"}, {"crv", "Ed25519"}, {"kid", "ed-1"}, {"x", base64UrlEncode(edX)}},
          {{"kty", "oct"}, {"kid", "hs-1"}, {"k", base64UrlEncode(kHsSecret)}}}}};
    return jwks.dump();
}

std::unique_ptr<security::JwtVerifier> makeTestVerifier() {
    security::JwtVerifierOptions options;
    options.issuer = kFuzzIssuer;
    options.audience = kFuzzAudience;
    options.now = [] { return kFuzzNow; };
    auto verifier = security::JwtVerifier::fromJwks(testJwks(), options);
    fuzzCheck(verifier.isOk(), "the verifier refuses the test JWKS");
    (*verifier)->revokeJti("revoked");
    return std::move(verifier).value();
}

std::optional<std::string> signWithTestKey(std::string_view key, std::string_view signingInput) {
    if (key == "hs") {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int size = 0;
        HMAC(EVP_sha256(), kHsSecret.data(), static_cast<int>(kHsSecret.size()),
             reinterpret_cast<const unsigned char*>(signingInput.data()), signingInput.size(), mac,
             &size);
        return std::string(reinterpret_cast<const char*>(mac), size);
    }
    if (key == "ed")
        return digestSign(edPrivateKey(), nullptr, signingInput);
    if (key == "es")
        return rawFromDer(digestSign(ecPrivateKey(), EVP_sha256(), signingInput));
    return std::nullopt;
}

std::string tokenFromParts(std::string_view text) {
    if (!text.starts_with('{'))
        return std::string(text);
    const auto first = text.find('\n');
    const auto second = first == std::string_view::npos ? first : text.find('\n', first + 1);
    if (second == std::string_view::npos)
        return std::string(text);
    const std::string signingInput = base64UrlEncode(text.substr(0, first)) + "." +
                                     base64UrlEncode(text.substr(first + 1, second - first - 1));
    const std::string_view signer = text.substr(second + 1);
    const std::string signature =
        signWithTestKey(signer, signingInput).value_or(std::string(signer));
    return signingInput + "." + base64UrlEncode(signature);
}

}  // namespace atalaya::fuzz
