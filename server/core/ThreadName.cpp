#include "core/ThreadName.h"

#include <pthread.h>

#include <string>

namespace atalaya {

void nameCurrentThread(std::string_view name) {
    constexpr std::size_t kLinuxLimit = 15;  // bytes, without the terminating zero
    const std::string truncated(name.substr(0, kLinuxLimit));
    // Best effort: a name is a diagnostic aid, and failing to set one changes nothing else.
    (void)pthread_setname_np(pthread_self(), truncated.c_str());
}

}  // namespace atalaya
