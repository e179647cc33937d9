#pragma once

#include <atalaya/Result.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "security/ApiKeyStore.h"

namespace atalaya::security {

// An admin decides the same things for a client as for a key: name, owner, scopes, models,
// expiry and limits.
using OAuthClientSpec = ApiKeySpec;

// A registered client as `list` shows it: everything but the secret and its hash.
struct OAuthClientInfo {
    std::string clientId;  // 16 hex digits; public
    OAuthClientSpec spec;
    std::int64_t createdAtUnix = 0;
    std::int64_t revokedAtUnix = 0;  // 0 = active

    // The Principal::clientId of tokens issued to it: limits, quotas, logs, audit.
    std::string principalId() const { return "client:" + clientId; }
};

struct RegisteredClient {
    OAuthClientInfo info;
    std::string secret;  // 43 base64url chars (32 random bytes): shown once, stored nowhere
};

// OAuth 2.0 clients (RFC 6749 s2) registered by an admin for the client-credentials grant, in
// the oauth_clients table of <dataDir>/security.sqlite. As for API keys, only the SHA-256 of
// the high-entropy secret is stored and compared in constant time.
//
// Entries are cached in memory; a change made by another connection (the `clients` command)
// is seen through PRAGMA data_version, checked on every lookup, so a revocation takes effect
// on the next request, token issuance and token use alike.
//
// Thread-safe: every method may be called from any thread (one mutex).
class OAuthClientStore {
public:
    static Result<std::unique_ptr<OAuthClientStore>> open(const std::filesystem::path& file,
                                                          UnixClock clock = {});
    ~OAuthClientStore();
    OAuthClientStore(const OAuthClientStore&) = delete;
    OAuthClientStore& operator=(const OAuthClientStore&) = delete;

    Result<RegisteredClient> create(const OAuthClientSpec& spec);
    Result<std::vector<OAuthClientInfo>> list();
    // NotFound for an unknown id; revoking a revoked client is not an error.
    Status revoke(std::string_view clientId);
    // NotFound for an unknown id. Takes effect on the client's next request.
    Status setLimits(std::string_view clientId, const ClientLimits& limits);

    // Client authentication (RFC 6749 s2.3.1): Unauthenticated "invalid_client" for an unknown
    // id, a wrong secret or a revoked client, all with the same message; PermissionDenied
    // "unauthorized_client" for the right secret of an expired registration.
    Result<OAuthClientInfo> authenticate(std::string_view clientId, std::string_view secret) const;
    // The client behind a token: Unauthenticated "invalid_token" unless it is registered,
    // unrevoked and unexpired.
    Result<OAuthClientInfo> active(std::string_view clientId) const;

private:
    class Impl;
    explicit OAuthClientStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

}  // namespace atalaya::security
