// libFuzzer target: JwtVerifier::verify on hostile tokens, against the fixed test keys of
// FuzzKeys.h (ES256, EdDSA, HS256). An input is a compact token as is, or, when it starts with
// '{', "<header JSON>\n<claims JSON>\n<es|ed|hs|signature bytes>" turned into a token signed by
// that test key (FuzzKeys.h, tokenFromParts), so mutations reach the claim checks too.
//
// Invariants: every refusal is Unauthenticated "invalid_token" with a message from a small fixed
// set (so it cannot quote the token); an accepted token names a client and grants known scopes
// only.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "FuzzCheck.h"
#include "FuzzKeys.h"
#include "security/Principal.h"

using namespace atalaya;
using namespace atalaya::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto verifier = makeTestVerifier();
    static RefusalMessages messages(64);  // JwtVerifier has about 20
    const std::string token =
        tokenFromParts(std::string_view(reinterpret_cast<const char*>(data), size));

    const auto principal = verifier->verify(token);
    if (!principal.isOk()) {
        const Status& status = principal.status();
        fuzzCheck(status.code() == StatusCode::Unauthenticated, "a refusal is not Unauthenticated");
        fuzzCheck(status.reason() == "invalid_token", "a refusal's reason is not invalid_token");
        messages.add(status.message());
        return 0;
    }
    fuzzCheck(principal->credential == "jwt", "an accepted token is not a jwt credential");
    fuzzCheck(!principal->clientId.empty(), "an accepted token names no client");
    fuzzCheck(principal->scopes <= 7, "an accepted token grants an unknown scope");
    return 0;
}
