#!/usr/bin/env python3
"""PyTorch reference benchmark for Concord's `concord bench`.

What it measures (single-threaded, float32, CPU only)
-----------------------------------------------------
1. GEMM throughput in GFLOP/s: `torch.mm(a, b, out=c)` with `c` preallocated,
   for the shapes m x k x n = 512x512x512 and 2000x784x200
   (GFLOP = 2*m*n*k / 1e9).  Reported figure is the median over repetitions.

2. Training throughput in examples/s for the two models of the FedAvg paper
   (McMahan et al. 2017, "Communication-Efficient Learning of Deep Networks
   from Decentralized Data"):

   * mlp ("2NN"): Flatten -> Linear(784,200) -> ReLU -> Linear(200,200) -> ReLU
     -> Linear(200,10)                                        199,210 parameters
   * cnn: Conv2d(1,32,5,pad 2) -> ReLU -> MaxPool2d(2) -> Conv2d(32,64,5,pad 2)
     -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(3136,512) -> ReLU
     -> Linear(512,10)                                      1,663,370 parameters
     Input is 1x28x28 (NCHW, PyTorch's native layout).

   (`--channels-last` runs the CNN in NHWC instead, for investigation only:
   PyTorch's single-threaded NCHW max_pool2d is very slow -- ~12 ms vs
   ~0.9 ms NHWC for the 50x32x28x28 pool on a Xeon with AVX-512 -- so the
   layout changes cnn_b50 noticeably.  The reference figure is NCHW.)

   Cases: mlp_b10 (batch 10), mlp_b64 (batch 64), cnn_b50 (batch 50).
   One training step = forward, softmax cross-entropy (mean over the batch),
   backward, plain SGD update (lr=0.1, no momentum / weight decay) and
   zero_grad(set_to_none=True).  By default the update is done "manually"
   as one fused torch._foreach_add_(params, grads, alpha=-lr) followed by
   setting every .grad to None -- the same arithmetic as torch.optim.SGD but
   without its per-step Python overhead (~0.15 ms, i.e. ~10-20% of an mlp_b10
   step); `--optimizer sgd|sgd-foreach` uses torch.optim.SGD instead.
   Data loading is excluded: random float32 inputs in [0,1) and int64 labels
   in 0..9 are pre-generated as a list of batches in memory and cycled
   through.  After a warm-up, each case is timed
   for `--seconds` seconds split into `--reps` repetitions; the reported
   figure is the median of the per-repetition examples/s.

Everything runs on one thread: OMP_NUM_THREADS / MKL_NUM_THREADS are set to 1
for this process before torch is imported, and torch.set_num_threads(1) /
torch.set_num_interop_threads(1) are called.  Nothing is changed outside this
process.  PyTorch uses its bundled MKL (GEMM) and oneDNN (convolutions), so
OPENBLAS_CORETYPE, which matters for numpy's OpenBLAS, has no effect here.

How to run
----------
    pip install torch==2.13.0+cpu            # the CPU wheel is enough
    python3 Benchmarks/pytorch_reference.py                # readable table
    python3 Benchmarks/pytorch_reference.py --json         # one JSON object
    python3 Benchmarks/pytorch_reference.py --seconds 5 --cases mlp_b10,cnn_b50

`--json` prints one JSON object in the shape of `concord bench --json`:

    {"framework": "pytorch", "version": "2.13.0+cpu", "threads": 1,
     "gemm_gflops": {"512x512x512": ..., "2000x784x200": ...},
     "train_examples_per_second": {"mlp_b10": ..., "mlp_b64": ...,
                                   "cnn_b50": ...},
     "clock": "wall"}

(GEMM in GFLOP/s, training in examples/s, each the median over --reps
repetitions.)

Noise: on a small or shared machine a single-threaded figure drops when
other processes run at the same time (competition for the CPU itself, for
shared cache and memory bandwidth, possibly for SMT siblings on the host).
For every case the script measures how many CPUs other processes (plus
hypervisor steal) kept busy while it was timing; the table shows it in the
"other CPUs" column, and a warning goes to stderr (also with --json) when
it exceeds 0.2.  Re-run on a quiet machine if you see it, or use
`--clock cpu` (this thread's CPU time, as `concord bench --clock cpu`), which
does not count time the thread spent descheduled -- though it still counts
slow-down from shared caches.

`--cases` takes a comma list of case names (mlp_b10, mlp_b64, cnn_b50,
512x512x512, 2000x784x200) or the group names `train` and `gemm`; cases not
selected are omitted from the output.  Other flags: --reps (default 5),
--warmup (s, default 0.5), --gemm-seconds (default --seconds), --clock,
--optimizer, --channels-last.  The default run takes about 20 s.
"""

