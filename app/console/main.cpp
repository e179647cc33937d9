// atalaya: the console. It embeds the server on loopback, or with --remote manages an
// atalaya-server elsewhere; either way the window talks to it only through the admin API.

#include <atalaya/Server.h>

#include <QApplication>
#include <QCommandLineParser>
#include <cstdio>
#include <memory>
#include <utility>

#include "MainWindow.h"
#include "client/HttpAdminClient.h"
#include "core/CommandLine.h"
#include "core/TerminationSignals.h"

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("atalaya"));
    QApplication::setApplicationVersion(QStringLiteral(ATALAYA_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Atalaya console"));
    parser.addHelpOption();
    parser.addVersionOption();
    atalaya::addServerOptions(parser);
    const QCommandLineOption remote(QStringLiteral("remote"),
                                    QStringLiteral("Manage the atalaya-server at URL instead of "
                                                   "embedding one (server flags are ignored)."),
                                    QStringLiteral("URL"));
    const QCommandLineOption token(QStringLiteral("token"),
                                   QStringLiteral("Bearer token for the admin API."),
                                   QStringLiteral("TOKEN"));
    const QCommandLineOption caCert(
        QStringLiteral("ca-cert"),
        QStringLiteral("With an https:// --remote: trust only the PEM certificate(s) in FILE, e.g. "
                       "the server's self-signed cert.pem."),
        QStringLiteral("FILE"));
    parser.addOptions({remote, token, caCert});
    parser.process(app);

    std::unique_ptr<atalaya::Server> server;
    QUrl baseUrl;
    QString caFile = parser.value(caCert);
    if (parser.isSet(remote)) {
        baseUrl = QUrl::fromUserInput(parser.value(remote));
        if (!baseUrl.isValid() || baseUrl.host().isEmpty()) {
            std::fprintf(stderr, "atalaya: --remote: not a URL: %s\n",
                         qPrintable(parser.value(remote)));
            return 1;
        }
    } else {
        atalaya::Result<atalaya::ServerConfig> config =
            atalaya::serverConfigFrom(parser, atalaya::processEnvironment);
        if (!config.isOk()) {
            std::fprintf(stderr, "atalaya: %s\n", config.status().toString().c_str());
            return 1;
        }
        // An embedded server that serves only HTTPS is reached over it, trusting its own cert.
        if (!config->http.plain)
            caFile = QString::fromStdString(config->http.tls.certFile.string());
        server = std::make_unique<atalaya::Server>(std::move(config).value());
        if (const atalaya::Status started = server->start(); !started.isOk()) {
            std::fprintf(stderr, "atalaya: cannot start the server: %s\n",
                         started.toString().c_str());
            return 1;
        }
        baseUrl = QUrl(QString::fromStdString(server->baseUrl()));
    }

    atalaya::client::HttpAdminClient client(baseUrl);
    client.setBearerToken(parser.value(token));
    if (!caFile.isEmpty()) {
        if (const atalaya::Status trusted = client.setCaCertificatesFile(caFile); !trusted.isOk()) {
            std::fprintf(stderr, "atalaya: --ca-cert: %s\n", trusted.message().c_str());
            return 1;
        }
    }
    if (server) {
        // The embedded server is ours: an in-memory admin key, never persisted, instead of one
        // the user would have to create first.
        const atalaya::Result<std::string> local = server->issueLocalToken();
        if (!local.isOk()) {
            std::fprintf(stderr, "atalaya: %s\n", local.status().toString().c_str());
            return 1;
        }
        client.setBearerToken(QString::fromStdString(*local));
    }
    atalaya::ui::MainWindow window(client);
    window.show();
    atalaya::TerminationSignals signals;  // SIGTERM closes the console cleanly, draining the server
    QObject::connect(&signals, &atalaya::TerminationSignals::terminationRequested, &app,
                     &QApplication::quit);
    const int code = QApplication::exec();
    if (server) {
        server->stop(atalaya::Drain::Wait);
    }
    return code;
}
