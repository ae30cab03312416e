#!/usr/bin/env bash
# Concord's main job on the bundled MNIST: builds the release binary and trains the FedAvg paper's
# 2NN ("mlp") for one epoch. Extra arguments go to `concord train` (e.g. --model cnn --batch-size 50).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build -c release --product concord
exec .build/release/concord train --dataset mnist --model mlp --epochs 1 --batch-size 10 --lr 0.1 --seed 1 "$@"
