#!/usr/bin/python3
"""PyTorch baseline for `symile bench`: the upstream Symile O(N) loss (experiments/losses.py, three modalities)
forward+backward at the same B, d, M=3, float32, with the same warm-up/median protocol.

Run with Debian's PyTorch:  apt-get install python3-torch libopenblas0-pthread
    OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_symile.py --B 256 --d 512 --threads 1
Not part of the test suite; the project never needs Python to build or test.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F


def symile_n(r_a, r_b, r_c, s):
    def anchor(x, y, z):
        b = x.shape[0]
        y_shuf = y[torch.randperm(b)]
        z_shuf = z[torch.randperm(b)]
        logits = x @ (y_shuf * z_shuf).T
        pos = (x * y * z).sum(dim=1)
        logits = logits.clone()
        logits[torch.arange(b), torch.arange(b)] = pos
        return F.cross_entropy(s * logits, torch.arange(b))
    return (anchor(r_a, r_b, r_c) + anchor(r_b, r_a, r_c) + anchor(r_c, r_a, r_b)) / 3


def symile_n_squared(r_a, r_b, r_c, s):
    def anchor(x, y, z):
        b = x.shape[0]
        y_z = torch.cat([y * torch.roll(z, k, dims=0) for k in range(b)], dim=0)
        logits = x @ y_z.T
        return F.cross_entropy(s * logits, torch.arange(b))
    return (anchor(r_a, r_b, r_c) + anchor(r_b, r_a, r_c) + anchor(r_c, r_a, r_b)) / 3


def clip(r_a, r_b, r_c, s):
    def infonce(u, v):
        logits = s * u @ v.T
        t = torch.arange(u.shape[0])
        return (F.cross_entropy(logits, t) + F.cross_entropy(logits.T, t)) / 2
    return infonce(r_a, r_b) + infonce(r_b, r_c) + infonce(r_a, r_c)


def time_it(fn, warmup, iters):
    for _ in range(warmup):
        fn()
    t = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        t.append((time.perf_counter() - t0) * 1000)
    t.sort()
    q = statistics.quantiles(t, n=10, method="inclusive")
    return statistics.median(t), q[0], q[-1]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--B", type=int, default=256)
    p.add_argument("--d", type=int, default=512)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--iters", type=int, default=30)
    p.add_argument("--json")
    p.add_argument("--only", default="symile_n,symile_n_squared,clip",
                   help="comma-separated subset (symile_n_squared at B 1000 needs tens of GB)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    reps = [(torch.randn(a.B, a.d) / a.d ** 0.5).requires_grad_() for _ in range(3)]
    log_scale = torch.tensor(2.302585, requires_grad=True)
    rows = []
    chosen = a.only.split(",")
    for name, loss in [("symile_n", symile_n), ("symile_n_squared", symile_n_squared), ("clip", clip)]:
        if name not in chosen:
            continue
        def step():
            for r in reps:
                r.grad = None
            loss(*reps, log_scale.exp()).backward()
        med, p10, p90 = time_it(step, a.warmup, a.iters)
        rows.append({"name": name, "B": a.B, "d": a.d, "M": 3, "median_ms": med, "p10_ms": p10, "p90_ms": p90,
                     "framework": "pytorch " + torch.__version__, "threads": a.threads})
        print(f"{name:<20} median {med:8.2f} ms  p10 {p10:8.2f}  p90 {p90:8.2f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