from __future__ import annotations

import os

# Must happen before torch (and its OpenMP / MKL runtimes) is loaded.
# Process-local only: the caller's environment is not modified.
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(1)
torch.set_num_interop_threads(1)

GEMM_SHAPES = {  # name -> (m, k, n)
    "512x512x512": (512, 512, 512),
    "2000x784x200": (2000, 784, 200),
}
TRAIN_CASES = {  # name -> (model, batch size)
    "mlp_b10": ("mlp", 10),
    "mlp_b64": ("mlp", 64),
    "cnn_b50": ("cnn", 50),
}
EXPECTED_PARAMS = {"mlp": 199_210, "cnn": 1_663_370}
LEARNING_RATE = 0.1
NUM_CLASSES = 10


# --------------------------------------------------------------------------
# Models (FedAvg paper, McMahan et al. 2017)
# --------------------------------------------------------------------------

def make_model(kind: str) -> nn.Module:
    if kind == "mlp":
        model = nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, 200), nn.ReLU(),
            nn.Linear(200, 200), nn.ReLU(),
            nn.Linear(200, 10),
        )
    elif kind == "cnn":
        model = nn.Sequential(
            nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(3136, 512), nn.ReLU(),
            nn.Linear(512, 10),
        )
    else:
        raise ValueError(f"unknown model {kind!r}")
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == EXPECTED_PARAMS[kind], (kind, n_params)
    return model.train()


def make_batches(kind: str, batch: int, n_batches: int, gen: torch.Generator):
    shape = (batch, 1, 28, 28)  # NCHW; the MLP's Flatten turns it into 784
    return [
        (torch.rand(shape, generator=gen, dtype=torch.float32),
         torch.randint(0, NUM_CLASSES, (batch,), generator=gen,
                       dtype=torch.int64))
        for _ in range(n_batches)
    ]


# --------------------------------------------------------------------------
# Timing helpers
# --------------------------------------------------------------------------

def _system_busy_seconds() -> float | None:
    """CPU-seconds all CPUs spent busy since boot (Linux /proc/stat), or
    None where unavailable.  Used only to warn about competing load."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        # cpu user nice system idle iowait irq softirq steal guest guest_nice
        user, nice, system, idle, iowait, irq, softirq, steal = (
            int(v) for v in fields[1:9])
        return (user + nice + system + irq + softirq + steal) / os.sysconf(
            "SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class LoadMonitor:
    """Average number of CPUs kept busy by *other* processes (and steal)
    while a case was being timed; a single-threaded benchmark on a small or
    shared machine is sensitive to that (shared caches, SMT siblings)."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.own = time.process_time()
        self.sys = _system_busy_seconds()

    def other_cpus(self) -> float | None:
        end_sys = _system_busy_seconds()
        if self.sys is None or end_sys is None:
            return None
        wall = time.perf_counter() - self.wall
        own = time.process_time() - self.own
        return max(0.0, (end_sys - self.sys - own) / wall) if wall > 0 else None


CLOCKS = {
    # elapsed wall time
    "wall": time.perf_counter,
    # CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID, like
    # `concord bench --clock cpu`): time spent descheduled is not counted.
    # All of torch's work runs on this thread at 1 intra-op thread.
    "cpu": time.thread_time,
}
_clock = CLOCKS["wall"]


