// DynamicBatcher against a fake runner whose forward pass the test opens and closes, so every
// scenario is decided by events, not by timing.
#include <QTest>
#include <condition_variable>
#include <future>
#include <mutex>

#include "inference/DynamicBatcher.h"

using namespace atalaya;
using namespace std::chrono_literals;

namespace {

// Returns input * 2 for each FP32 element; can be held closed, and fails batches holding 13.
class GatedRunner : public ModelRunner {
public:
    Result<std::vector<HostTensor>> run(const std::vector<HostTensor>& inputs) override {
        std::unique_lock lock(m_mutex);
        m_batchSizes.push_back(inputs[0].rows());
        m_entered.notify_all();
        m_open.wait(lock, [this] { return m_isOpen; });
        HostTensor out = inputs[0];
        for (float& v : out.values<float>()) {
            if (v == 13.0F)
                return internalError("thirteen", "model_error");
            v *= 2;
        }
        return std::vector<HostTensor>{out};
    }
    std::string describe() const override { return "gated"; }

    void open() {
        std::lock_guard lock(m_mutex);
        m_isOpen = true;
        m_open.notify_all();
    }
    bool waitForBatches(std::size_t n) {
        std::unique_lock lock(m_mutex);
        return m_entered.wait_for(lock, 5s, [&] { return m_batchSizes.size() >= n; });
    }
    std::vector<std::int64_t> batchSizes() {
        std::lock_guard lock(m_mutex);
        return m_batchSizes;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_open;
    std::condition_variable m_entered;
    bool m_isOpen = false;
    std::vector<std::int64_t> m_batchSizes;
};

HostTensor rowOf(float value) {
    auto t = HostTensor::zeros(DataType::Fp32, {1, 2});
    t.values<float>()[0] = value;
    t.values<float>()[1] = value + 1;
    return t;
}

// A batcher over a gated runner, with one execution slot: what every test starts from.
struct Rig {
    explicit Rig(BatchingSpec spec) : batcher("m", runner, spec, slots, stats) {}
    GatedRunner runner;
    ExecutionSlots slots{1};
    LiveStats stats;
    DynamicBatcher batcher;  // last: stopped and joined before the runner goes
};

struct Pending {
    std::promise<InferenceResult> promise;
    std::future<InferenceResult> future = promise.get_future();
};

InferenceRequest requestFor(float value, Pending& pending) {
    InferenceRequest request;
    request.inputs.push_back(rowOf(value));
    request.onDone = [&pending](InferenceResult&& r) { pending.promise.set_value(std::move(r)); };
    return request;
}

InferenceResult await(Pending& pending) {
    if (pending.future.wait_for(5s) != std::future_status::ready) {
        qFatal("a request was never answered");
    }
    return pending.future.get();
}

}  // namespace

class TestDynamicBatcher : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void loneRequestRunsAtOnce();
    void concurrentRequestsShareOneForwardPass();
    void resultsAreSplitBackToTheirRequests();
    void fullQueueIsRefusedAtOnce();
    void expiredDeadlineNeverRuns();
    void failingBatchFailsOnlyItsOwnRequests();
    void drainWaitRunsQueuedWork();
    void drainAbortAnswersQueuedWorkUnavailable();
};

void TestDynamicBatcher::loneRequestRunsAtOnce() {
    GatedRunner runner;
    runner.open();
    ExecutionSlots slots(1);
    LiveStats stats;
    // A ten-minute batching delay: only the quiet-queue rule can answer within the wait below.
    DynamicBatcher batcher("m", runner,
                           {.maxBatchSize = 8, .maxQueueDelayUs = 600'000'000, .maxQueueSize = 8},
                           slots, stats);
    Pending p;
    QVERIFY(batcher.submit(requestFor(1, p)).isOk());
    QCOMPARE(p.future.wait_for(5s), std::future_status::ready);
    QVERIFY(p.future.get().status.isOk());
}

void TestDynamicBatcher::concurrentRequestsShareOneForwardPass() {
    Rig rig({.maxBatchSize = 4, .maxQueueDelayUs = 600'000'000, .maxQueueSize = 16});
    GatedRunner& runner = rig.runner;
    DynamicBatcher& batcher = rig.batcher;
    Pending first;
    QVERIFY(batcher.submit(requestFor(0, first)).isOk());
    QVERIFY(runner.waitForBatches(1));  // the first batch is held inside the model
    std::array<Pending, 4> queued;
    for (int i = 0; i < 4; ++i)
        QVERIFY(batcher.submit(requestFor(float(i), queued[i])).isOk());
    QCOMPARE(batcher.queueDepth(), 4);
    runner.open();
    for (auto& p : queued) {
        const auto result = await(p);
        QVERIFY(result.status.isOk());
        QCOMPARE(result.timing.batchSize, 4);
    }
    QCOMPARE(runner.batchSizes(), (std::vector<std::int64_t>{1, 4}));
}

void TestDynamicBatcher::resultsAreSplitBackToTheirRequests() {
    Rig rig({.maxBatchSize = 3, .maxQueueDelayUs = 600'000'000, .maxQueueSize = 16});
    GatedRunner& runner = rig.runner;
    DynamicBatcher& batcher = rig.batcher;
    Pending blocker;
    QVERIFY(batcher.submit(requestFor(0, blocker)).isOk());
    QVERIFY(runner.waitForBatches(1));
    std::array<Pending, 3> queued;
    for (int i = 0; i < 3; ++i)
        QVERIFY(batcher.submit(requestFor(float(10 * i), queued[i])).isOk());
    runner.open();
    for (int i = 0; i < 3; ++i) {
        const auto result = await(queued[i]);
        QVERIFY(result.status.isOk());
        QCOMPARE(result.outputs[0].rows(), 1);
        QCOMPARE(result.outputs[0].values<float>()[0], float(20 * i));
        QCOMPARE(result.outputs[0].values<float>()[1], float(2 * (10 * i + 1)));
    }
}

