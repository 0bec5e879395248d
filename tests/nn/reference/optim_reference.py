#!/usr/bin/python3
"""Reference values for tests/nn/test_optim_*.cpp and test_schedule.cpp, from torch 1.13.

Run: /usr/bin/python3 tests/nn/reference/optim_reference.py
The C++ tests hard-code what this prints (they must not need python).

Every optimiser starts from P0 and runs STEPS steps in float64; before step t (1-based)
the gradient is set to g = 2 (p - TARGET) + 0.1 p^2 + 0.05 t, elementwise.
"""
import math
import torch

torch.set_printoptions(precision=17)
P0 = [0.5, -1.2, 2.0, 0.03]
TARGET = [1.0, 0.0, -1.0, 0.5]
STEPS = 5


def grad_of(p, t):
    target = torch.tensor(TARGET, dtype=torch.float64)
    return 2 * (p - target) + 0.1 * p * p + 0.05 * t


def run(name, make):
    p = torch.tensor(P0, dtype=torch.float64, requires_grad=True)
    opt = make([p])
    for t in range(1, STEPS + 1):
        with torch.no_grad():
            p.grad = grad_of(p.detach(), t)
        opt.step()
    vals = ", ".join(repr(v) for v in p.detach().tolist())
    print(f"  {{\"{name}\", {{{vals}}}}},")


print("// optimiser trajectories: name, parameters after", STEPS, "steps")
O = torch.optim
run("sgd", lambda ps: O.SGD(ps, lr=0.1))
run("sgd_momentum", lambda ps: O.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01))
run("sgd_nesterov", lambda ps: O.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01))
run("adam", lambda ps: O.Adam(ps, lr=0.1))
run("adam_amsgrad_wd", lambda ps: O.Adam(ps, lr=0.1, betas=(0.5, 0.9), weight_decay=0.1, amsgrad=True))
run("adamw", lambda ps: O.AdamW(ps, lr=0.1, weight_decay=0.1))
run("adamw_amsgrad", lambda ps: O.AdamW(ps, lr=0.05, betas=(0.5, 0.9), eps=1e-3, amsgrad=True))
run("rmsprop", lambda ps: O.RMSprop(ps, lr=0.01))
run("rmsprop_centered_momentum",
    lambda ps: O.RMSprop(ps, lr=0.01, alpha=0.9, momentum=0.9, centered=True, weight_decay=0.1))


def lrs(name, make, n=8):
    p = torch.zeros(1, requires_grad=True)
    opt = O.SGD([p], lr=0.1)
    sched = make(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    vals = ", ".join(repr(v) for v in out)
    print(f"  {{\"{name}\", {{{vals}}}}},")


print("// learning rates at epochs 0..7, base lr 0.1")
S = O.lr_scheduler
lrs("step", lambda o: S.StepLR(o, step_size=2, gamma=0.5))
lrs("exponential", lambda o: S.ExponentialLR(o, gamma=0.9))
lrs("cosine", lambda o: S.CosineAnnealingLR(o, T_max=5, eta_min=0.01))
lrs("linear", lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=4))

print("// clipping of gradients [3, -4] and [12]")
for norm_type in (2.0, math.inf):
    a = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    a.grad = torch.tensor([3.0, -4.0], dtype=torch.float64)
    b.grad = torch.tensor([12.0], dtype=torch.float64)
    total = torch.nn.utils.clip_grad_norm_([a, b], max_norm=2.0, norm_type=norm_type)
    print(f"  norm_type={norm_type}: total={total.item()!r} a={a.grad.tolist()} b={b.grad.tolist()}")
