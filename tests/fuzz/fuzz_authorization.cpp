// libFuzzer target: BearerAuthenticator::authenticate on hostile Authorization header values,
// with a real ApiKeyStore (SQLite in a temporary directory, removed at exit) and the JWT
// verifier of fuzz_jwt. In an input, "@key@", "@revoked@", "@expired@" and "@local@" become an
// active, a revoked, an expired and an in-memory API key, and "@jwt@" a valid HS256 token, so
// mutations explore the neighbourhood of real credentials.
//
// Invariants: every refusal is Unauthenticated with an RFC 6750 reason and a message from a
// small fixed set that never holds a key's secret; an API key is accepted only as the exact token
// of an active key.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "FuzzCheck.h"
#include "FuzzKeys.h"
#include "security/ApiKeyStore.h"
#include "security/BearerAuthenticator.h"
#include "security/Principal.h"

using namespace atalaya;
using namespace atalaya::fuzz;
using namespace atalaya::security;

namespace {

struct Credentials {
    std::filesystem::path dir;
    std::unique_ptr<ApiKeyStore> store;
    std::unique_ptr<JwtVerifier> jwt;
    std::unique_ptr<BearerAuthenticator> authenticator;
    std::string key, revoked, expired, local, token;
};

// Reachable until exit (so not a leak), and removed from disk by the atexit handler.
Credentials* g_credentials = nullptr;

std::string issue(ApiKeyStore& store, std::int64_t expiresAt, bool ephemeral) {
    ApiKeySpec spec{.name = "fuzz", .owner = "fuzz", .scopes = 3, .expiresAtUnix = expiresAt};
    auto issued = ephemeral ? store.createEphemeral(spec) : store.create(spec);
    fuzzCheck(issued.isOk(), "the key store cannot issue a key");
    return issued->token;
}

Credentials* makeCredentials() {
    auto* c = g_credentials = new Credentials;
    std::string dir = (std::filesystem::temp_directory_path() / "atalaya-fuzz-XXXXXX").string();
    fuzzCheck(mkdtemp(dir.data()) != nullptr, "no temporary directory");
    c->dir = dir;
    auto store = ApiKeyStore::open(c->dir / "security.sqlite", [] { return kFuzzNow; });
    fuzzCheck(store.isOk(), "the key store does not open");
    c->store = std::move(store).value();
    c->key = issue(*c->store, 0, false);
    c->revoked = issue(*c->store, 0, false);
    c->expired = issue(*c->store, kFuzzNow - 1, false);
    c->local = issue(*c->store, 0, true);
    const std::string revokedId = c->revoked.substr(4, 16);  // "atk_<16 hex id>_..."
    fuzzCheck(c->store->revoke(revokedId).isOk(), "the key store cannot revoke");
    c->jwt = makeTestVerifier();
    c->token = tokenFromParts(
        R"({"alg":"HS256","kid":"hs-1"})"
        "\n"
        R"({"sub":"fuzz","exp":1800000000,"iss":"https://issuer.fuzz","aud":"atalaya","scope":"predict"})"
        "\nhs");
    c->authenticator = std::make_unique<BearerAuthenticator>(c->store.get(), c->jwt.get());
    std::atexit([] {
        std::error_code ignored;
        std::filesystem::remove_all(g_credentials->dir, ignored);
    });
    return c;
}

void replaceAll(std::string& text, std::string_view from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Credentials* const c = makeCredentials();
    static RefusalMessages messages(64);  // the authenticator, key store and verifier: about 30
    std::string header(reinterpret_cast<const char*>(data), size);
    replaceAll(header, "@key@", c->key);
    replaceAll(header, "@revoked@", c->revoked);
    replaceAll(header, "@expired@", c->expired);
    replaceAll(header, "@local@", c->local);
    replaceAll(header, "@jwt@", c->token);

    const auto principal = c->authenticator->authenticate(header);
    if (!principal.isOk()) {
        const Status& status = principal.status();
        fuzzCheck(status.code() == StatusCode::Unauthenticated, "a refusal is not Unauthenticated");
        const auto reason = status.reason();
        fuzzCheck(
            reason == "missing_token" || reason == "invalid_request" || reason == "invalid_token",
            "a refusal's reason is not an RFC 6750 error code");
        messages.add(status.message());
        // "atk_<16 hex id>_<secret>": the secret part must never be echoed.
        for (const std::string* key : {&c->key, &c->revoked, &c->expired, &c->local}) {
            fuzzCheck(status.message().find(key->substr(21)) == std::string::npos,
                      "a refusal quotes an API key");
        }
        return 0;
    }
    if (principal->credential == "api_key")
        fuzzCheck(header.ends_with(" " + c->key), "an API key other than the active one passed");
    else if (principal->credential == "local")
        fuzzCheck(header.ends_with(" " + c->local),
                  "an in-memory key other than the issued passed");
    else
        fuzzCheck(principal->credential == "jwt", "an unknown credential kind was accepted");
    fuzzCheck(!principal->clientId.empty(), "an accepted credential names no client");
    return 0;
}
