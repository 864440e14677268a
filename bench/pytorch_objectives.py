#!/usr/bin/python3
"""PyTorch baselines for `symile bench --only gram,triangle`: GRAM and TRIANGLE loss forward+backward, every
modality an anchor, label smoothing 0.1, float32, M = 3, the symmetric row/column cross-entropy of -s * score
(definitions: shared/reference/objectives.md), with the same warm-up/median protocol as bench/pytorch_symile.py.

Two formulations of each:
- official: as ispamm/GRAM utils/volume.py (torch.det over the [B, B, 3, 3] Gram matrices) and ispamm/TRIANGLE
  utils/area.py (the [B, B, d] difference tensors u = a_i - b_j, v = a_i - c_j);
- fast: every score from [B, B] dot-product matrices and per-row norms, nothing larger than [B, B].

Run with Debian's PyTorch:  apt-get install python3-torch libopenblas0-pthread
    OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_objectives.py --B 256 --d 512 --threads 1
Not part of the test suite; the project never needs Python to build or test.
"""
import argparse
import json

import torch
import torch.nn.functional as F

from pytorch_symile import time_it  # the same warm-up / median / p10-p90 protocol

EPS = 0.1
DET_FLOOR = 1e-8


def symmetric_ce(logits):
    t = torch.arange(logits.shape[0])
    return (F.cross_entropy(logits, t, label_smoothing=EPS) + F.cross_entropy(logits.T, t, label_smoothing=EPS)) / 2


def anchors(reps):
    for k in range(len(reps)):
        yield reps[k], [r for i, r in enumerate(reps) if i != k]


def gram_official(reps, s):
    total = 0
    for a, others in anchors(reps):
        b = a.shape[0]
        vecs = [a.unsqueeze(1).expand(b, b, -1)] + [o.unsqueeze(0).expand(b, b, -1) for o in others]
        stack = torch.stack(vecs, dim=2)                      # [B, B, M, d]
        g = stack @ stack.transpose(-1, -2)                   # [B, B, M, M]
        vol = torch.sqrt(torch.clamp(torch.abs(torch.det(g)), min=DET_FLOOR))
        total = total + symmetric_ce(-s * vol)
    return total / len(reps)


def gram_fast(reps, s):
    total = 0
    for a, (o1, o2) in anchors(reps):
        alpha = (a * a).sum(1, keepdim=True)                  # [B, 1]
        p1, p2 = a @ o1.T, a @ o2.T                           # [B, B]
        c11, c22, c12 = (o1 * o1).sum(1), (o2 * o2).sum(1), (o1 * o2).sum(1)  # [B]
        # det [[alpha, p1, p2], [p1, c11, c12], [p2, c12, c22]] expanded about the anchor
        det = alpha * (c11 * c22 - c12 * c12) - c22 * p1 * p1 - c11 * p2 * p2 + 2 * c12 * p1 * p2
        vol = torch.sqrt(torch.clamp(torch.abs(det), min=DET_FLOOR))
        total = total + symmetric_ce(-s * vol)
    return total / len(reps)


def triangle_official(reps, s):
    total = 0
    for a, (o1, o2) in anchors(reps):
        u = a.unsqueeze(1) - o1.unsqueeze(0)                  # [B, B, d]
        v = a.unsqueeze(1) - o2.unsqueeze(0)
        area = ((u * u).sum(-1) * (v * v).sum(-1) - (u * v).sum(-1) ** 2) / 2
        total = total + symmetric_ce(-s * area)
    return total / len(reps)


def triangle_fast(reps, s):
    total = 0
    for a, (o1, o2) in anchors(reps):
        alpha = (a * a).sum(1, keepdim=True)
        p1, p2 = a @ o1.T, a @ o2.T
        c11, c22, c12 = (o1 * o1).sum(1), (o2 * o2).sum(1), (o1 * o2).sum(1)
        uu = alpha - 2 * p1 + c11
        vv = alpha - 2 * p2 + c22
        uv = alpha - p1 - p2 + c12
        total = total + symmetric_ce(-s * (uu * vv - uv * uv) / 2)
    return total / len(reps)


LOSSES = {"gram_official": gram_official, "gram": gram_fast,
          "triangle_official": triangle_official, "triangle": triangle_fast}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--B", type=int, default=256)
    p.add_argument("--d", type=int, default=512)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--json")
    p.add_argument("--only", default="gram,triangle,gram_official,triangle_official",
                   help="comma-separated subset (triangle_official at B 256 d 512 takes tens of seconds a step)")
    p.add_argument("--check", action="store_true", help="print official minus fast loss and gradient, then exit")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    reps = [(torch.randn(a.B, a.d) / a.d ** 0.5).requires_grad_() for _ in range(3)]
    log_scale = torch.tensor(2.302585, requires_grad=True)
    if a.check:
        small = [r.detach()[:16, :8].double().requires_grad_() for r in reps]
        for name in ("gram", "triangle"):
            lf = LOSSES[name](small, 10.0)
            gf = torch.autograd.grad(lf, small)
            lo = LOSSES[name + "_official"](small, 10.0)
            go = torch.autograd.grad(lo, small)
            print(name, "loss diff", abs(lf - lo).item(), "grad diff", max((x - y).abs().max().item()
                                                                           for x, y in zip(gf, go)))
        return
    rows = []
    for name in a.only.split(","):
        loss = LOSSES[name]

        def step():
            for r in reps:
                r.grad = None
            loss(reps, log_scale.exp()).backward()
        med, p10, p90 = time_it(step, a.warmup, a.iters)
        rows.append({"name": name, "B": a.B, "d": a.d, "M": 3, "median_ms": med, "p10_ms": p10, "p90_ms": p90,
                     "label_smoothing": EPS, "framework": "pytorch " + torch.__version__, "threads": a.threads})
        print(f"{name:<20} median {med:8.2f} ms  p10 {p10:8.2f}  p90 {p90:8.2f}", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
