#include "SecurityCost.h"

#include <stdlib.h>  // mkdtemp

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>

#include "security/AccessTokenIssuer.h"
#include "security/ApiKeyStore.h"
#include "security/BearerAuthenticator.h"
#include "security/JwtSigner.h"
#include "security/JwtVerifier.h"
#include "security/OAuthClientStore.h"
#include "security/OAuthTokenVerifier.h"
#include "security/TrafficGate.h"

namespace atalaya::bench {
namespace {

// Mean microseconds per call over ~0.5 s, after a short warm-up.
double microsPerCall(const std::function<void()>& call) {
    using Clock = std::chrono::steady_clock;
    for (int i = 0; i < 1000; ++i)
        call();
    long calls = 0;
    const auto started = Clock::now();
    while (Clock::now() - started < std::chrono::milliseconds(500)) {
        for (int i = 0; i < 100; ++i)
            call();
        calls += 100;
    }
    return std::chrono::duration<double, std::micro>(Clock::now() - started).count() /
           static_cast<double>(calls);
}

}  // namespace

void printSecurityCost(std::ostream& out) {
    std::string pattern = (std::filesystem::temp_directory_path() / "atalaya-sec-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr)
        return;
    const std::filesystem::path dir(pattern);
    {
        auto keys = security::ApiKeyStore::open(dir / "security.sqlite");
        if (!keys.isOk())
            return;
        security::ApiKeySpec spec;
        spec.name = "bench";
        spec.scopes = static_cast<std::uint8_t>(Scope::Predict);
        auto issued = (*keys)->create(spec);
        if (!issued.isOk())
            return;
        // The server's own OAuth tokens, set up as Server::openOAuth does: ES256, issuer,
        // audience and typ checked, then the client looked up.
        auto clients = security::OAuthClientStore::open(dir / "security.sqlite");
        auto pem = security::JwtSigner::generateEs256Pem();
        if (!clients.isOk() || !pem.isOk())
            return;
        auto signer = security::JwtSigner::fromPem(*pem);
        auto registered = (*clients)->create(spec);
        if (!signer.isOk() || !registered.isOk())
            return;
        security::JwtVerifierOptions options;
        options.issuer = "atalaya";
        options.audience = "atalaya";
        options.requiredType = "at+jwt";
        auto jwt = security::JwtVerifier::fromJwks((*signer)->verificationJwks(), options);
        // The same without the verified-token cache: every call checks the signature.
        options.cacheCapacity = 0;
        auto uncachedJwt = security::JwtVerifier::fromJwks((*signer)->verificationJwks(), options);
        if (!jwt.isOk() || !uncachedJwt.isOk())
            return;
        const security::OAuthTokenVerifier own(std::move(jwt).value(), clients->get());
        const security::OAuthTokenVerifier ownUncached(std::move(uncachedJwt).value(),
                                                       clients->get());
        const security::AccessTokenIssuer issuer(signer->get(),
                                                 {.issuer = "atalaya", .audience = "atalaya"});
        auto token = issuer.issue(registered->info.clientId, "predict");
        if (!token.isOk())
            return;
        const std::string ownToken = "Bearer " + token->token;
        const security::BearerAuthenticator authenticator(keys->get(), nullptr, &own);
        const security::BearerAuthenticator uncached(keys->get(), nullptr, &ownUncached);
        const std::string good = "Bearer " + issued->token;
        const std::string bad =
            "Bearer atk_" + issued->info.id + "_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        SecurityConfig config;
        config.clientRate = {.ratePerSecond = 1e9, .burst = 1e9};
        config.ipRate = {.ratePerSecond = 1e9, .burst = 1e9};
        auto gate = TrafficGate::open(config, dir);
        if (!gate.isOk())
            return;

        const double valid = microsPerCall([&] { (void)authenticator.authenticate(good); });
        const double refused = microsPerCall([&] { (void)authenticator.authenticate(bad); });
        const double es256 = microsPerCall([&] { (void)uncached.authenticate(ownToken); });
        const double es256Cached =
            microsPerCall([&] { (void)authenticator.authenticate(ownToken); });
        const double address = microsPerCall([&] { (void)(*gate)->admitAddress("127.0.0.1"); });
        const double attempt = microsPerCall([&] { (void)(*gate)->admitAuthAttempt("127.0.0.1"); });
        const double client = microsPerCall([&] { (void)(*gate)->admitClient("key:bench", {}); });
        char text[512];
        std::snprintf(text, sizeof text,
                      "\nSecurity cost per request (in process, one thread, microseconds)\n"
                      "  valid API key verified      %7.2f\n"
                      "  bad API key refused         %7.2f\n"
                      "  own ES256 token verified    %7.2f\n"
                      "  own ES256 token, cached     %7.2f\n"
                      "  per-address token bucket    %7.2f\n"
                      "  failed-auth throttle check  %7.2f\n"
                      "  per-client bucket + quota   %7.2f\n"
                      "  total for an admitted request %5.2f\n",
                      valid, refused, es256, es256Cached, address, attempt, client,
                      valid + address + attempt + client);
        out << text;
        (*gate)->stop();
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

}  // namespace atalaya::bench
