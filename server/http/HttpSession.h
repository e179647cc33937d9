#pragma once

#include <QString>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "http/HttpMessage.h"
#include "http/HttpServer.h"

// Internal to the HTTP transport (HttpServer.cpp, HttpListener.cpp, HttpSession.cpp): one
// connection, plain or TLS, and the state every connection shares. No Beast type leaves http/.
namespace atalaya::http {

class SessionBase;

// Everything the sessions share with the server. Sessions hold it by shared_ptr, and Responders
// held by inference threads hold sessions, so a late answer never touches a destroyed
// io_context, even after the HttpServer is gone.
struct ServerState {
    ServerState(HttpServerOptions serverOptions, RequestHandler requestHandler)
        : options(std::move(serverOptions)), handler(std::move(requestHandler)) {}

    bool isStopped() const { return stopped.load(std::memory_order_acquire); }

    // Posts from threads outside the io_context go through here. Once stop() has drained the
    // io_context nothing may be queued on it again: the queued handler would keep its session,
    // and so this state and the io_context itself, alive forever.
    template <class Executor, class Work>
    void postUnlessStopped(const Executor& executor, Work&& work) {
        std::lock_guard lock(postMutex);
        if (!isStopped()) {
            boost::asio::post(executor, std::forward<Work>(work));
        }
    }

    std::size_t openConnections() {
        std::lock_guard lock(sessionsMutex);
        return sessions.size();
    }

    const HttpServerOptions options;
    const RequestHandler handler;

    std::mutex postMutex;
    std::atomic<bool> stopped{false};

    std::mutex sessionsMutex;
    std::unordered_map<const SessionBase*, std::weak_ptr<SessionBase>> sessions;

    // Set by start() before any IO thread runs, then only read. TLS sessions also keep it alive
    // (OpenSSL counts references to it), so it may outlive the HttpServer like this state does.
    std::shared_ptr<boost::asio::ssl::context> tls;

    // Declared last so that it is destroyed first, while the mutexes above still exist.
    boost::asio::io_context io;
};

// One connection, whatever its stream. Thread affinity: every member from any thread, except
// closeAfterStop(), only once the IO threads are joined.
class SessionBase {
public:
    virtual ~SessionBase() = default;

    virtual void start() = 0;
    virtual void rejectBusy() = 0;  // over the connection cap: 503 and close
    virtual void closeAfterStop() = 0;
    virtual bool isStopping() const = 0;
    // Both queue onto the connection's strand; nothing is queued once the server stopped.
    virtual void post(std::function<void()> work) = 0;
    virtual void deliver(std::uint64_t requestId, HttpResponse&& response) = 0;
};

enum class Transport { Plain, Tls };

// Text for the transport's log lines (addresses, methods, error messages), without a copy.
inline QLatin1String latin1(std::string_view text) {
    return QLatin1String(text.data(), static_cast<qsizetype>(text.size()));
}

// A session for an accepted socket, registered in state->sessions (until it is destroyed) but
// not started. Transport::Tls needs state->tls.
std::shared_ptr<SessionBase> createSession(std::shared_ptr<ServerState> state,
                                           boost::asio::ip::tcp::socket socket,
                                           Transport transport);

}  // namespace atalaya::http
