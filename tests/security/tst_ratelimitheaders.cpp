// RateLimit-Policy / RateLimit (draft-ietf-httpapi-ratelimit-headers-08), Retry-After and
// Cache-Control for one or more decisions.
#include <QTest>

#include "security/RateLimitHeaders.h"

using namespace atalaya;

namespace {

using Decisions = std::vector<RateLimitDecision>;
using Headers = std::vector<std::pair<std::string, std::string>>;

RateLimitDecision allowed(std::string_view policy, std::int64_t q, std::int64_t w, std::int64_t r,
                          std::int64_t t) {
    return {true, {}, policy, q, w, r, t, 0};
}
RateLimitDecision denied(std::string_view policy, std::string_view reason, std::int64_t q,
                         std::int64_t w, std::int64_t t, std::int64_t retryAfter) {
    return {false, reason, policy, q, w, 0, t, retryAfter};
}

QString render(const Headers& headers) {
    QStringList lines;
    for (const auto& [name, value] : headers)
        lines << QString::fromStdString(name + ": " + value);
    return lines.join('\n');
}

}  // namespace

Q_DECLARE_METATYPE(Decisions)

class TestRateLimitHeaders : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void headers_data() {
        QTest::addColumn<Decisions>("decisions");
        QTest::addColumn<QString>("expected");
        QTest::newRow("one policy, allowed") << Decisions{allowed("default", 100, 60, 42, 17)}
                                             << "RateLimit-Policy: \"default\";q=100;w=60\n"
                                                "RateLimit: \"default\";r=42;t=17";
        QTest::newRow("rate and day quota")
            << Decisions{allowed("rate", 20, 4, 19, 1), allowed("day", 10000, 86400, 9958, 3600)}
            << "RateLimit-Policy: \"rate\";q=20;w=4, \"day\";q=10000;w=86400\n"
               "RateLimit: \"rate\";r=19;t=1, \"day\";r=9958;t=3600";
        QTest::newRow("rate limited: Retry-After, no-store")
            << Decisions{denied("rate", "rate_limited", 20, 4, 4, 1)}
            << "RateLimit-Policy: \"rate\";q=20;w=4\n"
               "RateLimit: \"rate\";r=0;t=4\n"
               "Retry-After: 1\n"
               "Cache-Control: no-store";
        QTest::newRow("quota exceeded after a passed rate check")
            << Decisions{allowed("rate", 20, 4, 18, 1),
                         denied("month", "quota_exceeded", 1000, 2592000, 43200, 43200)}
            << "RateLimit-Policy: \"rate\";q=20;w=4, \"month\";q=1000;w=2592000\n"
               "RateLimit: \"rate\";r=18;t=1, \"month\";r=0;t=43200\n"
               "Retry-After: 43200\n"
               "Cache-Control: no-store";
        QTest::newRow("two denials: the longer wait")
            << Decisions{denied("rate", "rate_limited", 5, 5, 5, 2),
                         denied("day", "quota_exceeded", 10, 86400, 600, 600)}
            << "RateLimit-Policy: \"rate\";q=5;w=5, \"day\";q=10;w=86400\n"
               "RateLimit: \"rate\";r=0;t=5, \"day\";r=0;t=600\n"
               "Retry-After: 600\n"
               "Cache-Control: no-store";
        QTest::newRow("unlimited: nothing") << Decisions{RateLimitDecision{}} << "";
        QTest::newRow("unlimited policies are left out")
            << Decisions{RateLimitDecision{}, allowed("day", 10, 86400, 9, 60)}
            << "RateLimit-Policy: \"day\";q=10;w=86400\n"
               "RateLimit: \"day\";r=9;t=60";
        QTest::newRow("denied without advice still says 1 s")
            << Decisions{denied("auth", "rate_limited", 10, 50, 50, 0)}
            << "RateLimit-Policy: \"auth\";q=10;w=50\n"
               "RateLimit: \"auth\";r=0;t=50\n"
               "Retry-After: 1\n"
               "Cache-Control: no-store";
        QTest::newRow("policy name escaped as an sf-string")
            << Decisions{allowed("a\"b\\c", 1, 1, 1, 0)}
            << "RateLimit-Policy: \"a\\\"b\\\\c\";q=1;w=1\n"
               "RateLimit: \"a\\\"b\\\\c\";r=1;t=0";
        QTest::newRow("nothing") << Decisions{} << "";
    }
    void headers() {
        QFETCH(Decisions, decisions);
        QFETCH(QString, expected);
        QCOMPARE(render(rateLimitHeaders(decisions)), expected);
    }

    void singleDecisionOverload() {
        const auto headers = rateLimitHeaders(allowed("rate", 10, 1, 9, 1));
        QCOMPARE(headers.size(), std::size_t(2));
        QCOMPARE(headers[0].first, std::string("RateLimit-Policy"));
    }

    // errorResponse(decision.toStatus()) writes Retry-After itself: no second one.
    void retryAfterCanBeLeftToTheErrorResponse() {
        const auto headers =
            rateLimitHeaders(denied("rate", "rate_limited", 5, 5, 5, 2), RetryAfterField::Omit);
        QCOMPARE(render(headers), QString("RateLimit-Policy: \"rate\";q=5;w=5\n"
                                          "RateLimit: \"rate\";r=0;t=5\n"
                                          "Cache-Control: no-store"));
    }
};

QTEST_GUILESS_MAIN(TestRateLimitHeaders)
#include "tst_ratelimitheaders.moc"
