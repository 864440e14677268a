#!/usr/bin/python3
"""PyTorch baseline for `symile example binary_xor_8` and `bench --only layer_step`: the symile package's
8-modality XOR example (examples/binary_xor.py of the upstream repository, described in
shared/reference/upstream-examples.md) written out in plain PyTorch, the pip package's Symile loss included, so
that it runs without the package: eight Bernoulli(0.5) bits whose last is the XOR of the others, 16000 rows split
at random into 10000 / 1000 / 5000, eight Linear(1, d) encoders, L2 normalisation, one learned log-scale
(init -0.3), Symile with O(N) negatives over all M modalities (each anchor against the product of the others,
each shuffled by its own permutation, positives on the diagonal), AdamW (lr 0.1, PyTorch's default weight decay
0.01), batch 1000 shuffled, 50 epochs, validation loss and accuracy after every epoch, the best state kept (by
reference, as upstream does: so the last one), zero-shot test of v_a from the other seven by MIP.

    OMP_NUM_THREADS=1 /usr/bin/time -v /usr/bin/python3 bench/pytorch_xor8.py --threads 1
    OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_xor8.py --step --warmup 30 --iters 100   (one training step)
Not part of the test suite; the project never needs Python to build or test.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def symile_n(reps, s):
    """The pip package's Symile(negative_sampling="n") for any M: mean over anchors of the cross-entropy."""
    b = reps[0].shape[0]
    total = 0.0
    for a, x in enumerate(reps):
        others = [r for k, r in enumerate(reps) if k != a]
        prod = torch.ones_like(x)
        for r in others:
            prod = prod * r[torch.randperm(b)]
        logits = x @ prod.T
        pos = x.clone()
        for r in others:
            pos = pos * r
        logits = logits.clone()
        logits[torch.arange(b), torch.arange(b)] = pos.sum(dim=1)
        total = total + F.cross_entropy(s * logits, torch.arange(b))
    return total / len(reps)


def mip(candidates, others):
    prod = torch.ones_like(others[0])
    for r in others:
        prod = prod * r
    return prod @ candidates.T


class Encoders(nn.Module):
    def __init__(self, m, d, logit_scale_init):
        super().__init__()
        self.f = nn.ModuleList([nn.Linear(1, d) for _ in range(m)])
        self.logit_scale = nn.Parameter(torch.ones([]) * logit_scale_init)

    def forward(self, inputs):
        return [F.normalize(f(v), p=2.0, dim=1) for f, v in zip(self.f, inputs)], self.logit_scale.exp()


def data(n, m, gen):
    bits = torch.randint(0, 2, (n, m - 1), generator=gen)
    last = bits.sum(dim=1, keepdim=True) % 2
    return torch.cat([bits, last], dim=1).float()


def accuracy(model, rows):
    with torch.no_grad():
        reps, s = model([rows[:, k:k + 1] for k in range(rows.shape[1])])
        cand = F.normalize(model.f[0](torch.tensor([[0.], [1.]])), p=2.0, dim=1)
        pred = torch.argmax(s * mip(cand, reps[1:]), dim=1)
        return (pred == rows[:, 0].long()).float().mean().item()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--modalities", type=int, default=8)
    p.add_argument("--d", type=int, default=16)
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--batch_sz", type=int, default=1000)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--step", action="store_true", help="time one training step instead of running the example")
    p.add_argument("--warmup", type=int, default=30)
    p.add_argument("--iters", type=int, default=100)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    m = a.modalities
    rows = data(16000, m, gen)
    perm = torch.randperm(16000, generator=gen)
    train, val, test = rows[perm[:10000]], rows[perm[10000:11000]], rows[perm[11000:]]
    model = Encoders(m, a.d, -0.3)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr)

    def step(batch):
        opt.zero_grad()
        reps, s = model([batch[:, k:k + 1] for k in range(m)])
        loss = symile_n(reps, s)
        loss.backward()
        opt.step()
        return loss.item()

    if a.step:
        batch = train[:a.batch_sz]
        for _ in range(a.warmup):
            step(batch)
        t = []
        for _ in range(a.iters):
            t0 = time.perf_counter()
            step(batch)
            t.append((time.perf_counter() - t0) * 1000)
        t.sort()
        q = statistics.quantiles(t, n=10, method="inclusive")
        print(json.dumps({"name": "layer_step", "B": a.batch_sz, "d": a.d, "M": m, "threads": a.threads,
                          "median_ms": statistics.median(t), "p10_ms": q[0], "p90_ms": q[-1],
                          "torch": torch.__version__}))
        return
    t0 = time.perf_counter()
    best = float("inf")
    for epoch in range(a.epochs):
        model.train()
        order = torch.randperm(len(train))
        for i in range(0, len(train), a.batch_sz):
            step(train[order[i:i + a.batch_sz]])
        model.eval()
        with torch.no_grad():
            reps, s = model([val[:, k:k + 1] for k in range(m)])
            v = symile_n(reps, s).item()
        acc = accuracy(model, val)
        print(f"Epoch {epoch + 1} | Val Loss: {v:.4f} | Val Accuracy: {acc:.4f}")
        best = min(best, v)
    print(json.dumps({"name": "binary_xor_8", "test_acc": accuracy(model, test), "train_s": time.perf_counter() - t0,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
