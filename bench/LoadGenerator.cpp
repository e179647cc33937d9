#include "LoadGenerator.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <memory>
#include <optional>
#include <thread>
#include <utility>  // before Boost: Boost 1.74 under C++20 needs it first

namespace atalaya::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;

// How often the watchdog looks for timed-out requests, reconnects and the end of the run.
constexpr std::chrono::milliseconds kTick{20};

// Reads `"key":<integer>` out of a predict answer. A substring search instead of a JSON parse
// keeps the client's CPU share small; the server writes these fields with nlohmann's dump(),
// which has no whitespace.
std::optional<long long> integerField(std::string_view body, std::string_view quotedKey) {
    const auto at = body.find(quotedKey);
    if (at == std::string_view::npos)
        return std::nullopt;
    const char* begin = body.data() + at + quotedKey.size();
    long long value = 0;
    const auto [end, ec] = std::from_chars(begin, body.data() + body.size(), value);
    if (ec != std::errc())
        return std::nullopt;
    return value;
}

struct Connection {
    explicit Connection(asio::io_context& io) : socket(io) {}
    tcp::socket socket;
    beast::flat_buffer buffer;
    std::optional<bhttp::response_parser<bhttp::string_body>> parser;
    std::size_t nextRequest = 0;
    Clock::time_point sentAt;
    bool busy = false;      // a connect or a request is outstanding
    bool broken = false;    // closed after an error: reopened on the next tick
    bool timedOut = false;  // closed by the watchdog: its error is already counted
};

class ClosedLoop {
public:
    ClosedLoop(const std::vector<std::string>& requests, const LoadOptions& options)
        : m_requests(requests)
        , m_options(options)
        , m_endpoint(asio::ip::make_address(options.host), options.port)
        , m_timer(m_io) {}

    LoadResult run();

private:
    void connect(Connection& c);
    void sendNext(Connection& c);
    void readAnswer(Connection& c);
    void onAnswer(Connection& c, const ErrorCode& ec);
    void fail(Connection& c, const std::string& what);
    void record(Clock::time_point now, Connection& c);
    void tick();

    const std::vector<std::string>& m_requests;
    const LoadOptions m_options;
    const tcp::endpoint m_endpoint;
    asio::io_context m_io{1};
    asio::steady_timer m_timer;
    std::vector<std::unique_ptr<Connection>> m_connections;
    Clock::time_point m_measureStart;
    Clock::time_point m_measureEnd;
    bool m_stopping = false;
    std::optional<CpuSample> m_cpuAtStart;
    std::optional<CpuSample> m_cpuAtEnd;

    LoadResult m_result;
    std::vector<double> m_latenciesMs;
    std::int64_t m_batchSum = 0;
    std::int64_t m_batchCount = 0;
    std::int64_t m_queueSum = 0;
    std::int64_t m_computeSum = 0;
    std::int64_t m_totalSum = 0;
    std::int64_t m_timingCount = 0;
};

LoadResult ClosedLoop::run() {
    const auto start = Clock::now();
    m_measureStart = start + std::chrono::duration_cast<Clock::duration>(m_options.warmUp);
    m_measureEnd = m_measureStart + std::chrono::duration_cast<Clock::duration>(m_options.measure);
    m_latenciesMs.reserve(1 << 18);
    for (int i = 0; i < m_options.connections; ++i) {
        auto& c = *m_connections.emplace_back(std::make_unique<Connection>(m_io));
        // Connections start at different places in the pool, so concurrent requests differ.
        c.nextRequest = (static_cast<std::size_t>(i) * 131) % m_requests.size();
        connect(c);
    }
    tick();
    std::thread io([this] { m_io.run(); });
    io.join();

    const double seconds = std::chrono::duration<double>(m_measureEnd - m_measureStart).count();
    m_result.seconds = seconds;
    m_result.requestsPerSecond = static_cast<double>(m_result.answered) / seconds;
    m_result.latency = summarize(std::move(m_latenciesMs));
    const auto mean = [](std::int64_t sum, std::int64_t n) {
        return n == 0 ? 0.0 : static_cast<double>(sum) / static_cast<double>(n);
    };
    m_result.meanBatchSize = mean(m_batchSum, m_batchCount);
    m_result.meanQueueUs = mean(m_queueSum, m_timingCount);
    m_result.meanComputeUs = mean(m_computeSum, m_timingCount);
    m_result.meanServerTotalUs = mean(m_totalSum, m_timingCount);
    if (m_cpuAtStart && m_cpuAtEnd && m_result.answered > 0) {
        m_result.cpu = cpuShareBetween(*m_cpuAtStart, *m_cpuAtEnd);
        const double window = m_cpuAtEnd->wallSeconds - m_cpuAtStart->wallSeconds;
        const double perRequest = window * 1e6 / static_cast<double>(m_result.answered);
        m_result.clientCpuUsPerRequest = m_result.cpu.threadCores * perRequest;
        m_result.serverCpuUsPerRequest =
            (m_result.cpu.selfCores - m_result.cpu.threadCores) * perRequest;
    }
    return m_result;
}

