// ApiKeyStore: issue, verify, revoke (also from another connection), expiry, and that the
// database holds only hashes.
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <filesystem>
#include <thread>

#include "security/ApiKeyStore.h"
#include "security/CredentialTable.h"

using namespace atalaya;
using namespace atalaya::security;

class TestApiKeys : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void createdKeyVerifies();
    void tamperedTokensFail_data();
    void tamperedTokensFail();
    void revocationIsImmediate();
    void revocationByAnotherConnection();
    void expiredKeyFails();
    void onlyTheHashIsOnDisk();
    void ephemeralKeyIsNeverStored();
    void listShowsNoSecret();
    void badSpecIsRefused();

private:
    std::filesystem::path file() const { return m_dir->filePath("security.sqlite").toStdString(); }
    std::unique_ptr<ApiKeyStore> open() {
        auto store = ApiKeyStore::open(file(), [this] { return m_now; });
        if (!store.isOk())
            qFatal("%s", store.status().toString().c_str());
        return std::move(store).value();
    }
    static ApiKeySpec spec() {
        ApiKeySpec spec;
        spec.name = "ci";
        spec.owner = "team-a";
        spec.scopes = static_cast<std::uint8_t>(Scope::Predict);
        spec.models = {"credit-risk"};
        spec.limits.ratePerSecond = 5;
        return spec;
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::int64_t m_now = 1'800'000'000;
};

void TestApiKeys::init() {
    m_dir = std::make_unique<QTemporaryDir>();
    m_now = 1'800'000'000;
}

void TestApiKeys::createdKeyVerifies() {
    auto store = open();
    const auto issued = store->create(spec());
    QVERIFY(issued.isOk());
    QVERIFY(issued->token.starts_with("atk_" + issued->info.id + "_"));
    QCOMPARE(issued->token.size(), std::size_t{4 + 16 + 1 + 43});
    const auto principal = store->verify(issued->token);
    QVERIFY2(principal.isOk(), principal.status().toString().c_str());
    QCOMPARE(principal->clientId, "key:" + issued->info.id);
    QCOMPARE(principal->credential, std::string("api_key"));
    QVERIFY(principal->has(Scope::Predict) && !principal->has(Scope::Admin));
    QVERIFY(principal->mayUseModel("credit-risk") && !principal->mayUseModel("sentiment"));
    QCOMPARE(principal->limits.ratePerSecond, 5.0);
    // A fresh store (restart) verifies from the database.
    store.reset();
    QVERIFY(open()->verify(issued->token).isOk());
}

void TestApiKeys::tamperedTokensFail_data() {
    QTest::addColumn<int>("kind");
    QTest::newRow("last secret char changed") << 0;
    QTest::newRow("id of another key") << 1;
    QTest::newRow("secret truncated") << 2;
    QTest::newRow("no prefix") << 3;
    QTest::newRow("unknown id") << 4;
}

void TestApiKeys::tamperedTokensFail() {
    QFETCH(int, kind);
    auto store = open();
    const std::string token = store->create(spec())->token;
    const std::string other = store->create(spec())->token;
    std::string bad = token;
    switch (kind) {
        case 0:
            bad.back() = bad.back() == 'A' ? 'B' : 'A';
            break;
        case 1:
            bad = other.substr(0, 21) + token.substr(21);
            break;
        case 2:
            bad.pop_back();
            break;
        case 3:
            bad = token.substr(4);
            break;
        case 4:
            bad = "atk_0123456789abcdef" + token.substr(20);
            break;
    }
    const auto result = store->verify(bad);
    QVERIFY(!result.isOk());
    QCOMPARE(result.status().code(), StatusCode::Unauthenticated);
    QCOMPARE(result.status().reason(), std::string_view("invalid_token"));
    QVERIFY(result.status().message().find(token.substr(21)) == std::string::npos);
}

void TestApiKeys::revocationIsImmediate() {
    auto store = open();
    const auto issued = store->create(spec());
    QVERIFY(store->verify(issued->token).isOk());  // now cached
    QVERIFY(store->revoke(issued->info.id).isOk());
    QVERIFY(!store->verify(issued->token).isOk());
    QVERIFY(store->revoke(issued->info.id).isOk());  // idempotent
    QCOMPARE(store->revoke("0123456789abcdef").code(), StatusCode::NotFound);
}

void TestApiKeys::revocationByAnotherConnection() {
    auto server = open();
    auto cli = open();  // as `atalaya-server keys revoke` would, while the server runs
    const auto issued = cli->create(spec());
    QVERIFY(server->verify(issued->token).isOk());
    QVERIFY(cli->revoke(issued->info.id).isOk());
    // Seen within kExternalChangeCheck: the server asks SQLite at most that often.
    std::this_thread::sleep_for(security::kExternalChangeCheck);
    QVERIFY(!server->verify(issued->token).isOk());
}

void TestApiKeys::expiredKeyFails() {
    auto store = open();
    ApiKeySpec expiring = spec();
    expiring.expiresAtUnix = m_now + 60;
    const auto issued = store->create(expiring);
    QVERIFY(store->verify(issued->token).isOk());
    m_now += 60;
    QVERIFY(!store->verify(issued->token).isOk());
}

void TestApiKeys::onlyTheHashIsOnDisk() {
    std::string token;
    {
        auto store = open();
        token = store->create(spec())->token;
        QVERIFY(store->verify(token).isOk());
    }
    const std::string secret = token.substr(21);
    QByteArray everything;
    for (const char* suffix : {"", "-wal", "-shm"}) {
        QFile f(QString::fromStdString(file().string() + suffix));
        if (f.open(QIODevice::ReadOnly))
            everything += f.readAll();
    }
    QVERIFY(!everything.isEmpty());
    QVERIFY(!everything.contains(QByteArray::fromStdString(secret)));
    QVERIFY(!everything.contains(QByteArray::fromStdString(token)));
    QVERIFY(!everything.contains(QByteArray::fromStdString(secret.substr(0, 16))));
    QVERIFY(everything.contains("team-a"));  // the file is the one written to
}

void TestApiKeys::ephemeralKeyIsNeverStored() {
    auto store = open();
    const auto local = store->createEphemeral(spec());
    const auto principal = store->verify(local->token);
    QVERIFY(principal.isOk());
    QCOMPARE(principal->credential, std::string("local"));
    QVERIFY(store->list()->empty());
    QVERIFY(!open()->verify(local->token).isOk());
}

void TestApiKeys::listShowsNoSecret() {
    auto store = open();
    const auto issued = store->create(spec());
    const auto keys = store->list();
    QVERIFY(keys.isOk());
    QCOMPARE(keys->size(), std::size_t{1});
    QCOMPARE(keys->front().id, issued->info.id);
    QCOMPARE(keys->front().spec.models, std::vector<std::string>{"credit-risk"});
    QCOMPARE(keys->front().createdAtUnix, m_now);
}

void TestApiKeys::badSpecIsRefused() {
    auto store = open();
    ApiKeySpec noScopes = spec();
    noScopes.scopes = 0;
    QVERIFY(!store->create(noScopes).isOk());
    ApiKeySpec noName = spec();
    noName.name.clear();
    QVERIFY(!store->create(noName).isOk());
}

QTEST_GUILESS_MAIN(TestApiKeys)
#include "tst_apikeys.moc"
