#include "http/HttpServer.h"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <exception>
#include <optional>
#include <thread>
#include <vector>

#include "core/Logging.h"
#include "core/ThreadName.h"
#include "http/HttpListener.h"
#include "http/HttpSession.h"
#include "http/TlsContext.h"

// The transport is split by job: this file owns the IO threads and the start/stop order,
// HttpListener.cpp accepts, HttpSession.cpp speaks HTTP/1.1 on one connection (plain or TLS),
// TlsContext.cpp loads the certificate and sets the TLS policy.
namespace atalaya::http {

class HttpServer::Impl {
public:
    Impl(HttpServerOptions options, RequestHandler handler)
        : m_state(std::make_shared<ServerState>(std::move(options), std::move(handler))) {}

    Status start();
    std::uint16_t port() const { return m_plain ? m_plain->port() : 0; }
    std::uint16_t httpsPort() const { return m_tls ? m_tls->port() : 0; }
    void stopAccepting();
    void stop();
    std::size_t openConnections() const { return m_state->openConnections(); }

private:
    Status listen();
    void runIo();
    std::vector<std::shared_ptr<SessionBase>> liveSessions() const;

    std::shared_ptr<ServerState> m_state;
    std::optional<HttpListener> m_plain;
    std::optional<HttpListener> m_tls;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> m_work;
    std::vector<std::thread> m_threads;
    bool m_started = false;
    bool m_stopped = false;
};

Status HttpServer::Impl::start() {
    if (m_started || m_stopped) {
        return {StatusCode::FailedPrecondition, "the HTTP server can be started only once",
                "already_started"};
    }
    ATALAYA_RETURN_IF_ERROR(listen());
    m_started = true;
    m_work.emplace(m_state->io.get_executor());
    for (auto* listener : {&m_plain, &m_tls}) {
        if (*listener) {
            (*listener)->startAccepting();
        }
    }
    const int threads = std::max(1, m_state->options.ioThreads);
    m_threads.reserve(static_cast<std::size_t>(threads));
    for (int i = 0; i < threads; ++i) {
        m_threads.emplace_back([this] { runIo(); });
    }
    qCInfo(lcHttp) << "serving with" << threads << "IO thread(s)";
    return Status::ok();
}

// Everything that can fail happens before the first thread runs, so a failed start() leaves
// nothing listening.
Status HttpServer::Impl::listen() {
    const auto& options = m_state->options;
    if (!options.plain && !options.tls) {
        return invalidArgument("neither plain HTTP nor HTTPS is configured: nothing to listen on",
                               "no_listener");
    }
    if (options.tls) {
        ATALAYA_ASSIGN_OR_RETURN(m_state->tls, makeServerTlsContext(*options.tls));
    }
    if (options.plain) {
        m_plain.emplace(m_state, Transport::Plain);
        ATALAYA_RETURN_IF_ERROR(m_plain->listen(options.host, options.port));
    }
    if (options.tls) {
        m_tls.emplace(m_state, Transport::Tls);
        const Status listening = m_tls->listen(options.host, options.tls->port);
        if (!listening.isOk()) {
            m_plain.reset();
            return listening;
        }
    }
    return Status::ok();
}

void HttpServer::Impl::runIo() {
    nameCurrentThread("http-io");
    for (;;) {
        try {
            m_state->io.run();
            return;
        } catch (const std::exception& e) {
            qCWarning(lcHttp) << "IO thread caught an exception:" << e.what();
        }
    }
}

void HttpServer::Impl::stopAccepting() {
    for (auto* listener : {&m_plain, &m_tls}) {
        if (*listener) {
            (*listener)->close();
        }
    }
}

void HttpServer::Impl::stop() {
    if (m_stopped) {
        return;
    }
    m_stopped = true;
    {
        std::lock_guard lock(m_state->postMutex);
        m_state->stopped.store(true, std::memory_order_release);
    }
    stopAccepting();
    m_work.reset();
    m_state->io.stop();
    for (auto& thread : m_threads) {
        thread.join();
    }
    m_threads.clear();
    // The IO threads are gone, so this thread may touch the sockets. Closing them aborts the
    // pending operations; running the io_context once more lets those handlers finish and
    // release the sessions they hold (every handler returns early once stopped is set).
    for (auto* listener : {&m_plain, &m_tls}) {
        if (*listener) {
            (*listener)->cancelRetry();
        }
    }
    const auto sessions = liveSessions();
    for (const auto& session : sessions) {
        session->closeAfterStop();
    }
    m_state->io.restart();
    runIo();
    if (m_started) {
        qCInfo(lcHttp) << "stopped;" << sessions.size() << "connection(s) closed";
    }
}

std::vector<std::shared_ptr<SessionBase>> HttpServer::Impl::liveSessions() const {
    std::vector<std::shared_ptr<SessionBase>> live;
    std::lock_guard lock(m_state->sessionsMutex);
    live.reserve(m_state->sessions.size());
    for (const auto& [key, weak] : m_state->sessions) {
        if (auto session = weak.lock()) {
            live.push_back(std::move(session));
        }
    }
    return live;
}

HttpServer::HttpServer(HttpServerOptions options, RequestHandler handler)
    : d(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() {
    stop();
}

Status HttpServer::start() {
    return d->start();
}

std::uint16_t HttpServer::port() const {
    return d->port();
}

std::uint16_t HttpServer::httpsPort() const {
    return d->httpsPort();
}

void HttpServer::stopAccepting() {
    d->stopAccepting();
}

void HttpServer::stop() {
    d->stop();
}

std::size_t HttpServer::openConnections() const {
    return d->openConnections();
}

}  // namespace atalaya::http
