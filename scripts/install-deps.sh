#!/usr/bin/env bash
# Installs what Atalaya needs from Debian 12 (bookworm) packages; a no-op when all are present.
# --test adds what only the test suite needs.
set -euo pipefail

packages=(
    cmake ninja-build ccache g++ pkg-config
    libtorch-dev python3-torch python3-numpy   # LibTorch, and the matching PyTorch to export demo models
    libopenblas0-pthread                       # without it LibTorch runs on the ~50x slower reference BLAS
    qt6-base-dev qt6-charts-dev libqt6opengl6-dev libqt6sql6-sqlite
    libboost-dev libssl-dev libsqlite3-dev nlohmann-json3-dev
    xvfb xauth                                 # virtual display for the console where there is none
)
if [[ "${1:-}" == "--test" ]]; then
    # promtool checks the /metrics exposition. Test-only: on a systemd host the package also
    # enables a Prometheus service, which a user of the server did not ask for.
    packages+=(prometheus)
    # An independent JWT implementation mints the tokens tst_jwtverifier must accept.
    packages+=(python3-jwt python3-cryptography)
    # scripts/fuzz.sh: clang with libFuzzer and the sanitizer runtimes (only recommended by clang,
    # so named here for --no-install-recommends).
    packages+=(clang libclang-rt-14-dev)
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
    echo "Installing: ${missing[*]}"
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [[ "${1:-}" == "--test" ]]; then
    # A fuzzer that cannot link would only fail later, in the middle of the test run.
    probe=$(mktemp -d)
    echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
        > "$probe/probe.cpp"
    if clang++ -fsanitize=fuzzer,address,undefined "$probe/probe.cpp" -o "$probe/probe" &&
        "$probe/probe" -runs=1 >/dev/null 2>&1; then
        echo "libFuzzer: OK ($(clang++ --version | head -n 1))"
    else
        echo "ERROR: clang++ cannot build or run a libFuzzer target (scripts/fuzz.sh needs it)" >&2
        rm -rf "$probe"
        exit 1
    fi
    rm -rf "$probe"
fi

blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case "$blas" in
    *openblas*) echo "BLAS: OpenBLAS ($blas)" ;;
    *) echo "WARNING: libblas.so.3 is $blas, not OpenBLAS; models will run far slower." \
            "Fix: sudo update-alternatives --config libblas.so.3-x86_64-linux-gnu" ;;
esac
