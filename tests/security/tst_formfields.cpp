// FormFields: application/x-www-form-urlencoded bodies and query strings, strictly.
#include <QTest>

#include "admin/FormFields.h"

using namespace atalaya;

class TestFormFields : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parse_data();
    void parse();
};

void TestFormFields::parse_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("value");  // expected; "<absent>" when get() gives nullopt

    const QString absent = u"<absent>"_qs;
    QTest::newRow("one field") << u"grant_type=client_credentials"_qs << true << u"grant_type"_qs
                               << u"client_credentials"_qs;
    QTest::newRow("plus is space")
        << u"scope=predict+metrics"_qs << true << u"scope"_qs << u"predict metrics"_qs;
    QTest::newRow("escapes") << u"a=%41%2b%3D%26"_qs << true << u"a"_qs << u"A+=&"_qs;
    QTest::newRow("escaped name") << u"client%5Fid=x"_qs << true << u"client_id"_qs << u"x"_qs;
    QTest::newRow("empty value is absent") << u"scope=&a=1"_qs << true << u"scope"_qs << absent;
    QTest::newRow("no equals is absent") << u"scope&a=1"_qs << true << u"scope"_qs << absent;
    QTest::newRow("empty fields skipped") << u"&&a=1&"_qs << true << u"a"_qs << u"1"_qs;
    QTest::newRow("value with equals") << u"a=b=c"_qs << true << u"a"_qs << u"b=c"_qs;
    QTest::newRow("not there") << u"a=1"_qs << true << u"b"_qs << absent;
    QTest::newRow("empty body") << QString() << true << u"a"_qs << absent;
    QTest::newRow("duplicate") << u"a=1&a=2"_qs << false << QString() << QString();
    QTest::newRow("duplicate after decoding") << u"a=1&%61=2"_qs << false << QString() << QString();
    QTest::newRow("duplicate, one empty") << u"a=&a=2"_qs << false << QString() << QString();
    QTest::newRow("short escape") << u"a=%4"_qs << false << QString() << QString();
    QTest::newRow("bad hex") << u"a=%zz"_qs << false << QString() << QString();
    QTest::newRow("lone percent") << u"a=%"_qs << false << QString() << QString();
}

void TestFormFields::parse() {
    QFETCH(QString, text);
    QFETCH(bool, ok);
    QFETCH(QString, name);
    QFETCH(QString, value);
    const auto form = FormFields::parse(text.toStdString());
    QCOMPARE(form.isOk(), ok);
    if (!ok) {
        QCOMPARE(form.status().reason(), std::string_view("invalid_request"));
        return;
    }
    const auto got = form->get(name.toStdString());
    QCOMPARE(got ? QString::fromStdString(std::string(*got)) : u"<absent>"_qs, value);
}

QTEST_GUILESS_MAIN(TestFormFields)
#include "tst_formfields.moc"
