#!/usr/bin/env python3
"""Concord against PyTorch and against OpenBLAS's own kernels, measured in one run.

Runs, alternately and `--rounds` times each (so drift on a shared machine hits both sides alike):
  * `concord bench --json`                    (Concord, one thread)
  * `Benchmarks/pytorch_reference.py --json`  (PyTorch 2.x on CPU, one thread, same models and work)
and, in each round, once per OpenBLAS core type this CPU supports (the library's own detection, Haswell, SkylakeX):
  * single-threaded `cblas_sgemm` straight from libopenblas through ctypes,
to know the best GEMM this machine's OpenBLAS can do. Prints the medians, the median of the
pairwise ratios Concord/PyTorch, and Concord's GEMM as a share of the best OpenBLAS kernel.

    python3 Benchmarks/compare_with_pytorch.py                 # build first: swift build -c release
    python3 Benchmarks/compare_with_pytorch.py --rounds 5 --seconds 3 --json
"""
import argparse
import ctypes
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GEMM_SHAPES = [(512, 512, 512), (2000, 784, 200)]
LIBRARIES = ["libopenblas.so.0", "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0"]


def openblas_probe():
    """Child process: time sgemm with whatever OPENBLAS_CORETYPE the parent set; print JSON."""
    lib = None
    for name in LIBRARIES:
        try:
            lib = ctypes.CDLL(name)
            break
        except OSError:
            continue
    if lib is None:
        print(json.dumps({"error": "libopenblas not found"}))
        return
    lib.openblas_get_corename.restype = ctypes.c_char_p
    lib.openblas_set_num_threads(1)
    sgemm = lib.cblas_sgemm
    sgemm.argtypes = [ctypes.c_int] * 6 + [ctypes.c_float, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                                           ctypes.c_int, ctypes.c_float, ctypes.c_void_p, ctypes.c_int]
    result = {"core": lib.openblas_get_corename().decode(), "gemm_gflops": {}}
    for m, k, n in GEMM_SHAPES:
        a = (ctypes.c_float * (m * k))(*([0.5] * (m * k)))
        b = (ctypes.c_float * (k * n))(*([0.25] * (k * n)))
        c = (ctypes.c_float * (m * n))()
        call = lambda: sgemm(101, 111, 111, m, n, k, 1.0, a, k, b, n, 0.0, c, n)
        for _ in range(3):
            call()
        samples = []
        for _ in range(7):
            reps, start = 0, time.perf_counter()
            while reps < 3 or time.perf_counter() - start < 0.3:
                call()
                reps += 1
            samples.append(2 * m * n * k * reps / (time.perf_counter() - start) / 1e9)
        result["gemm_gflops"][f"{m}x{k}x{n}"] = statistics.median(samples)
    print(json.dumps(result))


def core_types():
    flags = set()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    types = [None]
    if {"avx2", "fma"} <= flags:
        types.append("Haswell")
    if {"avx512f", "avx512dq", "avx512bw", "avx512vl"} <= flags:
        types.append("SkylakeX")
    return types


def run_json(command, env=None):
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each side (default 3)")
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per figure per run")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="time both sides by elapsed time or by their thread's CPU time (steadier when shared)")
    parser.add_argument("--concord", default=os.path.join(ROOT, ".build", "release", "concord"))
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        return openblas_probe()

    concord, torch, probes = [], [], []
    for _ in range(args.rounds):
        concord.append(run_json([args.concord, "bench", "--json", "--seconds", str(args.seconds),
                                 "--clock", args.clock]))
        torch.append(run_json([sys.executable, os.path.join(HERE, "pytorch_reference.py"), "--json",
                               "--seconds", str(args.seconds), "--clock", args.clock]))
        round_probes = {}
        for core in core_types():
            env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS")}
            if core:
                env["OPENBLAS_CORETYPE"] = core
            env["OPENBLAS_NUM_THREADS"] = "1"
            probe = run_json([sys.executable, os.path.abspath(__file__), "--probe"], env=env)
            if "error" not in probe:
                round_probes[core or "own detection"] = probe
        probes.append(round_probes)

    kernels = {}
    for label in probes[0]:
        kernels[label] = {"core": probes[0][label]["core"], "gemm_gflops": {
            shape: statistics.median(p[label]["gemm_gflops"][shape] for p in probes)
            for shape in probes[0][label]["gemm_gflops"]}}
    report = {"rounds": args.rounds, "seconds": args.seconds, "clock": args.clock,
              "concord_blas_kernel": concord[0]["blas_kernel"],
              "pytorch_version": torch[0].get("version"), "figures": {}, "openblas_kernels": kernels}
    for group, unit in (("train_examples_per_second", "examples/s"), ("gemm_gflops", "GFLOP/s")):
        for key in concord[0][group]:
            ours = [run[group][key] for run in concord]
            theirs = [run[group][key] for run in torch]
            report["figures"][f"{group}.{key}"] = {
                "unit": unit, "concord_median": statistics.median(ours), "pytorch_median": statistics.median(theirs),
                "ratio_median": statistics.median(a / b for a, b in zip(ours, theirs)),
                "concord_runs": ours, "pytorch_runs": theirs}
    for shape in concord[0]["gemm_gflops"]:
        if not probes[0]:
            break
        # The best kernel of each round, paired with Concord's figure from the same round.
        best = [max((p[label]["gemm_gflops"][shape], p[label]["core"]) for label in p) for p in probes]
        figure = report["figures"][f"gemm_gflops.{shape}"]
        figure["best_openblas"] = {
            "core": best[0][1], "gflops_median": statistics.median(b[0] for b in best),
            "concord_share_median": statistics.median(
                run["gemm_gflops"][shape] / b[0] for run, b in zip(concord, best))}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"Concord ({report['concord_blas_kernel']}) vs PyTorch {report['pytorch_version']}, one thread each, "
          f"{args.rounds} alternating runs of {args.seconds:g}s per figure, {args.clock} clock; medians")
    print(f"{'figure':<38}{'Concord':>12}{'PyTorch':>12}{'ratio':>8}")
    for name, f in report["figures"].items():
        print(f"{name:<38}{f['concord_median']:>12.1f}{f['pytorch_median']:>12.1f}{f['ratio_median']:>8.2f}  {f['unit']}")
    print("\nOpenBLAS kernels (cblas_sgemm through ctypes, one thread):")
    for label, probe in kernels.items():
        figures = ", ".join(f"{s} {g:.1f}" for s, g in probe["gemm_gflops"].items())
        print(f"  OPENBLAS_CORETYPE={label:<14} → core {probe['core']:<10} {figures} GFLOP/s")
    for shape in concord[0]["gemm_gflops"]:
        best = report["figures"][f"gemm_gflops.{shape}"].get("best_openblas")
        if best:
            print(f"  Concord GEMM {shape}: {best['concord_share_median']:.0%} of the best kernel ({best['core']}, "
                  f"median of the rounds' pairwise ratios)")


if __name__ == "__main__":
    main()