def timed_rate(step, units_per_call: float, seconds: float, reps: int,
               warmup_seconds: float) -> tuple[float, list[float]]:
    """Call `step()` repeatedly; return (median rate, per-rep rates) in
    units/s, where each call performs `units_per_call` units of work.
    Repetitions are timed with the clock chosen by --clock."""
    # Warm-up: at least a few calls (lazy init, oneDNN primitive caches,
    # allocator) and at least `warmup_seconds`.
    t0 = time.perf_counter()
    calls = 0
    while calls < 3 or time.perf_counter() - t0 < warmup_seconds:
        step()
        calls += 1
    per_rep = seconds / reps
    monitor = LoadMonitor()
    rates = []
    clock = _clock
    for _ in range(reps):
        n = 0
        start = clock()
        while True:
            step()
            n += 1
            elapsed = clock() - start
            if elapsed >= per_rep:
                break
        rates.append(n * units_per_call / elapsed)
    timed_rate.last_other_cpus = monitor.other_cpus()
    return statistics.median(rates), rates


def bench_gemm(m: int, k: int, n: int, seconds: float, reps: int,
               warmup: float) -> tuple[float, list[float]]:
    gen = torch.Generator().manual_seed(0)
    a = torch.rand((m, k), generator=gen, dtype=torch.float32)
    b = torch.rand((k, n), generator=gen, dtype=torch.float32)
    c = torch.empty((m, n), dtype=torch.float32)
    gflop = 2.0 * m * n * k / 1e9

    def step():
        torch.mm(a, b, out=c)

    return timed_rate(step, gflop, seconds, reps, warmup)


