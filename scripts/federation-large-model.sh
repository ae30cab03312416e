#!/usr/bin/env bash
# Sends a 50-million-parameter model (mlp:6700 on MNIST, 200 MB of float32) out to a node and back in one
# round over mutual TLS, and reports the coordinator's and the node's peak memory (maximum resident set).
#   scripts/federation-large-model.sh [MODEL]        (default mlp:6700)
# CONCORD names a prebuilt binary; otherwise the release build is made first.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-mlp:6700}
source scripts/federation-common.sh
"$CONCORD" certs init --out "$work/pki" --nodes big >/dev/null
# The node trains on 1% of MNIST (600 examples): the point is the transfer, not the accuracy.
names=big$(seq -f ",spare%g" 1 99 | paste -sd '' -)
"$CONCORD" partition --names "$names" --out "$work/data" --seed 1 >/dev/null
cat >"$work/federation.yaml" <<YAML
run: large
model: $model
rounds: 1
local_epochs: 1
batch_size: 50
learning_rate: 0.01
eval_every: 0
participants: [big]
listen: 127.0.0.1:0
store: run.sqlite
tls: {ca: pki/ca.pem, certificate: pki/coordinator.pem, private_key: pki/coordinator-key.pem}
YAML
${WRAP_SERVE:-} /usr/bin/time -f "%M %e %U %S" -o "$work/serve.rss" "$CONCORD" serve --config "$work/federation.yaml" \
  --port-file "$work/port" >"$work/serve.log" 2>&1 &
serve=$!
port=$(await_port "$work/port" "$serve") || { cat "$work/serve.log"; exit 1; }
/usr/bin/time -f "%M %e %U %S" -o "$work/node.rss" "$CONCORD" node --server "127.0.0.1:$port" --data "$work/data/big" \
  --name big --pki "$work/pki" >"$work/node.log" 2>&1 &
wait "$serve" || { cat "$work/serve.log"; exit 1; }
wait
cat "$work/serve.log"
grep -o "round 1/1.*" "$work/serve.log" >/dev/null || { echo "the round did not complete"; exit 1; }
report() { read -r rss wall user sys <"$2"; echo "$1: peak memory $((rss / 1024)) MiB, ${wall} s wall, ${user} s user, ${sys} s system"; }
report coordinator "$work/serve.rss"
report node "$work/node.rss"
