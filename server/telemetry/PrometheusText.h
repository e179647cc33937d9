#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace atalaya {

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

struct PrometheusLabel {
    std::string_view name;   // a fixed identifier: written as is
    std::string_view value;  // any bytes: escaped, and invalid UTF-8 replaced by U+FFFD
};

// Writes the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format): one
// HELP and TYPE line per family, then its samples. The caller keeps a family's samples together,
// as the format requires. Not thread-safe: one writer per scrape.
class PrometheusTextWriter {
public:
    enum class Type { Counter, Gauge, Histogram };

    void family(std::string_view name, Type type, std::string_view help);
    void sample(std::string_view name, std::span<const PrometheusLabel> labels, double value);
    void sample(std::string_view name, std::span<const PrometheusLabel> labels,
                std::uint64_t value);

    // `upperBounds` ascending, without +Inf; `counts` per bucket (not cumulative), one more than
    // `upperBounds`, the last being the observations above every bound. Writes the cumulative
    // _bucket{le} series ending at +Inf, then _sum and _count (= the +Inf bucket, so a scrape
    // racing with observations stays self-consistent).
    void histogram(std::string_view name, std::span<const PrometheusLabel> labels,
                   std::span<const double> upperBounds, std::span<const std::uint64_t> counts,
                   double sum);

    const std::string& text() const { return m_out; }
    std::string take() { return std::move(m_out); }

private:
    void appendSeries(std::string_view name, std::string_view suffix,
                      std::span<const PrometheusLabel> labels, const PrometheusLabel* extra);

    std::string m_out;
};

// Label values escape '\', '"' and newline; HELP text escapes '\' and newline only.
void appendEscapedLabelValue(std::string& out, std::string_view value);
void appendEscapedHelp(std::string& out, std::string_view help);

// Shortest text that parses back to the same double (Go's ParseFloat accepts it, as promtool
// needs), "+Inf", "-Inf" or "NaN".
void appendPrometheusNumber(std::string& out, double value);

}  // namespace atalaya