def bench_train(kind: str, batch: int, seconds: float, reps: int,
                warmup: float, optimizer: str,
                channels_last: bool = False) -> tuple[float, list[float]]:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    model = make_model(kind)
    params = list(model.parameters())
    # Enough distinct batches that the inputs are not a single hot buffer,
    # small enough to stay cheap (~ 2,000 examples).
    n_batches = max(8, 2000 // batch)
    batches = make_batches(kind, batch, n_batches, gen)
    if channels_last and kind == "cnn":
        model = model.to(memory_format=torch.channels_last)
        params = list(model.parameters())
        batches = [(x.contiguous(memory_format=torch.channels_last), y)
                   for x, y in batches]
    it = [0]

    if optimizer == "manual":
        # Plain SGD as one fused multi-tensor op: p -= lr * grad.
        def update():
            with torch.no_grad():
                torch._foreach_add_(params, [p.grad for p in params],
                                    alpha=-LEARNING_RATE)
                for p in params:
                    p.grad = None  # == zero_grad(set_to_none=True)
    else:
        opt = torch.optim.SGD(params, lr=LEARNING_RATE,
                              foreach=(optimizer == "sgd-foreach"))

        def update():
            opt.step()
            opt.zero_grad(set_to_none=True)

    def step():
        x, y = batches[it[0]]
        it[0] = (it[0] + 1) % n_batches
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        update()

    return timed_rate(step, batch, seconds, reps, warmup)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def parse_cases(text: str | None) -> list[str]:
    all_cases = list(GEMM_SHAPES) + list(TRAIN_CASES)
    if not text:
        return all_cases
    chosen: list[str] = []
    for name in (s.strip() for s in text.split(",")):
        if not name:
            continue
        if name == "gemm":
            chosen += list(GEMM_SHAPES)
        elif name == "train":
            chosen += list(TRAIN_CASES)
        elif name in all_cases:
            chosen.append(name)
        else:
            raise SystemExit(f"unknown case {name!r}; known: "
                             f"{', '.join(all_cases)}, gemm, train")
    return [c for c in all_cases if c in chosen]  # canonical order, no dups


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Single-threaded PyTorch reference for `concord bench`.")
    ap.add_argument("--seconds", type=float, default=3.0,
                    help="timed seconds per training case (default 3.0)")
    ap.add_argument("--gemm-seconds", type=float, default=None,
                    help="timed seconds per GEMM shape (default: --seconds)")
    ap.add_argument("--clock", choices=tuple(CLOCKS), default="wall",
                    help="wall (default) or cpu: this thread's CPU time, "
                         "steadier on a shared machine (as in "
                         "`concord bench --clock`)")
    ap.add_argument("--reps", type=int, default=5,
                    help="repetitions per case; the median is reported "
                         "(default 5)")
    ap.add_argument("--warmup", type=float, default=0.5,
                    help="warm-up seconds per case (default 0.5)")
    ap.add_argument("--optimizer", choices=("manual", "sgd", "sgd-foreach"),
                    default="manual",
                    help="SGD update: 'manual' (default) = p -= lr*grad as "
                         "one torch._foreach_add_ call, then grads set to "
                         "None; 'sgd' / 'sgd-foreach' = torch.optim.SGD"
                         "(lr=0.1) with foreach off / on.  Same arithmetic; "
                         "'manual' skips the optimizer's Python overhead "
                         "(~0.15 ms/step, significant for mlp_b10)")
    ap.add_argument("--channels-last", action="store_true",
                    help="run the CNN in channels_last (NHWC) memory format "
                         "instead of the default NCHW -- for investigation "
                         "only, the reference figure is NCHW")
    ap.add_argument("--cases", default=None,
                    help="comma list: mlp_b10,mlp_b64,cnn_b50,512x512x512,"
                         "2000x784x200 (or 'train', 'gemm'); default all")
    ap.add_argument("--json", action="store_true",
                    help="print one JSON object like `concord bench --json`")
    args = ap.parse_args(argv)
    if args.seconds <= 0 or args.reps < 1:
        ap.error("--seconds must be > 0 and --reps >= 1")
    gemm_seconds = (args.gemm_seconds if args.gemm_seconds is not None
                    else args.seconds)
    global _clock
    _clock = CLOCKS[args.clock]

    cases = parse_cases(args.cases)
    threads = torch.get_num_threads()
    assert threads == 1, threads

    gemm: dict[str, float] = {}
    train: dict[str, float] = {}
    spread: dict[str, tuple[float, float]] = {}
    load: dict[str, float | None] = {}
    for name in cases:
        if name in GEMM_SHAPES:
            m, k, n = GEMM_SHAPES[name]
            med, rates = bench_gemm(m, k, n, gemm_seconds, args.reps,
                                    args.warmup)
            gemm[name] = round(med, 2)
        else:
            kind, batch = TRAIN_CASES[name]
            med, rates = bench_train(kind, batch, args.seconds, args.reps,
                                     args.warmup, args.optimizer,
                                     args.channels_last)
            train[name] = round(med, 1)
        spread[name] = (min(rates), max(rates))
        load[name] = getattr(timed_rate, "last_other_cpus", None)
        if not args.json:
            print(f"  ... {name} done", file=sys.stderr, flush=True)

    result = {
        "framework": "pytorch",
        "version": torch.__version__,
        "threads": threads,
        "gemm_gflops": gemm,
        "train_examples_per_second": train,
        "clock": args.clock,
    }
    busy = {k: v for k, v in load.items() if v is not None and v > 0.2}
    if busy:
        print("warning: other processes kept CPUs busy while timing ("
              + ", ".join(f"{k}: {v:.2f} CPUs" for k, v in busy.items())
              + "); figures may be low/noisy", file=sys.stderr)
    if args.json:
        print(json.dumps(result))
        return 0

    cap = torch.backends.cpu.get_cpu_capability()
    print(f"PyTorch {torch.__version__}  threads={threads}  "
          f"cpu_capability={cap}  mkldnn={torch.backends.mkldnn.is_available()}"
          f"  python={platform.python_version()}")
    print(f"median of {args.reps} reps; training {args.seconds:g} s/case, "
          f"GEMM {gemm_seconds:g} s/shape; clock={args.clock}; "
          f"optimizer={args.optimizer}; "
          f"cnn layout={'channels_last' if args.channels_last else 'NCHW'}")
    print()
    def other(name: str) -> str:
        v = load.get(name)
        return "n/a" if v is None else f"{v:.2f}"

    print(f"{'case':<20}{'median':>12}  {'unit':<12}{'min':>11}{'max':>11}"
          f"{'other CPUs':>12}")
    print("-" * 80)
    for name, value in gemm.items():
        lo, hi = spread[name]
        print(f"{'gemm ' + name:<20}{value:>12.2f}  {'GFLOP/s':<12}"
              f"{lo:>11.2f}{hi:>11.2f}{other(name):>12}")
    for name, value in train.items():
        lo, hi = spread[name]
        print(f"{'train ' + name:<20}{value:>12.1f}  {'examples/s':<12}"
              f"{lo:>11.1f}{hi:>11.1f}{other(name):>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
