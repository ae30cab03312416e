#!/usr/bin/env bash
# Reproduces the FedAvg paper's MNIST rows (McMahan et al. 2017, Tables 1 and 2; 100 participants, C=0.1)
# with a learning-rate grid, as the paper chose its rates. Each run stops at the target accuracy;
# reports go to reports/<experiment>-lr<rate>.json and a summary table is printed at the end.
#
#   scripts/reproduce-fedavg.sh mlp-iid      # 2NN, IID, E=1, B=10: 97% target, 100 rounds at most
#   scripts/reproduce-fedavg.sh mlp-noniid   # 2NN, 2 shards per participant, E=1, B=10: 97%, 800 rounds
#   scripts/reproduce-fedavg.sh cnn-iid      # CNN, IID, E=5, B=10: 99%, 30 rounds
#   scripts/reproduce-fedavg.sh mlp-iid 0.1  # one rate instead of the grid
set -euo pipefail
cd "$(dirname "$0")/.."
experiment=${1:?usage: scripts/reproduce-fedavg.sh mlp-iid|mlp-noniid|cnn-iid [rates...]}
shift
case "$experiment" in
  mlp-iid)    args=(--model mlp --partition iid --local-epochs 1 --batch-size 10 --rounds 100 --target-accuracy 0.97); grid=(0.05 0.1 0.2) ;;
  mlp-noniid) args=(--model mlp --partition shards --local-epochs 1 --batch-size 10 --rounds 800 --target-accuracy 0.97); grid=(0.05 0.1 0.2) ;;
  cnn-iid)    args=(--model cnn --partition iid --local-epochs 5 --batch-size 10 --rounds 30 --target-accuracy 0.99); grid=(0.05 0.1 0.2) ;;
  *) echo "unknown experiment '$experiment' (mlp-iid, mlp-noniid, cnn-iid)" >&2; exit 2 ;;
esac
[ $# -gt 0 ] && grid=("$@")
scripts/bootstrap.sh
swift build -c release --product concord
mkdir -p reports
for lr in "${grid[@]}"; do
  .build/release/concord simulate --dataset mnist --clients 100 --fraction 0.1 --seed 1 --lr "$lr" "${args[@]}" \
    --report "reports/$experiment-lr$lr.json"
done
python3 - "$experiment" "${grid[@]}" <<'PY'
import json, sys
experiment, rates = sys.argv[1], sys.argv[2:]
print(f"\n{experiment}: lr, rounds to target, final test accuracy, wall seconds")
for lr in rates:
    r = json.load(open(f"reports/{experiment}-lr{lr}.json"))
    print(f"  {lr:>5}  {r['rounds_to_target'] or 'not reached':>11}  {r['final_test_accuracy']:.4f}  {r['wall_seconds']:.0f}")
PY
