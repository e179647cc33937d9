// JwtSigner and AccessTokenIssuer: what is signed verifies with the server's own verifier for
// each algorithm, the published key set holds no secret, unsupported keys are refused, and
// the generated key file is private and reused.
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <QTemporaryDir>
#include <QTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "security/AccessTokenIssuer.h"
#include "security/Base64Url.h"
#include "security/JwtSigner.h"
#include "security/JwtVerifier.h"

using namespace atalaya;
using namespace atalaya::security;
using nlohmann::json;

namespace {

std::string pemOf(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(size));
    BIO_free(bio);
    EVP_PKEY_free(key);
    return pem;
}

Result<std::unique_ptr<JwtSigner>> signerFor(const QString& kind) {
    if (kind == u"ES256"_qs)
        return JwtSigner::fromPem(*JwtSigner::generateEs256Pem());
    if (kind == u"EdDSA"_qs)
        return JwtSigner::fromPem(pemOf(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")));
    return JwtSigner::fromSecret(std::string(40, 'k'));
}

json decodePart(const std::string& token, int index) {
    std::size_t start = 0;
    for (int i = 0; i < index; ++i)
        start = token.find('.', start) + 1;
    const auto end = token.find('.', start);
    return json::parse(*base64UrlDecode(token.substr(start, end - start)));
}

}  // namespace

class TestJwtSigner : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void issuedTokensVerify_data();
    void issuedTokensVerify();
    void unsupportedKeysAreRefused_data();
    void unsupportedKeysAreRefused();
    void generatedKeyIsPrivateAndReused();
};

void TestJwtSigner::issuedTokensVerify_data() {
    QTest::addColumn<QString>("algorithm");
    QTest::addColumn<int>("publishedKeys");
    QTest::newRow("ES256") << u"ES256"_qs << 1;
    QTest::newRow("EdDSA") << u"EdDSA"_qs << 1;
    QTest::newRow("HS256") << u"HS256"_qs << 0;  // a shared secret is never published
}

void TestJwtSigner::issuedTokensVerify() {
    QFETCH(QString, algorithm);
    QFETCH(int, publishedKeys);
    auto signer = signerFor(algorithm);
    QVERIFY2(signer.isOk(), signer.status().toString().c_str());
    QCOMPARE(QString::fromLatin1(jwtAlgorithmName((*signer)->algorithm())), algorithm);

    const json published = json::parse((*signer)->publicJwks());
    QCOMPARE(published["keys"].size(), static_cast<std::size_t>(publishedKeys));
    for (const json& key : published["keys"]) {
        QVERIFY(!key.contains("d") && !key.contains("k"));
        QCOMPARE(key.value("kid", ""), (*signer)->kid());
    }

    const std::int64_t now = 1'900'000'000;
    AccessTokenIssuer issuer(signer->get(), {.issuer = "atalaya",
                                             .audience = "api",
                                             .ttl = std::chrono::seconds(60),
                                             .now = [&] { return now; }});
    auto issued = issuer.issue("abcdef0123456789", "predict metrics");
    QVERIFY(issued.isOk());
    QCOMPARE(issued->expiresIn, std::int64_t{60});
    const json header = decodePart(issued->token, 0);
    QCOMPARE(header.value("typ", ""), std::string("at+jwt"));
    QCOMPARE(header.value("kid", ""), (*signer)->kid());
    const json claims = decodePart(issued->token, 1);
    QCOMPARE(claims.value("sub", ""), std::string("abcdef0123456789"));
    QCOMPARE(claims.value("client_id", ""), std::string("abcdef0123456789"));
    QCOMPARE(claims.value("exp", 0LL), now + 60);
    QCOMPARE(claims.value("nbf", 0LL), now);
    QCOMPARE(claims.value("aud", ""), std::string("api"));
    QVERIFY(claims.value("jti", "").size() >= 22);
    QVERIFY(claims.value("jti", "") != decodePart(issuer.issue("x", "predict")->token, 1)["jti"]);

    JwtVerifierOptions options;
    options.issuer = "atalaya";
    options.audience = "api";
    options.now = [&] { return now; };
    options.requiredType = "at+jwt";
    auto verifier = JwtVerifier::fromJwks((*signer)->verificationJwks(), options);
    QVERIFY2(verifier.isOk(), verifier.status().toString().c_str());
    auto principal = (*verifier)->verify(issued->token);
    QVERIFY2(principal.isOk(), principal.status().toString().c_str());
    QCOMPARE(principal->clientId, std::string("abcdef0123456789"));
    QVERIFY(principal->has(Scope::Predict) && principal->has(Scope::Metrics));
    QVERIFY(!principal->has(Scope::Admin));

    // The same key, another typ: RFC 9068 s4 makes the verifier refuse it.
    auto other = (*signer)->sign(claims.dump(), "JWT");
    QVERIFY(other.isOk());
    QCOMPARE((*verifier)->verify(*other).status().reason(), std::string_view("invalid_token"));
}

void TestJwtSigner::unsupportedKeysAreRefused_data() {
    QTest::addColumn<std::string>("pem");
    QTest::newRow("P-384") << pemOf(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
    QTest::newRow("RSA") << pemOf(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
    QTest::newRow("not PEM") << std::string("hello");
}

void TestJwtSigner::unsupportedKeysAreRefused() {
    QFETCH(std::string, pem);
    auto signer = JwtSigner::fromPem(pem);
    QVERIFY(!signer.isOk());
    QCOMPARE(signer.status().reason(), std::string_view("invalid_signing_key"));
    QVERIFY(!JwtSigner::fromSecret(std::string(31, 's')).isOk());
}

void TestJwtSigner::generatedKeyIsPrivateAndReused() {
    QTemporaryDir dir;
    const std::filesystem::path dataDir = dir.filePath(u"data"_qs).toStdString();
    auto first = JwtSigner::fromConfig({}, dataDir);
    QVERIFY2(first.isOk(), first.status().toString().c_str());
    QCOMPARE((*first)->algorithm(), JwtAlgorithm::ES256);
    const auto file = dataDir / "oauth-signing-key.pem";
    QCOMPARE(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
             std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    auto second = JwtSigner::fromConfig({}, dataDir);
    QVERIFY(second.isOk());
    QCOMPARE((*second)->kid(), (*first)->kid());

    // A configured secret file: its trailing newline is not part of the secret.
    const std::filesystem::path secretFile = dir.filePath(u"hs"_qs).toStdString();
    std::ofstream(secretFile) << std::string(32, 'z') << "\n";
    OAuthConfig config;
    config.hs256SecretFile = secretFile;
    auto hs = JwtSigner::fromConfig(config, dataDir);
    QVERIFY2(hs.isOk(), hs.status().toString().c_str());
    QCOMPARE((*hs)->kid(), (*JwtSigner::fromSecret(std::string(32, 'z')))->kid());
}

QTEST_GUILESS_MAIN(TestJwtSigner)
#include "tst_jwtsigner.moc"
