#!/usr/bin/env bash
# Reproduces the README's private MNIST runs: 1,000 participants, Poisson sampling q = 0.1, logreg, user-level
# DP-FedAvg with clip norm 0.5 at δ = 1e-5 and an ε budget of 8, for three noise multipliers, plus the same run
# without privacy. Prints the test accuracy reached by the time ε passes 1, 2, 4 and 8.
#
#   scripts/reproduce-privacy.sh             # z = 1.0, 1.5, 2.0
#   scripts/reproduce-privacy.sh 1.2 3.0     # other noise multipliers
set -euo pipefail
cd "$(dirname "$0")/.."
noise=("$@")
[ ${#noise[@]} -eq 0 ] && noise=(1.0 1.5 2.0)
scripts/bootstrap.sh
swift build -c release --product concord
mkdir -p reports
common=(--model logreg --clients 1000 --fraction 0.1 --partition iid --local-epochs 1 --batch-size 10 --lr 0.1
  --seed 1 --eval-every 5)
for z in "${noise[@]}"; do
  echo "== z=$z"
  .build/release/concord simulate "${common[@]}" --rounds 2000 --dp-noise-multiplier "$z" --dp-clip 0.5 \
    --dp-delta 1e-5 --dp-epsilon-budget 8 --report "reports/privacy-z$z.json" | tail -n 3
done
echo "== no privacy"
.build/release/concord simulate "${common[@]}" --rounds 100 --report reports/privacy-none.json | tail -n 1
python3 - "${noise[@]}" <<'PY'
import json, sys
print("\nnoise multiplier z, rounds, test accuracy once ε reached 1 / 2 / 4 / 8 (δ = 1e-5), final ε")
for z in sys.argv[1:]:
    r = json.load(open(f"reports/privacy-z{z}.json"))
    cells = []
    for budget in (1, 2, 4, 8):
        within = [x for x in r["rounds"] if x.get("test_accuracy") is not None and x["epsilon"] <= budget]
        cells.append(f"{within[-1]['test_accuracy']:.4f} (r{within[-1]['round']})" if within else "-")
    print(f"  z={z:<5} {len(r['rounds']):>5}  " + "  ".join(cells) + f"  ε={r['privacy']['epsilon_spent']:.3f}")
r = json.load(open("reports/privacy-none.json"))
print(f"  no DP  {len(r['rounds']):>5}  final {r['final_test_accuracy']:.4f}")
PY
