#include "core/CommandLine.h"

#include <QCommandLineParser>

namespace atalaya {
namespace {

struct IntFlag {
    const char* name;
    long long min;
    long long max;
};

Result<long long> intFlag(const QCommandLineParser& parser, const IntFlag& flag) {
    bool ok = false;
    const long long value = parser.value(QString::fromLatin1(flag.name)).toLongLong(&ok);
    if (!ok || value < flag.min || value > flag.max) {
        return invalidArgument(std::string("--") + flag.name + " must be a number from " +
                                   std::to_string(flag.min) + " to " + std::to_string(flag.max),
                               "invalid_flag");
    }
    return value;
}

}  // namespace

void addServerOptions(QCommandLineParser& parser) {
    parser.addOptions({
        {QStringLiteral("config"), QStringLiteral("JSON config file (see docs/configuration.md)."),
         QStringLiteral("file")},
        {QStringLiteral("host"), QStringLiteral("Address to listen on (default 127.0.0.1)."),
         QStringLiteral("addr")},
        {QStringLiteral("port"), QStringLiteral("Port to listen on (default 8080; 0 = any free)."),
         QStringLiteral("n")},
        {QStringLiteral("models"), QStringLiteral("Model repository directory."),
         QStringLiteral("dir")},
        {QStringLiteral("data-dir"),
         QStringLiteral("Directory for the server's SQLite files and state."),
         QStringLiteral("dir")},
        {QStringLiteral("workers"),
         QStringLiteral("Forward passes that may run at once (default 1)."), QStringLiteral("n")},
        {QStringLiteral("intra-op-threads"),
         QStringLiteral("LibTorch/BLAS threads per forward pass (default cores/workers)."),
         QStringLiteral("n")},
        {QStringLiteral("io-threads"), QStringLiteral("HTTP I/O threads (default 1)."),
         QStringLiteral("n")},
        {QStringLiteral("max-body-bytes"),
         QStringLiteral("Largest request body accepted (default 1048576)."), QStringLiteral("n")},
        {QStringLiteral("tls-cert"),
         QStringLiteral("PEM certificate (chain) for HTTPS; needs --tls-key."),
         QStringLiteral("file")},
        {QStringLiteral("tls-key"), QStringLiteral("PEM private key of the HTTPS certificate."),
         QStringLiteral("file")},
        {QStringLiteral("https-port"),
         QStringLiteral("Port for HTTPS (default 8443; 0 = any free)."), QStringLiteral("n")},
        {QStringLiteral("no-plain-http"),
         QStringLiteral("Serve HTTPS only: no plain HTTP listener.")},
    });
}

Result<ServerConfig> serverConfigFrom(const QCommandLineParser& parser, EnvLookup env) {
    ServerConfig config;
    std::optional<std::string> file;
    if (parser.isSet(QStringLiteral("config"))) {
        file = parser.value(QStringLiteral("config")).toStdString();
    } else {
        file = env("ATALAYA_CONFIG");
    }
    if (file) ATALAYA_RETURN_IF_ERROR(applyConfigFile(*file, config));
    ATALAYA_RETURN_IF_ERROR(applyEnvironment(config, env));

    if (parser.isSet(QStringLiteral("host"))) {
        config.http.host = parser.value(QStringLiteral("host")).toStdString();
    }
    if (parser.isSet(QStringLiteral("port"))) {
        ATALAYA_ASSIGN_OR_RETURN(const long long port, intFlag(parser, {"port", 0, 65535}));
        config.http.port = static_cast<std::uint16_t>(port);
    }
    if (parser.isSet(QStringLiteral("models"))) {
        config.modelRepository = parser.value(QStringLiteral("models")).toStdString();
    }
    if (parser.isSet(QStringLiteral("data-dir"))) {
        config.dataDir = parser.value(QStringLiteral("data-dir")).toStdString();
    }
    if (parser.isSet(QStringLiteral("workers"))) {
        ATALAYA_ASSIGN_OR_RETURN(const long long n, intFlag(parser, {"workers", 1, 64}));
        config.inference.workers = static_cast<int>(n);
    }
    if (parser.isSet(QStringLiteral("intra-op-threads"))) {
        ATALAYA_ASSIGN_OR_RETURN(const long long n, intFlag(parser, {"intra-op-threads", 0, 256}));
        config.inference.intraOpThreads = static_cast<int>(n);
    }
    if (parser.isSet(QStringLiteral("io-threads"))) {
        ATALAYA_ASSIGN_OR_RETURN(const long long n, intFlag(parser, {"io-threads", 1, 64}));
        config.http.ioThreads = static_cast<int>(n);
    }
    if (parser.isSet(QStringLiteral("max-body-bytes"))) {
        ATALAYA_ASSIGN_OR_RETURN(const long long n,
                                 intFlag(parser, {"max-body-bytes", 1, 1LL << 30}));
        config.http.maxBodyBytes = static_cast<std::size_t>(n);
    }
    if (parser.isSet(QStringLiteral("tls-cert"))) {
        config.http.tls.certFile = parser.value(QStringLiteral("tls-cert")).toStdString();
    }
    if (parser.isSet(QStringLiteral("tls-key"))) {
        config.http.tls.keyFile = parser.value(QStringLiteral("tls-key")).toStdString();
    }
    if (parser.isSet(QStringLiteral("https-port"))) {
        ATALAYA_ASSIGN_OR_RETURN(const long long port, intFlag(parser, {"https-port", 0, 65535}));
        config.http.tls.port = static_cast<std::uint16_t>(port);
    }
    if (parser.isSet(QStringLiteral("no-plain-http"))) {
        config.http.plain = false;
    }
    ATALAYA_RETURN_IF_ERROR(validateConfig(config));
    return config;
}

}  // namespace atalaya
