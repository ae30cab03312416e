#!/usr/bin/env bash
# Reproduces the strategy and robustness results in the README. Reports go to reports/<experiment>-<row>.json
# and a summary table is printed at the end.
#
#   scripts/reproduce-strategies.sh fedprox        # FedProx vs FedAvg, synthetic(1,1), 90% stragglers (Li et al. 2020, Fig. 1)
#   scripts/reproduce-strategies.sh heterogeneous  # mlp on MNIST dirichlet:0.1 to 97%: FedAvg's lr grid, FedAdam, SCAFFOLD
#   scripts/reproduce-strategies.sh heterogeneous-full  # the same split, every participant every round, 150 rounds
#   scripts/reproduce-strategies.sh attacks        # 20% attackers: FedAvg vs median, trimmed mean, Multi-Krum, Bulyan
set -euo pipefail
cd "$(dirname "$0")/.."
experiment=${1:?usage: scripts/reproduce-strategies.sh fedprox|heterogeneous|heterogeneous-full|attacks}
scripts/bootstrap.sh
swift build -c release --product concord
mkdir -p reports
concord=.build/release/concord
rows=()
run() {  # run ROW ARGS...: one simulation, its report named after the row
  local row=$1; shift
  rows+=("$row")
  echo "== $experiment $row: concord simulate $*"
  "$concord" simulate --seed 1 "$@" --report "reports/$experiment-$row.json" | tail -n 2
}
case "$experiment" in
  fedprox)
    # 30 devices, 10 per round, E=20, B=10, lr 0.01, 200 rounds; 90% of each round's devices straggle.
    common=(--dataset synthetic:1,1 --model logreg --fraction 0.34 --local-epochs 20 --batch-size 10 --lr 0.01
      --rounds 200 --stragglers 0.9 --eval-every 5)
    run fedavg --strategy fedavg "${common[@]}"
    run fedprox-mu0 --strategy fedprox:0 "${common[@]}"
    run fedprox-mu1 --strategy fedprox:1 "${common[@]}"
    ;;
  heterogeneous)
    common=(--model mlp --clients 100 --fraction 0.1 --partition dirichlet:0.1 --local-epochs 1 --batch-size 10
      --rounds 1500 --target-accuracy 0.97)
    for lr in 0.05 0.1 0.2 0.3 0.4; do run "fedavg-lr$lr" --strategy fedavg --lr "$lr" "${common[@]}"; done
    for lr in 0.1 0.2; do run "fedadam-lr$lr" --strategy fedadam --lr "$lr" --server-lr 0.01 "${common[@]}"; done
    for lr in 0.1 0.2; do run "scaffold-lr$lr" --strategy scaffold --lr "$lr" "${common[@]}"; done
    ;;
  heterogeneous-full)
    # The heterogeneous split with C = 1: control variates are one round old, the staleness of C = 0.1 gone.
    common=(--model mlp --clients 100 --fraction 1 --partition dirichlet:0.1 --local-epochs 1 --batch-size 10
      --rounds 150 --eval-every 5 --target-accuracy 0.97)
    for lr in 0.1 0.2 0.3; do run "fedavg-lr$lr" --strategy fedavg --lr "$lr" "${common[@]}"; done
    for lr in 0.05 0.1 0.2; do run "scaffold-lr$lr" --strategy scaffold --lr "$lr" "${common[@]}"; done
    ;;
  attacks)
    # 100 participants, 30 per round, mlp, IID, lr 0.05, 50 rounds; 20 fixed attackers (about 6 per round).
    common=(--model mlp --clients 100 --fraction 0.3 --partition iid --local-epochs 1 --batch-size 10 --lr 0.05
      --rounds 50 --eval-every 5)
    for attack in none sign-flip:4 gaussian:1 scaling:10; do
      for strategy in fedavg median trimmed-mean:0.2 multi-krum:6,18 bulyan:6; do
        flags=(--strategy "$strategy")
        [ "$attack" != none ] && flags+=(--attack "$attack" --attackers 0.2)
        run "${strategy//[:,]/_}-${attack//[:]/_}" "${flags[@]}" "${common[@]}"
      done
    done
    ;;
  *) echo "unknown experiment '$experiment' (fedprox, heterogeneous, heterogeneous-full, attacks)" >&2; exit 2 ;;
esac
python3 - "$experiment" "${rows[@]}" <<'PY'
import json, sys
experiment, rows = sys.argv[1], sys.argv[2:]
print(f"\n{experiment}: row, strategy, rounds run, rounds to target, best and final test accuracy, wall seconds")
for row in rows:
    r = json.load(open(f"reports/{experiment}-{row}.json"))
    accuracies = [x["test_accuracy"] for x in r["rounds"] if x.get("test_accuracy") is not None]
    target = r["rounds_to_target"] if r["target_accuracy"] is not None else "-"
    print(f"  {row:<28} {r['strategy']:<40} {len(r['rounds']):>5} {target or 'not reached':>11} "
          f"{max(accuracies):.4f} {r['final_test_accuracy']:.4f} {r['wall_seconds']:>6.0f}")
PY
