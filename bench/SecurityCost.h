#pragma once

#include <ostream>

namespace atalaya::bench {

// Per-request cost of what security adds to a request on the IO thread, in microseconds:
// verifying a valid API key, refusing a bad one, verifying one of the server's own ES256 OAuth
// tokens, the per-address and per-client token buckets and the failed-authentication check.
// In-process, no HTTP; printed as its own table.
void printSecurityCost(std::ostream& out);

}  // namespace atalaya::bench
