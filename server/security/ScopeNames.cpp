#include "security/ScopeNames.h"

namespace atalaya::security {

std::optional<Scope> scopeFromName(std::string_view name) {
    for (const Scope scope : {Scope::Predict, Scope::Metrics, Scope::Admin}) {
        if (scopeName(scope) == name)
            return scope;
    }
    return std::nullopt;
}

std::string scopeListText(std::uint8_t scopes, char separator) {
    std::string text;
    for (const Scope scope : {Scope::Predict, Scope::Metrics, Scope::Admin}) {
        if ((scopes & static_cast<std::uint8_t>(scope)) == 0)
            continue;
        if (!text.empty())
            text += separator;
        text += scopeName(scope);
    }
    return text;
}

}  // namespace atalaya::security
