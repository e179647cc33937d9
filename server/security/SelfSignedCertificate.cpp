#include "security/SelfSignedCertificate.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "security/Crypto.h"

namespace atalaya::security {
namespace {

using CertPtr = OpenSslPtr<X509, X509_free>;
using BioPtr = OpenSslPtr<BIO, BIO_free_all>;
using BignumPtr = OpenSslPtr<BIGNUM, BN_free>;
using NamesPtr = OpenSslPtr<GENERAL_NAMES, GENERAL_NAMES_free>;
using ConstraintsPtr = OpenSslPtr<BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free>;
using BitStringPtr = OpenSslPtr<ASN1_BIT_STRING, ASN1_BIT_STRING_free>;
using ExtensionPtr = OpenSslPtr<X509_EXTENSION, X509_EXTENSION_free>;

void freeKeyUsages(EXTENDED_KEY_USAGE* usages) {
    sk_ASN1_OBJECT_pop_free(usages, ASN1_OBJECT_free);
}
using KeyUsagesPtr = OpenSslPtr<EXTENDED_KEY_USAGE, freeKeyUsages>;

constexpr int kKeyUsageDigitalSignature = 0;  // RFC 5280 §4.2.1.3, bit 0
constexpr int kSerialBits = 159;              // positive and at most 20 octets (§4.1.2.2)
constexpr long kBackdateSeconds = 3600;

Status openSslError(const std::string& what) {
    std::string text;
    while (const unsigned long code = ERR_get_error()) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        text += text.empty() ? ": " : "; ";
        text += buffer;
    }
    return internalError("cannot " + what + text, "certificate_failed");
}

// A DNS name for subjectAltName: letters, digits, '-', '.', and a leading "*." wildcard.
bool isDnsName(const std::string& host) {
    if (host.empty() || host.size() > 253 || host.front() == '.' || host.back() == '.') {
        return false;
    }
    const std::string_view rest = host.starts_with("*.") ? std::string_view(host).substr(2) : host;
    return !rest.empty() && rest.find_first_not_of(
                                "abcdefghijklmnopqrstuvwxyz"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") == std::string_view::npos;
}

Result<NamesPtr> subjectAltNames(const std::vector<std::string>& hosts) {
    NamesPtr names(GENERAL_NAMES_new());
    if (!names) {
        return openSslError("allocate subjectAltName");
    }
    for (const std::string& host : hosts) {
        GENERAL_NAME* name = nullptr;
        if (ASN1_OCTET_STRING* ip = a2i_IPADDRESS(host.c_str())) {
            name = GENERAL_NAME_new();
            if (name != nullptr) {
                GENERAL_NAME_set0_value(name, GEN_IPADD, ip);
            } else {
                ASN1_OCTET_STRING_free(ip);
            }
        } else if (isDnsName(host)) {
            ERR_clear_error();  // a2i_IPADDRESS's complaint about a name that is not an IP
            ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
            if (dns == nullptr ||
                ASN1_STRING_set(dns, host.data(), static_cast<int>(host.size())) != 1) {
                ASN1_IA5STRING_free(dns);
                return openSslError("encode " + host);
            }
            name = GENERAL_NAME_new();
            if (name != nullptr) {
                GENERAL_NAME_set0_value(name, GEN_DNS, dns);
            } else {
                ASN1_IA5STRING_free(dns);
            }
        } else {
            ERR_clear_error();
            return invalidArgument("\"" + host + "\" is neither an IP address nor a DNS name",
                                   "invalid_host");
        }
        if (name == nullptr || sk_GENERAL_NAME_push(names.get(), name) == 0) {
            GENERAL_NAME_free(name);
            return openSslError("add " + host + " to subjectAltName");
        }
    }
    return names;
}

Status addExtensions(X509* certificate, GENERAL_NAMES* names) {
    ConstraintsPtr constraints(BASIC_CONSTRAINTS_new());
    BitStringPtr usage(ASN1_BIT_STRING_new());
    KeyUsagesPtr extended(sk_ASN1_OBJECT_new_null());
    if (!constraints || !usage || !extended ||
        ASN1_BIT_STRING_set_bit(usage.get(), kKeyUsageDigitalSignature, 1) != 1 ||
        sk_ASN1_OBJECT_push(extended.get(), OBJ_nid2obj(NID_server_auth)) == 0) {
        return openSslError("build the certificate extensions");
    }
    constraints->ca = 0;
    constexpr int kCritical = 1;
    if (X509_add1_ext_i2d(certificate, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT) != 1 ||
        X509_add1_ext_i2d(certificate, NID_basic_constraints, constraints.get(), kCritical,
                          X509V3_ADD_DEFAULT) != 1 ||
        X509_add1_ext_i2d(certificate, NID_key_usage, usage.get(), kCritical, X509V3_ADD_DEFAULT) !=
            1 ||
        X509_add1_ext_i2d(certificate, NID_ext_key_usage, extended.get(), 0, X509V3_ADD_DEFAULT) !=
            1) {
        return openSslError("add the certificate extensions");
    }
    // The key identifiers are derived from the public key: let OpenSSL compute them (the
    // authority one from the subject one, the certificate being its own issuer).
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    for (const auto& [nid, value] : {std::pair{NID_subject_key_identifier, "hash"},
                                     std::pair{NID_authority_key_identifier, "keyid:always"}}) {
        ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
        if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1) {
            return openSslError("add the key identifiers");
        }
    }
    return Status::ok();
}

Status setSerialAndValidity(X509* certificate, int days) {
    BignumPtr serial(BN_new());
    if (!serial || BN_rand(serial.get(), kSerialBits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
        BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate)) == nullptr) {
        return openSslError("make a serial number");
    }
    if (X509_gmtime_adj(X509_getm_notBefore(certificate), -kBackdateSeconds) == nullptr ||
        X509_time_adj_ex(X509_getm_notAfter(certificate), days, 0, nullptr) == nullptr) {
        return openSslError("set the validity");
    }
    return Status::ok();
}

