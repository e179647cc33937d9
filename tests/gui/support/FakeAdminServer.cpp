#include "support/FakeAdminServer.h"

#include <QTcpSocket>
#include <memory>
#include <optional>

namespace {

// The request in `buffer` once it is complete (head and Content-Length bytes of body), which
// it removes from the buffer; none while more is to come.
std::optional<FakeAdminServer::Request> takeRequest(QByteArray& buffer) {
    const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
    if (headEnd < 0) {
        return std::nullopt;
    }
    FakeAdminServer::Request request;
    request.head = buffer.left(headEnd);
    const qsizetype bodyLength = request.header("Content-Length").toLongLong();
    if (buffer.size() < headEnd + 4 + bodyLength) {
        return std::nullopt;
    }
    request.body = buffer.mid(headEnd + 4, bodyLength);
    buffer.remove(0, headEnd + 4 + bodyLength);
    const QList<QByteArray> requestLine =
        request.head.left(request.head.indexOf("\r\n")).split(' ');
    request.method = requestLine.value(0);
    request.target = requestLine.value(1);
    return request;
}

}  // namespace

QByteArray FakeAdminServer::Request::path() const {
    const qsizetype query = target.indexOf('?');
    return query < 0 ? target : target.left(query);
}

QByteArray FakeAdminServer::Request::header(const QByteArray& name) const {
    for (const QByteArray& line : head.split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0) {
            return line.mid(colon + 1).trimmed();
        }
    }
    return {};
}

FakeAdminServer::FakeAdminServer() {
    QObject::connect(&m_server, &QTcpServer::newConnection, &m_server, [this] { accept(); });
}

bool FakeAdminServer::listen() {
    return m_server.listen(QHostAddress::LocalHost, 0);
}

QUrl FakeAdminServer::url() const {
    return QUrl(u"http://127.0.0.1:" + QString::number(m_server.serverPort()));
}

void FakeAdminServer::setAnswer(const QByteArray& method, const QByteArray& path,
                                const QByteArray& body, int httpStatus) {
    m_answers.insert(method + ' ' + path, Answer{httpStatus, body});
}

QList<FakeAdminServer::Request> FakeAdminServer::requests(const QByteArray& method) const {
    QList<Request> matching;
    for (const Request& request : m_requests) {
        if (request.method == method) {
            matching.append(request);
        }
    }
    return matching;
}

void FakeAdminServer::accept() {
    while (QTcpSocket* socket = m_server.nextPendingConnection()) {
        auto buffer = std::make_shared<QByteArray>();
        QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
            *buffer += socket->readAll();
            while (const std::optional<Request> request = takeRequest(*buffer)) {
                m_requests.append(*request);
                if (!m_silent) {
                    answer(socket, *request);
                }
            }
        });
        QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }
}

void FakeAdminServer::answer(QTcpSocket* socket, const Request& request) {
    const auto found = m_answers.constFind(request.method + ' ' + request.path());
    const Answer reply =
        found != m_answers.cend()
            ? *found
            : Answer{404, R"({"error": {"code": "not_found", "message": "no such route"}})"};
    socket->write("HTTP/1.1 " + QByteArray::number(reply.httpStatus) +
                  (reply.httpStatus == 200 ? " OK" : " Error") +
                  "\r\nContent-Type: application/json\r\nContent-Length: " +
                  QByteArray::number(reply.body.size()) + "\r\nConnection: close\r\n\r\n" +
                  reply.body);
    socket->disconnectFromHost();
}
