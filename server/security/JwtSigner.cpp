#include "security/JwtSigner.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "security/Base64Url.h"
#include "security/Crypto.h"

namespace atalaya::security {
namespace {

using nlohmann::json;

Status badKey(const std::string& what) {
    return invalidArgument("OAuth signing key: " + what, "invalid_signing_key");
}

Status signingFailed() {
    return internalError("signing the token failed", "crypto_failed");
}

std::string_view bytesOf(const unsigned char* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// A big-endian coordinate padded to 32 bytes, or empty.
std::string coordinate(EVP_PKEY* key, const char* name) {
    BIGNUM* value = nullptr;
    std::string out(32, '\0');
    const bool ok = EVP_PKEY_get_bn_param(key, name, &value) == 1 &&
                    BN_bn2binpad(value, reinterpret_cast<unsigned char*>(out.data()), 32) == 32;
    BN_free(value);
    return ok ? out : std::string();
}

// The JWK members RFC 7638 s3.2 hashes, in its lexicographic order, without whitespace.
Result<std::string> publicJwkOf(EVP_PKEY* key, JwtAlgorithm algorithm) {
    if (algorithm == JwtAlgorithm::ES256) {
        const std::string x = coordinate(key, OSSL_PKEY_PARAM_EC_PUB_X);
        const std::string y = coordinate(key, OSSL_PKEY_PARAM_EC_PUB_Y);
        if (x.empty() || y.empty())
            return badKey("the EC public point could not be read");
        return R"({"crv":"P-256","kty":"EC","x":")" + base64UrlEncode(x) + R"(","y":")" +
               base64UrlEncode(y) + R"("})";
    }
    unsigned char raw[32];
    std::size_t size = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(key, raw, &size) != 1 || size != sizeof raw)
        return badKey("the Ed25519 public key could not be read");
    return R"({"crv":"Ed25519","kty":"OKP","x":")" + base64UrlEncode(bytesOf(raw, size)) + R"("})";
}

// ECDSA's DER ECDSA-Sig-Value as the fixed 64-byte R||S of JWS (RFC 7518 s3.4).
std::string rawFromDer(const unsigned char* der, std::size_t size) {
    const unsigned char* cursor = der;
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(size));
    if (sig == nullptr)
        return {};
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig, &r, &s);
    std::string raw(64, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    const bool ok = BN_bn2binpad(r, out, 32) == 32 && BN_bn2binpad(s, out + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    return ok ? raw : std::string();
}

Result<std::string> readFile(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return notFound("OAuth signing key: cannot read " + file.string(), "signing_key_not_found");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Writes `pem` to `file` with mode 0600 unless the file exists; never overwrites. A temporary
// file linked into place makes the key appear whole, even with two servers starting at once.
Status writeNewKeyFile(const std::filesystem::path& file, const std::string& pem) {
    const std::string temp = file.string() + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return internalError("cannot create " + temp + ": " + std::strerror(errno), "io_error");
    const bool written =
        ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size()) && ::fsync(fd) == 0;
    ::close(fd);
    const int linked = written ? ::link(temp.c_str(), file.c_str()) : -1;
    const int linkError = errno;
    ::unlink(temp.c_str());
    if (!written)
        return internalError("cannot write " + temp, "io_error");
    if (linked != 0 && linkError != EEXIST)
        return internalError("cannot create " + file.string() + ": " + std::strerror(linkError),
                             "io_error");
    return Status::ok();
}

}  // namespace

struct JwtSigner::Material {
    PkeyPtr privateKey;  // ES256, EdDSA
    std::string secret;  // HS256
    ~Material() { OPENSSL_cleanse(secret.data(), secret.size()); }
};

JwtSigner::JwtSigner(JwtAlgorithm algorithm, std::unique_ptr<Material> material,
                     std::string jwkJson)
    : m_algorithm(algorithm), m_material(std::move(material)), m_jwk(std::move(jwkJson)) {
    // RFC 7638 s3: the thumbprint is the SHA-256 of the canonical JWK, base64url encoded.
    const auto digest = sha256(m_jwk);
    if (digest.isOk())
        m_kid = base64UrlEncode(bytesOf(digest->data(), digest->size()));
}

JwtSigner::~JwtSigner() = default;

Result<std::unique_ptr<JwtSigner>> JwtSigner::fromConfig(const OAuthConfig& config,
                                                         const std::filesystem::path& dataDir) {
    if (!config.hs256SecretFile.empty()) {
        ATALAYA_ASSIGN_OR_RETURN(std::string secret, readFile(config.hs256SecretFile));
        // A secret written by `echo` or an editor ends in a newline that is not part of it.
        while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r'))
            secret.pop_back();
        return fromSecret(std::move(secret));
    }
    std::filesystem::path file = config.signingKeyFile;
    if (file.empty()) {
        file = dataDir / "oauth-signing-key.pem";
        if (!std::filesystem::exists(file)) {
            std::error_code error;
            std::filesystem::create_directories(dataDir, error);
            ATALAYA_ASSIGN_OR_RETURN(const std::string pem, generateEs256Pem());
            ATALAYA_RETURN_IF_ERROR(writeNewKeyFile(file, pem));
        }
    }
    ATALAYA_ASSIGN_OR_RETURN(const std::string pem, readFile(file));
    return fromPem(pem);
}

