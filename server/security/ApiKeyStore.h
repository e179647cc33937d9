#pragma once

#include <atalaya/Result.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "security/Principal.h"

namespace atalaya::security {

// What an admin decides when issuing a key.
struct ApiKeySpec {
    std::string name;
    std::string owner;
    std::uint8_t scopes = 0;          // Scope bits; at least one
    std::vector<std::string> models;  // with Scope::Predict: the models it may call; empty = all
    std::int64_t expiresAtUnix = 0;   // seconds since the epoch; 0 = never
    ClientLimits limits;
};

// A key as `list` shows it: everything but the secret and its hash.
struct ApiKeyInfo {
    std::string id;
    ApiKeySpec spec;
    std::int64_t createdAtUnix = 0;
    std::int64_t revokedAtUnix = 0;  // 0 = active
};

struct IssuedApiKey {
    ApiKeyInfo info;
    std::string token;  // "atk_<id>_<secret>": shown once, stored nowhere
};

using UnixClock = std::function<std::int64_t()>;  // seconds since the epoch; injectable for tests

// API keys issued by an admin. A token is "atk_<16 hex id>_<43 base64url chars>" carrying 32
// bytes from RAND_bytes; only the SHA-256 of the secret part is stored, in the api_keys table
// of <dataDir>/security.sqlite, so a copy of the database lets no one call the API. A fast hash
// is right here (unlike for passwords): the secret has 256 bits of entropy, nothing to guess.
//
// verify() finds the key by id, then compares hashes with CRYPTO_memcmp. Verified keys are
// cached in memory; revoke() drops the entry at once, and a change made by another process
// (`atalaya-server keys revoke` while the server runs) is seen through SQLite's data_version,
// checked on every verify(), so revocation takes effect on the next request.
//
// Thread-safe: every method may be called from any thread (one mutex around the connection and
// the cache; a verify costs one cached lookup and a PRAGMA).
class ApiKeyStore {
public:
    static Result<std::unique_ptr<ApiKeyStore>> open(const std::filesystem::path& file,
                                                     UnixClock clock = {});
    ~ApiKeyStore();
    ApiKeyStore(const ApiKeyStore&) = delete;
    ApiKeyStore& operator=(const ApiKeyStore&) = delete;

    Result<IssuedApiKey> create(const ApiKeySpec& spec);
    // A key that lives only in this process's memory and is never written to disk (the console's
    // credential for its embedded server). Its principal has credential "local".
    Result<IssuedApiKey> createEphemeral(const ApiKeySpec& spec);
    Result<std::vector<ApiKeyInfo>> list();
    // NotFound for an unknown id; revoking a revoked key is not an error.
    Status revoke(std::string_view id);
    // NotFound for an unknown id. Takes effect on the key's next request.
    Status setLimits(std::string_view id, const ClientLimits& limits);

    // Unauthenticated "invalid_token" for anything but an active, unexpired key with this secret;
    // the message never repeats the token.
    Result<Principal> verify(std::string_view token) const;

    static constexpr std::string_view kPrefix = "atk_";

private:
    class Impl;
    explicit ApiKeyStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

}  // namespace atalaya::security
