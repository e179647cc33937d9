// ModelRepository and ModelVersion against real TorchScript files, good and broken, made by
// tools/models/make_demo_models.py --fixtures.
#include "inference/ModelRepository.h"
#include "torch/TorchModelRunner.h"

#include <QTemporaryDir>
#include <QTest>

#include <filesystem>

using namespace atalaya;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = ATALAYA_TEST_FIXTURES;

// A repository holding only the named fixtures (copied, so a test may add versions to it).
fs::path makeRepository(const QTemporaryDir& dir, std::initializer_list<const char*> models) {
    const fs::path root = dir.path().toStdString();
    for (const char* model : models) {
        fs::copy(kFixtures / model, root / model, fs::copy_options::recursive);
    }
    return root;
}

struct Loaded {
    std::unique_ptr<ModelRunnerFactory> factory = makeTorchRunnerFactory();
    ExecutionSlots slots{1};
    std::unique_ptr<ModelRepository> repository;

    explicit Loaded(const fs::path& root) {
        repository = std::make_unique<ModelRepository>(root, *factory, RunnerOptions{}, slots);
        if (!repository->scan().isOk()) qFatal("scan failed");
        repository->loadPending();
    }
    std::shared_ptr<ModelVersion> version(const std::string& model, std::int64_t v) {
        for (const auto& each : repository->versions()) {
            if (each->model() == model && each->version() == v) return each;
        }
        return nullptr;
    }
};

}  // namespace

class TestModelRepository : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY2(fs::exists(kFixtures / "fixture-echo"), "run target demo_models"); }
    void brokenVersionsFailWithAReason_data();
    void brokenVersionsFailWithAReason();
    void goodModelIsReadyWithLoadDuration();
    void requestWithoutVersionGetsHighestReady();
    void failedVersionDoesNotHideOthers();
    void unknownModelAndVersionAreNotFound();
    void missingRepositoryIsAnError();
    void readinessWaitsForEveryVersion();
};

void TestModelRepository::brokenVersionsFailWithAReason_data() {
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QString>("reasonFragment");
    QTest::newRow("corrupt file") << "fixture-corrupt" << "TorchScript";
    QTest::newRow("missing file") << "fixture-missing" << "missing";
    QTest::newRow("wrong output shape") << "fixture-wrong-shape" << "declares";
    QTest::newRow("bad model.json") << "fixture-bad-json" << "malformed JSON";
}

void TestModelRepository::brokenVersionsFailWithAReason() {
    QFETCH(QString, fixture);
    QFETCH(QString, reasonFragment);
    QTemporaryDir dir;
    Loaded loaded(makeRepository(dir, {fixture.toUtf8().constData()}));
    auto version = loaded.version(fixture.toStdString(), 1);
    QVERIFY(version);
    QCOMPARE(version->state(), ModelState::Failed);
    QVERIFY2(QString::fromStdString(version->reason()).contains(reasonFragment),
             version->reason().c_str());
    QCOMPARE(loaded.repository->find(fixture.toStdString(), std::nullopt).status().code(),
             StatusCode::Unavailable);
}

void TestModelRepository::goodModelIsReadyWithLoadDuration() {
    QTemporaryDir dir;
    Loaded loaded(makeRepository(dir, {"fixture-echo"}));
    auto version = loaded.version("fixture-echo", 1);
    QCOMPARE(version->state(), ModelState::Ready);
    QVERIFY(version->loadDuration().has_value());
    QCOMPARE(version->metadata().inputs.at(0).features.size(), std::size_t{3});
    QCOMPARE(version->metadata().batching.maxBatchSize, 8);
    QVERIFY(loaded.repository->allReady());
}

void TestModelRepository::requestWithoutVersionGetsHighestReady() {
    QTemporaryDir dir;
    const auto root = makeRepository(dir, {"fixture-echo"});
    fs::copy(root / "fixture-echo" / "1", root / "fixture-echo" / "3", fs::copy_options::recursive);
    Loaded loaded(root);
    auto found = loaded.repository->find("fixture-echo", std::nullopt);
    QVERIFY(found.isOk());
    QCOMPARE((*found)->version(), 3);
    auto pinned = loaded.repository->find("fixture-echo", 1);
    QVERIFY(pinned.isOk());
    QCOMPARE((*pinned)->version(), 1);
}

void TestModelRepository::failedVersionDoesNotHideOthers() {
    QTemporaryDir dir;
    const auto root = makeRepository(dir, {"fixture-echo"});
    // Version 2 is garbage: the highest READY version (1) keeps serving.
    fs::create_directories(root / "fixture-echo" / "2");
    fs::copy_file(kFixtures / "fixture-corrupt" / "1" / "model.pt", root / "fixture-echo" / "2" / "model.pt");
    Loaded loaded(root);
    QCOMPARE(loaded.version("fixture-echo", 2)->state(), ModelState::Failed);
    auto found = loaded.repository->find("fixture-echo", std::nullopt);
    QVERIFY(found.isOk());
    QCOMPARE((*found)->version(), 1);
    QVERIFY(!loaded.repository->allReady());
}

void TestModelRepository::unknownModelAndVersionAreNotFound() {
    QTemporaryDir dir;
    Loaded loaded(makeRepository(dir, {"fixture-echo"}));
    QCOMPARE(loaded.repository->find("nope", std::nullopt).status().reason(), std::string_view("model_not_found"));
    QCOMPARE(loaded.repository->find("fixture-echo", 7).status().reason(), std::string_view("version_not_found"));
}

void TestModelRepository::missingRepositoryIsAnError() {
    auto factory = makeTorchRunnerFactory();
    ExecutionSlots slots(1);
    ModelRepository repository("/nonexistent/models", *factory, {}, slots);
    QCOMPARE(repository.scan().code(), StatusCode::NotFound);
}

void TestModelRepository::readinessWaitsForEveryVersion() {
    QTemporaryDir dir;
    auto factory = makeTorchRunnerFactory();
    ExecutionSlots slots(1);
    ModelRepository repository(makeRepository(dir, {"fixture-echo"}), *factory, {}, slots);
    QVERIFY(repository.scan().isOk());
    QVERIFY(!repository.allReady());  // registered, still LOADING
    QCOMPARE(repository.versions().front()->state(), ModelState::Loading);
    repository.loadPending();
    QVERIFY(repository.allReady());
}

QTEST_GUILESS_MAIN(TestModelRepository)
#include "tst_modelrepository.moc"
