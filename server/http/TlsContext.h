#pragma once

#include <atalaya/Result.h>

#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "http/HttpServer.h"

namespace atalaya::http {

// The HTTPS listener's one TLS context, built once at start-up and shared by every connection:
// TLS 1.2 minimum (TLS 1.3 preferred), ECDHE + AEAD cipher suites only for TLS 1.2, the
// server's cipher order, no compression (CRIME), no renegotiation.
//
// Loads the PEM certificate chain (leaf first) and PEM private key named in `options`. Errors
// name the file and what is wrong with it: cannot be read, not PEM, or a key that does not
// match the certificate. OpenSSL errors are converted here and nowhere else in http/.
Result<std::shared_ptr<boost::asio::ssl::context>> makeServerTlsContext(
    const TlsListenerOptions& options);

}  // namespace atalaya::http
