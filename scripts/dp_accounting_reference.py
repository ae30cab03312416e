#!/usr/bin/env python3
"""Prints the reference values hard-coded in Tests/ConcordPrivacyTests/RDPAccountantTests.swift.

The values come from Google's dp_accounting library (the RDP accountant of the Poisson-subsampled
Gaussian mechanism, Mironov, Talwar & Zhang 2019). The tests do not run this script; it records how
the numbers were made so that anyone can regenerate and check them:

    python3 -m venv /tmp/dpenv && /tmp/dpenv/bin/pip install dp-accounting
    /tmp/dpenv/bin/python scripts/dp_accounting_reference.py

Three tables are printed, as Swift literals:
  1. RDP of one or more steps at chosen orders, integer and fractional;
  2. (epsilon, optimal order) for a number of steps at a delta, with the default orders;
  3. the smallest noise multiplier meeting an (epsilon, delta) target, found by dp_accounting's
     calibrate_dp_mechanism with a tight tolerance.
"""

import importlib.metadata

from absl import logging
import dp_accounting
from dp_accounting.rdp import rdp_privacy_accountant as rdp

# (q, noise multiplier, steps, orders)
RDP_CASES = [
    (0.001, 0.5, 1, [1.25, 1.5, 2, 3.5, 8, 32, 256]),
    (0.01, 1.1, 10, [1.01, 1.75, 2.5, 4, 12.5, 64, 1000]),
    (0.05, 0.8, 3, [1.1, 2, 3.3, 7.7, 20, 40.5]),
    (0.5, 2.0, 1, [1.5, 2, 6.25, 16]),
    (0.9, 4.0, 7, [1.05, 3, 9.5, 100]),
    (1.0, 3.0, 1, [1.5, 2, 10.5, 128]),
]

# (q, noise multiplier, steps, delta)
EPSILON_CASES = [
    (0.001, 0.5, 10000, 1e-5),
    (0.001, 1.0, 10000, 1e-6),
    (0.004, 1.1, 5000, 1e-5),
    (0.01, 0.8, 100, 1e-5),
    (0.02, 3.0, 2000, 1e-7),
    (0.05, 10.0, 10000, 1e-5),
    (0.1, 0.7, 10, 1e-3),
    (0.25, 5.0, 1, 1e-5),
    (0.5, 1.5, 20, 1e-6),
    (1.0, 10.0, 100, 1e-5),
    (1.0, 0.5, 1, 1e-5),
    (0.003, 20.0, 1, 1e-2),
]

# (q, steps, delta, target epsilon)
NOISE_CASES = [
    (0.01, 1000, 1e-5, 1.0),
    (0.001, 10000, 1e-6, 0.5),
    (0.1, 100, 1e-5, 8.0),
    (1.0, 1, 1e-5, 1.0),
    (0.05, 500, 1e-5, 3.0),
]


def poisson_gaussian(q, z, steps):
    return dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(z)), steps)


def main():
    # dp_accounting warns (on stderr) each time a fractional order's series does not converge; that
    # order's RDP is then infinite, which the Swift accountant reproduces.
    logging.set_verbosity(logging.ERROR)
    print(f"// dp_accounting {importlib.metadata.version('dp-accounting')}")
    print("// RDP: (q, z, steps, orders, rdp)")
    for q, z, steps, orders in RDP_CASES:
        values = [steps * v for v in rdp._compute_rdp_poisson_subsampled_gaussian(q, z, orders)]
        print(f"({q!r}, {z!r}, {steps}, {orders!r}, [{', '.join(f'{v:.12e}' for v in values)}]),")

    print("// epsilon: (q, z, steps, delta, epsilon, order)")
    for q, z, steps, delta in EPSILON_CASES:
        accountant = rdp.RdpAccountant()
        accountant.compose(poisson_gaussian(q, z, steps))
        epsilon, order = accountant.get_epsilon_and_optimal_order(delta)
        print(f"({q!r}, {z!r}, {steps}, {delta!r}, {epsilon:.12e}, {float(order)!r}),")

    print("// noise multiplier: (q, steps, delta, epsilon, z)")
    for q, steps, delta, epsilon in NOISE_CASES:
        z = dp_accounting.calibrate_dp_mechanism(
            rdp.RdpAccountant, lambda z, q=q, steps=steps: poisson_gaussian(q, z, steps),
            epsilon, delta, tol=1e-9)
        print(f"({q!r}, {steps}, {delta!r}, {epsilon!r}, {z:.10f}),")


if __name__ == "__main__":
    main()
