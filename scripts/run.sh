#!/usr/bin/env bash
# The main job: install what is missing, build, create the demo models and serve them - in the
# console when there is a display, headless otherwise. Extra arguments go to the program.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh atalaya-server demo_models $( [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]] && echo atalaya )

mkdir -p demo-data
common=(--models build/release/models --data-dir demo-data)
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
    exec build/release/app/console/atalaya "${common[@]}" "$@"
fi
echo "No display: starting the headless server (Ctrl-C to stop)."
exec build/release/app/atalaya-server "${common[@]}" "$@"
