#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QTcpServer>
#include <QUrl>

// A scriptable stand-in for the admin API on loopback, for GUI tests: it records every request
// (method, target, headers, body) and answers each "METHOD /path" (query ignored) with the
// canned answer the test set for it, or 404 with an error document. A test changes the answers
// as its scenario goes on, as the real server's state would change; a silent one answers
// nothing, as a hung server.
//
// Single-threaded: it runs on the test's event loop, which QTRY_* and QSignalSpy::wait spin.
class FakeAdminServer {
public:
    struct Request {
        QByteArray method;
        QByteArray target;  // path and query, as sent
        QByteArray head;    // request line and header fields
        QByteArray body;

        QByteArray path() const;
        QByteArray header(const QByteArray& name) const;  // case-insensitive; empty if absent
    };

    FakeAdminServer();

    bool listen();
    QUrl url() const;

    void setAnswer(const QByteArray& method, const QByteArray& path, const QByteArray& body,
                   int httpStatus = 200);

    void setSilent(bool silent) { m_silent = silent; }

    const QList<Request>& requests() const { return m_requests; }
    QList<Request> requests(const QByteArray& method) const;

private:
    struct Answer {
        int httpStatus = 200;
        QByteArray body;
    };

    void accept();
    void answer(QTcpSocket* socket, const Request& request);

    QHash<QByteArray, Answer> m_answers;  // "METHOD /path" -> answer
    QList<Request> m_requests;
    bool m_silent = false;
    QTcpServer m_server;  // last: its sockets, destroyed with it, may still call back
};
