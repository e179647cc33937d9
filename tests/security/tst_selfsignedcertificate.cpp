// createSelfSignedCertificate, inspected with OpenSSL's own parsers: the subjectAltName, key
// usages, validity and signature a TLS client will check; and writeCertificateFiles' modes and
// refusal to overwrite.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <QCryptographicHash>
#include <QHostAddress>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>

#include "security/SelfSignedCertificate.h"

using namespace atalaya;
using namespace atalaya::security;

namespace {

struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using CertPtr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

CertPtr parseCert(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    CertPtr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
    BIO_free(bio);
    return cert;
}

KeyPtr parseKey(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    KeyPtr key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
    BIO_free(bio);
    return key;
}

// The subjectAltName entries as "DNS:name" and "IP:address" (OpenSSL's own spelling).
QStringList altNames(X509* cert) {
    QStringList names;
    auto* list =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; list != nullptr && i < sk_GENERAL_NAME_num(list); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(list, i);
        if (name->type == GEN_DNS) {
            names << u"DNS:"_qs + QString::fromLatin1(reinterpret_cast<const char*>(
                                      ASN1_STRING_get0_data(name->d.dNSName)));
        } else if (name->type == GEN_IPADD) {
            const unsigned char* bytes = ASN1_STRING_get0_data(name->d.iPAddress);
            const int size = ASN1_STRING_length(name->d.iPAddress);
            const QHostAddress address = size == 4    ? QHostAddress(qFromBigEndian<quint32>(bytes))
                                         : size == 16 ? QHostAddress(bytes)
                                                      : QHostAddress();
            names << u"IP:"_qs + address.toString();
        }
    }
    GENERAL_NAMES_free(list);
    return names;
}

bool isCritical(X509* cert, int nid) {
    const int index = X509_get_ext_by_NID(cert, nid, -1);
    return index >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, index)) == 1;
}

// Seconds from now to `time` (negative in the past).
long long secondsFromNow(const ASN1_TIME* time) {
    int days = 0;
    int seconds = 0;
    ASN1_TIME_diff(&days, &seconds, nullptr, time);
    return days * 86400LL + seconds;
}

std::string readFile(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

class TestSelfSignedCertificate : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void altNamesListTheHosts_data();
    void altNamesListTheHosts();
    void isALeafForServerAuth();
    void validityCoversTheDays();
    void verifiesWithItsOwnKey();
    void fingerprintIsSha256OfTheDer();
    void badHostsAreRefused_data();
    void badHostsAreRefused();
    void filesAreWrittenPrivately();
};

void TestSelfSignedCertificate::altNamesListTheHosts_data() {
    QTest::addColumn<std::vector<std::string>>("hosts");  // empty: the defaults
    QTest::addColumn<QStringList>("names");
    QTest::addColumn<QString>("commonName");
    QTest::newRow("defaults") << std::vector<std::string>{}
                              << QStringList{u"DNS:localhost"_qs, u"IP:127.0.0.1"_qs, u"IP:::1"_qs}
                              << u"localhost"_qs;
    QTest::newRow("names and addresses")
        << std::vector<std::string>{"atalaya.example.com", "*.infra.example", "10.1.2.3", "fd00::7"}
        << QStringList{u"DNS:atalaya.example.com"_qs, u"DNS:*.infra.example"_qs, u"IP:10.1.2.3"_qs,
                       u"IP:fd00::7"_qs}
        << u"atalaya.example.com"_qs;
}

