#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "http/HttpMessage.h"

namespace atalaya::http {

class SessionBase;

// The ResponseSink behind one request's Responder. Exactly-once is enforced here, per request,
// so a second send() can never answer the connection's next request. Any thread.
class RequestSink final : public ResponseSink {
public:
    RequestSink(std::shared_ptr<SessionBase> session, std::uint64_t requestId)
        : m_session(std::move(session)), m_requestId(requestId) {}
    ~RequestSink() override;
    RequestSink(const RequestSink&) = delete;
    RequestSink& operator=(const RequestSink&) = delete;

    void deliver(HttpResponse&& response) override;
    void dispatch(std::function<void()> work) override;

private:
    std::shared_ptr<SessionBase> m_session;
    std::uint64_t m_requestId;
    std::atomic<bool> m_answered{false};
};

}  // namespace atalaya::http
