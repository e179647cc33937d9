// AuditTrail: entries come back newest first, bounded and filtered by time, survive a reopen,
// are refused when malformed, and concurrent writers lose none.
#include <QTemporaryDir>
#include <QTest>
#include <thread>

#include "admin/AuditTrail.h"

using namespace atalaya;

class TestAuditTrail : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void recordsComeBackNewestFirst();
    void limitAndSinceBoundTheAnswer();
    void entriesSurviveAReopen();
    void malformedEntriesAreRefused_data();
    void malformedEntriesAreRefused();
    void concurrentWritersLoseNothing();

private:
    std::filesystem::path file() const { return m_dir->filePath(u"audit.sqlite"_qs).toStdString(); }
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestAuditTrail::init() {
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestAuditTrail::recordsComeBackNewestFirst() {
    auto trail = AuditTrail::open(file());
    QVERIFY(trail.isOk());
    QVERIFY((*trail)
                ->record({.actor = "key:a",
                          .address = "10.0.0.1",
                          .action = "key.create",
                          .target = "k1",
                          .detailJson = R"({"name":"one"})"})
                .isOk());
    QVERIFY((*trail)
                ->record({.actor = "anonymous",
                          .address = "127.0.0.1",
                          .action = "key.revoke",
                          .target = "k1"})
                .isOk());
    auto entries = (*trail)->recent(10, std::nullopt);
    QVERIFY(entries.isOk());
    QCOMPARE(entries->size(), std::size_t{2});
    const AuditEntry& newest = entries->front();
    QCOMPARE(newest.action, std::string("key.revoke"));
    QCOMPARE(newest.actor, std::string("anonymous"));
    QCOMPARE(newest.detailJson, std::string("{}"));
    const AuditEntry& oldest = entries->back();
    QCOMPARE(oldest.address, std::string("10.0.0.1"));
    QCOMPARE(oldest.target, std::string("k1"));
    QCOMPARE(oldest.detailJson, std::string(R"({"name":"one"})"));
    // Stamped with the wall clock when recorded.
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    QVERIFY(oldest.timeUnixMs > now - 60'000 && oldest.timeUnixMs <= now);
    QVERIFY(newest.timeUnixMs >= oldest.timeUnixMs);
}

void TestAuditTrail::limitAndSinceBoundTheAnswer() {
    auto trail = AuditTrail::open(file());
    QVERIFY(trail.isOk());
    for (std::int64_t t = 1000; t < 1010; ++t) {
        QVERIFY(
            (*trail)->record({.timeUnixMs = t, .action = "a", .target = std::to_string(t)}).isOk());
    }
    auto three = (*trail)->recent(3, std::nullopt);
    QVERIFY(three.isOk());
    QCOMPARE(three->size(), std::size_t{3});
    QCOMPARE(three->front().target, std::string("1009"));
    auto since = (*trail)->recent(100, 1007);
    QVERIFY(since.isOk());
    QCOMPARE(since->size(), std::size_t{3});
    QCOMPARE(since->back().timeUnixMs, std::int64_t{1007});
}

void TestAuditTrail::entriesSurviveAReopen() {
    {
        auto trail = AuditTrail::open(file());
        QVERIFY(trail.isOk());
        QVERIFY(
            (*trail)->record({.actor = "key:x", .action = "client.create", .target = "c"}).isOk());
    }
    auto reopened = AuditTrail::open(file());
    QVERIFY(reopened.isOk());
    auto entries = (*reopened)->recent(10, std::nullopt);
    QVERIFY(entries.isOk());
    QCOMPARE(entries->size(), std::size_t{1});
    QCOMPARE(entries->front().action, std::string("client.create"));
    const auto perms = std::filesystem::status(file()).permissions();
    QCOMPARE(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
             std::filesystem::perms::none);
}

void TestAuditTrail::malformedEntriesAreRefused_data() {
    QTest::addColumn<std::string>("action");
    QTest::addColumn<std::string>("detail");
    QTest::newRow("no action") << std::string() << std::string("{}");
    QTest::newRow("detail not JSON") << std::string("a") << std::string("{");
    QTest::newRow("detail an array") << std::string("a") << std::string("[1]");
    QTest::newRow("detail empty") << std::string("a") << std::string();
}

void TestAuditTrail::malformedEntriesAreRefused() {
    QFETCH(std::string, action);
    QFETCH(std::string, detail);
    auto trail = AuditTrail::open(file());
    QVERIFY(trail.isOk());
    const Status status = (*trail)->record({.action = action, .detailJson = detail});
    QCOMPARE(status.code(), StatusCode::InvalidArgument);
    QCOMPARE((*trail)->recent(10, std::nullopt)->size(), std::size_t{0});
}

void TestAuditTrail::concurrentWritersLoseNothing() {
    auto trail = AuditTrail::open(file());
    QVERIFY(trail.isOk());
    std::atomic<int> failures{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
        writers.emplace_back([&, w] {
            for (int i = 0; i < 50; ++i) {
                const Status s = (*trail)->record(
                    {.actor = "w" + std::to_string(w), .action = "x", .target = std::to_string(i)});
                if (!s.isOk())
                    failures.fetch_add(1);
            }
        });
    }
    for (auto& writer : writers)
        writer.join();
    QCOMPARE(failures.load(), 0);
    QCOMPARE((*trail)->recent(AuditTrail::kMaxRecent, std::nullopt)->size(), std::size_t{200});
}

QTEST_GUILESS_MAIN(TestAuditTrail)
#include "tst_audittrail.moc"
