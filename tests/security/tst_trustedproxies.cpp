// TrustedProxies: which address X-Forwarded-For may name, and CIDR parsing.
#include <QTest>

#include "security/TrustedProxies.h"

using namespace atalaya;

namespace {

std::vector<std::string> toStd(const QStringList& list) {
    std::vector<std::string> out;
    for (const QString& item : list)
        out.push_back(item.toStdString());
    return out;
}

}  // namespace

class TestTrustedProxies : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void clientAddress_data() {
        QTest::addColumn<QStringList>("trusted");
        QTest::addColumn<QString>("peer");
        QTest::addColumn<QString>("forwardedFor");
        QTest::addColumn<QString>("expected");
        const QStringList tenNet{"10.0.0.0/8"};

        QTest::newRow("no proxies configured: XFF ignored") << QStringList{} << "203.0.113.9"
                                                            << "1.2.3.4"
                                                            << "203.0.113.9";
        QTest::newRow("untrusted peer: XFF ignored") << tenNet << "203.0.113.9"
                                                     << "1.2.3.4"
                                                     << "203.0.113.9";
        QTest::newRow("trusted peer, no XFF") << tenNet << "10.0.0.5"
                                              << ""
                                              << "10.0.0.5";
        QTest::newRow("trusted peer, one hop") << tenNet << "10.0.0.5"
                                               << "198.51.100.7"
                                               << "198.51.100.7";
        QTest::newRow("trusted chain: right-most untrusted, forged left ignored")
            << tenNet << "10.0.0.5"
            << "6.6.6.6, 198.51.100.7, 10.0.0.9"
            << "198.51.100.7";
        QTest::newRow("all hops trusted: left-most") << tenNet << "10.0.0.5"
                                                     << "10.1.1.1, 10.2.2.2"
                                                     << "10.1.1.1";
        QTest::newRow("several proxy CIDRs")
            << QStringList{"10.0.0.0/8", "192.168.0.0/16"} << "10.0.0.5"
            << "198.51.100.7,192.168.3.4"
            << "198.51.100.7";
        QTest::newRow("empty list elements skipped") << tenNet << "10.0.0.5"
                                                     << " , 192.0.2.1,, "
                                                     << "192.0.2.1";
        QTest::newRow("IPv6 proxy and client") << QStringList{"fd00::/8"} << "fd00::1"
                                               << "2001:db8::5"
                                               << "2001:db8::5";
        QTest::newRow("IPv6 canonicalised") << QStringList{"::1"} << "::1"
                                            << "2001:DB8:0:0:0:0:0:5"
                                            << "2001:db8::5";
        QTest::newRow("IPv6 peer outside the prefix") << QStringList{"fd00::/8"} << "fe00::1"
                                                      << "2001:db8::5"
                                                      << "fe00::1";
        QTest::newRow("IPv4-mapped peer matches IPv4 CIDR")
            << QStringList{"127.0.0.0/8"} << "::ffff:127.0.0.1"
            << "192.0.2.1"
            << "192.0.2.1";
        QTest::newRow("IPv4-mapped peer reported as IPv4") << QStringList{} << "::ffff:192.0.2.8"
                                                           << ""
                                                           << "192.0.2.8";
        QTest::newRow("IPv4 CIDR does not match IPv6") << QStringList{"0.0.0.0/0"} << "2001:db8::1"
                                                       << "1.1.1.1"
                                                       << "2001:db8::1";
        QTest::newRow("ports in XFF entries") << tenNet << "10.0.0.5"
                                              << "[2001:db8::7]:443, 192.0.2.1:8080"
                                              << "192.0.2.1";
        QTest::newRow("bracketed IPv6 without port") << QStringList{"::1/128"} << "::1"
                                                     << "[2001:db8::7]"
                                                     << "2001:db8::7";
        QTest::newRow("zone id dropped") << QStringList{} << "fe80::1%eth0"
                                         << ""
                                         << "fe80::1";
        QTest::newRow("malformed entry: stop at the proxy that wrote it")
            << tenNet << "10.0.0.5"
            << "6.6.6.6, garbage, 10.0.0.9"
            << "10.0.0.9";
        QTest::newRow("'unknown' is not an address") << tenNet << "10.0.0.5"
                                                     << "unknown"
                                                     << "10.0.0.5";
        QTest::newRow("bad port") << tenNet << "10.0.0.5"
                                  << "192.0.2.1:http"
                                  << "10.0.0.5";
        QTest::newRow("overlong entry") << tenNet << "10.0.0.5" << QString(200, '1') << "10.0.0.5";
        QTest::newRow("prefix boundary /25, outside")
            << QStringList{"192.168.1.0/25"} << "192.168.1.200"
            << "1.1.1.1"
            << "192.168.1.200";
        QTest::newRow("prefix boundary /25, inside")
            << QStringList{"192.168.1.0/25"} << "192.168.1.127"
            << "1.1.1.1"
            << "1.1.1.1";
        QTest::newRow("host bits masked") << QStringList{"10.1.2.3/8"} << "10.200.0.1"
                                          << "192.0.2.1"
                                          << "192.0.2.1";
        QTest::newRow("/0 trusts every IPv6 peer") << QStringList{"::/0"} << "2001:db8::1"
                                                   << "192.0.2.1"
                                                   << "192.0.2.1";
    }
    void clientAddress() {
        QFETCH(QStringList, trusted);
        QFETCH(QString, peer);
        QFETCH(QString, forwardedFor);
        QFETCH(QString, expected);
        const auto proxies = TrustedProxies::parse(toStd(trusted));
        QVERIFY2(proxies.isOk(), proxies.status().message().c_str());
        QCOMPARE(QString::fromStdString(
                     proxies->clientAddress(peer.toStdString(), forwardedFor.toStdString())),
                 expected);
    }

    void badCidrsAreRefused_data() {
        QTest::addColumn<QString>("cidr");
        QTest::newRow("IPv4 prefix too long") << "10.0.0.0/33";
        QTest::newRow("IPv6 prefix too long") << "::/129";
        QTest::newRow("empty prefix") << "10.0.0.0/";
        QTest::newRow("trailing junk") << "10.0.0.0/8x";
        QTest::newRow("negative prefix") << "1.2.3.4/-1";
        QTest::newRow("hostname") << "proxy.internal";
        QTest::newRow("empty") << "";
        QTest::newRow("IPv4 with port") << "10.0.0.1:80";
    }
    void badCidrsAreRefused() {
        QFETCH(QString, cidr);
        const auto proxies = TrustedProxies::parse({cidr.toStdString()});
        QVERIFY(!proxies.isOk());
        QCOMPARE(proxies.status().code(), StatusCode::InvalidArgument);
        QCOMPARE(proxies.status().reason(), std::string_view("bad_trusted_proxy"));
    }

    void isTrusted() {
        const auto proxies = TrustedProxies::parse({"10.0.0.0/8", "2001:db8:1::/48"});
        QVERIFY(proxies.isOk());
        QVERIFY(proxies->isTrusted("10.255.255.255"));
        QVERIFY(!proxies->isTrusted("11.0.0.0"));
        QVERIFY(proxies->isTrusted("2001:db8:1:ffff::1"));
        QVERIFY(!proxies->isTrusted("2001:db8:2::1"));
        QVERIFY(!proxies->isTrusted("not an address"));
    }
};

QTEST_GUILESS_MAIN(TestTrustedProxies)
#include "tst_trustedproxies.moc"
