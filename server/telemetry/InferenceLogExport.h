#pragma once

#include <atalaya/Status.h>

#include <cstdint>
#include <filesystem>
#include <iosfwd>

namespace atalaya {

enum class ExportFormat {
    Csv,        // RFC 4180: a header line, then one line per row; NULL is an empty field
    JsonLines,  // one object per line; predictions and inputs as JSON values, not strings
};

// Streams the raw rows with fromMs <= time_ms < toMs, oldest first, to `out`, from a read-only
// connection of its own: the writer is not blocked (WAL) and sees no difference. The rows are
// the sampled ones, with inputs as their model's capture policy left them.
//
// Thread affinity: any thread; reads `file` only.
Status exportInferenceLog(const std::filesystem::path& file, std::int64_t fromMs, std::int64_t toMs,
                          ExportFormat format, std::ostream& out);

}  // namespace atalaya
