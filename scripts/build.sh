#!/usr/bin/env bash
# Configures (Ninja, ccache) and builds the given targets (default: everything) in build/release.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release -- "$@"
