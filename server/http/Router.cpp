#include "http/Router.h"

#include "core/FormUrlEncoded.h"

namespace atalaya::http {
namespace {

Status badPath(std::string message) {
    return invalidArgument(std::move(message), "bad_path");
}

}  // namespace

std::string_view accessName(Access access) {
    switch (access) {
        case Access::Public:
            return "public";
        case Access::Predict:
            return "predict";
        case Access::Metrics:
            return "metrics";
        case Access::Admin:
            return "admin";
    }
    return "unknown";
}

std::optional<std::string_view> PathParams::get(std::string_view name) const {
    for (const auto& [key, value] : m_items) {
        if (key == name)
            return value;
    }
    return std::nullopt;
}

Result<std::string> normalizePath(std::string_view target) {
    const auto query = target.find('?');
    const std::string_view raw = target.substr(0, query);
    if (raw.empty() || raw.front() != '/')
        return badPath("the request path must start with /");

    std::string path;
    path.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '%') {
            if (i + 2 >= raw.size())
                return badPath("bad percent-encoding");
            const int hi = percentHexValue(raw[i + 1]);
            const int lo = percentHexValue(raw[i + 2]);
            if (hi < 0 || lo < 0)
                return badPath("bad percent-encoding");
            c = static_cast<char>(hi * 16 + lo);
            if (c == '/' || c == '\\' || c == '\0')
                return badPath("encoded separator in path");
            i += 2;
        } else if (c == '\\' || static_cast<unsigned char>(c) < 0x20) {
            return badPath("control character or backslash in path");
        }
        path.push_back(c);
    }
    // Every segment must be a real name: "", "." and ".." would alias other routes.
    std::size_t start = 1;
    while (start <= path.size()) {
        const auto end = std::min(path.find('/', start), path.size());
        const std::string_view segment(path.data() + start, end - start);
        const bool last = end == path.size();
        if ((segment.empty() && !(last && path.size() == 1)) || segment == "." || segment == "..") {
            return badPath("empty or dot segment in path");
        }
        start = end + 1;
    }
    return path;
}

bool matchPattern(std::string_view pattern, std::string_view path, PathParams& params) {
    while (!pattern.empty() && !path.empty()) {
        const auto pEnd = pattern.find('/', 1);
        const auto sEnd = path.find('/', 1);
        const std::string_view pSeg =
            pattern.substr(1, pEnd == std::string_view::npos ? pattern.npos : pEnd - 1);
        const std::string_view sSeg =
            path.substr(1, sEnd == std::string_view::npos ? path.npos : sEnd - 1);
        if (pSeg.size() > 2 && pSeg.front() == '{' && pSeg.back() == '}') {
            params.add(pSeg.substr(1, pSeg.size() - 2), std::string(sSeg));
        } else if (pSeg != sSeg) {
            return false;
        }
        pattern = pEnd == std::string_view::npos ? std::string_view() : pattern.substr(pEnd);
        path = sEnd == std::string_view::npos ? std::string_view() : path.substr(sEnd);
    }
    return pattern.empty() && path.empty();
}

}  // namespace atalaya::http
