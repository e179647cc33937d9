#include "TrafficOptionsParser.h"

#include <QCommandLineParser>

namespace atalaya::traffic {
namespace {

QCommandLineOption option(const char* name, const char* help, const char* value = nullptr,
                          const char* defaultValue = nullptr) {
    QCommandLineOption o(QString::fromLatin1(name), QString::fromLatin1(help));
    if (value != nullptr)
        o.setValueName(QString::fromLatin1(value));
    if (defaultValue != nullptr)
        o.setDefaultValue(QString::fromLatin1(defaultValue));
    return o;
}

Status badOption(const char* name, const QString& value, const char* expected) {
    return invalidArgument(
        "--" + std::string(name) + " " + value.toStdString() + ": expected " + expected,
        "bad_option");
}

Result<double> number(const QCommandLineParser& parser, const char* name, double min, double max) {
    bool ok = false;
    const QString text = parser.value(QString::fromLatin1(name));
    const double value = text.toDouble(&ok);
    if (!ok || value < min || value > max)
        return badOption(
            name, text,
            ("a number from " + std::to_string(min) + " to " + std::to_string(max)).c_str());
    return value;
}

Result<std::int64_t> whole(const QCommandLineParser& parser, const char* name, std::int64_t min,
                           std::int64_t max) {
    bool ok = false;
    const QString text = parser.value(QString::fromLatin1(name));
    const qlonglong value = text.toLongLong(&ok);
    if (!ok || value < min || value > max)
        return badOption(
            name, text,
            ("a whole number from " + std::to_string(min) + " to " + std::to_string(max)).c_str());
    return static_cast<std::int64_t>(value);
}

}  // namespace

void addTrafficOptions(QCommandLineParser& parser) {
    parser.addOptions({
        option("url", "Server base URL.", "URL", "http://127.0.0.1:8080"),
        option("token", "Bearer token (default: $ATALAYA_TOKEN; none: the server's auth is off).",
               "TOKEN"),
        option("rate", "Requests per second over the whole mix.", "N", "10"),
        option("seconds", "Stop after S seconds (0: run until Ctrl-C).", "S", "0"),
        option("shift-after", "Send S seconds of normal traffic, then shifted traffic.", "S"),
        option("shift",
               "How shifted traffic differs (repeatable): a credit-risk feature times a factor "
               "(income=1.5) or plus a value (age=+10), review_words=+N, review_vocabulary=P "
               "(share of sentiment words replaced by unseen slang), negative_share=P. "
               "Default with --shift-after: income=1.5 and review_words=+8.",
               "NAME=VALUE"),
        option("instances", "Instances per request.", "N", "1"),
        option("seed", "Seed of the generated requests (same seed, same bodies).", "N", "1"),
        option("wait-ready", "Wait up to S seconds for GET /readyz before sending (0: do not).",
               "S", "60"),
        option("max-in-flight",
               "Requests awaiting an answer at most; beyond, due ones are skipped.", "N", "64"),
    });
}

Result<TrafficOptions> trafficOptionsFrom(const QCommandLineParser& parser,
                                          const QByteArray& environmentToken) {
    TrafficOptions options;
    options.url = QUrl(parser.value(QStringLiteral("url")), QUrl::StrictMode);
    if (!options.url.isValid() || options.url.host().isEmpty() ||
        (options.url.scheme() != QLatin1String("http") &&
         options.url.scheme() != QLatin1String("https"))) {
        return badOption("url", parser.value(QStringLiteral("url")), "an http(s) URL");
    }
    options.token = parser.isSet(QStringLiteral("token"))
                        ? parser.value(QStringLiteral("token")).toUtf8()
                        : environmentToken;
    ATALAYA_ASSIGN_OR_RETURN(options.rate, number(parser, "rate", 0.1, 10'000));
    ATALAYA_ASSIGN_OR_RETURN(const auto seconds, whole(parser, "seconds", 0, 365LL * 86'400));
    options.duration = std::chrono::seconds(seconds);
    ATALAYA_ASSIGN_OR_RETURN(const auto instances, whole(parser, "instances", 1, 1024));
    options.instances = static_cast<int>(instances);
    ATALAYA_ASSIGN_OR_RETURN(const auto seed, whole(parser, "seed", 0, INT64_MAX));
    options.seed = static_cast<std::uint64_t>(seed);
    ATALAYA_ASSIGN_OR_RETURN(const auto waitReady, whole(parser, "wait-ready", 0, 86'400));
    options.waitReady = std::chrono::seconds(waitReady);
    ATALAYA_ASSIGN_OR_RETURN(const auto inFlight, whole(parser, "max-in-flight", 1, 10'000));
    options.maxInFlight = static_cast<int>(inFlight);

    for (const QString& shift : parser.values(QStringLiteral("shift")))
        ATALAYA_RETURN_IF_ERROR(applyShiftArgument(shift.toStdString(), options.shift));
    if (parser.isSet(QStringLiteral("shift-after"))) {
        ATALAYA_ASSIGN_OR_RETURN(const auto after, whole(parser, "shift-after", 0, 365LL * 86'400));
        options.shiftAfter = std::chrono::seconds(after);
        if (options.shift.empty())
            options.shift = defaultShift();
    } else if (!options.shift.empty()) {
        options.shiftAfter = std::chrono::seconds(0);
    }
    return options;
}

}  // namespace atalaya::traffic
