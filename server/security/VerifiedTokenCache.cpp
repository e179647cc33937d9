#include "security/VerifiedTokenCache.h"

#include <mutex>

namespace atalaya::security {

VerifiedTokenCache::VerifiedTokenCache(std::size_t capacity) : m_capacity(capacity) {
    m_entries.reserve(capacity);
}

std::optional<VerifiedTokenCache::Entry> VerifiedTokenCache::find(const Sha256Digest& key,
                                                                  double nowUnix) const {
    std::shared_lock lock(m_mutex);
    const auto it = m_entries.find(key);
    if (it == m_entries.end() || nowUnix >= it->second.validUntil)
        return std::nullopt;
    return it->second;
}

void VerifiedTokenCache::insert(const Sha256Digest& key, Entry entry) {
    if (m_capacity == 0)
        return;
    std::unique_lock lock(m_mutex);
    if (const auto it = m_entries.find(key); it != m_entries.end()) {
        it->second = std::move(entry);  // two threads verified the same token at once
        return;
    }
    if (m_entries.size() >= m_capacity) {
        m_entries.erase(m_order.front());
        m_order.pop_front();
    }
    m_entries.emplace(key, std::move(entry));
    m_order.push_back(key);
}

std::size_t VerifiedTokenCache::size() const {
    std::shared_lock lock(m_mutex);
    return m_entries.size();
}

}  // namespace atalaya::security
