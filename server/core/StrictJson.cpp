#include "core/StrictJson.h"

#include <nlohmann/json.hpp>

#include <string>
#include <unordered_set>
#include <vector>

namespace atalaya {
namespace {

// Thrown from inside the parser callback to stop parsing at the first violation.
struct StrictViolation {
    Status status;
};

class StrictChecker {
public:
    explicit StrictChecker(const StrictJsonLimits& limits) : m_limits(limits) {}

    bool operator()(int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        using Event = nlohmann::json::parse_event_t;
        switch (event) {
            case Event::object_start:
                enter();
                m_keysPerObject.emplace_back();
                break;
            case Event::array_start:
                enter();
                break;
            case Event::object_end:
                m_keysPerObject.pop_back();
                --m_depth;
                break;
            case Event::array_end:
                --m_depth;
                break;
            case Event::key:
                if (!m_keysPerObject.back().insert(parsed.get_ref<const std::string&>()).second) {
                    throw StrictViolation{invalidArgument(
                        "duplicate key \"" + parsed.get<std::string>() + "\"", "duplicate_key")};
                }
                break;
            case Event::value:
                break;
        }
        return true;
    }

private:
    void enter() {
        if (++m_depth > m_limits.maxDepth) {
            throw StrictViolation{invalidArgument(
                "JSON nesting deeper than " + std::to_string(m_limits.maxDepth), "too_deep")};
        }
    }

    const StrictJsonLimits& m_limits;
    int m_depth = 0;
    std::vector<std::unordered_set<std::string>> m_keysPerObject;
};

}  // namespace

Result<nlohmann::json> parseStrictJson(std::string_view text, const StrictJsonLimits& limits) {
    StrictChecker checker(limits);
    try {
        return nlohmann::json::parse(text.begin(), text.end(), std::ref(checker));
    } catch (const StrictViolation& violation) {
        return violation.status;
    } catch (const nlohmann::json::exception& error) {
        // parse_error names the byte offset, which helps a client find its mistake; out_of_range
        // is a number too large for a double (1e400), which JSON allows but we cannot represent.
        return invalidArgument(std::string("malformed JSON: ") + error.what(), "invalid_json");
    }
}

}  // namespace atalaya
