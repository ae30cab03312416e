#!/usr/bin/env bash
# Runs tests again and again to find the ones that fail only sometimes (not part of CI).
#   scripts/soak-tests.sh [RUNS] [FILTER]
# RUNS (default 20) runs of `swift test` after one build; FILTER (a `swift test --filter` pattern) narrows
# the tests, and is by default the tests that start real processes, sockets and servers. FILTER `all` runs the
# whole suite each time. Tests run one at a time, as scripts/test.sh (and so CI) runs them; SOAK_PARALLEL=1 runs
# them in parallel instead, to stress the tests that have deadlines. Prints each run's outcome and the count of
# failed runs; the output of a failed run is kept in soak-logs/.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
filter=${2:-'FederationProcessTests|ServeListenTests|FederationOverWireTests|PrivacyOverWireTests|HostilePeerTests|IdlePeerTests|ListeningTests|FederationRunTests'}
scripts/bootstrap.sh --python
swift build --build-tests
mkdir -p soak-logs
args=(--skip-build)
[ "${SOAK_PARALLEL:-0}" = 1 ] || args+=(--no-parallel)
[ "$filter" != all ] && args+=(--filter "$filter")
failed=0
for run in $(seq 1 "$runs"); do
  log="soak-logs/run-$run.log"
  started=$(date +%s)
  if swift test "${args[@]}" >"$log" 2>&1; then
    echo "run $run/$runs: passed ($(( $(date +%s) - started )) s)"
    rm -f "$log"
  else
    failed=$((failed + 1))
    echo "run $run/$runs: FAILED ($(( $(date +%s) - started )) s), output in $log"
    grep -E "✘|error:|failed" "$log" | head -20 || true
  fi
done
echo "$((runs - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
