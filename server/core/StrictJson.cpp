#include "core/StrictJson.h"

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace atalaya {
namespace {

using nlohmann::json;

// Builds the document from nlohmann's SAX events and checks each event as it comes, so the
// first violation stops the parse. Every request body goes through here on an IO thread: a
// duplicate key is found by looking the key up in the object being built (no set of keys
// kept on the side), and no callback is wrapped in a std::function.
class StrictDomBuilder {
public:
    explicit StrictDomBuilder(const StrictJsonLimits& limits) : m_limits(limits) {}

    bool null() { return add(json(nullptr)); }
    bool boolean(bool value) { return add(json(value)); }
    bool number_integer(json::number_integer_t value) { return add(json(value)); }
    bool number_unsigned(json::number_unsigned_t value) { return add(json(value)); }
    bool number_float(json::number_float_t value, const json::string_t& /*text*/) {
        return add(json(value));
    }
    bool string(json::string_t& value) { return add(json(std::move(value))); }
    bool binary(json::binary_t& /*value*/) {
        return fail(invalidArgument("malformed JSON: binary values are not JSON", "invalid_json"));
    }

    bool start_object(std::size_t /*elements*/) { return open(json::object()); }
    bool key(json::string_t& name) {
        auto& object = m_open.back()->get_ref<json::object_t&>();
        auto [slot, inserted] = object.try_emplace(std::move(name));
        if (!inserted) {
            return fail(invalidArgument("duplicate key \"" + slot->first + "\"", "duplicate_key"));
        }
        m_member = &slot->second;
        return true;
    }
    bool end_object() { return close(); }
    bool start_array(std::size_t /*elements*/) { return open(json::array()); }
    bool end_array() { return close(); }

    bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                     const json::exception& error) {
        // parse_error names the byte offset, which helps a client find its mistake; out_of_range
        // is a number too large for a double (1e400), which JSON allows but we cannot represent.
        return fail(
            invalidArgument(std::string("malformed JSON: ") + error.what(), "invalid_json"));
    }

    Result<json> take() && {
        if (!m_status.isOk())
            return std::move(m_status);
        return std::move(m_root);
    }

private:
    // Places a finished value where the enclosing container expects it; returns its address.
    json* place(json&& value) {
        if (m_open.empty()) {
            m_root = std::move(value);
            return &m_root;
        }
        json& parent = *m_open.back();
        if (parent.is_array()) {
            auto& array = parent.get_ref<json::array_t&>();
            array.push_back(std::move(value));
            return &array.back();
        }
        *m_member = std::move(value);
        return m_member;
    }
    bool add(json&& value) {
        place(std::move(value));
        return true;
    }
    bool open(json&& container) {
        if (static_cast<int>(m_open.size()) >= m_limits.maxDepth) {
            return fail(invalidArgument(
                "JSON nesting deeper than " + std::to_string(m_limits.maxDepth), "too_deep"));
        }
        m_open.push_back(place(std::move(container)));
        return true;
    }
    bool close() {
        m_open.pop_back();
        return true;
    }
    bool fail(Status status) {
        m_status = std::move(status);
        return false;
    }

    const StrictJsonLimits& m_limits;
    json m_root;
    std::vector<json*> m_open;  // containers being filled, innermost last
    json* m_member = nullptr;   // the slot the last key made in the innermost object
    Status m_status = Status::ok();
};

}  // namespace

Result<nlohmann::json> parseStrictJson(std::string_view text, const StrictJsonLimits& limits) {
    StrictDomBuilder builder(limits);
    // A handler that returns false stops the parse; sax_parse then reports false without
    // throwing, and the builder holds the reason.
    const bool parsed = json::sax_parse(text.begin(), text.end(), &builder);
    auto result = std::move(builder).take();
    if (!parsed && result.isOk())
        return invalidArgument("malformed JSON", "invalid_json");
    return result;
}

}  // namespace atalaya
