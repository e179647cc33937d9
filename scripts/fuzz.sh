#!/usr/bin/env bash
# Builds the libFuzzer targets (the fuzz preset: clang, ASan, UBSan, build/fuzz) and runs each
# for SECONDS (default 30, what CI spends; e.g. 600 for a longer run on demand), starting from
# its checked-in seed corpus in tests/fuzz/corpus/. Exits non-zero on any crash, leak, timeout
# or out-of-memory, and prints the path of the input that caused it.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(fuzz_jwt fuzz_authorization fuzz_predict_json)
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds < 1)); then
    echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2
    exit 2
fi

export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
cmake --preset fuzz >/dev/null
# fuzz_predict_json decodes against the demo models' metadata: reuse the release build's when
# it exists (scripts/test.sh has just made it), else train them in build/fuzz.
models=$PWD/build/release/models
if [[ ! -f build/release/models.stamp ]]; then
    cmake --build --preset fuzz --target demo_models
    models=$PWD/build/fuzz/models
fi
cmake --build --preset fuzz --target "${targets[@]}"

# The corpus grows while fuzzing: work on a copy so the checked-in one stays small. Findings are
# kept in build/fuzz/findings/ (outside the temporary directory).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
findings=$PWD/build/fuzz/findings
mkdir -p "$findings"

failed=0
passed=0
for target in "${targets[@]}"; do
    cp -r "tests/fuzz/corpus/$target" "$work/$target"
    log="$findings/$target.log"
    status=0
    # -timeout: one input may take 10 s; -rss_limit_mb: the 24 GiB box is shared.
    ATALAYA_FUZZ_MODELS="$models" "build/fuzz/tests/fuzz/$target" "$work/$target" \
        -dict="tests/fuzz/$target.dict" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/$target-" \
        >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    if ((status == 0)); then
        echo "$target: ${seconds} s, ${runs:-?} inputs, corpus $(ls "$work/$target" | wc -l) files: clean"
        passed=$((passed + 1))
        continue
    fi
    failed=$((failed + 1))
    echo "$target: FAILED (exit $status); log: $log"
    grep -E '^(==[0-9]+== ?ERROR|SUMMARY|fuzz invariant broken|.*runtime error)' "$log" | head -n 5 || true
    # libFuzzer names the saved input on a line "Test unit written to <path>".
    grep -o 'Test unit written to .*' "$log" | sed 's/^Test unit written to /  crash input: /' || true
done
echo "fuzz: $passed passed, $failed failed"
((failed == 0))
