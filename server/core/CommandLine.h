#pragma once

#include <atalaya/Config.h>

class QCommandLineParser;

namespace atalaya {

// The server's flags, shared by atalaya-server and the console (which adds its own options to
// the same parser): --config, --host, --port, --models, --data-dir, --workers,
// --intra-op-threads, --max-body-bytes, --tls-cert, --tls-key, --https-port, --no-plain-http.
// `--help` lists them.
void addServerOptions(QCommandLineParser& parser);

// Defaults, then --config FILE (or ATALAYA_CONFIG), then ATALAYA_* variables, then flags.
Result<ServerConfig> serverConfigFrom(const QCommandLineParser& parser, EnvLookup env);

}  // namespace atalaya