void TestSelfSignedCertificate::altNamesListTheHosts() {
    QFETCH(std::vector<std::string>, hosts);
    QFETCH(QStringList, names);
    QFETCH(QString, commonName);
    SelfSignedOptions options;
    if (!hosts.empty())
        options.hosts = hosts;
    const auto made = createSelfSignedCertificate(options);
    QVERIFY2(made.isOk(), made.status().toString().c_str());
    const CertPtr cert = parseCert(made->certificatePem);
    QVERIFY(cert);
    QCOMPARE(altNames(cert.get()), names);
    char cn[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof cn);
    QCOMPARE(QString::fromUtf8(cn), commonName);
    // A client checks the name with these very functions.
    for (const auto& host : options.hosts) {
        const bool matched =
            X509_check_host(cert.get(), host.c_str(), 0, 0, nullptr) == 1 ||
            X509_check_ip_asc(cert.get(), host.c_str(), 0) == 1 ||
            (host.starts_with("*.") &&
             X509_check_host(cert.get(), ("a" + host.substr(1)).c_str(), 0, 0, nullptr) == 1);
        QVERIFY2(matched, host.c_str());
    }
    QCOMPARE(X509_check_host(cert.get(), "elsewhere.example", 0, 0, nullptr), 0);
}

void TestSelfSignedCertificate::isALeafForServerAuth() {
    const auto made = createSelfSignedCertificate({});
    QVERIFY(made.isOk());
    const CertPtr cert = parseCert(made->certificatePem);
    QVERIFY(cert);
    QCOMPARE(X509_get_version(cert.get()), long{X509_VERSION_3});
    QCOMPARE(X509_check_ca(cert.get()), 0);
    QVERIFY(isCritical(cert.get(), NID_basic_constraints));
    QVERIFY(isCritical(cert.get(), NID_key_usage));
    QCOMPARE(X509_get_key_usage(cert.get()), std::uint32_t{KU_DIGITAL_SIGNATURE});
    QCOMPARE(X509_get_extended_key_usage(cert.get()), std::uint32_t{XKU_SSL_SERVER});
    QVERIFY(X509_get0_subject_key_id(cert.get()) != nullptr);
    QCOMPARE(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
    // Self-signed: issuer is subject, and the serial is positive and not trivially small.
    QCOMPARE(X509_NAME_cmp(X509_get_issuer_name(cert.get()), X509_get_subject_name(cert.get())), 0);
    const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
    QVERIFY(ASN1_STRING_length(serial) >= 16);
    QCOMPARE(ASN1_STRING_type(serial), V_ASN1_INTEGER);  // not V_ASN1_NEG_INTEGER
}

void TestSelfSignedCertificate::validityCoversTheDays() {
    SelfSignedOptions options;
    options.days = 30;
    const auto made = createSelfSignedCertificate(options);
    QVERIFY(made.isOk());
    const CertPtr cert = parseCert(made->certificatePem);
    QVERIFY(cert);
    const long long notBefore = secondsFromNow(X509_get0_notBefore(cert.get()));
    const long long notAfter = secondsFromNow(X509_get0_notAfter(cert.get()));
    QVERIFY2(notBefore <= 0 && notBefore > -2 * 3600, qPrintable(QString::number(notBefore)));
    QVERIFY2(std::llabs(notAfter - 30LL * 86400) < 120, qPrintable(QString::number(notAfter)));
}

void TestSelfSignedCertificate::verifiesWithItsOwnKey() {
    const auto made = createSelfSignedCertificate({});
    QVERIFY(made.isOk());
    const CertPtr cert = parseCert(made->certificatePem);
    const KeyPtr key = parseKey(made->privateKeyPem);
    QVERIFY(cert && key);
    QCOMPARE(EVP_PKEY_get_base_id(key.get()), EVP_PKEY_EC);
    char group[64] = {};
    QCOMPARE(EVP_PKEY_get_group_name(key.get(), group, sizeof group, nullptr), 1);
    QCOMPARE(QString::fromLatin1(group), u"prime256v1"_qs);
    QCOMPARE(X509_verify(cert.get(), key.get()), 1);
    QCOMPARE(X509_check_private_key(cert.get(), key.get()), 1);
    QCOMPARE(X509_get_signature_nid(cert.get()), NID_ecdsa_with_SHA256);
    // A chain of one, trusted as itself, verifies for a TLS server (what curl --cacert does).
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, cert.get());
    X509_STORE_CTX* context = X509_STORE_CTX_new();
    X509_STORE_CTX_init(context, store, cert.get(), nullptr);
    X509_STORE_CTX_set_purpose(context, X509_PURPOSE_SSL_SERVER);
    const int verified = X509_verify_cert(context);
    const int error = X509_STORE_CTX_get_error(context);
    X509_STORE_CTX_free(context);
    X509_STORE_free(store);
    QVERIFY2(verified == 1, X509_verify_cert_error_string(error));
    // And a second certificate has another key and serial.
    const auto other = createSelfSignedCertificate({});
    QVERIFY(other.isOk());
    QVERIFY(other->privateKeyPem != made->privateKeyPem);
    const CertPtr otherCert = parseCert(other->certificatePem);
    QVERIFY(ASN1_INTEGER_cmp(X509_get0_serialNumber(cert.get()),
                             X509_get0_serialNumber(otherCert.get())) != 0);
    QCOMPARE(X509_check_private_key(otherCert.get(), key.get()), 0);
}

