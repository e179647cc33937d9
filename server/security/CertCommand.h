#pragma once

#include <QStringList>
#include <cstdio>

namespace atalaya::security {

// `atalaya-server cert ...`: a self-signed certificate for a first HTTPS install
// (security/SelfSignedCertificate.h, docs/security.md#tls).
//
//   cert create --out DIR [--host NAME]... [--days N] [--force]
//
// Writes DIR/cert.pem and DIR/key.pem (mode 0600), refusing to replace either without --force;
// --host is repeatable (default: localhost, 127.0.0.1, ::1), --days defaults to 365. Prints the
// files and the certificate's SHA-256 fingerprint. `arguments` are those after "cert".
// Returns the process exit code: 0, 1 on failure, 2 on a usage error.
int runCertCommand(const QStringList& arguments, std::FILE* out, std::FILE* err);

}  // namespace atalaya::security
