#pragma once

#include <cstddef>
#include <cstring>
#include <deque>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "security/Crypto.h"
#include "security/Principal.h"

namespace atalaya::security {

// JWTs that passed every check of a JwtVerifier, so that the next request with the same token
// skips the signature (an ES256 verification costs more than serving a small model's request).
// Keyed by the SHA-256 of the whole token: equal keys mean equal bytes, so equal header, claims
// and signature, and the verifier's keys and options never change; what can change is time and
// revocation, which the verifier checks again on every hit (`validUntil`, `jti`). The token
// itself is not kept.
//
// Bounded: at `capacity` entries the oldest insertion is dropped (first in, first out, so a
// lookup takes only a shared lock). An expired entry is never returned and is dropped in turn.
//
// Thread-safe: any number of IO threads may find() and insert() at once.
class VerifiedTokenCache {
public:
    struct Entry {
        Principal principal;
        double validUntil = 0;  // exp + leeway: unix seconds at and after which it is refused
        std::string jti;        // empty when the token has none
    };

    explicit VerifiedTokenCache(std::size_t capacity);

    // The entry of this token while `nowUnix` < its validUntil.
    std::optional<Entry> find(const Sha256Digest& key, double nowUnix) const;
    // Remembers a verified token; a key already present keeps its place and gets `entry`.
    void insert(const Sha256Digest& key, Entry entry);
    std::size_t size() const;

private:
    struct DigestHash {
        std::size_t operator()(const Sha256Digest& digest) const {
            std::size_t hash = 0;  // SHA-256 output is uniform: its first bytes are a hash
            std::memcpy(&hash, digest.data(), sizeof hash);
            return hash;
        }
    };

    const std::size_t m_capacity;
    mutable std::shared_mutex m_mutex;
    std::unordered_map<Sha256Digest, Entry, DigestHash> m_entries;
    std::deque<Sha256Digest> m_order;  // oldest insertion first; the same keys as m_entries
};

}  // namespace atalaya::security
