#include "http/ApiCall.h"

namespace atalaya::http {

namespace {
constexpr std::string_view kRequestIdHeader = "X-Request-Id";
}

HttpResponse jsonResponse(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

void ApiCall::reply(HttpResponse&& response) {
    if (metrics != nullptr)
        recordMetrics(response.status);
    response.withHeader(std::string(kRequestIdHeader), requestId);
    for (auto& header : extraHeaders)
        response.headers.push_back(std::move(header));
    responder.send(std::move(response));
    pending->fetch_sub(1);
}

void ApiCall::fail(const Status& status, std::string_view requiredScope) {
    if (metrics != nullptr)
        metrics->recordRejection(status.reason());
    reply(errorResponse(status, requiredScope));
}

void ApiCall::recordMetrics(int httpStatus) const {
    using std::chrono::duration_cast;
    using std::chrono::microseconds;
    metrics->recordRequest(
        {.route = route,
         .apiVersion = apiVersion,
         .model = served != nullptr ? std::string_view(served->model()) : std::string_view(),
         .version = served != nullptr ? served->version() : 0,
         .httpStatus = httpStatus,
         .total = duration_cast<microseconds>(SteadyClock::now() - receivedAt),
         .queue = timing.queue,
         .compute = timing.compute,
         .batchSize = timing.batchSize});
}

}  // namespace atalaya::http
