#!/usr/bin/env python3
"""Held-out log-likelihood of ebm2d's methods over several seeds, with standard errors.

Runs build/examples/ebm2d once per seed (all data sets and methods asked for, one run at a
time) and prints a markdown table: per data set, each method's mean held-out
log-likelihood ± its standard error over seeds, and the paired difference of each method
against the first (the same seed gives both the same data, held-out set and initial energy),
mean ± standard error, with how many seeds it is ahead in.

    examples/ebm2d_seeds.py --ebm2d build/examples/ebm2d --seeds 5 --steps 4000 --methods nce,fce
"""
import argparse
import json
import math
import statistics
import subprocess
import tempfile


def mean_se(values):
    """The mean and its standard error s/√n (s the sample standard deviation)."""
    n = len(values)
    return statistics.mean(values), (statistics.stdev(values) / math.sqrt(n) if n > 1 else math.nan)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ebm2d", default="build/examples/ebm2d")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--steps", type=int, default=500)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--datasets", default="ring,spirals,checkerboard")
    p.add_argument("--methods", default="nce,fce")
    args = p.parse_args()
    datasets, methods = args.datasets.split(","), args.methods.split(",")
    runs = []
    with tempfile.TemporaryDirectory() as out:
        for seed in range(args.seeds):
            cmd = [args.ebm2d, "--seed", str(seed), "--steps", str(args.steps), "--threads",
                   str(args.threads), "--datasets", args.datasets, "--methods", args.methods,
                   "--json", "--out", f"{out}/{seed}"]
            runs.append(json.loads(subprocess.run(cmd, check=True, capture_output=True,
                                                  text=True).stdout))
            print(f"seed {seed}: " + ", ".join(f"{d} {m} {runs[-1][f'heldout_ll_{d}_{m}']:.3f}"
                                               for d in datasets for m in methods), flush=True)
    print(f"\n{args.seeds} seeds, {args.steps} steps per fit; held-out log-likelihood "
          f"(higher is better), mean ± standard error over seeds\n")
    print("| data set | " + " | ".join(methods) + " | "
          + " | ".join(f"{m} − {methods[0]} (ahead in)" for m in methods[1:]) + " |")
    print("|---" * (2 * len(methods)) + "|")
    for d in datasets:
        ll = {m: [r[f"heldout_ll_{d}_{m}"] for r in runs] for m in methods}
        cells = ["{:.3f} ± {:.3f}".format(*mean_se(ll[m])) for m in methods]
        for m in methods[1:]:
            diff = [a - b for a, b in zip(ll[m], ll[methods[0]])]
            ahead = sum(x > 0 for x in diff)
            cells.append("{:+.3f} ± {:.3f} ({}/{})".format(*mean_se(diff), ahead, len(diff)))
        print(f"| {d} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
