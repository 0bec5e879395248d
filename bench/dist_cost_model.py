#!/usr/bin/env python3
"""The cost model of data-parallel GAN training (docs/distributed.md), for gan_mnist.

A step is one discriminator update and one generator update. Each player's gradients are
summed over p ranks by a ring all-reduce, which sends and receives 2(p-1)/p x the gradient
bytes per rank in 2(p-1) messages, so a bucket of B bytes takes

    t(B) = 2(p-1)/p * B / bandwidth + 2(p-1) * latency.

Compute is modelled from FLOPs (a dense layer with P parameters costs 2bP in forward for b
rows, 2bP for its weight gradient and 2bP for its input gradient, which a first layer does not
compute), scaled so that one rank on the whole batch takes the measured one-process step time.
With p ranks each does the work of b/p rows.

Without overlap every bucket is sent after backward. With overlap (tg::dist::DataParallel) a
bucket is started when backward has produced its last gradient; buckets are sent one after
another (FIFO); the update waits only for what is still in flight when backward ends. The
discriminator's update also waits behind the generator's forward pass of the generator step
(GameDriver, Note [Overlap across players]), which reads no discriminator parameter.

    bench/dist_cost_model.py --one-rank-ms 97.6 [--ranks 2] [--gbit 10] [--bucket-mb 4]
        [--latency-us 20] [--rank-ms R] [--two-rank-ms M --shm-gbyte G]

Efficiency is the one-process step time over p times the p-rank step time; "compute / step" is
the share of a rank's step that is not spent waiting for the exchange.
"""
import argparse

# gan_mnist (bench/workload_gan.cpp): G 100->1200->1200->784, D 784->1200->1200->1, batch 100.
G_LAYERS = [(100, 1200), (1200, 1200), (1200, 784)]
D_LAYERS = [(784, 1200), (1200, 1200), (1200, 1)]
BATCH = 100


def params(layer):
    n_in, n_out = layer
    return n_in * n_out + n_out


def backward_flops(layers, rows, need_input_grad):
    """Backward FLOPs per layer, last layer first: weight gradients, and input gradients for
    every layer but the first (and for the first too if the input needs one)."""
    out = []
    for i in reversed(range(len(layers))):
        p = params(layers[i])
        out.append(2 * rows * p + (2 * rows * p if i > 0 or need_input_grad else 0))
    return out


def step_flops(rows):
    """FLOPs of one GameDriver step on `rows` rows, and its two backward phases as
    (layers, backward FLOPs per layer in backward order, FLOPs before them, FLOPs after
    backward that the exchange overlaps)."""
    pg = sum(map(params, G_LAYERS))
    pd = sum(map(params, D_LAYERS))
    d_backward = backward_flops(D_LAYERS, 2 * rows, False)  # real and fake rows
    g_backward = backward_flops(G_LAYERS, rows, False)
    d_dx_only = 2 * rows * pd  # the G step's backward through the frozen D
    g_forward = 2 * rows * pg
    # D step: G forward (no grad), D forward and backward on real and fake rows.
    d_step = g_forward + 2 * 2 * rows * pd + sum(d_backward)
    # G step: G and D forward, D backward for dX only, G backward.
    g_step = g_forward + 2 * rows * pd + d_dx_only + sum(g_backward)
    return d_step + g_step, [(D_LAYERS, d_backward, 0.0, g_forward),
                             (G_LAYERS, g_backward, d_dx_only, 0.0)]


def buckets(layers, bucket_bytes):
    """Reverse-order buckets of parameter indices (DataParallel's layout, weight and bias of
    a layer together), as lists of layer indices in backward order."""
    out, size = [], 0
    for i, layer in enumerate(reversed(layers)):
        b = 4 * params(layer)
        if out and size + b <= bucket_bytes:
            out[-1].append(i)
            size += b
        else:
            out.append([i])
            size = b
    return out


def exposed_ms(layers, backward, lead_flops, hidden_flops, ms_per_flop, bucket_bytes,
               allreduce_ms):
    """Communication time left after backward and the work that overlaps it, with buckets
    started as they fill."""
    ready = []
    t = lead_flops * ms_per_flop
    for f in backward:
        t += f * ms_per_flop
        ready.append(t)
    end_of_backward = t + hidden_flops * ms_per_flop
    link_free = 0.0
    for bucket in buckets(layers, bucket_bytes):
        start = max(link_free, ready[bucket[-1]])
        link_free = start + allreduce_ms(sum(4 * params(list(reversed(layers))[i]) for i in bucket))
    return max(0.0, link_free - end_of_backward)


