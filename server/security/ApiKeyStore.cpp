#include "security/ApiKeyStore.h"

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "security/Base64Url.h"
#include "security/Crypto.h"
#include "telemetry/SqliteDatabase.h"

namespace atalaya::security {
namespace {

constexpr std::size_t kIdBytes = 8;
constexpr std::size_t kSecretBytes = 32;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS api_keys(
    id TEXT PRIMARY KEY,
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
    "id, name, owner, scopes, models, secret_sha256, expires_at, rate_per_second, burst, "
    "requests_per_day, requests_per_month, created_at, revoked_at";

struct StoredKey {
    ApiKeyInfo info;
    std::string secretHash;  // hex SHA-256 of the secret part of the token
    bool ephemeral = false;
};

Status invalidToken() {
    return {StatusCode::Unauthenticated, "the API key is not valid", "invalid_token"};
}

std::int64_t systemNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

StoredKey readRow(const SqliteStatement& row) {
    StoredKey key;
    key.info.id = std::string(row.columnText(0));
    key.info.spec.name = std::string(row.columnText(1));
    key.info.spec.owner = std::string(row.columnText(2));
    key.info.spec.scopes = static_cast<std::uint8_t>(row.columnInt(3));
    key.info.spec.models = nlohmann::json::parse(row.columnText(4)).get<std::vector<std::string>>();
    key.secretHash = std::string(row.columnText(5));
    key.info.spec.expiresAtUnix = row.columnInt(6);
    key.info.spec.limits = {.ratePerSecond = row.columnDouble(7),
                            .burst = row.columnDouble(8),
                            .requestsPerDay = row.columnInt(9),
                            .requestsPerMonth = row.columnInt(10)};
    key.info.createdAtUnix = row.columnInt(11);
    key.info.revokedAtUnix = row.columnInt(12);
    return key;
}

// Splits "atk_<id>_<secret>"; the id is hex, so the first '_' after the prefix ends it.
bool splitToken(std::string_view token, std::string_view& id, std::string_view& secret) {
    if (!token.starts_with(ApiKeyStore::kPrefix))
        return false;
    token.remove_prefix(ApiKeyStore::kPrefix.size());
    const auto underscore = token.find('_');
    if (underscore != kIdBytes * 2)
        return false;
    id = token.substr(0, underscore);
    secret = token.substr(underscore + 1);
    return id.find_first_not_of("0123456789abcdef") == std::string_view::npos &&
           secret.size() == (kSecretBytes * 4 + 2) / 3;
}

Status validateSpec(const ApiKeySpec& spec) {
    if (spec.name.empty() || spec.name.size() > 200)
        return invalidArgument("a key needs a name of 1..200 bytes", "invalid_key_spec");
    if (spec.scopes == 0 || spec.scopes > 7)
        return invalidArgument("a key needs at least one scope", "invalid_key_spec");
    return Status::ok();
}

}  // namespace

class ApiKeyStore::Impl {
public:
    Impl(SqliteDatabase db, UnixClock clock) : m_db(std::move(db)), m_clock(std::move(clock)) {}

    Result<IssuedApiKey> create(const ApiKeySpec& spec, bool ephemeral) {
        ATALAYA_RETURN_IF_ERROR(validateSpec(spec));
        ATALAYA_ASSIGN_OR_RETURN(const std::string idBytes, randomBytes(kIdBytes));
        ATALAYA_ASSIGN_OR_RETURN(const std::string secretBytes, randomBytes(kSecretBytes));
        const std::string secret = base64UrlEncode(secretBytes);
        ATALAYA_ASSIGN_OR_RETURN(const Sha256Digest digest, sha256(secret));
        StoredKey key;
        key.info.id = toHex(idBytes);
        key.info.spec = spec;
        key.info.createdAtUnix = m_clock();
        key.secretHash = toHex({reinterpret_cast<const char*>(digest.data()), digest.size()});
        key.ephemeral = ephemeral;

        std::lock_guard lock(m_mutex);
        if (!ephemeral)
            ATALAYA_RETURN_IF_ERROR(insert(key));
        IssuedApiKey issued{.info = key.info,
                            .token = std::string(kPrefix) + key.info.id + "_" + secret};
        m_cache[key.info.id] = std::move(key);
        return issued;
    }

