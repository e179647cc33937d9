#include "HttpProbe.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <utility>  // before Boost: Boost 1.74 under C++20 needs it first

#include "LoadGenerator.h"

namespace atalaya::bench {

std::optional<int> probeStatus(const std::string& host, std::uint16_t port, std::string_view target,
                               std::chrono::milliseconds timeout) {
    namespace asio = boost::asio;
    namespace bhttp = boost::beast::http;
    using ErrorCode = boost::system::error_code;

    asio::io_context io;
    boost::beast::tcp_stream stream(io);
    boost::beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> response;
    const std::string request = serializeRequest("GET", target);
    std::optional<int> status;

    // The stream's expiry bounds every step; run_for() is a second guard.
    stream.expires_after(timeout);
    stream.async_connect({asio::ip::make_address(host), port}, [&](const ErrorCode& ec) {
        if (ec)
            return;
        asio::async_write(stream, asio::buffer(request), [&](const ErrorCode& ec, std::size_t) {
            if (ec)
                return;
            bhttp::async_read(stream, buffer, response, [&](const ErrorCode& ec, std::size_t) {
                if (!ec)
                    status = response.result_int();
            });
        });
    });
    io.run_for(timeout + std::chrono::milliseconds(100));
    return status;
}

}  // namespace atalaya::bench
