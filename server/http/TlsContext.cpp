#include "http/TlsContext.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <fstream>
#include <string>

#include "core/Logging.h"

namespace atalaya::http {

namespace {

namespace ssl = boost::asio::ssl;

// Mozilla's "intermediate" TLS 1.2 list: forward secrecy (ECDHE) and AEAD only. TLS 1.3 suites
// are all AEAD with forward secrecy; OpenSSL's default order for them is kept.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

struct OpenSslErrors {
    std::string text;
    bool keyMismatch = false;  // X509_check_private_key said no
};

// The queued OpenSSL errors as one line, and the queue emptied for the next caller.
OpenSslErrors takeOpenSslErrors() {
    OpenSslErrors errors;
    while (const unsigned long code = ERR_get_error()) {
        const int reason = ERR_GET_REASON(code);
        errors.keyMismatch =
            errors.keyMismatch ||
            (ERR_GET_LIB(code) == ERR_LIB_X509 &&
             (reason == X509_R_KEY_VALUES_MISMATCH || reason == X509_R_KEY_TYPE_MISMATCH));
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        if (!errors.text.empty()) {
            errors.text += "; ";
        }
        errors.text += buffer;
    }
    if (errors.text.empty()) {
        errors.text = "unknown OpenSSL error";
    }
    return errors;
}

Status keyMismatch(const TlsListenerOptions& options) {
    return invalidArgument("TLS: the private key in " + options.keyFile.string() +
                               " does not match the certificate in " + options.certFile.string(),
                           "tls_key_mismatch");
}

Status tlsError(std::string message) {
    return invalidArgument("TLS: " + std::move(message), "tls_config");
}

// OpenSSL's own messages for a missing file are obscure ("system library"); say it plainly.
Status checkReadable(const std::filesystem::path& file, const char* what) {
    if (file.empty()) {
        return tlsError(std::string("no ") + what + " file is configured");
    }
    std::ifstream in(file);
    if (!in) {
        return tlsError(std::string("cannot read the ") + what + " file " + file.string());
    }
    return Status::ok();
}

Status loadFiles(SSL_CTX* context, const TlsListenerOptions& options) {
    ATALAYA_RETURN_IF_ERROR(checkReadable(options.certFile, "certificate"));
    ATALAYA_RETURN_IF_ERROR(checkReadable(options.keyFile, "private key"));
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(context, options.certFile.c_str()) != 1) {
        return tlsError(options.certFile.string() +
                        " is not a PEM certificate: " + takeOpenSslErrors().text);
    }
    if (SSL_CTX_use_PrivateKey_file(context, options.keyFile.c_str(), SSL_FILETYPE_PEM) != 1) {
        // OpenSSL checks a key against a certificate of the same type while loading it.
        const OpenSslErrors errors = takeOpenSslErrors();
        if (errors.keyMismatch) {
            return keyMismatch(options);
        }
        return tlsError(options.keyFile.string() + " is not a PEM private key: " + errors.text);
    }
    if (SSL_CTX_check_private_key(context) != 1) {
        ERR_clear_error();
        return keyMismatch(options);
    }
    return Status::ok();
}

void warnIfExpired(SSL_CTX* context, const std::filesystem::path& certFile) {
    const X509* certificate = SSL_CTX_get0_certificate(context);
    if (certificate != nullptr && X509_cmp_current_time(X509_get0_notAfter(certificate)) < 0) {
        qCWarning(lcHttp, "TLS: the certificate in %s has expired; clients will refuse it",
                  certFile.c_str());
    }
}

}  // namespace

Result<std::shared_ptr<ssl::context>> makeServerTlsContext(const TlsListenerOptions& options) {
    std::shared_ptr<ssl::context> context;
    try {
        context = std::make_shared<ssl::context>(ssl::context::tls_server);
    } catch (const std::exception& e) {
        return internalError(std::string("TLS: cannot create a context: ") + e.what());
    }
    SSL_CTX* native = context->native_handle();
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
        return internalError("TLS: cannot configure the context: " + takeOpenSslErrors().text);
    }
    SSL_CTX_set_options(
        native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    ATALAYA_RETURN_IF_ERROR(loadFiles(native, options));
    warnIfExpired(native, options.certFile);
    return context;
}

}  // namespace atalaya::http