void TestSelfSignedCertificate::fingerprintIsSha256OfTheDer() {
    const auto made = createSelfSignedCertificate({});
    QVERIFY(made.isOk());
    const CertPtr cert = parseCert(made->certificatePem);
    unsigned char* der = nullptr;
    const int size = i2d_X509(cert.get(), &der);
    QVERIFY(size > 0);
    const QByteArray digest =
        QCryptographicHash::hash(QByteArrayView(der, size), QCryptographicHash::Sha256);
    OPENSSL_free(der);
    QCOMPARE(QString::fromStdString(made->sha256Fingerprint),
             QString::fromLatin1(digest.toHex(':').toUpper()));
}

void TestSelfSignedCertificate::badHostsAreRefused_data() {
    QTest::addColumn<std::vector<std::string>>("hosts");
    QTest::newRow("none") << std::vector<std::string>{};
    QTest::newRow("empty") << std::vector<std::string>{""};
    QTest::newRow("space") << std::vector<std::string>{"bad host"};
    QTest::newRow("comma injection") << std::vector<std::string>{"a,IP:1.2.3.4"};
    QTest::newRow("trailing dot") << std::vector<std::string>{"example."};
}

void TestSelfSignedCertificate::badHostsAreRefused() {
    QFETCH(std::vector<std::string>, hosts);
    SelfSignedOptions options;
    options.hosts = hosts;
    const auto made = createSelfSignedCertificate(options);
    QVERIFY(!made.isOk());
    QCOMPARE(made.status().code(), StatusCode::InvalidArgument);
}

void TestSelfSignedCertificate::filesAreWrittenPrivately() {
    QTemporaryDir dir;
    const std::filesystem::path out = dir.filePath(u"tls/new"_qs).toStdString();
    const auto first = createSelfSignedCertificate({});
    QVERIFY(first.isOk());
    const auto files = writeCertificateFiles(*first, out, Overwrite::Refuse);
    QVERIFY2(files.isOk(), files.status().toString().c_str());
    QCOMPARE(readFile(files->certFile), first->certificatePem);
    QCOMPARE(readFile(files->keyFile), first->privateKeyPem);
    struct stat info {};
    QCOMPARE(::stat(files->keyFile.c_str(), &info), 0);
    QCOMPARE(info.st_mode & 0777, 0600U);

    const auto second = createSelfSignedCertificate({});
    QVERIFY(second.isOk());
    const auto refused = writeCertificateFiles(*second, out, Overwrite::Refuse);
    QVERIFY(!refused.isOk());
    QCOMPARE(std::string(refused.status().reason()), std::string("file_exists"));
    QCOMPARE(readFile(files->keyFile), first->privateKeyPem);

    // Replacing a key someone made world-readable leaves it private again.
    QCOMPARE(::chmod(files->keyFile.c_str(), 0644), 0);
    const auto replaced = writeCertificateFiles(*second, out, Overwrite::Allow);
    QVERIFY(replaced.isOk());
    QCOMPARE(readFile(files->keyFile), second->privateKeyPem);
    QCOMPARE(::stat(files->keyFile.c_str(), &info), 0);
    QCOMPARE(info.st_mode & 0777, 0600U);
}

QTEST_GUILESS_MAIN(TestSelfSignedCertificate)
#include "tst_selfsignedcertificate.moc"
