#include "security/CredentialCommand.h"
#include "core/UnixTime.h"

#include <QCommandLineParser>
#include <chrono>
#include <cstdlib>
#include <ctime>

#include "security/ScopeNames.h"

namespace atalaya::security {
namespace {

QString qstr(std::string_view text) {
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

struct Options {
    explicit Options(const CredentialCommand& command)
        : name(QStringLiteral("name"), QStringLiteral("Name of the %1.").arg(qstr(command.noun)),
               QStringLiteral("NAME"))
        , owner(QStringLiteral("owner"),
                QStringLiteral("Who the %1 is for.").arg(qstr(command.noun)), QStringLiteral("WHO"))
        , expiresDays(
              QStringLiteral("expires-days"),
              QStringLiteral("Days until %1 expires (default never).").arg(qstr(command.expiring)),
              QStringLiteral("N")) {}

    QCommandLineOption dataDir{QStringLiteral("data-dir"),
                               QStringLiteral("Data directory holding security.sqlite."),
                               QStringLiteral("DIR")};
    QCommandLineOption name;
    QCommandLineOption owner;
    QCommandLineOption scopes{QStringLiteral("scopes"),
                              QStringLiteral("Comma-separated: predict, metrics, admin."),
                              QStringLiteral("LIST")};
    QCommandLineOption models{QStringLiteral("models"),
                              QStringLiteral("Comma-separated models it may call (default all)."),
                              QStringLiteral("LIST")};
    QCommandLineOption expiresDays;
};

std::filesystem::path dataDirFrom(const QCommandLineParser& parser, const Options& options) {
    if (parser.isSet(options.dataDir))
        return parser.value(options.dataDir).toStdString();
    if (const char* env = std::getenv("ATALAYA_DATA_DIR"))  // NOLINT(concurrency-mt-unsafe)
        return env;
    return "data";
}

std::string dateText(std::int64_t unix) {
    if (unix == 0)
        return "-";
    const std::time_t time = unix;
    std::tm tm{};
    gmtime_r(&time, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

// The command's own name before each message, e.g. "atalaya-server keys: ...".
class Printer {
public:
    Printer(const CredentialCommand& command, std::FILE* err) : m_command(command), m_err(err) {}

    int failure(const Status& status) const {
        std::fprintf(m_err, "atalaya-server %s: %s\n", std::string(m_command.name).c_str(),
                     status.message().c_str());
        return 1;
    }

    int usage(const char* message) const {
        const std::string name(m_command.name);
        std::fprintf(m_err, "atalaya-server %s: %s\n", name.c_str(), message);
        std::fprintf(m_err,
                     "usage: atalaya-server %s create --name NAME --scopes predict,admin "
                     "[--models m1,m2] [--owner WHO] [--expires-days N] [--data-dir DIR]\n"
                     "       atalaya-server %s list [--data-dir DIR]\n"
                     "       atalaya-server %s revoke %s [--data-dir DIR]\n",
                     name.c_str(), name.c_str(), name.c_str(),
                     std::string(m_command.idHeader).c_str());
        return 2;
    }

private:
    const CredentialCommand& m_command;
    std::FILE* m_err;
};

int create(const CredentialCommand& command, const QCommandLineParser& parser,
           const Options& options, std::FILE* out, const Printer& printer) {
    ApiKeySpec spec;
    spec.name = parser.value(options.name).toStdString();
    spec.owner = parser.value(options.owner).toStdString();
    for (const QString& word : parser.value(options.scopes).split(u',', Qt::SkipEmptyParts)) {
        const auto scope = scopeFromName(word.trimmed().toStdString());
        if (!scope)
            return printer.usage("--scopes takes predict, metrics and admin");
        spec.scopes |= static_cast<std::uint8_t>(*scope);
    }
    for (const QString& model : parser.value(options.models).split(u',', Qt::SkipEmptyParts))
        spec.models.push_back(model.trimmed().toStdString());
    if (parser.isSet(options.expiresDays)) {
        bool ok = false;
        const int days = parser.value(options.expiresDays).toInt(&ok);
        if (!ok || days < 1 || days > 36500)
            return printer.usage("--expires-days takes 1..36500");
        spec.expiresAtUnix = systemUnixSeconds() + days * 86400LL;
    }
    if (spec.name.empty() || spec.scopes == 0)
        return printer.usage("create needs --name and --scopes");
    auto created = command.create(spec);
    if (!created.isOk())
        return printer.failure(created.status());
    std::fprintf(out, "%s %s %s (%s), scopes %s, expires %s\n",
                 std::string(command.createdVerb).c_str(), std::string(command.noun).c_str(),
                 created->id.c_str(), spec.name.c_str(), scopeListText(spec.scopes, ',').c_str(),
                 dateText(spec.expiresAtUnix).c_str());
    std::fputs(created->shownOnce.c_str(), out);
    return 0;
}

int list(const CredentialCommand& command, std::FILE* out, const Printer& printer) {
    auto rows = command.list();
    if (!rows.isOk())
        return printer.failure(rows.status());
    std::fprintf(out, "%-16s  %-20s  %-16s  %-22s  %-20s  %-20s  %s\n",
                 std::string(command.idHeader).c_str(), "NAME", "OWNER", "SCOPES", "CREATED",
                 "EXPIRES", "REVOKED");
    for (const CredentialRow& row : *rows) {
        std::string scopes = scopeListText(row.spec.scopes, ',');
        for (const auto& model : row.spec.models)
            scopes += (&model == &row.spec.models.front() ? " [" : ",") + model;
        if (!row.spec.models.empty())
            scopes += "]";
        std::fprintf(out, "%-16s  %-20s  %-16s  %-22s  %-20s  %-20s  %s\n", row.id.c_str(),
                     row.spec.name.c_str(), row.spec.owner.c_str(), scopes.c_str(),
                     dateText(row.createdAtUnix).c_str(), dateText(row.spec.expiresAtUnix).c_str(),
                     dateText(row.revokedAtUnix).c_str());
    }
    return 0;
}

}  // namespace

int runCredentialCommand(const CredentialCommand& command, const QStringList& arguments,
                         std::FILE* out, std::FILE* err) {
    const Printer printer(command, err);
    const Options options(command);
    QCommandLineParser parser;
    parser.addOptions({options.dataDir, options.name, options.owner, options.scopes, options.models,
                       options.expiresDays});
    if (!parser.parse(QStringList{QStringLiteral("atalaya-server-") + qstr(command.name)} +
                      arguments)) {
        return printer.usage(qPrintable(parser.errorText()));
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty())
        return printer.usage("missing a subcommand");
    const QString subcommand = positional.front();
    const bool isRevoke = subcommand == QLatin1String("revoke");
    if (subcommand != QLatin1String("create") && subcommand != QLatin1String("list") && !isRevoke)
        return printer.usage("unknown subcommand");
    if (positional.size() != (isRevoke ? 2 : 1)) {
        const std::string revokeTakes = "revoke takes one " + std::string(command.noun) + " id";
        return printer.usage(isRevoke ? revokeTakes.c_str() : "unexpected arguments");
    }

    if (const Status opened = command.open(dataDirFrom(parser, options) / "security.sqlite");
        !opened.isOk()) {
        return printer.failure(opened);
    }
    if (subcommand == QLatin1String("create"))
        return create(command, parser, options, out, printer);
    if (subcommand == QLatin1String("list"))
        return list(command, out, printer);
    if (const Status revoked = command.revoke(positional.at(1).toStdString()); !revoked.isOk())
        return printer.failure(revoked);
    std::fprintf(out, "revoked %s %s\n", std::string(command.noun).c_str(),
                 qPrintable(positional.at(1)));
    return 0;
}

}  // namespace atalaya::security