Status setNames(X509* certificate, const std::string& commonName) {
    X509_NAME* subject = X509_get_subject_name(certificate);
    const auto add = [&](const char* field, const std::string& value) {
        return X509_NAME_add_entry_by_txt(subject, field, MBSTRING_UTF8,
                                          reinterpret_cast<const unsigned char*>(value.c_str()), -1,
                                          -1, 0) == 1;
    };
    if (!add("O", "Atalaya self-signed") || !add("CN", commonName) ||
        X509_set_issuer_name(certificate, subject) != 1) {
        return openSslError("set the subject (a CN has at most 64 characters)");
    }
    return Status::ok();
}

Result<std::string> toPem(const auto& write) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || write(bio.get()) != 1) {
        return openSslError("write PEM");
    }
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

Result<std::string> fingerprint(const X509* certificate) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (X509_digest(certificate, EVP_sha256(), digest, &size) != 1) {
        return openSslError("compute the fingerprint");
    }
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string text;
    for (unsigned int i = 0; i < size; ++i) {
        if (i > 0) {
            text += ':';
        }
        text += kHex[digest[i] >> 4];
        text += kHex[digest[i] & 0x0f];
    }
    return text;
}

Status writeFile(const std::filesystem::path& file, const std::string& content, mode_t mode,
                 Overwrite overwrite) {
    const int flags =
        O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite == Overwrite::Refuse ? O_EXCL : O_TRUNC);
    const int fd = ::open(file.c_str(), flags, mode);
    if (fd < 0) {
        return internalError("cannot write " + file.string() + ": " + std::strerror(errno),
                             "write_failed");
    }
    // An overwritten file keeps its old mode unless told otherwise.
    bool ok = ::fchmod(fd, mode) == 0;
    std::size_t written = 0;
    while (ok && written < content.size()) {
        const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
        ok = n > 0 || (n < 0 && errno == EINTR);
        written += n > 0 ? static_cast<std::size_t>(n) : 0;
    }
    const int savedErrno = errno;
    ok = ::close(fd) == 0 && ok;
    if (!ok) {
        return internalError("cannot write " + file.string() + ": " + std::strerror(savedErrno),
                             "write_failed");
    }
    return Status::ok();
}

}  // namespace

Result<SelfSignedCertificate> createSelfSignedCertificate(const SelfSignedOptions& options) {
    if (options.hosts.empty()) {
        return invalidArgument("a certificate needs at least one host name or address",
                               "invalid_host");
    }
    if (options.days < 1 || options.days > 36500) {
        return invalidArgument("the validity must be 1 to 36500 days", "invalid_days");
    }
    ERR_clear_error();
    // First, so that a bad host is reported as such rather than as a failure further on.
    ATALAYA_ASSIGN_OR_RETURN(const NamesPtr names, subjectAltNames(options.hosts));
    PkeyPtr key(EVP_EC_gen("P-256"));
    CertPtr certificate(X509_new());
    if (!key || !certificate) {
        return openSslError("generate an EC P-256 key");
    }
    if (X509_set_version(certificate.get(), X509_VERSION_3) != 1 ||
        X509_set_pubkey(certificate.get(), key.get()) != 1) {
        return openSslError("start the certificate");
    }
    ATALAYA_RETURN_IF_ERROR(setSerialAndValidity(certificate.get(), options.days));
    ATALAYA_RETURN_IF_ERROR(setNames(certificate.get(), options.hosts.front()));
    ATALAYA_RETURN_IF_ERROR(addExtensions(certificate.get(), names.get()));
    if (X509_sign(certificate.get(), key.get(), EVP_sha256()) == 0) {
        return openSslError("sign the certificate");
    }
    SelfSignedCertificate result;
    ATALAYA_ASSIGN_OR_RETURN(result.certificatePem, toPem([&](BIO* bio) {
                                 return PEM_write_bio_X509(bio, certificate.get());
                             }));
    ATALAYA_ASSIGN_OR_RETURN(result.privateKeyPem, toPem([&](BIO* bio) {
                                 return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr,
                                                                 0, nullptr, nullptr);
                             }));
    ATALAYA_ASSIGN_OR_RETURN(result.sha256Fingerprint, fingerprint(certificate.get()));
    return result;
}

Result<CertificateFiles> writeCertificateFiles(const SelfSignedCertificate& certificate,
                                               const std::filesystem::path& dir,
                                               Overwrite overwrite) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return internalError("cannot create " + dir.string() + ": " + ec.message(), "write_failed");
    }
    const CertificateFiles files{dir / "cert.pem", dir / "key.pem"};
    if (overwrite == Overwrite::Refuse) {
        for (const auto& file : {files.certFile, files.keyFile}) {
            if (std::filesystem::exists(file, ec)) {
                return invalidArgument(file.string() + " exists; pass --force to replace it",
                                       "file_exists");
            }
        }
    }
    // The key first: if it cannot be written, no certificate without its key is left behind.
    ATALAYA_RETURN_IF_ERROR(writeFile(files.keyFile, certificate.privateKeyPem, 0600, overwrite));
    ATALAYA_RETURN_IF_ERROR(writeFile(files.certFile, certificate.certificatePem, 0644, overwrite));
    return files;
}

}  // namespace atalaya::security
