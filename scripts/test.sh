#!/usr/bin/env bash
# Installs what is missing, builds everything (demo models included) and runs the whole suite,
# then each fuzzer for ATALAYA_FUZZ_SECONDS (default 30; 0 skips them; scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build.sh
(cd build/release && ctest --output-on-failure --timeout 600 "$@")
fuzz_seconds=${ATALAYA_FUZZ_SECONDS:-30}
if ((fuzz_seconds > 0)); then
    scripts/fuzz.sh "$fuzz_seconds"
fi
