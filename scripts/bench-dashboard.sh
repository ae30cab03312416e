#!/usr/bin/env bash
# What the dashboard and /metrics cost a federation: the same run (NODES node processes and a coordinator over
# mutual TLS on 127.0.0.1, MNIST mlp, IID, E=1, B=10, lr 0.1, every participant every round, ROUNDS rounds)
# with the dashboard off, then on with its page and /metrics each fetched every POLL seconds; PAIRS times,
# alternating, so that drift of a shared machine falls on both. Prints every round's time (the coordinator's
# own "[x.xx s]"), the medians and their ratio, the coordinator's CPU seconds per run (with GNU time), and what
# one request of the page and of /metrics costs (curl's time_total, served by `concord dashboard` from a store).
#   scripts/bench-dashboard.sh [NODES] [ROUNDS] [PAIRS] [POLL]     (default 3 10 2 1)
# CONCORD names a prebuilt binary; otherwise the release build is made first.
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=${1:-3}
rounds=${2:-10}
pairs=${3:-2}
poll=${4:-1}
source scripts/federation-common.sh
names=$(seq -f "node%g" 1 "$nodes" | paste -sd, -)
"$CONCORD" certs init --out "$work/pki" --nodes "$names" >/dev/null
"$CONCORD" partition --names "$names" --out "$work/data" --seed 1 >/dev/null

# One run into $work/$1; with "on", the dashboard is served and polled. Prints the round times, one a line.
run() {
  local mode=$1 dir="$work/$1-$2"
  mkdir -p "$dir"
  cat >"$dir/federation.yaml" <<YAML
run: bench
model: mlp
rounds: $rounds
local_epochs: 1
batch_size: 10
learning_rate: 0.1
fraction: 1.0
min_fit_results: $nodes
seed: 1
participants: [$(echo "$names" | sed 's/,/, /g')]
listen: 127.0.0.1:0
store: run.sqlite
tls: {ca: $work/pki/ca.pem, certificate: $work/pki/coordinator.pem, private_key: $work/pki/coordinator-key.pem}
YAML
  local extra=()
  [ "$mode" = on ] && extra=(--dashboard 127.0.0.1:0 --dashboard-port-file "$dir/dashboard-port")
  local timer=()
  [ -x /usr/bin/time ] && timer=(/usr/bin/time -f "%U %S" -o "$dir/cpu")
  "${timer[@]}" "$CONCORD" serve --config "$dir/federation.yaml" --port-file "$dir/port" "${extra[@]}" \
    >"$dir/serve.log" 2>&1 &
  local serve=$!
  local free
  free=$(await_port "$dir/port" "$serve")
  local children=()
  for name in ${names//,/ }; do
    "$CONCORD" node --server "127.0.0.1:$free" --data "$work/data/$name" --name "$name" --pki "$work/pki" \
      >"$dir/$name.log" 2>&1 &
    children+=($!)
  done
  if [ "$mode" = on ]; then
    local dashboard
    dashboard=$(await_port "$dir/dashboard-port" "$serve")
    (
      while kill -0 "$serve" 2>/dev/null; do
        curl -sf -o /dev/null "http://127.0.0.1:$dashboard/" || true
        curl -sf -o /dev/null "http://127.0.0.1:$dashboard/metrics" || true
        sleep "$poll"
      done
    ) &
    children+=($!)
  fi
  wait "$serve"
  for child in "${children[@]}"; do wait "$child" || true; done
  sed -n 's/.*round [0-9]*\/[0-9]*: .*\[\([0-9.]*\) s\]$/\1/p' "$dir/serve.log"
  [ -s "$dir/cpu" ] && awk '{ print $1 + $2 }' "$dir/cpu" >>"$work/$mode-cpu.txt"
  return 0
}

: >"$work/off.txt"
: >"$work/on.txt"
for pair in $(seq 1 "$pairs"); do
  run off "$pair" | tee -a "$work/off.txt" | paste -sd' ' - | sed "s/^/dashboard off, run $pair: /"
  run on "$pair" | tee -a "$work/on.txt" | paste -sd' ' - | sed "s/^/dashboard on (polled every ${poll}s), run $pair: /"
done
# One request's cost: `concord dashboard` on the first polled run's store, 200 requests of each page.
"$CONCORD" dashboard --store "$work/on-1/run.sqlite" --listen 127.0.0.1:0 --port-file "$work/readonly-port" \
  >"$work/dashboard.log" 2>&1 &
dashboard=$!
readonly_port=$(await_port "$work/readonly-port" "$dashboard")
for page in "" metrics; do
  for _ in $(seq 1 200); do
    curl -sf -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$readonly_port/$page"
  done >"$work/request-${page:-page}.txt"
done
kill "$dashboard"
touch "$work/off-cpu.txt" "$work/on-cpu.txt"
python3 - "$work/off.txt" "$work/on.txt" "$work/off-cpu.txt" "$work/on-cpu.txt" "$work/request-page.txt" \
  "$work/request-metrics.txt" <<'PY'
import statistics, sys
off = [float(x) for x in open(sys.argv[1]).read().split()]
on = [float(x) for x in open(sys.argv[2]).read().split()]
cpu_off = [float(x) for x in open(sys.argv[3]).read().split()]
cpu_on = [float(x) for x in open(sys.argv[4]).read().split()]
page = [float(x) for x in open(sys.argv[5]).read().split()]
metrics = [float(x) for x in open(sys.argv[6]).read().split()]
if not off or not on:
    sys.exit("bench-dashboard: no round times were read; see the serve logs")
m_off, m_on = statistics.median(off), statistics.median(on)
print(f"rounds: {len(off)} off, {len(on)} on")
print(f"median round time: off {m_off:.3f} s, on {m_on:.3f} s; ratio on/off {m_on / m_off:.4f} "
      f"({(m_on / m_off - 1) * 100:+.2f}%)")
print(f"mean round time:   off {statistics.mean(off):.3f} s, on {statistics.mean(on):.3f} s")
if cpu_off and cpu_on:
    print(f"coordinator CPU seconds per run (median): off {statistics.median(cpu_off):.2f}, "
          f"on {statistics.median(cpu_on):.2f}")
if page and metrics:
    cost = statistics.median(page) + statistics.median(metrics)
    print(f"one request (median of 200): page {statistics.median(page) * 1000:.2f} ms, "
          f"/metrics {statistics.median(metrics) * 1000:.2f} ms; one poll of both is "
          f"{cost / m_off * 100:.2f}% of the median round (off)")
PY
