#!/usr/bin/env bash
# Configures (Ninja, ccache) and builds the given targets (default: everything) in build/release.
set -euo pipefail
cd "$(dirname "$0")/.."
# Paths relative to the checkout, so a fresh clone elsewhere (CI) reuses the ccache of the last one.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
cmake --preset release >/dev/null
cmake --build --preset release -- "$@"