    Result<std::vector<ApiKeyInfo>> list() {
        std::lock_guard lock(m_mutex);
        ATALAYA_ASSIGN_OR_RETURN(auto select, m_db.prepare("SELECT " + std::string(kColumns) +
                                                           " FROM api_keys ORDER BY created_at"));
        std::vector<ApiKeyInfo> keys;
        while (true) {
            ATALAYA_ASSIGN_OR_RETURN(const auto step, select.step());
            if (step == SqliteStatement::Step::Done)
                break;
            keys.push_back(readRow(select).info);
        }
        return keys;
    }

    Status revoke(std::string_view id) {
        std::lock_guard lock(m_mutex);
        const auto cached = m_cache.find(id);
        if (cached != m_cache.end() && cached->second.ephemeral) {
            m_cache.erase(cached);
            return Status::ok();
        }
        ATALAYA_ASSIGN_OR_RETURN(
            auto update,
            m_db.prepare("UPDATE api_keys SET revoked_at = ?1 WHERE id = ?2 AND revoked_at = 0"));
        ATALAYA_RETURN_IF_ERROR(update.bindInt(1, std::max<std::int64_t>(1, m_clock())));
        ATALAYA_RETURN_IF_ERROR(update.bindText(2, id));
        ATALAYA_RETURN_IF_ERROR(update.step().status());
        m_cache.erase(std::string(id));
        if (m_db.changes() == 0) {
            ATALAYA_ASSIGN_OR_RETURN(auto key, load(id));
            if (!key)
                return notFound("no API key " + std::string(id), "key_not_found");
        }
        return Status::ok();
    }

    Status setLimits(std::string_view id, const ClientLimits& limits) {
        std::lock_guard lock(m_mutex);
        if (const auto cached = m_cache.find(id);
            cached != m_cache.end() && cached->second.ephemeral) {
            cached->second.info.spec.limits = limits;
            return Status::ok();
        }
        ATALAYA_ASSIGN_OR_RETURN(
            auto update,
            m_db.prepare("UPDATE api_keys SET rate_per_second = ?1, burst = ?2, "
                         "requests_per_day = ?3, requests_per_month = ?4 WHERE id = ?5"));
        ATALAYA_RETURN_IF_ERROR(update.bindDouble(1, limits.ratePerSecond));
        ATALAYA_RETURN_IF_ERROR(update.bindDouble(2, limits.burst));
        ATALAYA_RETURN_IF_ERROR(update.bindInt(3, limits.requestsPerDay));
        ATALAYA_RETURN_IF_ERROR(update.bindInt(4, limits.requestsPerMonth));
        ATALAYA_RETURN_IF_ERROR(update.bindText(5, id));
        ATALAYA_RETURN_IF_ERROR(update.step().status());
        m_cache.erase(std::string(id));
        if (m_db.changes() == 0)
            return notFound("no API key " + std::string(id), "key_not_found");
        return Status::ok();
    }

