// atalaya-traffic: realistic traffic for the demo models, normal then shifted, so drift shows
// up in /api/v1/health and the console (docs/telemetry.md, "Demo traffic").
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTimer>
#include <cstdio>

#include "TrafficOptionsParser.h"
#include "TrafficRunner.h"
#include "core/TerminationSignals.h"

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("atalaya-traffic"));
    QCoreApplication::setApplicationVersion(QStringLiteral(ATALAYA_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Sends the demo models realistic traffic: credit-risk applications (/api/v1 and /api/v2)\n"
        "and sentiment reviews, drawn like their training data; after --shift-after seconds,\n"
        "shifted by --shift (default income=1.5 and review_words=+8) so drift appears."));
    parser.addHelpOption();
    parser.addVersionOption();
    atalaya::traffic::addTrafficOptions(parser);
    parser.process(app);
    auto options = atalaya::traffic::trafficOptionsFrom(parser, qgetenv("ATALAYA_TOKEN"));
    if (!options.isOk()) {
        std::fprintf(stderr, "atalaya-traffic: %s\n", options.status().message().c_str());
        return 2;
    }

    atalaya::traffic::TrafficRunner runner(std::move(options).value(), stdout);
    QObject::connect(&runner, &atalaya::traffic::TrafficRunner::finished, &app,
                     &QCoreApplication::exit);
    atalaya::TerminationSignals signals;  // Ctrl-C / SIGTERM: print totals, then exit
    QObject::connect(&signals, &atalaya::TerminationSignals::terminationRequested, &runner,
                     &atalaya::traffic::TrafficRunner::stop);
    QTimer::singleShot(0, &runner, &atalaya::traffic::TrafficRunner::start);
    return QCoreApplication::exec();
}
