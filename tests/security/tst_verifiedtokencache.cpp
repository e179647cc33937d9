// The verified-token cache: bounded, first in first out, never returns an entry past its
// validUntil; and behind JwtVerifier, a cached token is accepted and refused exactly when an
// uncached verifier accepts and refuses it (exp with the leeway, a revoked jti, a revoked OAuth
// client), a token that differs by one byte is verified in full, refusals are not cached, and
// several threads share it.
#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "security/AccessTokenIssuer.h"
#include "security/JwtSigner.h"
#include "security/JwtVerifier.h"
#include "security/OAuthClientStore.h"
#include "security/OAuthTokenVerifier.h"
#include "security/VerifiedTokenCache.h"

using namespace atalaya;
using namespace atalaya::security;
using nlohmann::json;

namespace {

constexpr std::int64_t kStart = 1'800'000'000;
constexpr std::int64_t kLeeway = 5;

Sha256Digest keyOf(std::string_view text) {
    auto digest = sha256(text);
    return digest.isOk() ? *digest : Sha256Digest{};
}

VerifiedTokenCache::Entry entryFor(std::string client, double validUntil) {
    Principal principal;
    principal.clientId = std::move(client);
    return {.principal = principal, .validUntil = validUntil, .jti = {}};
}

}  // namespace

class TestVerifiedTokenCache : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cacheIsBoundedFirstInFirstOut();
    void cacheNeverReturnsAnExpiredEntry();
    void cachedTokenExpiresLikeAnUncachedOne_data();
    void cachedTokenExpiresLikeAnUncachedOne();
    void revokedJtiIsRefusedOnAHit();
    void revokedClientIsRefusedOnAHit();
    void tokenDifferingByOneByteIsVerifiedInFull();
    void refusalsAreNotCached();
    void capacityZeroCachesNothing();
    void threadsShareTheCache();

private:
    std::unique_ptr<JwtVerifier> verifier(std::size_t capacity = 4096) const;
    std::string sign(const json& claims) const;
    json claims(std::string subject, std::int64_t ttl = 100) const;

    std::unique_ptr<JwtSigner> m_signer;
    std::shared_ptr<std::atomic<std::int64_t>> m_now;
};

void TestVerifiedTokenCache::initTestCase() {
    auto pem = JwtSigner::generateEs256Pem();
    QVERIFY(pem.isOk());
    auto signer = JwtSigner::fromPem(*pem);
    QVERIFY(signer.isOk());
    m_signer = std::move(signer).value();
}

void TestVerifiedTokenCache::init() {
    m_now = std::make_shared<std::atomic<std::int64_t>>(kStart);
}

std::unique_ptr<JwtVerifier> TestVerifiedTokenCache::verifier(std::size_t capacity) const {
    JwtVerifierOptions options;
    options.issuer = "atalaya";
    options.audience = "atalaya";
    options.requiredType = "at+jwt";
    options.leeway = std::chrono::seconds(kLeeway);
    options.now = [now = m_now] { return now->load(); };
    options.cacheCapacity = capacity;
    auto made = JwtVerifier::fromJwks(m_signer->verificationJwks(), options);
    return made.isOk() ? std::move(made).value() : nullptr;
}

json TestVerifiedTokenCache::claims(std::string subject, std::int64_t ttl) const {
    return {{"iss", "atalaya"},
            {"aud", "atalaya"},
            {"sub", std::move(subject)},
            {"scope", "predict"},
            {"iat", kStart},
            {"nbf", kStart},
            {"exp", kStart + ttl},
            {"jti", "jti-" + std::to_string(ttl)}};
}

std::string TestVerifiedTokenCache::sign(const json& claims) const {
    auto token = m_signer->sign(claims.dump(), "at+jwt");
    return token.isOk() ? *token : std::string();
}

