#pragma once

#include <QObject>

class QSocketNotifier;

namespace atalaya {

// Turns SIGTERM and SIGINT into a Qt signal on the main thread (the self-pipe trick from Qt's
// "Calling Qt Functions From Unix Signal Handlers"), so main() can drain the server and return
// normally instead of dying inside a signal handler.
class TerminationSignals : public QObject {
    Q_OBJECT
public:
    explicit TerminationSignals(QObject* parent = nullptr);
    ~TerminationSignals() override;

Q_SIGNALS:
    void terminationRequested(int signalNumber);

private:
    void readSignal();

    QSocketNotifier* m_notifier = nullptr;
};

}  // namespace atalaya