    Result<Principal> verify(std::string_view token) {
        std::string_view id;
        std::string_view secret;
        if (!splitToken(token, id, secret))
            return invalidToken();
        ATALAYA_ASSIGN_OR_RETURN(const Sha256Digest digest, sha256(secret));
        const std::string hash =
            toHex({reinterpret_cast<const char*>(digest.data()), digest.size()});

        std::lock_guard lock(m_mutex);
        ATALAYA_RETURN_IF_ERROR(dropCacheIfChangedElsewhere());
        auto it = m_cache.find(id);
        if (it == m_cache.end()) {
            ATALAYA_ASSIGN_OR_RETURN(auto loaded, load(id));
            if (!loaded)
                return invalidToken();
            it = m_cache.emplace(std::string(id), std::move(*loaded)).first;
        }
        const StoredKey& key = it->second;
        if (!constantTimeEquals(hash, key.secretHash) || key.info.revokedAtUnix != 0)
            return invalidToken();
        if (key.info.spec.expiresAtUnix != 0 && m_clock() >= key.info.spec.expiresAtUnix)
            return Status(StatusCode::Unauthenticated, "the API key has expired", "invalid_token");
        return Principal{.clientId = "key:" + key.info.id,
                         .credential = key.ephemeral ? "local" : "api_key",
                         .scopes = key.info.spec.scopes,
                         .models = key.info.spec.models,
                         .limits = key.info.spec.limits};
    }

private:
    Status insert(const StoredKey& key) {
        ATALAYA_ASSIGN_OR_RETURN(
            auto insert, m_db.prepare("INSERT INTO api_keys(" + std::string(kColumns) +
                                      ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,0)"));
        const ApiKeySpec& spec = key.info.spec;
        ATALAYA_RETURN_IF_ERROR(insert.bindText(1, key.info.id));
        ATALAYA_RETURN_IF_ERROR(insert.bindText(2, spec.name));
        ATALAYA_RETURN_IF_ERROR(insert.bindText(3, spec.owner));
        ATALAYA_RETURN_IF_ERROR(insert.bindInt(4, spec.scopes));
        ATALAYA_RETURN_IF_ERROR(insert.bindText(5, nlohmann::json(spec.models).dump()));
        ATALAYA_RETURN_IF_ERROR(insert.bindText(6, key.secretHash));
        ATALAYA_RETURN_IF_ERROR(insert.bindInt(7, spec.expiresAtUnix));
        ATALAYA_RETURN_IF_ERROR(insert.bindDouble(8, spec.limits.ratePerSecond));
        ATALAYA_RETURN_IF_ERROR(insert.bindDouble(9, spec.limits.burst));
        ATALAYA_RETURN_IF_ERROR(insert.bindInt(10, spec.limits.requestsPerDay));
        ATALAYA_RETURN_IF_ERROR(insert.bindInt(11, spec.limits.requestsPerMonth));
        ATALAYA_RETURN_IF_ERROR(insert.bindInt(12, key.info.createdAtUnix));
        return insert.step().status();
    }

    Result<std::optional<StoredKey>> load(std::string_view id) {
        ATALAYA_ASSIGN_OR_RETURN(auto select, m_db.prepare("SELECT " + std::string(kColumns) +
                                                           " FROM api_keys WHERE id = ?1"));
        ATALAYA_RETURN_IF_ERROR(select.bindText(1, id));
        ATALAYA_ASSIGN_OR_RETURN(const auto step, select.step());
        if (step == SqliteStatement::Step::Done)
            return std::optional<StoredKey>();
        return std::optional(readRow(select));
    }

    // PRAGMA data_version changes when another connection commits to the file (SQLite docs,
    // "PRAGMA data_version"), e.g. the keys CLI revoking a key: then no cached entry is trusted.
    Status dropCacheIfChangedElsewhere() {
        ATALAYA_ASSIGN_OR_RETURN(const std::int64_t version, m_db.queryInt("PRAGMA data_version"));
        if (version != m_dataVersion) {
            std::erase_if(m_cache, [](const auto& entry) { return !entry.second.ephemeral; });
            m_dataVersion = version;
        }
        return Status::ok();
    }

    std::mutex m_mutex;
    SqliteDatabase m_db;
    UnixClock m_clock;
    std::map<std::string, StoredKey, std::less<>> m_cache;
    std::int64_t m_dataVersion = -1;
};

Result<std::unique_ptr<ApiKeyStore>> ApiKeyStore::open(const std::filesystem::path& file,
                                                       UnixClock clock) {
    std::error_code error;
    std::filesystem::create_directories(file.parent_path(), error);
    ATALAYA_ASSIGN_OR_RETURN(auto db,
                             SqliteDatabase::open(file, SqliteDatabase::Access::ReadWrite));
    ATALAYA_RETURN_IF_ERROR(db.setBusyTimeout(std::chrono::milliseconds(5000)));
    // The hashes are not secrets, but nothing else on the box needs to read them either. Set
    // before WAL mode: SQLite gives the -wal and -shm files the database file's permissions.
    std::filesystem::permissions(
        file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, error);
    ATALAYA_RETURN_IF_ERROR(db.execute("PRAGMA journal_mode=WAL"));
    ATALAYA_RETURN_IF_ERROR(db.execute(kSchema));
    if (!clock)
        clock = systemNow;
    return std::unique_ptr<ApiKeyStore>(
        new ApiKeyStore(std::make_unique<Impl>(std::move(db), std::move(clock))));
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
