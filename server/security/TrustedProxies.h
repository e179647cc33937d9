#pragma once

#include <atalaya/Result.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atalaya {

// Which address a request comes from, when reverse proxies may stand in between.
//
// X-Forwarded-For is only believed when the TCP peer is a configured trusted proxy; then the
// list is walked from the right (the hop nearest to us, the only part an honest proxy vouches
// for) past every trusted proxy, and the first address that is not one is the client. Anything
// to its left was written by the client and may be forged. A malformed entry stops the walk:
// the last address known good (the proxy that appended it) is used instead.
//
// Addresses are returned in canonical text form (inet_ntop; IPv4-mapped IPv6 as plain IPv4),
// so one client is one rate-limit key however it was spelled.
//
// Immutable after parse(): thread-safe.
class TrustedProxies {
public:
    TrustedProxies() = default;  // trusts no one: the TCP peer is always the client

    // CIDRs ("10.0.0.0/8", "fd00::/8") or single addresses ("127.0.0.1", "::1"). Host bits
    // beyond the prefix are ignored ("10.1.2.3/8" is 10.0.0.0/8).
    static Result<TrustedProxies> parse(const std::vector<std::string>& cidrs);

    bool isTrusted(std::string_view address) const;

    // `peer`: the TCP peer address. `forwardedFor`: every X-Forwarded-For value joined with
    // ",", in order (empty when absent).
    std::string clientAddress(std::string_view peer, std::string_view forwardedFor) const;

    bool empty() const { return m_networks.empty(); }

    // An IPv4 address is kept as its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so one
    // comparison covers both families.
    using Address = std::array<std::uint8_t, 16>;
    // Accepts "1.2.3.4", "1.2.3.4:80", "::1", "[::1]", "[::1]:80", "fe80::1%eth0".
    static std::optional<Address> parseAddress(std::string_view text);
    static std::string formatAddress(const Address& address);

private:
    struct Network {
        Address address{};
        int prefixLength = 0;  // over the 128-bit form
    };
    bool isTrusted(const Address& address) const;

    std::vector<Network> m_networks;
};

}  // namespace atalaya
