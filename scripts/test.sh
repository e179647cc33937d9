#!/usr/bin/env bash
# Installs what is missing, builds everything (demo models included) and runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build.sh
cd build/release
ctest --output-on-failure --timeout 600 "$@"
