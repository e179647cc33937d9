#include "http/RequestSink.h"

#include <exception>

#include "core/Logging.h"
#include "http/HttpErrors.h"
#include "http/HttpSession.h"

namespace atalaya::http {

RequestSink::~RequestSink() {
    // A handler that lets go of its Responder without answering would otherwise leave the
    // client waiting forever; answer for it.
    if (m_answered.load(std::memory_order_acquire) || m_session->isStopping()) {
        return;
    }
    try {
        qCWarning(lcHttp) << "a request handler dropped its Responder without answering";
        deliver(transportError(500, "internal", "the request was dropped without an answer"));
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
    }
}

void RequestSink::deliver(HttpResponse&& response) {
    if (m_answered.exchange(true, std::memory_order_acq_rel)) {
        qCWarning(lcHttp) << "a Responder was used twice; the second answer is dropped";
        return;
    }
    m_session->deliver(m_requestId, std::move(response));
}

void RequestSink::dispatch(std::function<void()> work) {
    m_session->post([work = std::move(work)] {
        try {
            work();
        } catch (const std::exception& e) {
            qCWarning(lcHttp) << "work dispatched to an IO thread threw:" << e.what();
        }
    });
}

}  // namespace atalaya::http
