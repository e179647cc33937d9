#include "core/FormUrlEncoded.h"

namespace atalaya {

int percentHexValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::optional<std::string> decodeFormComponent(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            const int high = i + 2 < text.size() ? percentHexValue(text[i + 1]) : -1;
            const int low = i + 2 < text.size() ? percentHexValue(text[i + 2]) : -1;
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

Status forEachFormField(std::string_view text, const Status& malformed,
                        const std::function<Status(std::string name, std::string value)>& field) {
    while (!text.empty()) {
        const auto amp = text.find('&');
        const std::string_view pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
        if (pair.empty())
            continue;
        const auto eq = pair.find('=');
        auto name = decodeFormComponent(pair.substr(0, eq));
        auto value = decodeFormComponent(eq == std::string_view::npos ? std::string_view()
                                                                      : pair.substr(eq + 1));
        if (!name || !value)
            return malformed;
        ATALAYA_RETURN_IF_ERROR(field(std::move(*name), std::move(*value)));
    }
    return Status::ok();
}

}  // namespace atalaya
