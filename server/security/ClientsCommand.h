#pragma once

#include <QStringList>
#include <cstdio>

namespace atalaya::security {

// `atalaya-server clients ...`: OAuth client registration for headless installs, on the same
// <dataDir>/security.sqlite the server reads (safe while it runs: a revocation is seen on the
// server's next request).
//
//   clients create --name NAME --scopes predict,metrics,admin [--models m1,m2] [--owner WHO]
//                  [--expires-days N] [--data-dir DIR]
//       prints "client_id <id>" and, on the LAST line, "client_secret <secret>" (shown once)
//   clients list [--data-dir DIR]          never prints secrets or hashes
//   clients revoke CLIENT_ID [--data-dir DIR]
//
// `arguments` are those after "clients". --data-dir defaults to $ATALAYA_DATA_DIR, else "data".
// Returns the process exit code: 0, 1 on failure, 2 on a usage error.
int runClientsCommand(const QStringList& arguments, std::FILE* out, std::FILE* err);

}  // namespace atalaya::security
