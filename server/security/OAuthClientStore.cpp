#include "security/OAuthClientStore.h"

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "security/Base64Url.h"
#include "security/Crypto.h"
#include "telemetry/SqliteDatabase.h"

namespace atalaya::security {
namespace {

constexpr std::size_t kIdBytes = 8;
constexpr std::size_t kSecretBytes = 32;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS oauth_clients(
    client_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    scopes INTEGER NOT NULL,
    models TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    rate_per_second REAL NOT NULL,
    burst REAL NOT NULL,
    requests_per_day INTEGER NOT NULL,
    requests_per_month INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL);
)sql";

constexpr std::string_view kColumns =
    "client_id, name, owner, scopes, models, secret_sha256, expires_at, rate_per_second, burst, "
    "requests_per_day, requests_per_month, created_at, revoked_at";

struct StoredClient {
    OAuthClientInfo info;
    std::string secretHash;  // hex SHA-256 of the secret
};

Status invalidClient() {
    return {StatusCode::Unauthenticated, "client authentication failed", "invalid_client"};
}

Status invalidToken() {
    return {StatusCode::Unauthenticated, "the token's client is not active", "invalid_token"};
}

std::int64_t systemNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

StoredClient readRow(const SqliteStatement& row) {
    StoredClient client;
    client.info.clientId = std::string(row.columnText(0));
    client.info.spec.name = std::string(row.columnText(1));
    client.info.spec.owner = std::string(row.columnText(2));
    client.info.spec.scopes = static_cast<std::uint8_t>(row.columnInt(3));
    client.info.spec.models =
        nlohmann::json::parse(row.columnText(4)).get<std::vector<std::string>>();
    client.secretHash = std::string(row.columnText(5));
    client.info.spec.expiresAtUnix = row.columnInt(6);
    client.info.spec.limits = {.ratePerSecond = row.columnDouble(7),
                               .burst = row.columnDouble(8),
                               .requestsPerDay = row.columnInt(9),
                               .requestsPerMonth = row.columnInt(10)};
    client.info.createdAtUnix = row.columnInt(11);
    client.info.revokedAtUnix = row.columnInt(12);
    return client;
}

Result<std::string> hashOf(std::string_view secret) {
    ATALAYA_ASSIGN_OR_RETURN(const Sha256Digest digest, sha256(secret));
    return toHex({reinterpret_cast<const char*>(digest.data()), digest.size()});
}

}  // namespace

class OAuthClientStore::Impl {
public:
    Impl(SqliteDatabase db, UnixClock clock) : m_db(std::move(db)), m_clock(std::move(clock)) {}

