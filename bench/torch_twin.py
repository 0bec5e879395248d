#!/usr/bin/python3
"""PyTorch twins of tapegrad-bench's end-to-end workloads (bench/workload_gan.cpp).

    /usr/bin/python3 bench/torch_twin.py --workload gan_mlp32_b64 --threads 1 [--steps-per-run N]

Same shapes, optimiser (Adam, lr 1e-4, betas (0.5, 0.9)) and step structure as the C++ side;
prints exactly one line {"workload": NAME, "threads": N, "ms_per_step": MEDIAN}, the median of
15 timed runs after a warm-up of at least 3 steps and 0.2 s, as tapegrad-bench does. Without
--steps-per-run a run lasts ~50 ms; compare_e2e.py passes the same count to both sides.
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


def gan_step(width, batch, penalty):
    g = mlp([2, width, width, 2])
    d = mlp([2, width, width, 1])
    opt_g = torch.optim.Adam(g.parameters(), **ADAM)
    opt_d = torch.optim.Adam(d.parameters(), **ADAM)
    sample = ring_sampler()

    def step():
        # Discriminator: -V = mean softplus(-a(real)) + mean softplus(a(fake)), plus GAN-GP.
        real = sample(batch)
        with torch.no_grad():
            fake = g(torch.randn(batch, 2))
        d_loss = F.softplus(-d(real)).mean() + F.softplus(d(fake)).mean()
        if penalty:
            alpha = torch.rand(batch, 1)
            x = (alpha * real + (1 - alpha) * fake).detach().requires_grad_()
            grad_x, = torch.autograd.grad(d(x).sum(), x, create_graph=True)
            gap = grad_x.flatten(1).norm(dim=1) - 1.0
            d_loss = d_loss + (gap * gap).mean() * 1.0
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        opt_d.zero_grad()
        # Generator: non-saturating cost mean softplus(-a(G(z))), with D frozen as
        # tg::est::GameDriver does (no gradient is written into D's weights).
        d.requires_grad_(False)
        g_cost = F.softplus(-d(g(torch.randn(batch, 2)))).mean()
        opt_g.zero_grad()
        g_cost.backward()
        opt_g.step()
        d.requires_grad_(True)

    return step


def mlp_mnist_step():
    batch, classes = 100, 10
    net = mlp([784, 1200, 1200, classes])
    opt = torch.optim.Adam(net.parameters(), **ADAM)
    x = torch.rand(batch, 784)
    labels = torch.tensor([(i * 7) % classes for i in range(batch)]).view(batch, 1)

    def step():
        # Cross-entropy: -mean_i log_softmax(logits)_i[y_i].
        loss = -torch.log_softmax(net(x), 1).gather(1, labels).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

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


WORKLOADS = {
    "gan_mlp32_b64": lambda: gan_step(32, 64, False),
    "gan_mlp128_b256": lambda: gan_step(128, 256, False),
    "gangp_mlp128_b256": lambda: gan_step(128, 256, True),
    "mlp_mnist_b100": mlp_mnist_step,
}
for _d in (2, 16, 64):
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
                      "peak_rss_mb": round(status_mb("VmHWM"), 1)}))


if __name__ == "__main__":
    sys.exit(main())
