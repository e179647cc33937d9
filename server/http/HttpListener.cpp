#include "http/HttpListener.h"

#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "core/Logging.h"

namespace atalaya::http {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

}  // namespace

HttpListener::HttpListener(std::shared_ptr<ServerState> state, Transport transport)
    : m_state(std::move(state))
    , m_transport(transport)
    , m_acceptor(m_state->io)
    , m_acceptRetry(m_state->io) {}

Status HttpListener::listen(const std::string& host, std::uint16_t port) {
    const auto failed = [&](const boost::system::error_code& ec) {
        boost::system::error_code ignored;
        m_acceptor.close(ignored);
        return Status(StatusCode::Unavailable,
                      std::string("cannot listen for ") + scheme() + " on " + host + ":" +
                          std::to_string(port) + ": " + ec.message(),
                      "bind_failed");
    };
    boost::system::error_code ec;
    tcp::resolver resolver(m_state->io);
    const auto endpoints = resolver.resolve(
        host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec) {
        return failed(ec);
    }
    const tcp::endpoint endpoint = endpoints.begin()->endpoint();
    m_acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
        // Lets a restarted server rebind while old connections sit in TIME_WAIT; on Linux it
        // does not allow two listeners on one port, so "port in use" still fails.
        m_acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        m_acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        m_acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (!ec) {
        m_port = m_acceptor.local_endpoint(ec).port();
    }
    if (ec) {
        return failed(ec);
    }
    qCInfo(lcHttp).nospace() << "listening for " << scheme() << " on " << latin1(host) << ":"
                             << m_port;
    return Status::ok();
}

void HttpListener::startAccepting() {
    accept();
}

void HttpListener::accept() {
    std::lock_guard lock(m_mutex);
    if (!m_acceptor.is_open()) {
        return;
    }
    // Each connection gets its own strand: its handlers never run concurrently, while
    // different connections use all IO threads.
    m_acceptor.async_accept(asio::make_strand(m_state->io),
                            boost::beast::bind_front_handler(&HttpListener::onAccept, this));
}

void HttpListener::onAccept(boost::system::error_code ec, tcp::socket socket) {
    if (m_state->isStopped() || ec == asio::error::operation_aborted) {
        return;
    }
    if (ec) {
        // E.g. EMFILE: retrying at once would spin on the same error.
        qCWarning(lcHttp) << "accept failed:" << latin1(ec.message());
        retryAcceptLater();
        return;
    }
    const bool overCap = m_state->openConnections() >= m_state->options.maxConnections;
    // Once per overload episode: a warning per refused connection would flood the log.
    if (overCap && !m_overCapWarned) {
        qCWarning(lcHttp) << "connection limit" << m_state->options.maxConnections
                          << "reached; refusing new connections with 503";
    }
    m_overCapWarned = overCap;
    auto session = createSession(m_state, std::move(socket), m_transport);
    if (overCap) {
        session->rejectBusy();
    } else {
        session->start();
    }
    accept();
}

void HttpListener::retryAcceptLater() {
    m_acceptRetry.expires_after(kAcceptRetryDelay);
    m_acceptRetry.async_wait([this](boost::system::error_code ec) {
        if (ec || m_state->isStopped()) {
            return;
        }
        accept();
    });
}

void HttpListener::close() {
    std::lock_guard lock(m_mutex);
    if (m_acceptor.is_open()) {
        boost::system::error_code ec;
        m_acceptor.close(ec);
        qCInfo(lcHttp) << "stopped accepting" << scheme() << "connections";
    }
}

void HttpListener::cancelRetry() {
    m_acceptRetry.cancel();
}

}  // namespace atalaya::http
