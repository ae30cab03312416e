#!/usr/bin/env bash
# A real federation on this machine against the same experiment in `concord simulate`:
# NODES node processes and a coordinator over mutual TLS on 127.0.0.1, MNIST mlp, IID, E=1, B=10,
# lr 0.1, every participant every round, ROUNDS rounds; then `concord simulate` with the same seed and
# partition. Prints both wall times (process start to exit, build excluded), their ratio, and whether the
# two final models are bit-identical.
#   scripts/bench-federation.sh [NODES] [ROUNDS]        (default 10 10)
# CONCORD names a prebuilt binary; otherwise the release build is made first.
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=${1:-10}
rounds=${2:-10}
source scripts/federation-common.sh
names=$(seq -f "node%g" 1 "$nodes" | paste -sd, -)
"$CONCORD" certs init --out "$work/pki" --nodes "$names" >/dev/null
"$CONCORD" partition --names "$names" --out "$work/data" --seed 1 >/dev/null
cat >"$work/federation.yaml" <<YAML
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
tls: {ca: pki/ca.pem, certificate: pki/coordinator.pem, private_key: pki/coordinator-key.pem}
YAML

start=$(date +%s.%N)
"$CONCORD" serve --config "$work/federation.yaml" --port-file "$work/port" --save "$work/federated.safetensors" \
  >"$work/serve.log" 2>&1 &
serve=$!
port=$(await_port "$work/port" "$serve") || { cat "$work/serve.log"; exit 1; }
for name in ${names//,/ }; do
  "$CONCORD" node --server "127.0.0.1:$port" --data "$work/data/$name" --name "$name" --pki "$work/pki" \
    >"$work/$name.log" 2>&1 &
done
wait "$serve"
federated=$(python3 -c "print($(date +%s.%N) - $start)")
wait

start=$(date +%s.%N)
"$CONCORD" simulate --model mlp --clients "$nodes" --fraction 1 --local-epochs 1 --batch-size 10 --lr 0.1 \
  --rounds "$rounds" --partition iid --seed 1 --save "$work/simulated.safetensors" >"$work/simulate.log" 2>&1
simulated=$(python3 -c "print($(date +%s.%N) - $start)")

grep "final test accuracy" "$work/serve.log" | sed 's/^/federation: /'
tail -1 "$work/simulate.log" | sed 's/^/simulation: /'
printf 'federation %s nodes x %s rounds: %.2f s\nsimulation, same experiment: %.2f s\nratio: %.3f\n' \
  "$nodes" "$rounds" "$federated" "$simulated" "$(python3 -c "print($federated / $simulated)")"
if cmp -s "$work/federated.safetensors" "$work/simulated.safetensors"; then
  echo "final models: bit-identical"
else
  echo "final models: DIFFER"
fi
