#pragma once

#include <atalaya/Result.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "security/ApiKeyStore.h"
#include "telemetry/SqliteDatabase.h"

namespace atalaya::security {

inline constexpr std::size_t kCredentialIdBytes = 8;       // shown as 16 hex digits
inline constexpr std::size_t kCredentialSecretBytes = 32;  // shown as 43 base64url chars
// How often find() asks SQLite whether another process changed the table.
inline constexpr std::chrono::microseconds kExternalChangeCheck{1000};

// A credential as stored: what `list` shows, plus the hash of its secret.
struct StoredCredential {
    std::string id;  // 16 hex digits
    ApiKeySpec spec;
    std::int64_t createdAtUnix = 0;
    std::int64_t revokedAtUnix = 0;  // 0 = active
    std::string secretHash;          // hex SHA-256 of the secret

    bool expiredAt(std::int64_t nowUnix) const {
        return spec.expiresAtUnix != 0 && nowUnix >= spec.expiresAtUnix;
    }
};

struct NewCredential {
    StoredCredential stored;
    std::string secret;  // 43 base64url chars (32 random bytes): shown once, stored nowhere
};

// The hex SHA-256 a secret is stored and compared as.
Result<std::string> secretHashOf(std::string_view secret);

// What tells the two credential tables apart.
struct CredentialKind {
    std::string_view table;     // "api_keys"
    std::string_view idColumn;  // "id"
    std::string_view noun;      // "key": "a key needs ...", "invalid_key_spec", "key_not_found"
    std::string_view longNoun;  // "API key": "no API key <id>"
};

// The SQLite table behind ApiKeyStore (api_keys) and OAuthClientStore (oauth_clients) in
// <dataDir>/security.sqlite: one row per credential, only the SHA-256 of its secret. Every
// statement is prepared once, at open(). Rows are cached in memory. A change made through this
// table drops its row at once. When another connection has committed (the keys/clients
// commands, seen through PRAGMA data_version) the whole cache is dropped; asking costs a read
// transaction with file locks (a few microseconds, more than the rest of a verification), so
// find() asks at most once per kExternalChangeCheck, and a revocation made by another process
// takes effect within that time.
//
// Not thread-safe: its store calls it with the store's mutex held.
class CredentialTable {
public:
    static Result<CredentialTable> open(const std::filesystem::path& file, CredentialKind kind,
                                        UnixClock clock);

    std::int64_t now() const { return m_clock(); }

    // A new credential for `spec` (name of 1..200 bytes, at least one scope), with a random id
    // and secret, created now; not stored.
    Result<NewCredential> make(const ApiKeySpec& spec) const;
    Status insert(const StoredCredential& credential);
    Result<std::vector<StoredCredential>> list();  // oldest first
    // From the cache or the table; null when there is none. Valid until the next call.
    Result<const StoredCredential*> find(std::string_view id);
    // NotFound for an unknown id; revoking a revoked credential is not an error.
    Status revoke(std::string_view id);
    // NotFound for an unknown id.
    Status setLimits(std::string_view id, const ClientLimits& limits);

private:
    CredentialTable(SqliteDatabase db, CredentialKind kind, UnixClock clock);
    Status prepareStatements();
    // Steps `update` (already bound), drops `id` from the cache, NotFound if there is no such id.
    Status applyUpdate(SqliteStatement& update, std::string_view id);

    SqliteDatabase m_db;  // declared before the statements, which must be finalized first
    CredentialKind m_kind;
    UnixClock m_clock;
    std::optional<SqliteStatement> m_insert;
    std::optional<SqliteStatement> m_selectAll;
    std::optional<SqliteStatement> m_selectOne;
    std::optional<SqliteStatement> m_revoke;
    std::optional<SqliteStatement> m_setLimits;
    std::optional<SqliteStatement> m_dataVersion;
    std::map<std::string, StoredCredential, std::less<>> m_cache;
    std::int64_t m_dataVersionSeen = -1;
    std::chrono::steady_clock::time_point m_lastExternalCheck{};  // epoch: ask on first use
};

}  // namespace atalaya::security
