#pragma once

#include <QApplication>
#include <QByteArray>
#include <QTest>

// QTEST_MAIN with offscreen as the default platform, so running a GUI test binary by hand needs
// no display either; CTest sets QT_QPA_PLATFORM too.
#define ATALAYA_GUI_TEST_MAIN(TestObject)                    \
    int main(int argc, char* argv[]) {                       \
        if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) { \
            qputenv("QT_QPA_PLATFORM", "offscreen");         \
        }                                                    \
        QApplication app(argc, argv);                        \
        QTEST_SET_MAIN_SOURCE_PATH                           \
        TestObject test;                                     \
        return QTest::qExec(&test, argc, argv);              \
    }
