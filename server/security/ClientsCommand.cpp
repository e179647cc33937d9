#include "security/ClientsCommand.h"

#include <QCommandLineParser>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "security/OAuthClientStore.h"
#include "security/ScopeNames.h"

namespace atalaya::security {
namespace {

struct Options {
    QCommandLineOption dataDir{QStringLiteral("data-dir"),
                               QStringLiteral("Data directory holding security.sqlite."),
                               QStringLiteral("DIR")};
    QCommandLineOption name{QStringLiteral("name"), QStringLiteral("Name of the client."),
                            QStringLiteral("NAME")};
    QCommandLineOption owner{QStringLiteral("owner"), QStringLiteral("Who the client is for."),
                             QStringLiteral("WHO")};
    QCommandLineOption scopes{QStringLiteral("scopes"),
                              QStringLiteral("Comma-separated: predict, metrics, admin."),
                              QStringLiteral("LIST")};
    QCommandLineOption models{QStringLiteral("models"),
                              QStringLiteral("Comma-separated models it may call (default all)."),
                              QStringLiteral("LIST")};
    QCommandLineOption expiresDays{
        QStringLiteral("expires-days"),
        QStringLiteral("Days until the registration expires (default never)."),
        QStringLiteral("N")};
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

int usage(std::FILE* err, const char* message) {
    std::fprintf(err, "atalaya-server clients: %s\n", message);
    std::fprintf(err,
                 "usage: atalaya-server clients create --name NAME --scopes predict,admin "
                 "[--models m1,m2] [--owner WHO] [--expires-days N] [--data-dir DIR]\n"
                 "       atalaya-server clients list [--data-dir DIR]\n"
                 "       atalaya-server clients revoke CLIENT_ID [--data-dir DIR]\n");
    return 2;
}

int create(const QCommandLineParser& parser, const Options& options, OAuthClientStore& store,
           std::FILE* out, std::FILE* err) {
    OAuthClientSpec spec;
    spec.name = parser.value(options.name).toStdString();
    spec.owner = parser.value(options.owner).toStdString();
    for (const QString& word : parser.value(options.scopes).split(u',', Qt::SkipEmptyParts)) {
        const auto scope = scopeFromName(word.trimmed().toStdString());
        if (!scope)
            return usage(err, "--scopes takes predict, metrics and admin");
        spec.scopes |= static_cast<std::uint8_t>(*scope);
    }
    for (const QString& model : parser.value(options.models).split(u',', Qt::SkipEmptyParts))
        spec.models.push_back(model.trimmed().toStdString());
    if (parser.isSet(options.expiresDays)) {
        bool ok = false;
        const int days = parser.value(options.expiresDays).toInt(&ok);
        if (!ok || days < 1 || days > 36500)
            return usage(err, "--expires-days takes 1..36500");
        const auto now = std::chrono::system_clock::now().time_since_epoch();
        spec.expiresAtUnix =
            std::chrono::duration_cast<std::chrono::seconds>(now).count() + days * 86400LL;
    }
    if (spec.name.empty() || spec.scopes == 0)
        return usage(err, "create needs --name and --scopes");
    auto registered = store.create(spec);
    if (!registered.isOk()) {
        std::fprintf(err, "atalaya-server clients: %s\n", registered.status().message().c_str());
        return 1;
    }
    std::fprintf(out, "registered client %s (%s), scopes %s, expires %s\n",
                 registered->info.clientId.c_str(), spec.name.c_str(),
                 scopeListText(spec.scopes, ',').c_str(), dateText(spec.expiresAtUnix).c_str());
    std::fprintf(out, "the secret is shown only now; POST /oauth/token with HTTP Basic:\n");
    std::fprintf(out, "client_id %s\n", registered->info.clientId.c_str());
    std::fprintf(out, "client_secret %s\n", registered->secret.c_str());
    return 0;
}

int list(OAuthClientStore& store, std::FILE* out, std::FILE* err) {
    auto clients = store.list();
    if (!clients.isOk()) {
        std::fprintf(err, "atalaya-server clients: %s\n", clients.status().message().c_str());
        return 1;
    }
    std::fprintf(out, "%-16s  %-20s  %-16s  %-22s  %-20s  %-20s  %s\n", "CLIENT_ID", "NAME",
                 "OWNER", "SCOPES", "CREATED", "EXPIRES", "REVOKED");
    for (const OAuthClientInfo& client : *clients) {
        std::string scopes = scopeListText(client.spec.scopes, ',');
        for (const auto& model : client.spec.models)
            scopes += (&model == &client.spec.models.front() ? " [" : ",") + model;
        if (!client.spec.models.empty())
            scopes += "]";
        std::fprintf(out, "%-16s  %-20s  %-16s  %-22s  %-20s  %-20s  %s\n", client.clientId.c_str(),
                     client.spec.name.c_str(), client.spec.owner.c_str(), scopes.c_str(),
                     dateText(client.createdAtUnix).c_str(),
                     dateText(client.spec.expiresAtUnix).c_str(),
                     dateText(client.revokedAtUnix).c_str());
    }
    return 0;
}

}  // namespace

int runClientsCommand(const QStringList& arguments, std::FILE* out, std::FILE* err) {
    Options options;
    QCommandLineParser parser;
    parser.addOptions({options.dataDir, options.name, options.owner, options.scopes, options.models,
                       options.expiresDays});
    if (!parser.parse(QStringList{QStringLiteral("atalaya-server-clients")} + arguments))
        return usage(err, qPrintable(parser.errorText()));
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty())
        return usage(err, "missing a subcommand");
    const QString command = positional.front();
    const bool isRevoke = command == QLatin1String("revoke");
    if (command != QLatin1String("create") && command != QLatin1String("list") && !isRevoke)
        return usage(err, "unknown subcommand");
    if (positional.size() != (isRevoke ? 2 : 1))
        return usage(err, isRevoke ? "revoke takes one client id" : "unexpected arguments");

    auto store = OAuthClientStore::open(dataDirFrom(parser, options) / "security.sqlite");
    if (!store.isOk()) {
        std::fprintf(err, "atalaya-server clients: %s\n", store.status().message().c_str());
        return 1;
    }
    if (command == QLatin1String("create"))
        return create(parser, options, **store, out, err);
    if (command == QLatin1String("list"))
        return list(**store, out, err);
    const Status revoked = (*store)->revoke(positional.at(1).toStdString());
    if (!revoked.isOk()) {
        std::fprintf(err, "atalaya-server clients: %s\n", revoked.message().c_str());
        return 1;
    }
    std::fprintf(out, "revoked client %s\n", qPrintable(positional.at(1)));
    return 0;
}

}  // namespace atalaya::security
