// JwtVerifier against tokens minted by PyJWT (tests/security/make_tokens.py, an independent
// implementation) and against attack tokens assembled here by hand (RFC 8725 s2's list).
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <QProcess>
#include <QTest>
#include <nlohmann/json.hpp>
#include <string>

#include "security/Base64Url.h"
#include "security/JwtVerifier.h"

using namespace atalaya;
using namespace atalaya::security;
using nlohmann::json;

namespace {

constexpr auto kPython = "/usr/bin/python3";

std::string hs256(std::string_view secret, std::string_view input) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &size);
    return std::string(reinterpret_cast<char*>(mac), size);
}

std::string b64(std::string_view bytes) {
    return base64UrlEncode(bytes);
}

}  // namespace

class TestJwtVerifier : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void verify_data();
    void verify();
    void claimsBecomePrincipal();
    void keySetIsChecked_data();
    void keySetIsChecked();

private:
    json m_minted;
    std::unique_ptr<JwtVerifier> m_verifier;
};

void TestJwtVerifier::initTestCase() {
    QProcess python;
    python.start(QString::fromLatin1(kPython),
                 {QStringLiteral(ATALAYA_SECURITY_TESTS "/make_tokens.py")});
    if (!python.waitForStarted(10'000))
        QSKIP("/usr/bin/python3 is not available");
    QVERIFY(python.waitForFinished(60'000));
    if (python.exitCode() != 0) {
        const QByteArray err = python.readAllStandardError();
        if (err.contains("No module named"))
            QSKIP("python3-jwt / python3-cryptography missing (scripts/install-deps.sh --test)");
        QFAIL(err.constData());
    }
    m_minted = json::parse(python.readAllStandardOutput().toStdString());
    JwtVerifierOptions options;
    options.issuer = "https://issuer.test";
    options.audience = "atalaya";
    options.leeway = std::chrono::seconds(30);
    auto verifier = JwtVerifier::fromJwks(m_minted["jwks"].dump(), options);
    QVERIFY2(verifier.isOk(), verifier.status().toString().c_str());
    m_verifier = std::move(verifier).value();
    m_verifier->revokeJti("revoked-jti");
}

void TestJwtVerifier::verify_data() {
    QTest::addColumn<std::string>("token");
    QTest::addColumn<bool>("accepted");
    const json& t = m_minted["tokens"];
    auto minted = [&](const char* name, bool accepted) {
        QTest::newRow(name) << t[name].get<std::string>() << accepted;
    };
    // Made by PyJWT.
    minted("valid_es256", true);
    minted("valid_eddsa", true);
    minted("valid_hs256", true);
    minted("valid_aud_list", true);
    minted("valid_jku_x5u", true);
    minted("expired", false);
    minted("not_yet_valid", false);
    minted("issued_in_future", false);
    minted("no_exp", false);
    minted("wrong_iss", false);
    minted("wrong_aud", false);
    minted("no_sub", false);
    minted("revoked_jti", false);
    minted("unknown_kid", false);
    minted("hostile_kid_path", false);
    minted("hostile_kid_sql", false);
    minted("crit_header", false);
    minted("eddsa_token_es256_kid", false);

    // Assembled here from the valid ES256 token's parts.
    const std::string es = t["valid_es256"].get<std::string>();
    const std::string payload = es.substr(es.find('.') + 1, es.rfind('.') - es.find('.') - 1);
    const std::string sig = *base64UrlDecode(es.substr(es.rfind('.') + 1));
    auto header = [](const json& h) { return b64(h.dump()); };
    const std::string esHeader = es.substr(0, es.find('.'));

    QTest::newRow("alg none, empty signature")
        << header({{"alg", "none"}, {"kid", "ec-1"}}) + "." + payload + "." << false;
    QTest::newRow("alg none, no kid") << header({{"alg", "none"}}) + "." + payload + "." << false;
    QTest::newRow("alg None spelled oddly")
        << header({{"alg", "nOnE"}, {"kid", "ec-1"}}) + "." + payload + "." << false;
    // RFC 8725 s2.1: an HS256 token keyed with the EC public key's bytes must not verify.
    const json& ecJwk = m_minted["jwks"]["keys"][0];
    const std::string publicBytes = "\x04" + *base64UrlDecode(ecJwk["x"].get<std::string>()) +
                                    *base64UrlDecode(ecJwk["y"].get<std::string>());
    for (const std::string& secret : {publicBytes, ecJwk.dump()}) {
        const std::string input = header({{"alg", "HS256"}, {"kid", "ec-1"}}) + "." + payload;
        QTest::newRow(secret == publicBytes ? "alg confusion, point bytes" : "alg confusion, jwk")
            << input + "." + b64(hs256(secret, input)) << false;
    }
    QTest::newRow("zero ECDSA signature (r = s = 0)")
        << esHeader + "." + payload + "." + b64(std::string(64, '\0')) << false;
    const std::string order(  // n of P-256, big-endian
        "\xff\xff\xff\xff\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff"
        "\xbc\xe6\xfa\xad\xa7\x17\x9e\x84\xf3\xb9\xca\xc2\xfc\x63\x25\x51",
        32);
    QTest::newRow("ECDSA r = n") << esHeader + "." + payload + "." +
                                        b64(order.substr(0, 32) + sig.substr(32))
                                 << false;
    QTest::newRow("ECDSA s = n") << esHeader + "." + payload + "." +
                                        b64(sig.substr(0, 32) + order.substr(0, 32))
                                 << false;
    QTest::newRow("signature 63 bytes")
        << esHeader + "." + payload + "." + b64(sig.substr(0, 63)) << false;
    QTest::newRow("signature 65 bytes")
        << esHeader + "." + payload + "." + b64(sig + "\x01") << false;
    QTest::newRow("DER signature instead of R||S")
        << esHeader + "." + payload + "." +
               b64("\x30\x44\x02\x20" + sig.substr(0, 32) + "\x02\x20" + sig.substr(32))
        << false;
    const std::string otherPayload = b64(R"({"sub":"mallory","scope":"admin","exp":9999999999})");
    QTest::newRow("payload swapped") << esHeader + "." + otherPayload + "." + b64(sig) << false;
    QTest::newRow("oversize token")
        << esHeader + "." + payload + std::string(9000, 'A') + "." + b64(sig) << false;
    QTest::newRow("two parts") << esHeader + "." + payload << false;
    QTest::newRow("four parts") << es + "." + b64(sig) << false;
    QTest::newRow("empty") << std::string() << false;
    QTest::newRow("header not base64url") << "ey!." + payload + "." + b64(sig) << false;
    QTest::newRow("base64 padding") << es + "=" << false;
    QTest::newRow("header not JSON")
        << b64("{alg: ES256}") + "." + payload + "." + b64(sig) << false;
    QTest::newRow("header an array")
        << b64(R"(["ES256"])") + "." + payload + "." + b64(sig) << false;
    // Duplicate member names: refused even when the signature is right (HS256 key, known secret).
    const std::string secret =
        *base64UrlDecode(m_minted["jwks"]["keys"][2]["k"].get<std::string>());
    auto signHs = [&](const std::string& h, const std::string& c) {
        const std::string input = b64(h) + "." + b64(c);
        return input + "." + b64(hs256(secret, input));
    };
    const std::string goodClaims =
        R"({"sub":"a","scope":"admin","iss":"https://issuer.test","aud":"atalaya","exp":9999999999})";
    QTest::newRow("hand-signed HS256 control")
        << signHs(R"({"alg":"HS256","kid":"hs-1"})", goodClaims) << true;
    QTest::newRow("duplicate header key")
        << signHs(R"({"alg":"HS256","kid":"hs-1","kid":"ec-1"})", goodClaims) << false;
    QTest::newRow("duplicate claim")
        << signHs(
               R"({"alg":"HS256","kid":"hs-1"})",
               R"({"sub":"a","sub":"b","iss":"https://issuer.test","aud":"atalaya","exp":9999999999})")
        << false;
    QTest::newRow("claims not JSON")
        << signHs(R"({"alg":"HS256","kid":"hs-1"})", "not json") << false;
    QTest::newRow("exp a string")
        << signHs(R"({"alg":"HS256","kid":"hs-1"})",
                  R"({"sub":"a","iss":"https://issuer.test","aud":"atalaya","exp":"9999999999"})")
        << false;
    QTest::newRow("HS256 truncated MAC")
        << signHs(R"({"alg":"HS256","kid":"hs-1"})", goodClaims).substr(0, 40) << false;
}

void TestJwtVerifier::verify() {
    QFETCH(std::string, token);
    QFETCH(bool, accepted);
    const auto result = m_verifier->verify(token);
    QVERIFY2(result.isOk() == accepted,
             result.isOk() ? "accepted" : result.status().toString().c_str());
    if (!accepted) {
        QCOMPARE(result.status().code(), StatusCode::Unauthenticated);
        QCOMPARE(result.status().reason(), std::string_view("invalid_token"));
        // The message never carries the token.
        QVERIFY(token.size() < 12 ||
                result.status().message().find(token.substr(0, 12)) == std::string::npos);
    }
}

void TestJwtVerifier::claimsBecomePrincipal() {
    const json& t = m_minted["tokens"];
    const auto es = m_verifier->verify(t["valid_es256"].get<std::string>());
    QVERIFY(es.isOk());
    QCOMPARE(es->clientId, std::string("client-a"));
    QCOMPARE(es->credential, std::string("jwt"));
    QVERIFY(es->has(Scope::Predict) && es->has(Scope::Metrics) && !es->has(Scope::Admin));
    QVERIFY(es->models.empty());
    const auto ed = m_verifier->verify(t["valid_eddsa"].get<std::string>());
    QVERIFY(ed.isOk());
    QVERIFY(ed->has(Scope::Predict) && !ed->has(Scope::Metrics));
    QVERIFY(ed->mayUseModel("credit-risk"));
    QVERIFY(!ed->mayUseModel("sentiment"));
    const auto hs = m_verifier->verify(t["valid_hs256"].get<std::string>());
    QVERIFY(hs.isOk());
    QVERIFY(hs->has(Scope::Admin) && !hs->has(Scope::Predict));
}

void TestJwtVerifier::keySetIsChecked_data() {
    QTest::addColumn<std::string>("jwks");
    QTest::newRow("empty set") << std::string(R"({"keys":[]})");
    QTest::newRow("short HS256 secret")
        << std::string(R"({"keys":[{"kty":"oct","k":")") + b64(std::string(31, 'k')) + R"("}]})";
    QTest::newRow("EC point not on the curve")
        << std::string(R"({"keys":[{"kty":"EC","crv":"P-256","x":")") + b64(std::string(32, '\1')) +
               R"(","y":")" + b64(std::string(32, '\2')) + R"("}]})";
    QTest::newRow("EC key declared HS256")
        << R"({"keys":[{"kty":"oct","alg":"ES256","k":")" + b64(std::string(32, 'k')) + R"("}]})";
    QTest::newRow("RSA unsupported")
        << std::string(R"({"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]})");
    QTest::newRow("two keys without kid")
        << R"({"keys":[{"kty":"oct","k":")" + b64(std::string(32, 'a')) +
               R"("},{"kty":"oct","k":")" + b64(std::string(32, 'b')) + R"("}]})";
    QTest::newRow("duplicate member") << std::string(R"({"keys":[],"keys":[]})");
}

void TestJwtVerifier::keySetIsChecked() {
    QFETCH(std::string, jwks);
    QVERIFY(!JwtVerifier::fromJwks(jwks, {}).isOk());
}

QTEST_GUILESS_MAIN(TestJwtVerifier)
#include "tst_jwtverifier.moc"
