#pragma once

#include <string>

namespace atalaya {

// Which BLAS this process really runs on. Debian's LibTorch calls whatever libblas.so.3 the
// alternatives system points at; the reference BLAS is ~55x slower than OpenBLAS on a small
// transformer, so the server reports it in health and warns at start-up.
struct BlasInfo {
    std::string kind;     // "openblas", "blis", "mkl", "reference" or "unknown"
    std::string library;  // path of the loaded libblas / libopenblas
    std::string config;   // OpenBLAS build description when available
    int threads = 0;      // BLAS's own thread count, when it tells (0 otherwise)
};

BlasInfo detectBlas();

// Sets OpenBLAS's own thread count when OpenBLAS is loaded (no-op otherwise), so BLAS threads,
// LibTorch intra-op threads and inference workers are sized together.
void setBlasThreads(int threads);

}  // namespace atalaya
