#include "security/JwtKey.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "core/StrictJson.h"
#include "security/Base64Url.h"
#include "security/Crypto.h"

namespace atalaya::security {
namespace {

using nlohmann::json;

// The order n of the P-256 group (SEC 2 s2.4.2), big-endian: r and s must lie in [1, n-1].
constexpr unsigned char kP256Order[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

Status badKey(const std::string& what) {
    return invalidArgument("JWKS: " + what, "invalid_jwks");
}

Result<std::string> member(const json& key, const char* name) {
    const auto it = key.find(name);
    if (it == key.end() || !it->is_string())
        return badKey(std::string("a key lacks the string member \"") + name + "\"");
    auto bytes = base64UrlDecode(it->get<std::string>());
    if (!bytes)
        return badKey(std::string("\"") + name + "\" is not base64url");
    return *bytes;
}

Result<PkeyPtr> importP256(const std::string& x, const std::string& y) {
    if (x.size() != 32 || y.size() != 32)
        return badKey("an EC P-256 key needs 32-byte x and y");
    std::string point = "\x04" + x + y;  // SEC 1 s2.3.3 uncompressed point
    OSSL_PARAM_BLD* builder = OSSL_PARAM_BLD_new();
    OSSL_PARAM* params = nullptr;
    EVP_PKEY_CTX* ctx = nullptr;
    EVP_PKEY* key = nullptr;
    if (builder != nullptr &&
        OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ==
            1 &&
        OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) == 1 &&
        (params = OSSL_PARAM_BLD_to_param(builder)) != nullptr &&
        (ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr)) != nullptr &&
        EVP_PKEY_fromdata_init(ctx) == 1) {
        // fromdata decodes the point, which fails for a point that is not on the curve.
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(builder);
    if (key == nullptr)
        return badKey("an EC key is not a point on P-256");
    return PkeyPtr(key);
}

// DER ECDSA-Sig-Value from the JWS R||S form (RFC 7518 s3.4), or empty when r or s is out of range.
std::string derFromRaw(std::string_view raw) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
    for (int half = 0; half < 2; ++half) {
        const unsigned char* v = bytes + half * 32;
        const bool zero = std::all_of(v, v + 32, [](unsigned char c) { return c == 0; });
        if (zero || std::memcmp(v, kP256Order, 32) >= 0)
            return {};
    }
    ECDSA_SIG* sig = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(bytes, 32, nullptr);
    BIGNUM* s = BN_bin2bn(bytes + 32, 32, nullptr);
    std::string der;
    if (sig != nullptr && r != nullptr && s != nullptr && ECDSA_SIG_set0(sig, r, s) == 1) {
        r = s = nullptr;  // owned by sig now
        unsigned char* out = nullptr;
        const int size = i2d_ECDSA_SIG(sig, &out);
        if (size > 0)
            der.assign(reinterpret_cast<char*>(out), static_cast<std::size_t>(size));
        OPENSSL_free(out);
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return der;
}

bool digestVerify(EVP_PKEY* key, const EVP_MD* md, std::string_view input, std::string_view sig) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok =
        ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key) == 1 &&
        EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

}  // namespace

struct JwtKey::Material {
    PkeyPtr publicKey;   // ES256, EdDSA
    std::string secret;  // HS256
    ~Material() { OPENSSL_cleanse(secret.data(), secret.size()); }
};

std::string_view jwtAlgorithmName(JwtAlgorithm algorithm) {
    switch (algorithm) {
        case JwtAlgorithm::HS256:
            return "HS256";
        case JwtAlgorithm::ES256:
            return "ES256";
        case JwtAlgorithm::EdDSA:
            return "EdDSA";
    }
    return "";
}

JwtKey::JwtKey(std::string kid, JwtAlgorithm algorithm, std::unique_ptr<Material> material)
    : m_kid(std::move(kid)), m_algorithm(algorithm), m_material(std::move(material)) {}
