#!/usr/bin/env bash
# Concord's main job on the bundled MNIST: builds the release binary, then simulates a federation of
# 100 participants training the FedAvg paper's 2NN ("mlp") with FedAvg (C=0.1, E=1, B=10) for 50 rounds,
# printing the test accuracy after each round. Extra arguments go to `concord simulate`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build -c release --product concord
exec .build/release/concord simulate --dataset mnist --model mlp --clients 100 --fraction 0.1 \
  --local-epochs 1 --batch-size 10 --lr 0.2 --rounds 50 --partition iid --seed 1 "$@"
