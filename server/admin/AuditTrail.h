#pragma once

#include <atalaya/Result.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace atalaya {

// One change made through the admin API (or the `keys` / `clients` commands): who, what, when,
// from where. `detailJson` is a JSON object describing the change; it never holds a secret.
struct AuditEntry {
    std::int64_t timeUnixMs = 0;  // 0 when recording: the trail stamps it
    std::string actor{};          // the principal's client id, "anonymous" with security off
    std::string address{};        // the client address, or "local" for a command on the box
    std::string action{};         // "key.create", "client.revoke", "rollout.promote", ...
    std::string target{};         // the id acted on
    std::string detailJson = "{}";
};

// An append-only record of administrative changes in <dataDir>/audit.sqlite (WAL), table
// audit(id, time_unix_ms, actor, address, action, target, detail_json). Nothing in the server
// updates or deletes its rows.
//
// Admin changes are rare, so every record() is its own committed transaction: a change that was
// answered 2xx is on disk, even if the server dies right after.
//
// Thread-safe: every method may be called from any thread (one mutex around the connection).
class AuditTrail {
public:
    static Result<std::unique_ptr<AuditTrail>> open(const std::filesystem::path& path);
    ~AuditTrail();
    AuditTrail(const AuditTrail&) = delete;
    AuditTrail& operator=(const AuditTrail&) = delete;

    // Stamps the entry with the current time when its timeUnixMs is 0. InvalidArgument when
    // the action is empty or detailJson is not a JSON object.
    Status record(const AuditEntry& entry);
    // The newest `limit` entries (at most 1000), newest first; with `sinceUnixMs`, only those
    // at or after it.
    Result<std::vector<AuditEntry>> recent(std::size_t limit,
                                           std::optional<std::int64_t> sinceUnixMs);

    static constexpr std::size_t kMaxRecent = 1000;

private:
    class Impl;
    explicit AuditTrail(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

}  // namespace atalaya
