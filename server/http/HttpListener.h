#pragma once

#include <atalaya/Status.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "http/HttpSession.h"

namespace atalaya::http {

// One listening socket: accepts connections and starts a session (plain or TLS) on a strand of
// its own for each, or refuses it with 503 over the connection cap (counted across listeners).
//
// Thread affinity: listen() and startAccepting() before the IO threads run; close() from any
// thread; cancelRetry() once the IO threads are joined. Accept handlers run on IO threads.
class HttpListener {
public:
    HttpListener(std::shared_ptr<ServerState> state, Transport transport);
    HttpListener(const HttpListener&) = delete;
    HttpListener& operator=(const HttpListener&) = delete;

    Status listen(const std::string& host, std::uint16_t port);  // bind and listen
    void startAccepting();
    std::uint16_t port() const { return m_port; }  // the bound one, after listen()
    void close();                                  // stop accepting; idempotent
    void cancelRetry();

private:
    void accept();  // the next connection, unless close() has run
    void onAccept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
    void retryAcceptLater();
    const char* scheme() const { return m_transport == Transport::Tls ? "https" : "http"; }

    const std::shared_ptr<ServerState> m_state;
    const Transport m_transport;
    // close() may run on any thread while an IO thread re-arms the accept.
    std::mutex m_mutex;
    boost::asio::ip::tcp::acceptor m_acceptor;
    boost::asio::steady_timer m_acceptRetry;
    std::uint16_t m_port = 0;
    bool m_overCapWarned = false;  // accept handlers only; they never run concurrently
};

}  // namespace atalaya::http