    Result<RegisteredClient> create(const OAuthClientSpec& spec) {
        if (spec.name.empty() || spec.name.size() > 200)
            return invalidArgument("a client needs a name of 1..200 bytes", "invalid_client_spec");
        if (spec.scopes == 0 || spec.scopes > 7)
            return invalidArgument("a client needs at least one scope", "invalid_client_spec");
        ATALAYA_ASSIGN_OR_RETURN(const std::string idBytes, randomBytes(kIdBytes));
        ATALAYA_ASSIGN_OR_RETURN(const std::string secretBytes, randomBytes(kSecretBytes));
        RegisteredClient registered;
        registered.secret = base64UrlEncode(secretBytes);
        StoredClient client;
        client.info.clientId = toHex(idBytes);
        client.info.spec = spec;
        client.info.createdAtUnix = m_clock();
        ATALAYA_ASSIGN_OR_RETURN(client.secretHash, hashOf(registered.secret));

        std::lock_guard lock(m_mutex);
        ATALAYA_ASSIGN_OR_RETURN(
            auto insert, m_db.prepare("INSERT INTO oauth_clients(" + std::string(kColumns) +
                                      ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,0)"));
        ATALAYA_RETURN_IF_ERROR(insert.bindText(1, client.info.clientId));
        ATALAYA_RETURN_IF_ERROR(insert.bindText(2, spec.name));
        ATALAYA_RETURN_IF_ERROR(insert.bindText(3, spec.owner));
        ATALAYA_RETURN_IF_ERROR(insert.bindInt(4, spec.scopes));
        ATALAYA_RETURN_IF_ERROR(insert.bindText(5, nlohmann::json(spec.models).dump()));
        ATALAYA_RETURN_IF_ERROR(insert.bindText(6, client.secretHash));
        ATALAYA_RETURN_IF_ERROR(insert.bindInt(7, spec.expiresAtUnix));
        ATALAYA_RETURN_IF_ERROR(insert.bindDouble(8, spec.limits.ratePerSecond));
        ATALAYA_RETURN_IF_ERROR(insert.bindDouble(9, spec.limits.burst));
        ATALAYA_RETURN_IF_ERROR(insert.bindInt(10, spec.limits.requestsPerDay));
        ATALAYA_RETURN_IF_ERROR(insert.bindInt(11, spec.limits.requestsPerMonth));
        ATALAYA_RETURN_IF_ERROR(insert.bindInt(12, client.info.createdAtUnix));
        ATALAYA_RETURN_IF_ERROR(insert.step().status());
        registered.info = client.info;
        m_cache[client.info.clientId] = std::move(client);
        return registered;
    }

    Result<std::vector<OAuthClientInfo>> list() {
        std::lock_guard lock(m_mutex);
        ATALAYA_ASSIGN_OR_RETURN(auto select,
                                 m_db.prepare("SELECT " + std::string(kColumns) +
                                              " FROM oauth_clients ORDER BY created_at"));
        std::vector<OAuthClientInfo> clients;
        while (true) {
            ATALAYA_ASSIGN_OR_RETURN(const auto step, select.step());
            if (step == SqliteStatement::Step::Done)
                break;
            clients.push_back(readRow(select).info);
        }
        return clients;
    }

    Status revoke(std::string_view id) {
        return update(id,
                      "UPDATE oauth_clients SET revoked_at = max(?1, 1) WHERE client_id = ?2 "
                      "AND revoked_at = 0",
                      [this](SqliteStatement& s) { return s.bindInt(1, m_clock()); });
    }

    Status setLimits(std::string_view id, const ClientLimits& limits) {
        return update(id,
                      "UPDATE oauth_clients SET rate_per_second = ?1, burst = ?3, "
                      "requests_per_day = ?4, requests_per_month = ?5 WHERE client_id = ?2",
                      [&limits](SqliteStatement& s) {
                          ATALAYA_RETURN_IF_ERROR(s.bindDouble(1, limits.ratePerSecond));
                          ATALAYA_RETURN_IF_ERROR(s.bindDouble(3, limits.burst));
                          ATALAYA_RETURN_IF_ERROR(s.bindInt(4, limits.requestsPerDay));
                          return s.bindInt(5, limits.requestsPerMonth);
                      });
    }

    Result<OAuthClientInfo> authenticate(std::string_view id, std::string_view secret) {
        // Hashed before the lookup, so an unknown id costs as much as a wrong secret.
        ATALAYA_ASSIGN_OR_RETURN(const std::string hash, hashOf(secret));
        std::lock_guard lock(m_mutex);
        ATALAYA_ASSIGN_OR_RETURN(const StoredClient* client, cached(id));
        if (client == nullptr || !constantTimeEquals(hash, client->secretHash) ||
            client->info.revokedAtUnix != 0) {
            return invalidClient();
        }
        if (expired(*client))
            return Status(StatusCode::PermissionDenied, "the client's registration has expired",
                          "unauthorized_client");
        return client->info;
    }

    Result<OAuthClientInfo> active(std::string_view id) {
        std::lock_guard lock(m_mutex);
        ATALAYA_ASSIGN_OR_RETURN(const StoredClient* client, cached(id));
        if (client == nullptr || client->info.revokedAtUnix != 0 || expired(*client))
            return invalidToken();
        return client->info;
    }

private:
    bool expired(const StoredClient& client) const {
        return client.info.spec.expiresAtUnix != 0 && m_clock() >= client.info.spec.expiresAtUnix;
    }

    // Runs `sql` (?2 is the client id; `bind` binds the rest) and drops the cached entry.
    template <class Bind>
    Status update(std::string_view id, std::string_view sql, Bind bind) {
        std::lock_guard lock(m_mutex);
        ATALAYA_ASSIGN_OR_RETURN(auto statement, m_db.prepare(sql));
        ATALAYA_RETURN_IF_ERROR(bind(statement));
        ATALAYA_RETURN_IF_ERROR(statement.bindText(2, id));
        ATALAYA_RETURN_IF_ERROR(statement.step().status());
        m_cache.erase(std::string(id));
        if (m_db.changes() == 0) {
            ATALAYA_ASSIGN_OR_RETURN(const StoredClient* client, cached(id));
            if (client == nullptr)
                return notFound("no client " + std::string(id), "client_not_found");
        }
        return Status::ok();
    }

    // The client with this id, from the cache or the database; null when there is none.
    // Called with m_mutex held.
    Result<const StoredClient*> cached(std::string_view id) {
        // PRAGMA data_version changes when another connection commits (the clients command).
        ATALAYA_ASSIGN_OR_RETURN(const std::int64_t version, m_db.queryInt("PRAGMA data_version"));
        if (version != m_dataVersion) {
            m_cache.clear();
            m_dataVersion = version;
        }
        if (const auto it = m_cache.find(id); it != m_cache.end())
            return &it->second;
        ATALAYA_ASSIGN_OR_RETURN(auto select,
                                 m_db.prepare("SELECT " + std::string(kColumns) +
                                              " FROM oauth_clients WHERE client_id = ?1"));
        ATALAYA_RETURN_IF_ERROR(select.bindText(1, id));
        ATALAYA_ASSIGN_OR_RETURN(const auto step, select.step());
        if (step == SqliteStatement::Step::Done)
            return static_cast<const StoredClient*>(nullptr);
        const auto inserted = m_cache.emplace(std::string(id), readRow(select)).first;
        return &inserted->second;
    }

    std::mutex m_mutex;
    SqliteDatabase m_db;
    UnixClock m_clock;
    std::map<std::string, StoredClient, std::less<>> m_cache;
    std::int64_t m_dataVersion = -1;
};

Result<std::unique_ptr<OAuthClientStore>> OAuthClientStore::open(const std::filesystem::path& file,
                                                                 UnixClock clock) {
    std::error_code error;
    std::filesystem::create_directories(file.parent_path(), error);
    ATALAYA_ASSIGN_OR_RETURN(auto db,
                             SqliteDatabase::open(file, SqliteDatabase::Access::ReadWrite));
    ATALAYA_RETURN_IF_ERROR(db.setBusyTimeout(std::chrono::milliseconds(5000)));
    std::filesystem::permissions(
        file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, error);
    ATALAYA_RETURN_IF_ERROR(db.execute("PRAGMA journal_mode=WAL"));
    ATALAYA_RETURN_IF_ERROR(db.execute(kSchema));
    if (!clock)
        clock = systemNow;
    return std::unique_ptr<OAuthClientStore>(
        new OAuthClientStore(std::make_unique<Impl>(std::move(db), std::move(clock))));
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