void ClosedLoop::connect(Connection& c) {
    c.busy = true;
    c.broken = false;
    c.timedOut = false;
    c.buffer.clear();
    c.sentAt = Clock::now();  // a connect is bounded by the same timeout as a request
    c.socket.async_connect(m_endpoint, [this, &c](const ErrorCode& ec) {
        if (ec)
            return fail(c, "connect: " + ec.message());
        c.socket.set_option(tcp::no_delay(true));
        sendNext(c);
    });
}

void ClosedLoop::sendNext(Connection& c) {
    if (m_stopping) {
        c.busy = false;
        return;
    }
    const std::string& request = m_requests[c.nextRequest];
    c.nextRequest = (c.nextRequest + 1) % m_requests.size();
    c.busy = true;
    c.sentAt = Clock::now();
    asio::async_write(c.socket, asio::buffer(request),
                      [this, &c](const ErrorCode& ec, std::size_t) {
                          if (ec)
                              return fail(c, "write: " + ec.message());
                          readAnswer(c);
                      });
}

void ClosedLoop::readAnswer(Connection& c) {
    c.parser.emplace();
    bhttp::async_read(c.socket, c.buffer, *c.parser,
                      [this, &c](const ErrorCode& ec, std::size_t) { onAnswer(c, ec); });
}

void ClosedLoop::onAnswer(Connection& c, const ErrorCode& ec) {
    if (ec)
        return fail(c, "read: " + ec.message());
    record(Clock::now(), c);
    if (!c.parser->get().keep_alive()) {
        ErrorCode ignored;
        c.socket.close(ignored);
        c.busy = false;
        c.broken = true;
        return;
    }
    sendNext(c);
}

void ClosedLoop::record(Clock::time_point now, Connection& c) {
    const auto& answer = c.parser->get();
    const int status = answer.result_int();
    if (status < 200 || status >= 300) {
        ++m_result.errors;
        if (m_result.firstError.empty()) {
            m_result.firstError =
                "HTTP " + std::to_string(status) + ": " + answer.body().substr(0, 200);
        }
        return;
    }
    if (now < m_measureStart || now > m_measureEnd)
        return;
    ++m_result.answered;
    m_latenciesMs.push_back(std::chrono::duration<double, std::milli>(now - c.sentAt).count());
    const std::string_view body = answer.body();
    if (const auto batch = integerField(body, "\"batch_size\":")) {
        m_batchSum += *batch;
        ++m_batchCount;
    }
    const auto queue = integerField(body, "\"queue\":");
    const auto compute = integerField(body, "\"compute\":");
    const auto total = integerField(body, "\"total\":");
    if (queue && compute && total) {
        m_queueSum += *queue;
        m_computeSum += *compute;
        m_totalSum += *total;
        ++m_timingCount;
    }
}

void ClosedLoop::fail(Connection& c, const std::string& what) {
    if (!c.timedOut) {
        ++m_result.errors;
        if (m_result.firstError.empty())
            m_result.firstError = what;
    }
    ErrorCode ignored;
    c.socket.close(ignored);
    c.busy = false;
    c.broken = true;
    c.timedOut = false;
}

void ClosedLoop::tick() {
    const auto now = Clock::now();
    m_stopping = m_stopping || now >= m_measureEnd;
    if (!m_cpuAtStart && now >= m_measureStart)
        m_cpuAtStart = sampleCpu();
    if (m_stopping && !m_cpuAtEnd)
        m_cpuAtEnd = sampleCpu();
    bool anyBusy = false;
    for (auto& c : m_connections) {
        if (c->busy && now - c->sentAt > m_options.requestTimeout) {
            ++m_result.errors;
            ++m_result.timeouts;
            if (m_result.firstError.empty())
                m_result.firstError = "request timeout";
            c->timedOut = true;
            ErrorCode ignored;
            c->socket.close(ignored);  // its handler runs next with operation_aborted
        } else if (c->broken && !m_stopping) {
            connect(*c);
        }
        anyBusy = anyBusy || c->busy;
    }
    if (m_stopping && !anyBusy) {
        for (auto& c : m_connections) {
            ErrorCode ignored;
            c->socket.close(ignored);
        }
        return;  // nothing left queued: m_io.run() returns
    }
    m_timer.expires_after(kTick);
    m_timer.async_wait([this](const ErrorCode& ec) {
        if (!ec)
            tick();
    });
}

}  // namespace

std::string serializeRequest(std::string_view method, std::string_view target,
                             std::string_view jsonBody, std::string_view bearerToken) {
    std::string request;
    request.reserve(128 + jsonBody.size() + bearerToken.size());
    request.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if (!bearerToken.empty())
        request.append("Authorization: Bearer ").append(bearerToken).append("\r\n");
    if (!jsonBody.empty()) {
        request.append("Content-Type: application/json\r\nContent-Length: ")
            .append(std::to_string(jsonBody.size()))
            .append("\r\n");
    }
    request.append("\r\n").append(jsonBody);
    return request;
}

LoadResult runClosedLoop(const std::vector<std::string>& requests, const LoadOptions& options) {
    if (requests.empty() || options.connections < 1)
        return {};
    ClosedLoop loop(requests, options);
    return loop.run();
}

}  // namespace atalaya::bench
