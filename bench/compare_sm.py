#!/usr/bin/python3
"""Exact score-matching step times: tapegrad's trace forms vs PyTorch's (one table).

    /usr/bin/python3 bench/compare_sm.py --build build [--rounds 3] [--dims 2,16,64]

For every D and for 1 and 2 threads, each round runs, back to back, tapegrad-bench's
sm_exact_d{D} (TraceMethod::Loop), sm_exact_replicated_d{D} and sm_exact_grad_loop_d{D}
(the hand-written loop of tg::grad calls), and torch_twin.py's sm_exact_grad_loop_d{D}
(a loop of autograd.grad calls) and sm_exact_batched_d{D} (is_grads_batched=True), so all
share the machine's noise (bench/workload_score_matching.cpp has the workload). Each
process reports the median of its timed runs; the table shows the median over rounds in ms
per step, and PyTorch's best form and thread count. The load average is printed too.
"""
import argparse
import os
import statistics

from compare_e2e import loadavg, ours, torch

OURS = ["sm_exact_d{}", "sm_exact_replicated_d{}", "sm_exact_grad_loop_d{}"]
TORCH = ["sm_exact_grad_loop_d{}", "sm_exact_batched_d{}"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build", help="CMake build directory")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dims", default="2,16,64")
    args = ap.parse_args()
    exe = os.path.join(args.build, "bench", "tapegrad-bench")
    print(f"load average before: {loadavg()}")
    times = {}
    for d in (int(x) for x in args.dims.split(",")):
        for t in (1, 2):
            for _ in range(args.rounds):
                for w in OURS:
                    times.setdefault(("ours", w.format(d), t), []).append(ours(exe, w.format(d), t, 0))
                for w in TORCH:
                    # one step per timed run: a PyTorch step at D = 64 takes about a second
                    times.setdefault(("torch", w.format(d), t), []).append(torch(w.format(d), t, 1))
    print(f"load average after: {loadavg()}\n")
    print("| D | threads | Loop | Replicated | tg::grad loop | PyTorch best (form) |")
    print("|---|---|---|---|---|---|")
    for d in (int(x) for x in args.dims.split(",")):
        for t in (1, 2):
            med = {k[1]: statistics.median(v) for k, v in times.items() if k[2] == t and k[0] == "ours"}
            best = min(((statistics.median(v), k[1], k[2]) for k, v in times.items()
                        if k[0] == "torch" and k[1].endswith(f"_d{d}")))
            print(f"| {d} | {t} | {med[OURS[0].format(d)]:.2f} | {med[OURS[1].format(d)]:.2f} | "
                  f"{med[OURS[2].format(d)]:.2f} | {best[0]:.1f} ({best[1]}, {best[2]} threads) |")


if __name__ == "__main__":
    main()