void TestVerifiedTokenCache::cacheIsBoundedFirstInFirstOut() {
    VerifiedTokenCache cache(3);
    for (const char* name : {"a", "b", "c", "d"})
        cache.insert(keyOf(name), entryFor(name, kStart + 100));
    QCOMPARE(cache.size(), std::size_t{3});
    QVERIFY(!cache.find(keyOf("a"), kStart));  // the oldest went first
    for (const char* name : {"b", "c", "d"}) {
        const auto hit = cache.find(keyOf(name), kStart);
        QVERIFY(hit);
        QCOMPARE(QString::fromStdString(hit->principal.clientId), QString::fromLatin1(name));
    }
    // Inserting a key again replaces its entry without taking a second place.
    cache.insert(keyOf("b"), entryFor("b2", kStart + 100));
    QCOMPARE(cache.size(), std::size_t{3});
    QCOMPARE(QString::fromStdString(cache.find(keyOf("b"), kStart)->principal.clientId),
             QStringLiteral("b2"));
}

void TestVerifiedTokenCache::cacheNeverReturnsAnExpiredEntry() {
    VerifiedTokenCache cache(8);
    cache.insert(keyOf("t"), entryFor("t", kStart + 10.5));
    QVERIFY(cache.find(keyOf("t"), kStart + 10));
    QVERIFY(!cache.find(keyOf("t"), kStart + 10.5));
    QVERIFY(!cache.find(keyOf("t"), kStart + 11));
    QVERIFY(!cache.find(keyOf("unknown"), kStart));
}

void TestVerifiedTokenCache::cachedTokenExpiresLikeAnUncachedOne_data() {
    QTest::addColumn<std::int64_t>("later");
    QTest::addColumn<bool>("accepted");
    // exp = start + 100, leeway 5: refused from start + 105 on (RFC 7519 s4.1.4).
    QTest::newRow("right away") << std::int64_t{0} << true;
    QTest::newRow("past exp, within the leeway") << std::int64_t{104} << true;
    QTest::newRow("exp + leeway") << std::int64_t{105} << false;
    QTest::newRow("an hour later") << std::int64_t{3600} << false;
}

void TestVerifiedTokenCache::cachedTokenExpiresLikeAnUncachedOne() {
    QFETCH(std::int64_t, later);
    QFETCH(bool, accepted);
    const auto cached = verifier();
    const auto uncached = verifier(0);
    const std::string token = sign(claims("client-a"));
    QVERIFY(cached->verify(token).isOk());
    QCOMPARE(cached->cachedTokens(), std::size_t{1});
    m_now->store(kStart + later);
    const auto fromCache = cached->verify(token);
    QCOMPARE(fromCache.isOk(), accepted);
    QCOMPARE(uncached->verify(token).isOk(), accepted);
    if (!accepted) {
        QCOMPARE(QString::fromUtf8(std::string(fromCache.status().reason())),
                 QStringLiteral("invalid_token"));
    } else {
        QCOMPARE(QString::fromStdString(fromCache->clientId), QStringLiteral("client-a"));
        QVERIFY(fromCache->has(Scope::Predict));
    }
}

void TestVerifiedTokenCache::revokedJtiIsRefusedOnAHit() {
    const auto jwt = verifier();
    const std::string token = sign(claims("client-a"));
    QVERIFY(jwt->verify(token).isOk());
    QVERIFY(jwt->verify(token).isOk());
    QCOMPARE(jwt->cachedTokens(), std::size_t{1});
    jwt->revokeJti("jti-100");
    const auto refused = jwt->verify(token);
    QVERIFY(!refused.isOk());
    QCOMPARE(QString::fromStdString(refused.status().message()),
             QStringLiteral("the token has been revoked"));
    // Another token of the same client, with another jti, still passes.
    QVERIFY(jwt->verify(sign(claims("client-a", 200))).isOk());
}