Result<std::unique_ptr<JwtSigner>> JwtSigner::fromPem(std::string_view pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    PkeyPtr key(bio != nullptr ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr);
    BIO_free(bio);
    if (!key)
        return badKey("not a PEM private key (an encrypted key is not supported)");
    JwtAlgorithm algorithm{};
    if (EVP_PKEY_is_a(key.get(), "ED25519")) {
        algorithm = JwtAlgorithm::EdDSA;
    } else if (EVP_PKEY_is_a(key.get(), "EC")) {
        char group[64] = {};
        std::size_t length = 0;
        if (EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group,
                                           sizeof group, &length) != 1 ||
            std::string_view(group) != "prime256v1") {
            return badKey("an EC key must be on P-256 (ES256)");
        }
        algorithm = JwtAlgorithm::ES256;
    } else {
        return badKey("only EC P-256 (ES256) and Ed25519 (EdDSA) keys are supported");
    }
    ATALAYA_ASSIGN_OR_RETURN(std::string jwk, publicJwkOf(key.get(), algorithm));
    auto material = std::make_unique<Material>();
    material->privateKey = std::move(key);
    return std::unique_ptr<JwtSigner>(
        new JwtSigner(algorithm, std::move(material), std::move(jwk)));
}

Result<std::unique_ptr<JwtSigner>> JwtSigner::fromSecret(std::string secret) {
    if (secret.size() < 32)
        return badKey("an HS256 secret must be at least 32 bytes");
    std::string jwk = R"({"k":")" + base64UrlEncode(secret) + R"(","kty":"oct"})";
    auto material = std::make_unique<Material>();
    material->secret = std::move(secret);
    return std::unique_ptr<JwtSigner>(
        new JwtSigner(JwtAlgorithm::HS256, std::move(material), std::move(jwk)));
}

Result<std::string> JwtSigner::generateEs256Pem() {
    PkeyPtr key(EVP_EC_gen("P-256"));
    BIO* bio = BIO_new(BIO_s_mem());
    std::string pem;
    if (key && bio != nullptr &&
        PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1) {
        char* data = nullptr;
        const long size = BIO_get_mem_data(bio, &data);
        pem.assign(data, static_cast<std::size_t>(size));
    }
    BIO_free(bio);
    if (pem.empty())
        return internalError("generating an EC P-256 key failed", "crypto_failed");
    return pem;
}

Result<std::string> JwtSigner::sign(std::string_view claimsJson, std::string_view type) const {
    const json header = {
        {"alg", jwtAlgorithmName(m_algorithm)}, {"kid", m_kid}, {"typ", std::string(type)}};
    const std::string input = base64UrlEncode(header.dump()) + "." + base64UrlEncode(claimsJson);
    const auto* data = reinterpret_cast<const unsigned char*>(input.data());
    std::string signature;
    if (m_algorithm == JwtAlgorithm::HS256) {
        auto mac = hmacSha256(m_material->secret, input);
        if (!mac.isOk())
            return signingFailed();
        signature = std::move(*mac);
    } else {
        const EVP_MD* md = m_algorithm == JwtAlgorithm::ES256 ? EVP_sha256() : nullptr;
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        std::size_t size = 0;
        std::string out;
        if (ctx != nullptr &&
            EVP_DigestSignInit(ctx, nullptr, md, nullptr, m_material->privateKey.get()) == 1 &&
            EVP_DigestSign(ctx, nullptr, &size, data, input.size()) == 1) {
            out.resize(size);
            if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(out.data()), &size, data,
                               input.size()) == 1) {
                out.resize(size);
            } else {
                out.clear();
            }
        }
        EVP_MD_CTX_free(ctx);
        if (out.empty())
            return signingFailed();
        signature = m_algorithm == JwtAlgorithm::ES256
                        ? rawFromDer(reinterpret_cast<const unsigned char*>(out.data()), out.size())
                        : std::move(out);
        if (signature.empty())
            return signingFailed();
    }
    return input + "." + base64UrlEncode(signature);
}

std::string JwtSigner::publicJwks() const {
    json keys = json::array();
    if (m_algorithm != JwtAlgorithm::HS256) {
        json jwk = json::parse(m_jwk);
        jwk["kid"] = m_kid;
        jwk["alg"] = jwtAlgorithmName(m_algorithm);
        jwk["use"] = "sig";
        keys.push_back(std::move(jwk));
    }
    return json{{"keys", std::move(keys)}}.dump();
}

std::string JwtSigner::verificationJwks() const {
    json jwk = json::parse(m_jwk);
    jwk["kid"] = m_kid;
    jwk["alg"] = jwtAlgorithmName(m_algorithm);
    return json{{"keys", json::array({std::move(jwk)})}}.dump();
}

}  // namespace atalaya::security
