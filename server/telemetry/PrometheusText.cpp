#include "telemetry/PrometheusText.h"

#include <charconv>
#include <cmath>

namespace atalaya {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// Length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629 s4: no overlongs, no
// surrogates, nothing above U+10FFFF), or 0. Prometheus rejects a scrape with invalid UTF-8 in a
// label value, so one odd model directory name must not cost every metric.
std::size_t utf8SequenceLength(std::string_view s) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const auto continuation = [&](std::size_t i) {
        return i < s.size() && (byte(i) & 0xC0) == 0x80;
    };
    const unsigned char lead = byte(0);
    if (lead < 0x80)
        return 1;
    if (lead >= 0xC2 && lead <= 0xDF)
        return continuation(1) ? 2 : 0;
    if (lead >= 0xE0 && lead <= 0xEF) {
        if (s.size() < 2)
            return 0;
        const unsigned char second = byte(1);
        if (lead == 0xE0 && second < 0xA0)
            return 0;  // overlong
        if (lead == 0xED && second > 0x9F)
            return 0;  // surrogate
        return continuation(1) && continuation(2) ? 3 : 0;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        if (s.size() < 2)
            return 0;
        const unsigned char second = byte(1);
        if (lead == 0xF0 && second < 0x90)
            return 0;  // overlong
        if (lead == 0xF4 && second > 0x8F)
            return 0;  // above U+10FFFF
        return continuation(1) && continuation(2) && continuation(3) ? 4 : 0;
    }
    return 0;
}

std::string_view typeName(PrometheusTextWriter::Type type) {
    switch (type) {
        case PrometheusTextWriter::Type::Counter:
            return "counter";
        case PrometheusTextWriter::Type::Gauge:
            return "gauge";
        case PrometheusTextWriter::Type::Histogram:
            return "histogram";
    }
    return "untyped";
}

void appendUnsigned(std::string& out, std::uint64_t value) {
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
}

}  // namespace

void appendEscapedLabelValue(std::string& out, std::string_view value) {
    while (!value.empty()) {
        const char c = value.front();
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            const std::size_t length = utf8SequenceLength(value);
            if (length == 0) {
                out += kReplacementCharacter;
                value.remove_prefix(1);
                continue;
            }
            out += value.substr(0, length);
            value.remove_prefix(length);
            continue;
        }
        value.remove_prefix(1);
    }
}

void appendEscapedHelp(std::string& out, std::string_view help) {
    for (const char c : help) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
}

void appendPrometheusNumber(std::string& out, double value) {
    if (std::isnan(value)) {
        out += "NaN";
    } else if (std::isinf(value)) {
        out += value > 0 ? "+Inf" : "-Inf";
    } else {
        char buffer[32];
        const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
        out.append(buffer, result.ptr);
    }
}

void PrometheusTextWriter::family(std::string_view name, Type type, std::string_view help) {
    m_out += "# HELP ";
    m_out += name;
    m_out += ' ';
    appendEscapedHelp(m_out, help);
    m_out += "\n# TYPE ";
    m_out += name;
    m_out += ' ';
    m_out += typeName(type);
    m_out += '\n';
}

void PrometheusTextWriter::appendSeries(std::string_view name, std::string_view suffix,
                                        std::span<const PrometheusLabel> labels,
                                        const PrometheusLabel* extra) {
    m_out += name;
    m_out += suffix;
    if (labels.empty() && !extra)
        return;
    m_out += '{';
    bool first = true;
    const auto appendLabel = [&](const PrometheusLabel& label) {
        if (!first)
            m_out += ',';
        first = false;
        m_out += label.name;
        m_out += "=\"";
        appendEscapedLabelValue(m_out, label.value);
        m_out += '"';
    };
    for (const PrometheusLabel& label : labels)
        appendLabel(label);
    if (extra)
        appendLabel(*extra);
    m_out += '}';
}

void PrometheusTextWriter::sample(std::string_view name, std::span<const PrometheusLabel> labels,
                                  double value) {
    appendSeries(name, {}, labels, nullptr);
    m_out += ' ';
    appendPrometheusNumber(m_out, value);
    m_out += '\n';
}

void PrometheusTextWriter::sample(std::string_view name, std::span<const PrometheusLabel> labels,
                                  std::uint64_t value) {
    appendSeries(name, {}, labels, nullptr);
    m_out += ' ';
    appendUnsigned(m_out, value);
    m_out += '\n';
}

void PrometheusTextWriter::histogram(std::string_view name, std::span<const PrometheusLabel> labels,
                                     std::span<const double> upperBounds,
                                     std::span<const std::uint64_t> counts, double sum) {
    std::uint64_t cumulative = 0;
    std::string le;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        cumulative += counts[i];
        le.clear();
        if (i < upperBounds.size()) {
            appendPrometheusNumber(le, upperBounds[i]);
        } else {
            le = "+Inf";
        }
        const PrometheusLabel bound{"le", le};
        appendSeries(name, "_bucket", labels, &bound);
        m_out += ' ';
        appendUnsigned(m_out, cumulative);
        m_out += '\n';
    }
    appendSeries(name, "_sum", labels, nullptr);
    m_out += ' ';
    appendPrometheusNumber(m_out, sum);
    m_out += "\n";
    appendSeries(name, "_count", labels, nullptr);
    m_out += ' ';
    appendUnsigned(m_out, cumulative);
    m_out += '\n';
}

}  // namespace atalaya
