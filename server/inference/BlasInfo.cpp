#include "inference/BlasInfo.h"

#include <dlfcn.h>
#include <link.h>

#include <string_view>

namespace atalaya {
namespace {

int collectBlasLibrary(dl_phdr_info* info, size_t /*size*/, void* data) {
    const std::string_view name = info->dlpi_name != nullptr ? info->dlpi_name : "";
    auto* found = static_cast<std::string*>(data);
    const bool isBlas = name.find("libblas.so") != std::string_view::npos ||
                        name.find("libopenblas") != std::string_view::npos ||
                        name.find("libblis") != std::string_view::npos ||
                        name.find("libmkl_rt") != std::string_view::npos;
    if (isBlas && found->empty()) *found = std::string(name);
    return 0;
}

template <class Fn>
Fn lookup(const char* symbol) {
    return reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, symbol));  // NOLINT: dlsym returns void*
}

}  // namespace

BlasInfo detectBlas() {
    BlasInfo info;
    dl_iterate_phdr(collectBlasLibrary, &info.library);
    if (auto getConfig = lookup<char* (*)()>("openblas_get_config")) {
        info.kind = "openblas";
        info.config = getConfig();
        if (auto getThreads = lookup<int (*)()>("openblas_get_num_threads")) {
            info.threads = getThreads();
        }
    } else if (lookup<void*>("bli_info_get_version_str") != nullptr) {
        info.kind = "blis";
    } else if (lookup<void*>("mkl_get_max_threads") != nullptr) {
        info.kind = "mkl";
    } else if (info.library.find("/blas/libblas.so") != std::string::npos) {
        info.kind = "reference";  // Debian's netlib build lives in .../blas/
    } else {
        info.kind = info.library.empty() ? "none" : "unknown";
    }
    return info;
}

void setBlasThreads(int threads) {
    if (auto setThreads = lookup<void (*)(int)>("openblas_set_num_threads")) setThreads(threads);
}

}  // namespace atalaya
