#include "security/KeysCommand.h"

#include <QCommandLineParser>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "security/ApiKeyStore.h"
#include "security/ScopeNames.h"

namespace atalaya::security {
namespace {

struct Options {
    QCommandLineOption dataDir{QStringLiteral("data-dir"),
                               QStringLiteral("Data directory holding security.sqlite."),
                               QStringLiteral("DIR")};
    QCommandLineOption name{QStringLiteral("name"), QStringLiteral("Name of the key."),
                            QStringLiteral("NAME")};
    QCommandLineOption owner{QStringLiteral("owner"), QStringLiteral("Who the key is for."),
                             QStringLiteral("WHO")};
    QCommandLineOption scopes{QStringLiteral("scopes"),
                              QStringLiteral("Comma-separated: predict, metrics, admin."),
                              QStringLiteral("LIST")};
    QCommandLineOption models{QStringLiteral("models"),
                              QStringLiteral("Comma-separated models it may call (default all)."),
                              QStringLiteral("LIST")};
    QCommandLineOption expiresDays{QStringLiteral("expires-days"),
                                   QStringLiteral("Days until the key expires (default never)."),
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
    std::fprintf(err, "atalaya-server keys: %s\n", message);
    std::fprintf(err,
                 "usage: atalaya-server keys create --name NAME --scopes predict,admin "
                 "[--models m1,m2] [--owner WHO] [--expires-days N] [--data-dir DIR]\n"
                 "       atalaya-server keys list [--data-dir DIR]\n"
                 "       atalaya-server keys revoke ID [--data-dir DIR]\n");
    return 2;
}

int create(const QCommandLineParser& parser, const Options& options, ApiKeyStore& store,
           std::FILE* out, std::FILE* err) {
    ApiKeySpec spec;
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
    auto issued = store.create(spec);
    if (!issued.isOk()) {
        std::fprintf(err, "atalaya-server keys: %s\n", issued.status().message().c_str());
        return 1;
    }
    std::fprintf(out, "created key %s (%s), scopes %s, expires %s\n", issued->info.id.c_str(),
                 spec.name.c_str(), scopeListText(spec.scopes, ',').c_str(),
                 dateText(spec.expiresAtUnix).c_str());
    std::fprintf(out, "the key is shown only now; send it as \"Authorization: Bearer <key>\":\n");
    std::fprintf(out, "%s\n", issued->token.c_str());
    return 0;
}

int list(ApiKeyStore& store, std::FILE* out, std::FILE* err) {
    auto keys = store.list();
    if (!keys.isOk()) {
        std::fprintf(err, "atalaya-server keys: %s\n", keys.status().message().c_str());
        return 1;
    }
    std::fprintf(out, "%-16s  %-20s  %-16s  %-22s  %-20s  %-20s  %s\n", "ID", "NAME", "OWNER",
                 "SCOPES", "CREATED", "EXPIRES", "REVOKED");
    for (const ApiKeyInfo& key : *keys) {
        std::string scopes = scopeListText(key.spec.scopes, ',');
        for (const auto& model : key.spec.models)
            scopes += (&model == &key.spec.models.front() ? " [" : ",") + model;
        if (!key.spec.models.empty())
            scopes += "]";
        std::fprintf(out, "%-16s  %-20s  %-16s  %-22s  %-20s  %-20s  %s\n", key.id.c_str(),
                     key.spec.name.c_str(), key.spec.owner.c_str(), scopes.c_str(),
                     dateText(key.createdAtUnix).c_str(), dateText(key.spec.expiresAtUnix).c_str(),
                     dateText(key.revokedAtUnix).c_str());
    }
    return 0;
}

}  // namespace

int runKeysCommand(const QStringList& arguments, std::FILE* out, std::FILE* err) {
    Options options;
    QCommandLineParser parser;
    parser.addOptions({options.dataDir, options.name, options.owner, options.scopes, options.models,
                       options.expiresDays});
    if (!parser.parse(QStringList{QStringLiteral("atalaya-server-keys")} + arguments))
        return usage(err, qPrintable(parser.errorText()));
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty())
        return usage(err, "missing a subcommand");
    const QString command = positional.front();
    const bool isRevoke = command == QLatin1String("revoke");
    if (command != QLatin1String("create") && command != QLatin1String("list") && !isRevoke)
        return usage(err, "unknown subcommand");
    if (positional.size() != (isRevoke ? 2 : 1))
        return usage(err, isRevoke ? "revoke takes one key id" : "unexpected arguments");

    auto store = ApiKeyStore::open(dataDirFrom(parser, options) / "security.sqlite");
    if (!store.isOk()) {
        std::fprintf(err, "atalaya-server keys: %s\n", store.status().message().c_str());
        return 1;
    }
    if (command == QLatin1String("create"))
        return create(parser, options, **store, out, err);
    if (command == QLatin1String("list"))
        return list(**store, out, err);
    const Status revoked = (*store)->revoke(positional.at(1).toStdString());
    if (!revoked.isOk()) {
        std::fprintf(err, "atalaya-server keys: %s\n", revoked.message().c_str());
        return 1;
    }
    std::fprintf(out, "revoked key %s\n", qPrintable(positional.at(1)));
    return 0;
}

}  // namespace atalaya::security
