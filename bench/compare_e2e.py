#!/usr/bin/python3
"""End-to-end training steps side by side: tapegrad-bench --workload vs bench/torch_twin.py.

    /usr/bin/python3 bench/compare_e2e.py --build build [--rounds 3] [--workloads a,b]

For every workload and for 1 and 2 threads it first calibrates the steps per timed run
(so that a run lasts ~50 ms on our side) and then, for each of --rounds rounds, runs
`tapegrad-bench --workload W --json --steps-per-run N` (TAPEGRAD_NUM_THREADS=t) and
`torch_twin.py --workload W --threads t --steps-per-run N` back to back, interleaved
(ours, torch, ours, torch, ...) so both sides share the machine's noise. Each process reports
the median of its 15 timed runs; the table shows the median over rounds, and
ratio = torch / ours (> 1: tapegrad is faster). The load average is printed before and after.
See bench/README.md.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

WORKLOADS = ["gan_mlp32_b64", "gan_mlp128_b256", "gangp_mlp128_b256", "mlp_mnist_b100"]
THREADS = [1, 2]
TWIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_twin.py")


def run_json(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def ours_run(exe, workload, threads, steps):
    """tapegrad-bench's JSON line: ms_per_step, base_rss_mb, peak_rss_mb."""
    cmd = [exe, "--workload", workload, "--json"]
    if steps:
        cmd += ["--steps-per-run", str(steps)]
    env = dict(os.environ, TAPEGRAD_NUM_THREADS=str(threads))
    return run_json(cmd, env)


def torch_run(workload, threads, steps):
    """torch_twin.py's JSON line, with the same keys."""
    cmd = [sys.executable, TWIN, "--workload", workload, "--threads", str(threads),
           "--steps-per-run", str(steps)]
    # torch sets its own threads; keep OpenMP/MKL from oversubscribing beyond them.
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    return run_json(cmd, env)


def ours(exe, workload, threads, steps):
    return ours_run(exe, workload, threads, steps)["ms_per_step"]


def torch(workload, threads, steps):
    return torch_run(workload, threads, steps)["ms_per_step"]


def loadavg():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build", help="CMake build directory")
    ap.add_argument("--rounds", type=int, default=3, help="ours/torch pairs per case")
    ap.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated names")
    ap.add_argument("--run-ms", type=float, default=50, help="target length of one timed run")
    args = ap.parse_args()
    exe = os.path.join(args.build, "bench", "tapegrad-bench")
    cases = [(w, t) for w in args.workloads.split(",") for t in THREADS]

    load_before = loadavg()
    steps = {}
    for w, t in cases:  # calibration: one step per timed run
        steps[(w, t)] = max(1, round(args.run_ms / ours(exe, w, t, 1)))
    res = {c: ([], []) for c in cases}
    for r in range(args.rounds):
        for c in cases:
            res[c][0].append(ours(exe, *c, steps[c]))
            res[c][1].append(torch(*c, steps[c]))
            print(f"round {r + 1}/{args.rounds} {c[0]:<20} t={c[1]}  ours {res[c][0][-1]:8.3f} ms"
                  f"  torch {res[c][1][-1]:8.3f} ms", file=sys.stderr)
    load_after = loadavg()

    print(f"End-to-end training step, ms/step (median of {args.rounds} interleaved rounds, each "
          f"the median of 15 timed runs); ratio = torch/ours, > 1: tapegrad faster")
    print(f"load average (1, 5, 15 min): before {load_before}, after {load_after}, "
          f"on {os.cpu_count()} CPUs")
    hdr = f"{'workload':<20}{'thr':>4}{'steps/run':>10}{'ours':>10}{'torch':>10}{'ratio':>8}"
    print(hdr)
    print("-" * len(hdr))
    for w, t in cases:
        o, p = statistics.median(res[(w, t)][0]), statistics.median(res[(w, t)][1])
        print(f"{w:<20}{t:>4}{steps[(w, t)]:>10}{o:>10.3f}{p:>10.3f}{p / o:>8.2f}")


if __name__ == "__main__":
    sys.exit(main())
