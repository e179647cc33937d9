#!/usr/bin/env bash
# The main job: install what is missing, build, create the demo models and serve them - in the
# console when there is a display, headless otherwise. Extra arguments go to the program.
#
# --demo-traffic also runs atalaya-traffic against the server once it is ready: two minutes of
# traffic like the training data, then shifted traffic (incomes x1.5, longer reviews), so drift
# appears in /api/v1/health and the console. It authenticates with an API key made for this run
# and revoked when the server stops; its output goes to demo-data/demo-traffic.log.
set -euo pipefail
cd "$(dirname "$0")/.."

demo_traffic=0
args=()
for arg in "$@"; do
    if [[ "$arg" == "--demo-traffic" ]]; then demo_traffic=1; else args+=("$arg"); fi
done
display=0
[[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]] && display=1

scripts/install-deps.sh
targets=(atalaya-server demo_models)
((display)) && targets+=(atalaya)
((demo_traffic)) && targets+=(atalaya-traffic)
scripts/build.sh "${targets[@]}"

mkdir -p demo-data
program=(build/release/app/atalaya-server)
if ((display)); then
    program=(build/release/app/console/atalaya)
else
    echo "No display: starting the headless server (Ctrl-C to stop)."
fi
program+=(--models build/release/models --data-dir demo-data "${args[@]}")
((demo_traffic)) || exec "${program[@]}"

# Where the server listens: --host/--port as given here (or ATALAYA_HOST/ATALAYA_PORT), else the
# default. A wildcard address is reached over loopback.
host=${ATALAYA_HOST:-127.0.0.1} port=${ATALAYA_PORT:-8080}
for ((i = 0; i < ${#args[@]}; ++i)); do
    case "${args[i]}" in
        --host) host=${args[i + 1]:-$host} ;;
        --host=*) host=${args[i]#--host=} ;;
        --port) port=${args[i + 1]:-$port} ;;
        --port=*) port=${args[i]#--port=} ;;
    esac
done
[[ "$host" == "0.0.0.0" || "$host" == "::" ]] && host=127.0.0.1
[[ "$host" == *:* ]] && host="[$host]"

# Both the console's embedded server and the headless one read keys from <data-dir>.
key=$(build/release/app/atalaya-server keys create --name demo-traffic --scopes predict \
    --data-dir demo-data | tail -n 1)
key_id=${key:4:16}  # atk_<16 hex id>_<secret>

# Background jobs of a script ignore Ctrl-C: forward it as SIGTERM, on which the server drains.
"${program[@]}" &
server=$!
trap 'kill -TERM "$server" 2>/dev/null || true' INT TERM
ATALAYA_TOKEN="$key" build/release/tools/traffic/atalaya-traffic --url "http://$host:$port" \
    --rate 10 --instances 4 --shift-after 120 --wait-ready 300 >demo-data/demo-traffic.log 2>&1 &
traffic=$!
echo "Demo traffic to http://$host:$port: normal for 120 s, then shifted; log: demo-data/demo-traffic.log"

# wait returns early when a trapped signal arrives; the server is still draining then.
while kill -0 "$server" 2>/dev/null; do wait "$server" || true; done
status=0
wait "$server" || status=$?
kill -TERM "$traffic" 2>/dev/null || true
wait "$traffic" 2>/dev/null || true
build/release/app/atalaya-server keys revoke "$key_id" --data-dir demo-data >/dev/null
exit "$status"
