#!/usr/bin/python3
"""Side-by-side GEMM: tapegrad vs OpenBLAS (cblas_sgemm) vs PyTorch (torch.mm), one run.

    /usr/bin/python3 bench/compare.py --build build

Runs tapegrad-bench's BM_Gemm micro-benchmarks (1 and 2 threads), openblas-gemm on the same
shapes and threads, and torch.mm at 1 and 2 threads (reporting its better), then prints one
table of GFLOP/s and the ratios ours/OpenBLAS and ours/PyTorch. It also prints the
elementwise-vs-bandwidth, 16-element and per-op-overhead numbers from the same
tapegrad-bench run. See bench/README.md.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

SQUARE = [64, 256, 1024, 2048]
MLP = [(256, 512, 512), (100, 784, 1200), (100, 1200, 1200)]  # batch, in, out


def shapes():
    """(label, m, n, k, ta, tb) in the order of bench_kernels.cpp."""
    out = [(f"{s}x{s}x{s}", s, s, s, 0, 0) for s in SQUARE]
    for b, i, o in MLP:
        out.append((f"X{b}x{i}·W{i}x{o}", b, o, i, 0, 0))
        out.append((f"  dY·Wᵀ  (NT)", b, i, o, 0, 1))
        out.append((f"  Xᵀ·dY  (TN)", i, o, b, 1, 0))
    return out


def run_ours(build, min_time):
    exe = os.path.join(build, "bench", "tapegrad-bench")
    cmd = [exe, "--benchmark_filter=BM_Gemm/|BM_Copy|BM_Unary|BM_Binary|BM_BiasAdd|BM_Sum|BM_Max"
           "|BM_Small16|BM_OpChain", "--benchmark_format=json",
           f"--benchmark_min_time={min_time}", "--benchmark_repetitions=3",
           "--benchmark_report_aggregates_only=true"]
    res = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return [b for b in res["benchmarks"] if b.get("aggregate_name") == "median"]


def gemm_key(name):
    m = re.match(r"BM_Gemm/m:(\d+)/n:(\d+)/k:(\d+)/ta:(\d)/tb:(\d)/threads:(\d)", name)
    return tuple(int(x) for x in m.groups()) if m else None


def run_openblas(build, threads):
    exe = os.path.join(build, "bench", "openblas-gemm")
    if not os.path.exists(exe):
        return {}
    args = [f"{m},{n},{k},{ta},{tb}" for _, m, n, k, ta, tb in shapes()]
    out = subprocess.run([exe, "--threads", str(threads)] + args, check=True,
                         capture_output=True, text=True,
                         env=dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))).stdout
    res = {}
    for line in out.splitlines():
        d = json.loads(line)
        res[(d["m"], d["n"], d["k"], d["ta"], d["tb"], threads)] = d["gflops"]
    return res


def run_torch(threads):
    import torch
    torch.set_num_threads(threads)
    res = {}
    for _, m, n, k, ta, tb in shapes():
        a = torch.randn(k, m) if ta else torch.randn(m, k)
        b = torch.randn(n, k) if tb else torch.randn(k, n)
        opa = a.t() if ta else a
        opb = b.t() if tb else b
        c = torch.empty(m, n)
        f = lambda: torch.mm(opa, opb, out=c)
        t0 = time.perf_counter()
        warm = 0
        while warm < 3 or time.perf_counter() - t0 < 0.1:
            f()
            warm += 1
        per = max(1, int(0.03 / ((time.perf_counter() - t0) / warm)))
        runs = []
        for _ in range(11):
            t = time.perf_counter()
            for _ in range(per):
                f()
            runs.append((time.perf_counter() - t) / per)
        res[(m, n, k, ta, tb, threads)] = 2e-9 * m * n * k / statistics.median(runs)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build", help="CMake build directory")
    ap.add_argument("--min-time", default="0.2", help="Google Benchmark min time per case (s)")
    args = ap.parse_args()

    ours_all = run_ours(args.build, args.min_time)
    ours = {gemm_key(b["name"]): b["GFLOPS"] for b in ours_all if gemm_key(b["name"])}
    ob = {**run_openblas(args.build, 1), **run_openblas(args.build, 2)}
    torch1, torch2 = run_torch(1), run_torch(2)

    print(f"GEMM float32, GFLOP/s (median; PyTorch = better of 1 and 2 threads)")
    hdr = f"{'shape (m·k · k·n)':<22}{'thr':>4}{'ours':>9}{'OpenBLAS':>10}{'PyTorch':>9}" \
          f"{'ours/OB':>9}{'ours/PT':>9}"
    print(hdr)
    print("-" * len(hdr))
    for threads in (1, 2):
        for label, m, n, k, ta, tb in shapes():
            key = (m, n, k, ta, tb, threads)
            o, b = ours.get(key, float("nan")), ob.get(key, float("nan"))
            t = max(torch1[key[:5] + (1,)], torch2[key[:5] + (2,)])
            print(f"{label:<22}{threads:>4}{o:>9.1f}{b:>10.1f}{t:>9.1f}{o / b:>9.2f}{o / t:>9.2f}")
        print()

    def find(prefix):
        return {b["name"]: b for b in ours_all if b["name"].startswith(prefix)}

    print("Elementwise and reductions, GB/s (bytes read + written, median)")
    print(f"{'benchmark':<44}{'GB/s':>8}{'% of copy':>11}")
    copy = {}
    for name, b in find("BM_Copy").items():
        m = re.search(r"n:(\d+)/threads:(\d)", name)
        copy[m.groups()] = b["bytes_per_second"] / 1e9
    for name, b in sorted(find("BM_").items()):
        if "bytes_per_second" not in b:
            continue
        m = re.search(r"n:(\d+)/threads:(\d)", name)
        gbs = b["bytes_per_second"] / 1e9
        print(f"{name.replace('/real_time', ''):<44}{gbs:>8.1f}{100 * gbs / copy[m.groups()]:>10.0f}%")
    print()
    print("Small tensors and per-op overhead (median)")
    for name, b in sorted(find("BM_Small16").items()):
        print(f"{name:<44}{b['real_time']:>8.1f} {b['time_unit']}")
    for name, b in sorted(find("BM_OpChain").items()):
        print(f"{name:<44}{b['us_per_op']:>8.2f} µs per op (forward + backward)")


if __name__ == "__main__":
    sys.exit(main())