JwtKey::JwtKey(JwtKey&&) noexcept = default;
JwtKey& JwtKey::operator=(JwtKey&&) noexcept = default;
JwtKey::~JwtKey() = default;

Result<std::vector<JwtKey>> JwtKey::parseSet(std::string_view jwks) {
    ATALAYA_ASSIGN_OR_RETURN(const json doc, parseStrictJson(jwks, {.maxDepth = 4}));
    if (!doc.is_object() || !doc.contains("keys") || !doc.at("keys").is_array())
        return badKey("the document must be {\"keys\": [...]}");
    std::vector<JwtKey> keys;
    std::set<std::string> kids;
    for (const json& jwk : doc.at("keys")) {
        if (!jwk.is_object() || !jwk.contains("kty") || !jwk.at("kty").is_string())
            return badKey("each key needs a \"kty\"");
        const std::string kty = jwk.at("kty").get<std::string>();
        const std::string crv = jwk.value("crv", std::string());
        auto material = std::make_unique<Material>();
        JwtAlgorithm algorithm{};
        if (kty == "EC" && crv == "P-256") {
            algorithm = JwtAlgorithm::ES256;
            ATALAYA_ASSIGN_OR_RETURN(const std::string x, member(jwk, "x"));
            ATALAYA_ASSIGN_OR_RETURN(const std::string y, member(jwk, "y"));
            ATALAYA_ASSIGN_OR_RETURN(material->publicKey, importP256(x, y));
        } else if (kty == "OKP" && crv == "Ed25519") {
            algorithm = JwtAlgorithm::EdDSA;
            ATALAYA_ASSIGN_OR_RETURN(const std::string x, member(jwk, "x"));
            if (x.size() != 32)
                return badKey("an Ed25519 key needs a 32-byte x");
            material->publicKey.reset(EVP_PKEY_new_raw_public_key(
                EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x.data()),
                x.size()));
            if (!material->publicKey)
                return badKey("an Ed25519 key could not be imported");
        } else if (kty == "oct") {
            algorithm = JwtAlgorithm::HS256;
            ATALAYA_ASSIGN_OR_RETURN(material->secret, member(jwk, "k"));
            // RFC 7518 s3.2: a key of the same size as the hash output or larger.
            if (material->secret.size() < 32)
                return badKey("an HS256 secret must be at least 32 bytes");
        } else {
            return badKey("unsupported key type (EC P-256, OKP Ed25519 and oct only)");
        }
        if (jwk.contains("alg") && jwk.at("alg") != jwtAlgorithmName(algorithm))
            return badKey("a key's \"alg\" does not match its type");
        std::string kid;
        if (jwk.contains("kid")) {
            if (!jwk.at("kid").is_string())
                return badKey("\"kid\" must be a string");
            kid = jwk.at("kid").get<std::string>();
        }
        if (!kids.insert(kid).second)
            return badKey("two keys share the kid \"" + kid + "\"");
        keys.push_back(JwtKey(std::move(kid), algorithm, std::move(material)));
    }
    if (keys.empty())
        return badKey("no keys");
    if (keys.size() > 1 && kids.contains(""))
        return badKey("with more than one key, every key needs a kid");
    return keys;
}

bool JwtKey::verify(std::string_view signingInput, std::string_view signature) const {
    switch (m_algorithm) {
        case JwtAlgorithm::HS256: {
            if (signature.size() != 32)
                return false;
            const auto mac = hmacSha256(m_material->secret, signingInput);
            return mac.isOk() && constantTimeEquals(*mac, signature);
        }
        case JwtAlgorithm::ES256: {
            if (signature.size() != 64)
                return false;
            const std::string der = derFromRaw(signature);
            return !der.empty() &&
                   digestVerify(m_material->publicKey.get(), EVP_sha256(), signingInput, der);
        }
        case JwtAlgorithm::EdDSA:
            return signature.size() == 64 &&
                   digestVerify(m_material->publicKey.get(), nullptr, signingInput, signature);
    }
    return false;
}

}  // namespace atalaya::security
