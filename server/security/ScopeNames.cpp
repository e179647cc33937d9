#include "security/ScopeNames.h"

namespace atalaya::security {

std::optional<Scope> scopeFromName(std::string_view name) {
    for (const Scope scope : {Scope::Predict, Scope::Metrics, Scope::Admin}) {
        if (scopeName(scope) == name)
            return scope;
    }
    return std::nullopt;
}

std::vector<std::string_view> scopeNames(std::uint8_t scopes) {
    std::vector<std::string_view> names;
    for (const Scope scope : {Scope::Predict, Scope::Metrics, Scope::Admin}) {
        if ((scopes & static_cast<std::uint8_t>(scope)) != 0)
            names.push_back(scopeName(scope));
    }
    return names;
}

std::string scopeListText(std::uint8_t scopes, char separator) {
    std::string text;
    for (const std::string_view name : scopeNames(scopes)) {
        if (!text.empty())
            text += separator;
        text += name;
    }
    return text;
}

}  // namespace atalaya::security
