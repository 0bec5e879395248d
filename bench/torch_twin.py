#!/usr/bin/python3
"""PyTorch twins of tapegrad-bench's reference workloads (bench/workload_*.cpp).

    /usr/bin/python3 bench/torch_twin.py --workload gan_small --threads 1 [--steps-per-run N]

Same names, shapes, optimisers and step structure as the C++ side (and as libtorch-bench);
prints exactly one line {"workload", "threads", "ms_per_step", "base_rss_mb", "max_rss_mb"},
the median of 15 timed runs after a warm-up of at least 3 steps and 0.2 s, and the resident
memory after `import torch` and at its peak (/proc/self/status), as tapegrad-bench does.
Without --steps-per-run a run lasts ~50 ms.
"""
import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F

ADAM = dict(lr=1e-4, betas=(0.5, 0.9))
RUNS = 15


def mlp(sizes, activation=torch.nn.ReLU):
    """Linear, activation, ..., Linear (tg::nn::MLP with Activation::ReLU by default)."""
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(activation())
    return torch.nn.Sequential(*layers)


def ring_sampler(k=8, radius=2.0, std=0.02):
    """tg::data::GaussianMixture::ring(8): a uniform component, plus N(0, std²) noise."""
    angles = torch.arange(k, dtype=torch.float32) * (2 * math.pi / k)
    means = torch.stack([radius * torch.cos(angles), radius * torch.sin(angles)], 1)

    def sample(n):
        return means[torch.randint(k, (n,))] + std * torch.randn(n, 2)

    return sample


def gan_step(data_dim, noise_dim, hidden, batch, gp_lambda=0.0, fixed_data=False):
    """bench/workload_gan.cpp: one D update on softplus(-D(data)) + softplus(D(G(z))) with
    G(z) detached (plus GAN-GP, alpha per sample, if gp_lambda > 0), one G update on
    softplus(-D(G(z'))) with D frozen and a fresh z'."""
    g = mlp([noise_dim, *hidden, data_dim])
    d = mlp([data_dim, *hidden, 1])
    opt_g = torch.optim.Adam(g.parameters(), **ADAM)
    opt_d = torch.optim.Adam(d.parameters(), **ADAM)
    if fixed_data:
        fixed = torch.rand(batch, data_dim)
        sample = lambda n: fixed  # noqa: E731
    else:
        sample = ring_sampler()

    def step():
        real = sample(batch)
        with torch.no_grad():
            fake = g(torch.randn(batch, noise_dim))
        d_loss = F.softplus(-d(real)).mean() + F.softplus(d(fake)).mean()
        if gp_lambda:
            alpha = torch.rand(batch, 1)
            x = (alpha * real + (1 - alpha) * fake).detach().requires_grad_()
            grad_x, = torch.autograd.grad(d(x).sum(), x, create_graph=True)
            gap = grad_x.flatten(1).norm(dim=1) - 1.0
            d_loss = d_loss + (gap * gap).mean() * gp_lambda
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        opt_d.zero_grad()
        # D frozen as tg::est::GameDriver does (no gradient is written into D's weights).
        d.requires_grad_(False)
        g_cost = F.softplus(-d(g(torch.randn(batch, noise_dim)))).mean()
        opt_g.zero_grad()
        g_cost.backward()
        opt_g.step()
        d.requires_grad_(True)

    return step


def sm_exact_step(dim, batched):
    """Exact score matching (bench/workload_score_matching.cpp): energy MLP D→128→128→1 with
    softplus, batch 128, Adam lr 1e-3, J = mean(½‖s‖² + tr ∇s), s = ∇ₓ log p = −∇ₓE. The
    trace by a loop of D autograd.grad calls on the columns of s, or by one call with
    is_grads_batched=True (vmap over the D one-hot cotangents)."""
    energy = mlp([dim, 128, 128, 1], torch.nn.Softplus)
    opt = torch.optim.Adam(energy.parameters(), lr=1e-3)
    x0 = torch.randn(128, dim)
    eye = torch.eye(dim).unsqueeze(1).expand(dim, 128, dim)  # cotangent k: e_k in every row

    def step():
        x = x0.detach().requires_grad_()
        s, = torch.autograd.grad(-energy(x).sum(), x, create_graph=True)
        if batched:
            h, = torch.autograd.grad(s, x, grad_outputs=eye, is_grads_batched=True,
                                     create_graph=True)  # [D, B, D]
            trace = torch.diagonal(h, dim1=0, dim2=2).sum(1)
        else:
            trace = sum(torch.autograd.grad(s[:, k].sum(), x, create_graph=True)[0][:, k]
                        for k in range(dim))
        loss = (0.5 * (s * s).sum(1) + trace).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def gemm_step(n):
    a, b = torch.randn(n, n), torch.randn(n, n)

    def step():
        with torch.no_grad():
            torch.mm(a, b)

    return step


WORKLOADS = {
    "gan_small": lambda: gan_step(2, 2, [32, 32], 64),
    "gan_toy": lambda: gan_step(2, 2, [512, 512, 512], 256),
    "gan_toy_gp": lambda: gan_step(2, 2, [512, 512, 512], 256, gp_lambda=10.0),
    "gan_mnist": lambda: gan_step(784, 100, [1200, 1200], 100, fixed_data=True),
    "gemm_256": lambda: gemm_step(256),
    "gemm_1024": lambda: gemm_step(1024),
}
for _d in (2, 16, 64):
    # The reference table's name: PyTorch's faster form, the autograd.grad loop.
    WORKLOADS[f"sm_exact_d{_d}"] = lambda d=_d: sm_exact_step(d, False)
    WORKLOADS[f"sm_exact_grad_loop_d{_d}"] = lambda d=_d: sm_exact_step(d, False)
    WORKLOADS[f"sm_exact_batched_d{_d}"] = lambda d=_d: sm_exact_step(d, True)


def status_mb(key):
    """VmRSS (resident now) or VmHWM (peak resident) from /proc/self/status, in MiB; not
    ru_maxrss, which survives exec."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workload", required=True, choices=sorted(WORKLOADS))
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--steps-per-run", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    base_mb = status_mb("VmRSS")  # torch imported
    step = WORKLOADS[args.workload]()

    t0 = time.perf_counter()
    warm = 0
    while warm < 3 or time.perf_counter() - t0 < 0.2:
        step()
        warm += 1
    per_run = args.steps_per_run or max(1, int(0.05 / ((time.perf_counter() - t0) / warm)))
    ms = []
    for _ in range(RUNS):
        t = time.perf_counter()
        for _ in range(per_run):
            step()
        ms.append(1e3 * (time.perf_counter() - t) / per_run)
    print(json.dumps({"workload": args.workload, "threads": torch.get_num_threads(),
                      "ms_per_step": round(statistics.median(ms), 6),
                      "base_rss_mb": round(base_mb, 1),
                      "max_rss_mb": round(status_mb("VmHWM"), 1)}))


if __name__ == "__main__":
    sys.exit(main())
