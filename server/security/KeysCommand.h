#pragma once

#include <QStringList>
#include <cstdio>

namespace atalaya::security {

// `atalaya-server keys ...`: API key management for headless installs, on the same
// <dataDir>/security.sqlite the server reads (safe while it runs: a revocation is seen on the
// server's next request).
//
//   keys create --name NAME --scopes predict,metrics,admin [--models m1,m2] [--owner WHO]
//               [--expires-days N] [--data-dir DIR]   the new token alone on the LAST line
//   keys list [--data-dir DIR]                        never prints secrets or hashes
//   keys revoke ID [--data-dir DIR]
//
// `arguments` are those after "keys". --data-dir defaults to $ATALAYA_DATA_DIR, else "data".
// Returns the process exit code: 0, 1 on failure, 2 on a usage error.
int runKeysCommand(const QStringList& arguments, std::FILE* out, std::FILE* err);

}  // namespace atalaya::security
