#include "security/Principal.h"

#include <algorithm>

namespace atalaya {

std::string_view scopeName(Scope scope) {
    switch (scope) {
        case Scope::Predict:
            return "predict";
        case Scope::Metrics:
            return "metrics";
        case Scope::Admin:
            return "admin";
    }
    return "unknown";
}

bool Principal::mayUseModel(std::string_view model) const {
    if (!has(Scope::Predict))
        return false;
    return models.empty() || std::find(models.begin(), models.end(), model) != models.end();
}

}  // namespace atalaya
