#include "admin/FormFields.h"

#include <algorithm>

namespace atalaya {
namespace {

int hexValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

Status invalidRequest(std::string message) {
    return invalidArgument(std::move(message), "invalid_request");
}

}  // namespace

std::optional<std::string> FormFields::decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            const int high = i + 1 < text.size() ? hexValue(text[i + 1]) : -1;
            const int low = i + 2 < text.size() ? hexValue(text[i + 2]) : -1;
            if (high < 0 || low < 0)
                return std::nullopt;
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

Result<FormFields> FormFields::parse(std::string_view text) {
    FormFields form;
    while (!text.empty()) {
        const auto amp = text.find('&');
        const std::string_view field = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
        if (field.empty())
            continue;
        const auto eq = field.find('=');
        auto name = decode(field.substr(0, eq));
        auto value =
            decode(eq == std::string_view::npos ? std::string_view() : field.substr(eq + 1));
        if (!name || !value)
            return invalidRequest("the form has a malformed %-escape");
        const bool repeated =
            std::any_of(form.m_fields.begin(), form.m_fields.end(),
                        [&](const auto& existing) { return existing.first == *name; });
        if (repeated)
            return invalidRequest("the parameter \"" + *name + "\" is given more than once");
        form.m_fields.emplace_back(std::move(*name), std::move(*value));
    }
    return form;
}

std::optional<std::string_view> FormFields::get(std::string_view name) const {
    for (const auto& [key, value] : m_fields) {
        if (key == name)
            return value.empty() ? std::nullopt : std::optional<std::string_view>(value);
    }
    return std::nullopt;
}

}  // namespace atalaya
