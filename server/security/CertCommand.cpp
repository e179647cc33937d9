#include "security/CertCommand.h"

#include <QCommandLineParser>

#include "security/SelfSignedCertificate.h"

namespace atalaya::security {
namespace {

int usage(std::FILE* err, const char* message) {
    std::fprintf(err, "atalaya-server cert: %s\n", message);
    std::fprintf(err,
                 "usage: atalaya-server cert create --out DIR [--host NAME]... [--days N] "
                 "[--force]\n");
    return 2;
}

int fail(std::FILE* err, const Status& status) {
    std::fprintf(err, "atalaya-server cert: %s\n", status.message().c_str());
    return 1;
}

}  // namespace

int runCertCommand(const QStringList& arguments, std::FILE* out, std::FILE* err) {
    const QCommandLineOption outDir(QStringLiteral("out"),
                                    QStringLiteral("Directory for cert.pem and key.pem."),
                                    QStringLiteral("DIR"));
    const QCommandLineOption host(QStringLiteral("host"),
                                  QStringLiteral("A DNS name or IP address clients use; repeatable "
                                                 "(default localhost, 127.0.0.1, ::1)."),
                                  QStringLiteral("NAME"));
    const QCommandLineOption days(QStringLiteral("days"),
                                  QStringLiteral("Days the certificate is valid (default 365)."),
                                  QStringLiteral("N"));
    const QCommandLineOption force(QStringLiteral("force"),
                                   QStringLiteral("Replace an existing cert.pem and key.pem."));
    QCommandLineParser parser;
    parser.addOptions({outDir, host, days, force});
    if (!parser.parse(QStringList{QStringLiteral("atalaya-server-cert")} + arguments))
        return usage(err, qPrintable(parser.errorText()));
    const QStringList positional = parser.positionalArguments();
    if (positional != QStringList{QStringLiteral("create")})
        return usage(err, positional.isEmpty() ? "missing a subcommand" : "unknown subcommand");
    if (!parser.isSet(outDir) || parser.value(outDir).isEmpty())
        return usage(err, "create needs --out DIR");

    SelfSignedOptions options;
    if (parser.isSet(host)) {
        options.hosts.clear();
        for (const QString& name : parser.values(host))
            options.hosts.push_back(name.trimmed().toStdString());
    }
    if (parser.isSet(days)) {
        bool ok = false;
        options.days = parser.value(days).toInt(&ok);
        if (!ok || options.days < 1 || options.days > 36500)
            return usage(err, "--days takes 1..36500");
    }
    auto certificate = createSelfSignedCertificate(options);
    if (!certificate.isOk())
        return fail(err, certificate.status());
    auto files = writeCertificateFiles(*certificate, parser.value(outDir).toStdString(),
                                       parser.isSet(force) ? Overwrite::Allow : Overwrite::Refuse);
    if (!files.isOk())
        return fail(err, files.status());

    std::string hosts;
    for (const auto& name : options.hosts)
        hosts += (hosts.empty() ? "" : ", ") + name;
    std::fprintf(out, "certificate: %s\n", files->certFile.c_str());
    std::fprintf(out, "private key: %s (mode 0600)\n", files->keyFile.c_str());
    std::fprintf(out, "hosts: %s; valid %d days\n", hosts.c_str(), options.days);
    std::fprintf(out, "SHA-256 fingerprint: %s\n", certificate->sha256Fingerprint.c_str());
    std::fprintf(out, "serve with: atalaya-server --tls-cert %s --tls-key %s\n",
                 files->certFile.c_str(), files->keyFile.c_str());
    return 0;
}

}  // namespace atalaya::security