void TestDynamicBatcher::fullQueueIsRefusedAtOnce() {
    Rig rig({.maxBatchSize = 1, .maxQueueDelayUs = 0, .maxQueueSize = 2});
    GatedRunner& runner = rig.runner;
    DynamicBatcher& batcher = rig.batcher;
    Pending running;
    QVERIFY(batcher.submit(requestFor(0, running)).isOk());
    QVERIFY(runner.waitForBatches(1));
    std::array<Pending, 3> queued;
    QVERIFY(batcher.submit(requestFor(1, queued[0])).isOk());
    QVERIFY(batcher.submit(requestFor(2, queued[1])).isOk());
    const Status refused = batcher.submit(requestFor(3, queued[2]));
    QCOMPARE(refused.code(), StatusCode::ResourceExhausted);
    QCOMPARE(refused.reason(), std::string_view("queue_full"));
    QVERIFY(refused.retryAfterSeconds() > 0);
    runner.open();
    QVERIFY(await(queued[0]).status.isOk());
    QVERIFY(await(queued[1]).status.isOk());
    QCOMPARE(queued[2].future.wait_for(100ms), std::future_status::timeout);  // never called
}

void TestDynamicBatcher::expiredDeadlineNeverRuns() {
    Rig rig({.maxBatchSize = 4, .maxQueueDelayUs = 0, .maxQueueSize = 8});
    GatedRunner& runner = rig.runner;
    DynamicBatcher& batcher = rig.batcher;
    Pending blocker;
    QVERIFY(batcher.submit(requestFor(0, blocker)).isOk());
    QVERIFY(runner.waitForBatches(1));
    Pending late;
    auto request = requestFor(5, late);
    request.deadline = SteadyClock::now();  // already due when the next batch forms
    QVERIFY(batcher.submit(std::move(request)).isOk());
    runner.open();
    QCOMPARE(await(late).status.code(), StatusCode::DeadlineExceeded);
    QVERIFY(await(blocker).status.isOk());
    QCOMPARE(runner.batchSizes().size(), std::size_t{1});  // the late one never reached the model
}

void TestDynamicBatcher::failingBatchFailsOnlyItsOwnRequests() {
    Rig rig({.maxBatchSize = 1, .maxQueueDelayUs = 0, .maxQueueSize = 8});
    GatedRunner& runner = rig.runner;
    DynamicBatcher& batcher = rig.batcher;
    Pending blocker, bad, good;
    QVERIFY(batcher.submit(requestFor(0, blocker)).isOk());
    QVERIFY(runner.waitForBatches(1));
    QVERIFY(batcher.submit(requestFor(13, bad)).isOk());
    QVERIFY(batcher.submit(requestFor(1, good)).isOk());
    runner.open();
    const auto failed = await(bad);
    QCOMPARE(failed.status.code(), StatusCode::Internal);
    QCOMPARE(failed.status.reason(), std::string_view("model_error"));
    QVERIFY(await(good).status.isOk());
    QVERIFY(await(blocker).status.isOk());
}

void TestDynamicBatcher::drainWaitRunsQueuedWork() {
    Rig rig({.maxBatchSize = 1, .maxQueueDelayUs = 0, .maxQueueSize = 8});
    GatedRunner& runner = rig.runner;
    DynamicBatcher& batcher = rig.batcher;
    Pending a, b;
    QVERIFY(batcher.submit(requestFor(1, a)).isOk());
    QVERIFY(runner.waitForBatches(1));
    QVERIFY(batcher.submit(requestFor(2, b)).isOk());
    auto stopped = std::async(std::launch::async, [&] { batcher.stop(Drain::Wait); });
    QTRY_VERIFY_WITH_TIMEOUT(batcher.isStopping(), 5000);
    Pending refused;
    QCOMPARE(batcher.submit(requestFor(3, refused)).code(), StatusCode::Unavailable);
    runner.open();
    QVERIFY(await(a).status.isOk());
    QVERIFY(await(b).status.isOk());
    QCOMPARE(stopped.wait_for(5s), std::future_status::ready);
}

void TestDynamicBatcher::drainAbortAnswersQueuedWorkUnavailable() {
    Rig rig({.maxBatchSize = 1, .maxQueueDelayUs = 0, .maxQueueSize = 8});
    GatedRunner& runner = rig.runner;
    DynamicBatcher& batcher = rig.batcher;
    Pending a, b;
    QVERIFY(batcher.submit(requestFor(1, a)).isOk());
    QVERIFY(runner.waitForBatches(1));
    QVERIFY(batcher.submit(requestFor(2, b)).isOk());
    auto stopped = std::async(std::launch::async, [&] { batcher.stop(Drain::Abort); });
    QTRY_VERIFY_WITH_TIMEOUT(batcher.isStopping(), 5000);
    runner.open();
    QVERIFY(await(a).status.isOk());  // the running batch completes
    QCOMPARE(await(b).status.code(), StatusCode::Unavailable);
    QCOMPARE(runner.batchSizes().size(), std::size_t{1});
    QCOMPARE(stopped.wait_for(5s), std::future_status::ready);
}

QTEST_GUILESS_MAIN(TestDynamicBatcher)
#include "tst_dynamicbatcher.moc"
