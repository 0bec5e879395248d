#!/usr/bin/python3
"""Exact score-matching step times and peak memory: tapegrad's forms vs PyTorch's (one table).

    /usr/bin/python3 bench/compare_sm.py --build build [--rounds 3] [--dims 2,16,64]

For every D and for 1 and 2 threads, each round runs, back to back, tapegrad-bench's
sm_exact_d{D} (the default, TraceMethod::Forward: the forward Laplacian), sm_exact_loop_d{D}
(TraceMethod::Loop), sm_exact_replicated_d{D} and sm_exact_grad_loop_d{D} (the hand-written
loop of tg::grad calls), and torch_twin.py's sm_exact_grad_loop_d{D} (a loop of
autograd.grad calls) and sm_exact_batched_d{D} (is_grads_batched=True), so all share the
machine's noise (bench/workload_score_matching.cpp has the workload). Each process reports
the median of its timed runs and its peak resident memory; the table shows the median over
rounds in ms per step, PyTorch's best form and thread count, the ratio of the default form
to PyTorch's best, and the peak memory above each process's start (tapegrad: before the
workload is set up; PyTorch: after `import torch`). The load average is printed too.
"""
import argparse
import os
import statistics

from harness import loadavg, ours_run, torch_run

OURS = ["sm_exact_d{}", "sm_exact_loop_d{}", "sm_exact_replicated_d{}", "sm_exact_grad_loop_d{}"]
TORCH = ["sm_exact_grad_loop_d{}", "sm_exact_batched_d{}"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build", help="CMake build directory")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dims", default="2,16,64")
    args = ap.parse_args()
    exe = os.path.join(args.build, "bench", "tapegrad-bench")
    dims = [int(x) for x in args.dims.split(",")]
    print(f"load average before: {loadavg()}")
    runs = {}
    for d in dims:
        for t in (1, 2):
            for _ in range(args.rounds):
                for w in OURS:
                    runs.setdefault(("ours", w.format(d), t), []).append(ours_run(exe, w.format(d), t, 0))
                for w in TORCH:
                    # one step per timed run: a PyTorch step at D = 64 takes about a second
                    runs.setdefault(("torch", w.format(d), t), []).append(torch_run(w.format(d), t, 1))
    print(f"load average after: {loadavg()}\n")

    def ms(key):
        return statistics.median(r["ms_per_step"] for r in runs[key])

    def mem(key):
        return statistics.median(r["max_rss_mb"] - r["base_rss_mb"] for r in runs[key])

    print("| D | threads | Forward (default) | Loop | Replicated | tg::grad loop | PyTorch best (form, threads) "
          "| default / PyTorch | peak MB: default / PyTorch best |")
    print("|---|---|---|---|---|---|---|---|---|")
    for d in dims:
        best = min((ms(k), k) for k in runs if k[0] == "torch" and k[1].endswith(f"_d{d}"))
        for t in (1, 2):
            ours = [ms(("ours", w.format(d), t)) for w in OURS]
            print(f"| {d} | {t} | {ours[0]:.2f} | {ours[1]:.2f} | {ours[2]:.2f} | {ours[3]:.2f} | "
                  f"{best[0]:.1f} ({best[1][1]}, {best[1][2]}) | {ours[0] / best[0]:.3f} | "
                  f"{mem(('ours', OURS[0].format(d), t)):.0f} / {mem(best[1]):.0f} |")


if __name__ == "__main__":
    main()
