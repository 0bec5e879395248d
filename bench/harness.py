"""Running the workload binaries side by side, for compare_reference.py and compare_sm.py.

Three sides print the same JSON line {"workload", "threads", "ms_per_step", "base_rss_mb",
"max_rss_mb"} for the same workload names: tapegrad-bench (ours), torch_twin.py (PyTorch 1.13
from /usr/bin/python3) and libtorch-bench (LibTorch 1.13, built with
-DTAPEGRAD_BENCH_LIBTORCH=ON). Each process warms up, times 15 runs of N steps and reports
their median. calibrate() picks N so a run lasts about run_ms; interleave() runs every
(side, workload, threads) once per round, back to back, so all sides share the machine's
noise. See bench/README.md.
"""
import json
import os
import statistics
import subprocess
import sys

BENCH = os.path.dirname(os.path.abspath(__file__))
TWIN = os.path.join(BENCH, "torch_twin.py")


def run_json(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def ours_run(exe, workload, threads, steps):
    """tapegrad-bench's JSON line; threads None: tapegrad's default (every core)."""
    cmd = [exe, "--workload", workload, "--json"]
    if steps:
        cmd += ["--steps-per-run", str(steps)]
    env = dict(os.environ)
    env.pop("TAPEGRAD_NUM_THREADS", None)
    if threads:
        env["TAPEGRAD_NUM_THREADS"] = str(threads)
    return run_json(cmd, env)


def peer_env(threads, blas_dir=None):
    """torch sets its own threads; keep OpenMP/MKL/OpenBLAS from oversubscribing beyond them.
    blas_dir, if given, goes first on LD_LIBRARY_PATH (a libblas.so.3 other than the
    system's, e.g. OpenBLAS's)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
               OPENBLAS_NUM_THREADS=str(threads))
    if blas_dir:
        env["LD_LIBRARY_PATH"] = os.pathsep.join(
            p for p in (blas_dir, os.environ.get("LD_LIBRARY_PATH")) if p)
    return env


def torch_run(workload, threads, steps, blas_dir=None):
    """torch_twin.py's JSON line."""
    cmd = [sys.executable, TWIN, "--workload", workload, "--threads", str(threads)]
    if steps:
        cmd += ["--steps-per-run", str(steps)]
    return run_json(cmd, peer_env(threads, blas_dir))


def libtorch_run(exe, workload, threads, steps, blas_dir=None):
    """libtorch-bench's JSON line."""
    cmd = [exe, "--workload", workload, "--json", "--threads", str(threads)]
    if steps:
        cmd += ["--steps-per-run", str(steps)]
    return run_json(cmd, peer_env(threads, blas_dir))


def loadavg():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def calibrate(run, run_ms):
    """Steps per timed run so that a run lasts about run_ms, from one run of one step each;
    run(steps) returns a JSON line."""
    return max(1, round(run_ms / run(1)["ms_per_step"]))


def interleave(runs, rounds, label=str):
    """runs: an ordered dict key -> run() returning a JSON line. Each round calls every run
    once, in order; returns key -> the list of its JSON lines, and logs each to stderr."""
    out = {key: [] for key in runs}
    for r in range(rounds):
        for key, run in runs.items():
            out[key].append(run())
            print(f"round {r + 1}/{rounds} {label(key):<40} {out[key][-1]['ms_per_step']:10.3f} ms"
                  f"  {out[key][-1]['max_rss_mb']:7.1f} MB", file=sys.stderr)
    return out


def median_of(lines, key):
    return statistics.median(line[key] for line in lines)
