// atalaya-server: the serving engine without any GUI library, for servers and containers.
#include <atalaya/Server.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <cstdio>
#include <utility>

#include "core/CommandLine.h"
#include "core/TerminationSignals.h"
#include "security/CertCommand.h"
#include "security/ClientsCommand.h"
#include "security/KeysCommand.h"

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("atalaya-server"));
    QCoreApplication::setApplicationVersion(QStringLiteral(ATALAYA_VERSION));
    // `atalaya-server keys|clients|cert ...` run one command and exit: API keys, OAuth clients
    // (security/KeysCommand.h, security/ClientsCommand.h), a self-signed HTTPS certificate.
    using Command = int (*)(const QStringList&, std::FILE*, std::FILE*);
    const std::pair<QLatin1String, Command> commands[] = {
        {QLatin1String("keys"), atalaya::security::runKeysCommand},
        {QLatin1String("clients"), atalaya::security::runClientsCommand},
        {QLatin1String("cert"), atalaya::security::runCertCommand}};
    if (const QStringList args = QCoreApplication::arguments(); args.size() > 1) {
        for (const auto& [name, run] : commands) {
            if (args.at(1) == name)
                return run(args.mid(2), stdout, stderr);
        }
    }

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Atalaya inference server: TorchScript models over HTTP, headless.\n"
                       "API keys: atalaya-server keys create|list|revoke (see --help of each).\n"
                       "HTTPS certificate: atalaya-server cert create --out DIR [--host NAME].\n"
                       "OAuth clients: atalaya-server clients create|list|revoke."));
    parser.addHelpOption();
    parser.addVersionOption();
    atalaya::addServerOptions(parser);
    parser.process(app);

    auto config = atalaya::serverConfigFrom(parser, atalaya::processEnvironment);
    if (!config.isOk()) {
        std::fprintf(stderr, "atalaya-server: %s\n", config.status().message().c_str());
        return 2;
    }
    // Installed before start(), so a SIGTERM that arrives during start-up still drains.
    atalaya::TerminationSignals signals;
    QObject::connect(&signals, &atalaya::TerminationSignals::terminationRequested, &app,
                     &QCoreApplication::quit);
    atalaya::Server server(std::move(config).value());
    if (const auto started = server.start(); !started.isOk()) {
        std::fprintf(stderr, "atalaya-server: %s\n", started.message().c_str());
        return 1;
    }
    std::printf("atalaya-server listening on %s\n", server.baseUrl().c_str());
    if (server.port() != 0 && server.httpsPort() != 0)
        std::printf("atalaya-server listening on https://%s:%u\n", server.host().c_str(),
                    server.httpsPort());
    std::fflush(stdout);

    const int code = QCoreApplication::exec();
    server.stop(atalaya::Drain::Wait);  // SIGTERM: finish what was accepted, then exit
    return code;
}
