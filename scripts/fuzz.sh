#!/usr/bin/env bash
# Runs every fuzz suite (the test types named *FuzzTests) with ITERATIONS inputs per parser, then prints, per
# parser, the inputs run, how many parsed and how many were refused with an error, and the crashes.
#
#   scripts/fuzz.sh [ITERATIONS]        default 100000; the suites run a few thousand each in `swift test`
#
# CONCORD_FUZZ_SEED changes the seed of every mutation. A crash leaves its input in
# $TMPDIR/concord-fuzz-<parser>.crash and prints the line to replay it (CONCORD_FUZZ_SEED=… CONCORD_FUZZ_REPLAY=…);
# an invariant broken or an input over its time limit is written to $TMPDIR/concord-fuzz-<parser>-<input>.bin.
set -uo pipefail
cd "$(dirname "$0")/.."
iterations="${1:-100000}"
case "$iterations" in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [ITERATIONS]" >&2; exit 2 ;; esac
log="$(mktemp -t concord-fuzz.XXXXXX)"
trap 'rm -f "$log"' EXIT

swift build --build-tests >/dev/null || { echo "fuzz: the build failed" >&2; exit 1; }
start=$(date +%s)
CONCORD_FUZZ_ITERATIONS="$iterations" swift test --skip-build --filter 'FuzzTests' >"$log" 2>&1
status=$?
seconds=$(($(date +%s) - start))

echo "fuzz: $iterations inputs per parser, seed ${CONCORD_FUZZ_SEED:-default}, ${seconds} s"
printf '%-28s %10s %10s %10s %9s\n' parser inputs parsed refused failures
grep -E '^fuzz [^ ]+: [0-9]+ inputs' "$log" | sed -E \
  's/^fuzz ([^ ]+): ([0-9]+) inputs, ([0-9]+) parsed, ([0-9]+) refused with an error, ([0-9]+) failures.*/\1 \2 \3 \4 \5/' \
  | sort | while read -r name inputs parsed refused failures; do
    printf '%-28s %10s %10s %10s %9s\n' "$name" "$inputs" "$parsed" "$refused" "$failures"
  done
crashes=$(grep -c 'crashed or hung' "$log" || true)
total=$(grep -E '^fuzz [^ ]+: [0-9]+ inputs' "$log" | sed -E 's/^fuzz [^ ]+: ([0-9]+) inputs.*/\1/' | awk '{ sum += $1 } END { print sum + 0 }')
echo "total inputs ${total:-0}, crashes $crashes"
if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
  grep -E 'crashed or hung|FuzzFailure|fuzz .* input #|error|failed' "$log" | head -40 >&2
  echo "fuzz: FAILED (swift test exited $status)" >&2
  exit 1
fi
