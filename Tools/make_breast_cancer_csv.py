#!/usr/bin/env python3
"""Writes Tests/ConcordFederationTests/Resources/breast_cancer.csv, the Wisconsin diagnostic breast cancer data
(Wolberg, Street and Mangasarian 1995; UCI; 569 rows, 30 numeric features) as scikit-learn ships it, with a
`diagnosis` column (benign / malignant) and a `site` column assigning each row to one of three hospital-like sites.

The sites are not IID: a deterministic rule on the row's position and label sends most malignant rows to
hospital_a and most benign ones to hospital_b and hospital_c (about 64 %, 27 % and 18 % malignant). The tests read
the committed CSV; they never need scikit-learn. Run once: `python3 Tools/make_breast_cancer_csv.py`.
"""
import csv
import os

from sklearn.datasets import load_breast_cancer


def site(index: int, malignant: bool) -> str:
    r = (index * 7) % 20
    if malignant:
        return "hospital_a" if r < 12 else "hospital_b" if r < 17 else "hospital_c"
    return "hospital_a" if r < 4 else "hospital_b" if r < 12 else "hospital_c"


def main() -> None:
    data = load_breast_cancer()
    names = [n.replace(" ", "_") for n in data.feature_names]
    # scikit-learn's target: 0 = malignant, 1 = benign.
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "Tests", "ConcordFederationTests", "Resources", "breast_cancer.csv")
    with open(out, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(names + ["diagnosis", "site"])
        for i, (row, target) in enumerate(zip(data.data, data.target)):
            malignant = target == 0
            writer.writerow([repr(float(v)) for v in row] + ["malignant" if malignant else "benign", site(i, malignant)])
    print(f"wrote {len(data.data)} rows to {os.path.normpath(out)}")


if __name__ == "__main__":
    main()
