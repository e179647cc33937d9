#pragma once

#include <chrono>
#include <cstdint>

namespace atalaya {

// Wall-clock time as the server records it: Unix milliseconds (InferenceRecord::timeUnixMs, the
// log's time_ms, the SLO events) and Unix minutes, the unit of the per-minute rollups
// (inference_rollup_minute.minute) that the charts and the SLO windows restored at start-up read.
// One definition, so the writer, the queries and the SLO tracker cannot disagree on a minute.
inline constexpr std::int64_t kMinuteMs = 60'000;
inline constexpr std::int64_t kHourMs = 60 * kMinuteMs;
inline constexpr std::int64_t kDayMs = 24 * kHourMs;

// The rollup minute holding `timeMs`.
constexpr std::int64_t unixMinuteOf(std::int64_t timeMs) {
    return timeMs / kMinuteMs;
}

// The system clock in Unix ms: what a component's clock option defaults to, and the time of
// every record, event and audit row.
inline std::int64_t systemUnixMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The system clock in Unix seconds: the unit of JWT claims and credential expiry.
inline std::int64_t systemUnixSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace atalaya
