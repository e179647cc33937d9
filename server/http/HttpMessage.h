#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace atalaya::http {

// Transport-neutral request and response: HttpServer (Boost.Beast) fills and sends these, the
// routes never see a Beast type.

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string method;  // "GET", "POST", ...
    std::string target;  // as sent: path plus optional "?query"
    HeaderList headers;  // names as sent; use header() for case-insensitive lookup
    std::string body;
    std::string remoteAddress;  // peer IP of the TCP connection
    unsigned versionMajor = 1;
    unsigned versionMinor = 1;

    std::string_view header(std::string_view name) const;  // empty when absent
};

struct HttpResponse {
    int status = 200;
    std::string contentType = "application/json";
    std::string body;
    HeaderList headers;  // extra fields (Retry-After, Allow, X-Request-Id, ...)

    HttpResponse& withHeader(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
        return *this;
    }
};

// Where a response goes: implemented by the connection that read the request.
class ResponseSink {
public:
    virtual ~ResponseSink() = default;
    virtual void deliver(HttpResponse&& response) = 0;      // any thread
    virtual void dispatch(std::function<void()> work) = 0;  // runs work on the IO thread
};

// A handle to answer one request, exactly once, from any thread. If the client has gone away
// meanwhile, the answer is dropped safely (the connection keeps itself alive until then).
class Responder {
public:
    explicit Responder(std::shared_ptr<ResponseSink> sink) : m_sink(std::move(sink)) {}

    void send(HttpResponse&& response) const { m_sink->deliver(std::move(response)); }
    // Moves work (e.g. encoding a response) off an inference thread onto the IO thread.
    void onIoThread(std::function<void()> work) const { m_sink->dispatch(std::move(work)); }

private:
    std::shared_ptr<ResponseSink> m_sink;
};

using RequestHandler = std::function<void(HttpRequest&& request, Responder responder)>;

}  // namespace atalaya::http
