#include "security/ApiKeyStore.h"

#include <map>
#include <mutex>

#include "security/CredentialTable.h"
#include "security/Crypto.h"

namespace atalaya::security {
namespace {

constexpr CredentialKind kKeys{
    .table = "api_keys", .idColumn = "id", .noun = "key", .longNoun = "API key"};

Status invalidToken() {
    return {StatusCode::Unauthenticated, "the API key is not valid", "invalid_token"};
}

// Splits "atk_<id>_<secret>"; the id is hex, so the first '_' after the prefix ends it.
bool splitToken(std::string_view token, std::string_view& id, std::string_view& secret) {
    if (!token.starts_with(ApiKeyStore::kPrefix))
        return false;
    token.remove_prefix(ApiKeyStore::kPrefix.size());
    const auto underscore = token.find('_');
    if (underscore != kCredentialIdBytes * 2)
        return false;
    id = token.substr(0, underscore);
    secret = token.substr(underscore + 1);
    return id.find_first_not_of("0123456789abcdef") == std::string_view::npos &&
           secret.size() == (kCredentialSecretBytes * 4 + 2) / 3;
}

ApiKeyInfo infoOf(const StoredCredential& key) {
    return {.id = key.id,
            .spec = key.spec,
            .createdAtUnix = key.createdAtUnix,
            .revokedAtUnix = key.revokedAtUnix};
}

}  // namespace

class ApiKeyStore::Impl {
public:
    explicit Impl(CredentialTable table) : m_table(std::move(table)) {}

    Result<IssuedApiKey> create(const ApiKeySpec& spec, bool ephemeral) {
        ATALAYA_ASSIGN_OR_RETURN(NewCredential made, m_table.make(spec));
        IssuedApiKey issued{.info = infoOf(made.stored),
                            .token = std::string(kPrefix) + made.stored.id + "_" + made.secret};
        std::lock_guard lock(m_mutex);
        if (ephemeral)
            m_ephemeral.emplace(made.stored.id, std::move(made.stored));
        else
            ATALAYA_RETURN_IF_ERROR(m_table.insert(made.stored));
        return issued;
    }

    Result<std::vector<ApiKeyInfo>> list() {
        std::lock_guard lock(m_mutex);
        ATALAYA_ASSIGN_OR_RETURN(const auto stored, m_table.list());
        std::vector<ApiKeyInfo> keys;
        keys.reserve(stored.size());
        for (const StoredCredential& key : stored)
            keys.push_back(infoOf(key));
        return keys;
    }

    Status revoke(std::string_view id) {
        std::lock_guard lock(m_mutex);
        if (const auto local = m_ephemeral.find(id); local != m_ephemeral.end()) {
            m_ephemeral.erase(local);
            return Status::ok();
        }
        return m_table.revoke(id);
    }

    Status setLimits(std::string_view id, const ClientLimits& limits) {
        std::lock_guard lock(m_mutex);
        if (const auto local = m_ephemeral.find(id); local != m_ephemeral.end()) {
            local->second.spec.limits = limits;
            return Status::ok();
        }
        return m_table.setLimits(id, limits);
    }

    Result<Principal> verify(std::string_view token) {
        std::string_view id;
        std::string_view secret;
        if (!splitToken(token, id, secret))
            return invalidToken();
        ATALAYA_ASSIGN_OR_RETURN(const std::string hash, secretHashOf(secret));

        std::lock_guard lock(m_mutex);
        const StoredCredential* key = nullptr;
        const auto local = m_ephemeral.find(id);
        if (local != m_ephemeral.end()) {
            key = &local->second;
        } else {
            ATALAYA_ASSIGN_OR_RETURN(key, m_table.find(id));
        }
        if (key == nullptr || !constantTimeEquals(hash, key->secretHash) ||
            key->revokedAtUnix != 0) {
            return invalidToken();
        }
        if (key->expiredAt(m_table.now()))
            return Status(StatusCode::Unauthenticated, "the API key has expired", "invalid_token");
        return Principal{.clientId = "key:" + key->id,
                         .credential = local != m_ephemeral.end() ? "local" : "api_key",
                         .scopes = key->spec.scopes,
                         .models = key->spec.models,
                         .limits = key->spec.limits};
    }

private:
    std::mutex m_mutex;
    CredentialTable m_table;
    // createEphemeral(): in this process's memory only, never in the table.
    std::map<std::string, StoredCredential, std::less<>> m_ephemeral;
};

Result<std::unique_ptr<ApiKeyStore>> ApiKeyStore::open(const std::filesystem::path& file,
                                                       UnixClock clock) {
    ATALAYA_ASSIGN_OR_RETURN(auto table, CredentialTable::open(file, kKeys, std::move(clock)));
    return std::unique_ptr<ApiKeyStore>(new ApiKeyStore(std::make_unique<Impl>(std::move(table))));
}

ApiKeyStore::ApiKeyStore(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
ApiKeyStore::~ApiKeyStore() = default;

Result<IssuedApiKey> ApiKeyStore::create(const ApiKeySpec& spec) {
    return d->create(spec, false);
}
Result<IssuedApiKey> ApiKeyStore::createEphemeral(const ApiKeySpec& spec) {
    return d->create(spec, true);
}
Result<std::vector<ApiKeyInfo>> ApiKeyStore::list() {
    return d->list();
}
Status ApiKeyStore::revoke(std::string_view id) {
    return d->revoke(id);
}
Status ApiKeyStore::setLimits(std::string_view id, const ClientLimits& limits) {
    return d->setLimits(id, limits);
}
Result<Principal> ApiKeyStore::verify(std::string_view token) const {
    return d->verify(token);
}

}  // namespace atalaya::security