def model(one_rank_ms, rank_ms, ranks, bytes_per_ms, latency_ms, bucket_bytes):
    """rank_ms: one rank's step on its b/p rows without communication (measured, or
    one_rank_ms / p). Backward's progress is timed from one_rank_ms's FLOP rate."""
    total, phases = step_flops(BATCH)
    ms_per_flop = one_rank_ms / total
    rows = BATCH / ranks

    def allreduce_ms(b):
        return 2 * (ranks - 1) / ranks * b / bytes_per_ms + 2 * (ranks - 1) * latency_ms

    _, phases = step_flops(rows)
    compute = rank_ms
    grad_bytes = sum(4 * params(l) for l in G_LAYERS + D_LAYERS)
    serial = compute + sum(
        allreduce_ms(sum(4 * params(list(reversed(layers))[i]) for i in b))
        for layers, _, _, _ in phases
        for b in buckets(layers, bucket_bytes))
    overlapped = compute + sum(
        exposed_ms(layers, bw, lead, hidden, ms_per_flop, bucket_bytes, allreduce_ms)
        for layers, bw, lead, hidden in phases)
    return {
        "gradient_mb": grad_bytes / 1e6,
        "sent_mb": 2 * (ranks - 1) / ranks * grad_bytes / 1e6,
        "compute_ms": compute,
        "no_overlap_ms": serial,
        "overlap_ms": overlapped,
        "no_overlap_eff": one_rank_ms / (ranks * serial),
        "overlap_eff": one_rank_ms / (ranks * overlapped),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--one-rank-ms", type=float, required=True,
                    help="measured gan_mnist step, one process, one thread")
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--gbit", type=float, default=10.0, help="network bandwidth, Gb/s")
    ap.add_argument("--latency-us", type=float, default=20.0, help="per message")
    ap.add_argument("--bucket-mb", type=float, default=4.0)
    ap.add_argument("--rank-ms", type=float,
                    help="measured step of one rank alone on batch/p rows (default "
                         "one-rank-ms / p): the optimiser's work does not shrink with the batch")
    ap.add_argument("--two-rank-ms", type=float, help="measured p-rank step on this machine")
    ap.add_argument("--shm-gbyte", type=float,
                    help="this machine's all-reduce bandwidth, GB/s of gradient (measured)")
    a = ap.parse_args()
    bucket = a.bucket_mb * (1 << 20)
    rows = []
    rank_ms = a.rank_ms or a.one_rank_ms / a.ranks
    net = model(a.one_rank_ms, rank_ms, a.ranks, a.gbit * 1e9 / 8 / 1e3, a.latency_us / 1e3, bucket)
    rows.append((f"{a.gbit:g} Gb/s network, {a.latency_us:g} µs", net))
    one_bucket = model(a.one_rank_ms, rank_ms, a.ranks, a.gbit * 1e9 / 8 / 1e3, a.latency_us / 1e3, 25 << 20)
    rows.append((f"{a.gbit:g} Gb/s, one 25 MB bucket per player", one_bucket))
    if a.shm_gbyte:
        # The measured bandwidth already includes the ring's 2(p-1)/p factor: undo it.
        shm = model(a.one_rank_ms, rank_ms, a.ranks, a.shm_gbyte * 1e9 / 1e3 * 2 * (a.ranks - 1) / a.ranks,
                    0.0, bucket)
        rows.append((f"this machine (shared memory, {a.shm_gbyte:g} GB/s measured)", shm))
    print(f"gan_mnist on {a.ranks} ranks: {net['gradient_mb']:.1f} MB of gradients per step, "
          f"{net['sent_mb']:.1f} MB sent per rank; one rank {a.one_rank_ms:g} ms per step; "
          f"buckets of {a.bucket_mb:g} MB")
    print()
    print("| link | compute ms | step ms, no overlap | step ms, overlap | efficiency, no overlap | "
          "efficiency, overlap | compute / step, overlap |")
    print("|---|---|---|---|---|---|---|")
    for name, r in rows:
        print(f"| {name} | {r['compute_ms']:.1f} | {r['no_overlap_ms']:.1f} | {r['overlap_ms']:.1f} "
              f"| {100 * r['no_overlap_eff']:.0f}% | {100 * r['overlap_eff']:.0f}% "
              f"| {100 * r['compute_ms'] / r['overlap_ms']:.0f}% |")
    if a.two_rank_ms:
        print()
        print(f"measured on this machine: {a.two_rank_ms:g} ms per step on {a.ranks} ranks, "
              f"efficiency {100 * a.one_rank_ms / (a.ranks * a.two_rank_ms):.0f}%")


if __name__ == "__main__":
    main()
