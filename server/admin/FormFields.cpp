#include "admin/FormFields.h"

#include <algorithm>

#include "core/FormUrlEncoded.h"

namespace atalaya {
namespace {

Status invalidRequest(std::string message) {
    return invalidArgument(std::move(message), "invalid_request");
}

}  // namespace

Result<FormFields> FormFields::parse(std::string_view text) {
    FormFields form;
    ATALAYA_RETURN_IF_ERROR(forEachFormField(
        text, invalidRequest("the form has a malformed %-escape"),
        [&form](std::string name, std::string value) {
            const bool repeated =
                std::any_of(form.m_fields.begin(), form.m_fields.end(),
                            [&](const auto& existing) { return existing.first == name; });
            if (repeated)
                return invalidRequest("the parameter \"" + name + "\" is given more than once");
            form.m_fields.emplace_back(std::move(name), std::move(value));
            return Status::ok();
        }));
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
