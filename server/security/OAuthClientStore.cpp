#include "security/OAuthClientStore.h"

#include <mutex>

#include "security/CredentialTable.h"
#include "security/Crypto.h"

namespace atalaya::security {
namespace {

constexpr CredentialKind kClients{
    .table = "oauth_clients", .idColumn = "client_id", .noun = "client", .longNoun = "client"};

Status invalidClient() {
    return {StatusCode::Unauthenticated, "client authentication failed", "invalid_client"};
}

Status invalidToken() {
    return {StatusCode::Unauthenticated, "the token's client is not active", "invalid_token"};
}

OAuthClientInfo infoOf(const StoredCredential& client) {
    return {.clientId = client.id,
            .spec = client.spec,
            .createdAtUnix = client.createdAtUnix,
            .revokedAtUnix = client.revokedAtUnix};
}

}  // namespace

class OAuthClientStore::Impl {
public:
    explicit Impl(CredentialTable table) : m_table(std::move(table)) {}

    Result<RegisteredClient> create(const OAuthClientSpec& spec) {
        ATALAYA_ASSIGN_OR_RETURN(NewCredential made, m_table.make(spec));
        std::lock_guard lock(m_mutex);
        ATALAYA_RETURN_IF_ERROR(m_table.insert(made.stored));
        return RegisteredClient{.info = infoOf(made.stored), .secret = std::move(made.secret)};
    }

    Result<std::vector<OAuthClientInfo>> list() {
        std::lock_guard lock(m_mutex);
        ATALAYA_ASSIGN_OR_RETURN(const auto stored, m_table.list());
        std::vector<OAuthClientInfo> clients;
        clients.reserve(stored.size());
        for (const StoredCredential& client : stored)
            clients.push_back(infoOf(client));
        return clients;
    }

    Status revoke(std::string_view id) {
        std::lock_guard lock(m_mutex);
        return m_table.revoke(id);
    }

    Status setLimits(std::string_view id, const ClientLimits& limits) {
        std::lock_guard lock(m_mutex);
        return m_table.setLimits(id, limits);
    }

    Result<OAuthClientInfo> authenticate(std::string_view id, std::string_view secret) {
        // Hashed before the lookup, so an unknown id costs as much as a wrong secret.
        ATALAYA_ASSIGN_OR_RETURN(const std::string hash, secretHashOf(secret));
        std::lock_guard lock(m_mutex);
        ATALAYA_ASSIGN_OR_RETURN(const StoredCredential* client, m_table.find(id));
        if (client == nullptr || !constantTimeEquals(hash, client->secretHash) ||
            client->revokedAtUnix != 0) {
            return invalidClient();
        }
        if (client->expiredAt(m_table.now()))
            return Status(StatusCode::PermissionDenied, "the client's registration has expired",
                          "unauthorized_client");
        return infoOf(*client);
    }

    Result<OAuthClientInfo> active(std::string_view id) {
        std::lock_guard lock(m_mutex);
        ATALAYA_ASSIGN_OR_RETURN(const StoredCredential* client, m_table.find(id));
        if (client == nullptr || client->revokedAtUnix != 0 || client->expiredAt(m_table.now()))
            return invalidToken();
        return infoOf(*client);
    }

private:
    std::mutex m_mutex;
    CredentialTable m_table;
};

Result<std::unique_ptr<OAuthClientStore>> OAuthClientStore::open(const std::filesystem::path& file,
                                                                 UnixClock clock) {
    ATALAYA_ASSIGN_OR_RETURN(auto table, CredentialTable::open(file, kClients, std::move(clock)));
    return std::unique_ptr<OAuthClientStore>(
        new OAuthClientStore(std::make_unique<Impl>(std::move(table))));
}

OAuthClientStore::OAuthClientStore(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
OAuthClientStore::~OAuthClientStore() = default;

Result<RegisteredClient> OAuthClientStore::create(const OAuthClientSpec& spec) {
    return d->create(spec);
}
Result<std::vector<OAuthClientInfo>> OAuthClientStore::list() {
    return d->list();
}
Status OAuthClientStore::revoke(std::string_view clientId) {
    return d->revoke(clientId);
}
Status OAuthClientStore::setLimits(std::string_view clientId, const ClientLimits& limits) {
    return d->setLimits(clientId, limits);
}
Result<OAuthClientInfo> OAuthClientStore::authenticate(std::string_view clientId,
                                                       std::string_view secret) const {
    return d->authenticate(clientId, secret);
}
Result<OAuthClientInfo> OAuthClientStore::active(std::string_view clientId) const {
    return d->active(clientId);
}

}  // namespace atalaya::security
