#pragma once

#include <atalaya/Result.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace atalaya::security {

// A certificate for a first HTTPS install, before a real one exists: an EC P-256 key and a
// self-signed X.509 v3 leaf certificate (ECDSA-SHA256) that clients trust by pinning it
// (curl --cacert cert.pem, atalaya --ca-cert cert.pem). Extensions: subjectAltName (every
// host, as an IP address when it parses as one, else as a DNS name), basicConstraints
// critical CA:FALSE, keyUsage critical digitalSignature, extendedKeyUsage serverAuth, subject
// and authority key identifiers. The subject CN is the first host. A random 159-bit serial.
//
// OpenSSL errors are converted here. Thread-safe.
struct SelfSignedOptions {
    std::vector<std::string> hosts = {"localhost", "127.0.0.1", "::1"};
    int days = 365;  // notBefore is an hour back, for clocks slightly behind
};

struct SelfSignedCertificate {
    std::string certificatePem;
    std::string privateKeyPem;      // PKCS#8, unencrypted
    std::string sha256Fingerprint;  // of the DER certificate, "AB:CD:..." as browsers show it
};

Result<SelfSignedCertificate> createSelfSignedCertificate(const SelfSignedOptions& options);

enum class Overwrite { Refuse, Allow };

// Writes <dir>/cert.pem (mode 0644) and <dir>/key.pem (mode 0600, created so; never readable by
// others even for a moment), creating `dir` if needed. With Overwrite::Refuse an existing file
// is an error (AlreadyExists-like InvalidArgument "file_exists") and nothing is written.
struct CertificateFiles {
    std::filesystem::path certFile;
    std::filesystem::path keyFile;
};
Result<CertificateFiles> writeCertificateFiles(const SelfSignedCertificate& certificate,
                                               const std::filesystem::path& dir,
                                               Overwrite overwrite);

}  // namespace atalaya::security