void TestVerifiedTokenCache::revokedClientIsRefusedOnAHit() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto clients = OAuthClientStore::open(dir.filePath(u"security.sqlite"_qs).toStdString());
    QVERIFY(clients.isOk());
    OAuthClientSpec spec;
    spec.name = "cached";
    spec.scopes = static_cast<std::uint8_t>(Scope::Predict);
    auto registered = (*clients)->create(spec);
    QVERIFY(registered.isOk());
    // Real time here: the issuer stamps iat/nbf/exp with it.
    m_now->store(static_cast<std::int64_t>(std::time(nullptr)));
    const AccessTokenIssuer issuer(m_signer.get(), {.issuer = "atalaya", .audience = "atalaya"});
    auto token = issuer.issue(registered->info.clientId, "predict");
    QVERIFY(token.isOk());
    auto jwt = verifier();
    const JwtVerifier* cache = jwt.get();
    const OAuthTokenVerifier own(std::move(jwt), clients->get());
    QVERIFY(own.verify(token->token).isOk());
    QVERIFY(own.verify(token->token).isOk());
    QCOMPARE(cache->cachedTokens(), std::size_t{1});
    QVERIFY((*clients)->revoke(registered->info.clientId).isOk());
    const auto refused = own.verify(token->token);
    QVERIFY(!refused.isOk());
    QCOMPARE(QString::fromUtf8(std::string(refused.status().reason())),
             QStringLiteral("invalid_token"));
}

void TestVerifiedTokenCache::tokenDifferingByOneByteIsVerifiedInFull() {
    const auto jwt = verifier();
    const std::string token = sign(claims("client-a"));
    QVERIFY(jwt->verify(token).isOk());
    // The last signature character changed, and another token's claims under this signature.
    std::string tampered = token;
    tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
    QVERIFY(!jwt->verify(tampered).isOk());
    const std::string other = sign(claims("client-b"));
    const auto dot = [](const std::string& t, int which) {
        return which == 1 ? t.find('.') : t.rfind('.');
    };
    const std::string spliced = token.substr(0, dot(token, 1)) +
                                other.substr(dot(other, 1), dot(other, 2) - dot(other, 1)) +
                                token.substr(dot(token, 2));
    QVERIFY(!jwt->verify(spliced).isOk());
    QCOMPARE(jwt->cachedTokens(), std::size_t{1});
}

void TestVerifiedTokenCache::refusalsAreNotCached() {
    const auto jwt = verifier();
    json early = claims("client-a");
    early["nbf"] = kStart + 60;  // not valid for another minute
    const std::string token = sign(early);
    QVERIFY(!jwt->verify(token).isOk());
    QCOMPARE(jwt->cachedTokens(), std::size_t{0});
    m_now->store(kStart + 60);
    QVERIFY(jwt->verify(token).isOk());
    QCOMPARE(jwt->cachedTokens(), std::size_t{1});
}

void TestVerifiedTokenCache::capacityZeroCachesNothing() {
    const auto jwt = verifier(0);
    const std::string token = sign(claims("client-a"));
    QVERIFY(jwt->verify(token).isOk());
    QVERIFY(jwt->verify(token).isOk());
    QCOMPARE(jwt->cachedTokens(), std::size_t{0});
}

void TestVerifiedTokenCache::threadsShareTheCache() {
    constexpr std::size_t kCapacity = 16;
    const auto jwt = verifier(kCapacity);
    std::vector<std::string> tokens;
    for (int i = 0; i < 40; ++i)  // more tokens than entries: insertions evict all the time
        tokens.push_back(sign(claims("client-" + std::to_string(i), 100 + i)));
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 400; ++i) {
                const std::size_t n = static_cast<std::size_t>(i * 7 + t) % tokens.size();
                const auto principal = jwt->verify(tokens[n]);
                if (!principal.isOk() || principal->clientId != "client-" + std::to_string(n))
                    ++wrong;
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    QCOMPARE(wrong.load(), 0);
    QVERIFY(jwt->cachedTokens() <= kCapacity);
    QVERIFY(jwt->cachedTokens() > 0);
}

QTEST_GUILESS_MAIN(TestVerifiedTokenCache)
#include "tst_verifiedtokencache.moc"
