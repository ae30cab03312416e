#!/usr/bin/env bash
# The Flower comparison setting in `concord simulate`: FedAvg, mlp on IID MNIST, CLIENTS participants, every
# one every round (C = 1), E = 1, B = 10, lr 0.1, ROUNDS rounds, seed 1. Runs it RUNS times and prints each
# run's wall time (process start to exit, build excluded) and training examples per second, then the median.
#   scripts/bench-simulate.sh [RUNS] [CLIENTS] [ROUNDS] [extra simulate flags...]   (default 3 10 10)
# CONCORD names a prebuilt binary; otherwise the release build is made first.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
clients=${2:-10}
rounds=${3:-10}
shift $(($# < 3 ? $# : 3))
if [ -z "${CONCORD:-}" ]; then
  swift build -c release --product concord >&2
  CONCORD=.build/release/concord
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Every participant trains on its share of the 60,000 MNIST training examples once per round (E = 1).
examples=$((60000 / clients * clients * rounds))
times=()
for run in $(seq 1 "$runs"); do
  start=$(date +%s.%N)
  "$CONCORD" simulate --model mlp --clients "$clients" --fraction 1 --local-epochs 1 --batch-size 10 --lr 0.1 \
    --rounds "$rounds" --partition iid --seed 1 --report "$work/report.json" "$@" >"$work/simulate.log" 2>&1
  seconds=$(python3 -c "print($(date +%s.%N) - $start)")
  times+=("$seconds")
  printf 'run %d: %.2f s wall, %.0f examples/s; %s\n' "$run" "$seconds" \
    "$(python3 -c "print($examples / $seconds)")" "$(grep "^done:" "$work/simulate.log")"
done
python3 - "$examples" "$clients" "$rounds" "${times[@]}" <<'PY'
import statistics, sys
examples, clients, rounds, times = int(sys.argv[1]), sys.argv[2], sys.argv[3], [float(t) for t in sys.argv[4:]]
median = statistics.median(times)
print(f"mlp, {clients} participants x {rounds} rounds, E=1, B=10: median {median:.2f} s wall over "
      f"{len(times)} runs, {examples / median:,.0f} examples/s")
PY
