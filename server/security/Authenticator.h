#pragma once

#include "security/Principal.h"

#include <atalaya/Result.h>

#include <string_view>

namespace atalaya {

// Turns an Authorization header into a Principal. Implementations verify API keys and JWTs;
// failures are Unauthenticated with an RFC 6750 error token as reason ("invalid_request" for a
// malformed header, "invalid_token" for a bad, expired or revoked one) and a message that
// never repeats the token.
//
// Thread-safe: called on IO threads for every non-public request.
class Authenticator {
public:
    virtual ~Authenticator() = default;
    virtual Result<Principal> authenticate(std::string_view authorizationHeader) const = 0;
};

}  // namespace atalaya
