#include "security/TrustedProxies.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace atalaya {
namespace {

constexpr TrustedProxies::Address kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos)
        return {};
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

bool isV4Mapped(const TrustedProxies::Address& address) {
    return std::equal(address.begin(), address.begin() + 12, kV4MappedPrefix.begin());
}

bool isPort(std::string_view text) {
    return !text.empty() && text.size() <= 5 &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// inet_pton wants a NUL-terminated string; addresses are short, so a stack buffer will do.
std::optional<TrustedProxies::Address> parseBare(std::string_view text, bool allowV4) {
    char buffer[INET6_ADDRSTRLEN + 1];
    if (text.empty() || text.size() >= sizeof(buffer))
        return std::nullopt;
    std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';
    TrustedProxies::Address address{};
    if (allowV4) {
        in_addr v4{};
        if (inet_pton(AF_INET, buffer, &v4) == 1) {
            address = kV4MappedPrefix;
            std::memcpy(address.data() + 12, &v4, 4);
            return address;
        }
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, buffer, &v6) == 1) {
        std::memcpy(address.data(), &v6, 16);
        return address;
    }
    return std::nullopt;
}

std::string_view withoutZone(std::string_view text) {
    return text.substr(0, text.find('%'));  // "fe80::1%eth0": the zone says nothing of who
}

}  // namespace

std::optional<TrustedProxies::Address> TrustedProxies::parseAddress(std::string_view text) {
    text = trim(text);
    if (text.starts_with('[')) {  // "[v6]" or "[v6]:port"
        const auto close = text.find(']');
        if (close == std::string_view::npos)
            return std::nullopt;
        const auto rest = text.substr(close + 1);
        if (!rest.empty() && !(rest.front() == ':' && isPort(rest.substr(1))))
            return std::nullopt;
        return parseBare(withoutZone(text.substr(1, close - 1)), false);
    }
    const auto colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
        // Exactly one colon: IPv4 with a port (IPv6 has at least two).
        if (!isPort(text.substr(colon + 1)))
            return std::nullopt;
        text = text.substr(0, colon);
        auto address = parseBare(text, true);
        return address && isV4Mapped(*address) ? address : std::nullopt;
    }
    return parseBare(withoutZone(text), true);
}

std::string TrustedProxies::formatAddress(const Address& address) {
    char buffer[INET6_ADDRSTRLEN];
    if (isV4Mapped(address)) {
        inet_ntop(AF_INET, address.data() + 12, buffer, sizeof(buffer));
    } else {
        inet_ntop(AF_INET6, address.data(), buffer, sizeof(buffer));
    }
    return buffer;
}

Result<TrustedProxies> TrustedProxies::parse(const std::vector<std::string>& cidrs) {
    TrustedProxies proxies;
    for (const std::string& cidr : cidrs) {
        const std::string_view text = trim(cidr);
        const auto slash = text.find('/');
        const auto addressText = text.substr(0, slash);
        const auto address = parseBare(addressText, true);
        const auto bad = [&] {
            return invalidArgument("trusted proxy '" + cidr + "' is not an IP address or CIDR",
                                   "bad_trusted_proxy");
        };
        if (!address)
            return bad();
        const bool v4 = isV4Mapped(*address) && addressText.find(':') == std::string_view::npos;
        int prefix = v4 ? 32 : 128;
        if (slash != std::string_view::npos) {
            const auto digits = text.substr(slash + 1);
            const auto [end, error] =
                std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
            if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
                prefix < 0 || prefix > (v4 ? 32 : 128)) {
                return bad();
            }
        }
        Network network{*address, v4 ? prefix + 96 : prefix};
        for (int bit = network.prefixLength; bit < 128; ++bit) {
            network.address[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
        }
        proxies.m_networks.push_back(network);
    }
    return proxies;
}

bool TrustedProxies::isTrusted(const Address& address) const {
    return std::any_of(m_networks.begin(), m_networks.end(), [&](const Network& network) {
        const int fullBytes = network.prefixLength / 8;
        if (!std::equal(address.begin(), address.begin() + fullBytes, network.address.begin())) {
            return false;
        }
        const int restBits = network.prefixLength % 8;
        if (restBits == 0)
            return true;
        const auto mask = static_cast<std::uint8_t>(0xFFu << (8 - restBits));
        return (address[fullBytes] & mask) == network.address[fullBytes];
    });
}

bool TrustedProxies::isTrusted(std::string_view address) const {
    const auto parsed = parseAddress(address);
    return parsed && isTrusted(*parsed);
}

std::string TrustedProxies::clientAddress(std::string_view peer,
                                          std::string_view forwardedFor) const {
    const auto peerAddress = parseAddress(peer);
    if (!peerAddress)
        return std::string(peer);  // not from a socket we know; keep it as is
    if (forwardedFor.empty() || !isTrusted(*peerAddress))
        return formatAddress(*peerAddress);

    Address nearest = *peerAddress;  // the last hop known to be good
    std::string_view rest = forwardedFor;
    while (!rest.empty()) {
        const auto comma = rest.rfind(',');
        const auto entry = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
        if (entry.empty())
            continue;  // empty list elements are allowed (RFC 9110 s5.6.1)
        const auto address = parseAddress(entry);
        if (!address)
            break;  // "unknown", garbage: trust stops at the proxy that wrote it
        nearest = *address;
        if (!isTrusted(*address))
            break;
    }
    return formatAddress(nearest);
}

}  // namespace atalaya
