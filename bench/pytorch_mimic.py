#!/usr/bin/python3
"""PyTorch baseline for `symile bench --only mimic_step`: one training step of a copy of upstream's Symile-MIMIC
model (experiments/src/symile_mimic_model.py) in float32, train mode: torchvision ResNet-50 on the chest X-ray
(fc -> Linear(2048, d), LayerNorm(d)), ResNet-18 with a one-channel conv1 on the ECG (fc -> Linear(512, d),
LayerNorm(d)), the labs MLP Linear(100, 256), GELU, Linear(256, 1024), GELU, Linear(1024, d), LayerNorm(d), the
learned logit scale, the Symile loss with O(N^2) or O(N) negatives (upstream's losses.py) and a
torch.optim.AdamW step (lr 5e-4, weight decay 0.2), on random inputs, with the same warm-up / median protocol.

    OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_mimic.py --B 8 --threads 1                 # full size
    OMP_NUM_THREADS=2 /usr/bin/python3 bench/pytorch_mimic.py --B 32 --threads 2 --iters 3
    OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_mimic.py --B 64 --image_size 32 --ecg_length 256 \\
        --d 32 --base_width 8 --negative_sampling n                                                # README demo
    OMP_NUM_THREADS=2 /usr/bin/python3 bench/pytorch_mimic.py --B 280 --micro_batch_sz 28 --threads 2 --iters 1
With --micro_batch_sz N the step is gradient-cached as `symile train --micro_batch_sz N` trains it (Gao et al. 2021,
open_clip's --accum-freq): the batch cut into ceil(B/N) micro-batches of as equal sizes as possible, each encoded
without autograd in training mode (batch norm's momentum 0, so running statistics move only in the second pass),
the loss over the whole batch back-propagated to the representations, each micro-batch encoded again with autograd
and sum(r * dL/dr[rows]) back-propagated, one AdamW step. The loss is upstream's (dense for O(N^2)).
Output: one JSON line {name, B, median_ms, p10_ms, p90_ms, samples_per_s, peak_rss_mb, ...}. Run one
configuration per process for a clean peak-memory figure. Not part of the test suite.
"""
import argparse
import json
import math
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.models.resnet as tvr


def resnet(block, layers, base, in_channels):
    """torchvision's ResNet with first-stage width `base` (64: exactly torchvision's) and `in_channels` inputs."""
    net = tvr.ResNet(block, layers)
    if base != 64 or in_channels != 3:
        net.inplanes = base
        net.conv1 = nn.Conv2d(in_channels, base, kernel_size=7, stride=2, padding=3, bias=False)
        net.bn1 = nn.BatchNorm2d(base)
        net.layer1 = net._make_layer(block, base, layers[0])
        net.layer2 = net._make_layer(block, base * 2, layers[1], stride=2)
        net.layer3 = net._make_layer(block, base * 4, layers[2], stride=2)
        net.layer4 = net._make_layer(block, base * 8, layers[3], stride=2)
    return net


class Mimic(nn.Module):
    def __init__(self, d, base):
        super().__init__()
        self.cxr = resnet(tvr.Bottleneck, [3, 4, 6, 3], base, 3)
        self.cxr.fc = nn.Linear(base * 8 * 4, d)
        self.cxr_ln = nn.LayerNorm(d)
        self.ecg = resnet(tvr.BasicBlock, [2, 2, 2, 2], base, 1)
        self.ecg.fc = nn.Linear(base * 8, d)
        self.ecg_ln = nn.LayerNorm(d)
        self.labs = nn.Sequential(nn.Linear(100, 256), nn.GELU(), nn.Linear(256, 1024), nn.GELU(),
                                  nn.Linear(1024, d), nn.LayerNorm(d))
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def forward(self, cxr, ecg, labs):
        return self.cxr_ln(self.cxr(cxr)), self.ecg_ln(self.ecg(ecg)), self.labs(labs)


def symile_n(r_a, r_b, r_c, s):
    def anchor(x, y, z):
        b = x.shape[0]
        logits = x @ (y[torch.randperm(b)] * z[torch.randperm(b)]).T
        pos = (x * y * z).sum(dim=1)
        logits = logits.clone()
        logits[torch.arange(b), torch.arange(b)] = pos
        return F.cross_entropy(s * logits, torch.arange(b))
    return (anchor(r_a, r_b, r_c) + anchor(r_b, r_a, r_c) + anchor(r_c, r_a, r_b)) / 3


def symile_n_squared(r_a, r_b, r_c, s):
    def anchor(x, y, z):
        b = x.shape[0]
        y_z = torch.cat([y * torch.roll(z, k, dims=0) for k in range(b)], dim=0)
        return F.cross_entropy(s * (x @ y_z.T), torch.arange(b))
    return (anchor(r_a, r_b, r_c) + anchor(r_b, r_a, r_c) + anchor(r_c, r_a, r_b)) / 3


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--B", type=int, default=8)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--image_size", type=int, default=320)
    p.add_argument("--ecg_length", type=int, default=5000)
    p.add_argument("--d", type=int, default=8192)
    p.add_argument("--base_width", type=int, default=64)
    p.add_argument("--negative_sampling", default="n_squared", choices=["n", "n_squared"])
    p.add_argument("--micro_batch_sz", type=int, default=0)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--iters", type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Mimic(a.d, a.base_width)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.2)
    loss_fn = symile_n if a.negative_sampling == "n" else symile_n_squared
    cxr = torch.randn(a.B, 3, a.image_size, a.image_size)
    ecg = torch.randn(a.B, 1, a.ecg_length, 12)
    labs = torch.rand(a.B, 100)

    batch_norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]

    def step():
        opt.zero_grad(set_to_none=True)
        if a.micro_batch_sz <= 0:
            loss = loss_fn(*model(cxr, ecg, labs), model.logit_scale.exp())
            loss.backward()
        else:
            k = -(-a.B // a.micro_batch_sz)
            sizes = [a.B // k + (1 if i < a.B % k else 0) for i in range(k)]
            parts = [(sum(sizes[:i]), sum(sizes[:i + 1])) for i in range(k)]
            for m in batch_norms:
                m.momentum = 0.0
            with torch.no_grad():
                encoded = [model(cxr[i:j], ecg[i:j], labs[i:j]) for i, j in parts]
            for m in batch_norms:
                m.momentum = 0.1
            reps = [torch.cat([e[r] for e in encoded]).requires_grad_() for r in range(3)]
            del encoded
            loss = loss_fn(*reps, model.logit_scale.exp())
            loss.backward()
            del loss
            for i, j in parts:
                r = model(cxr[i:j], ecg[i:j], labs[i:j])
                sum((r[m] * reps[m].grad[i:j]).sum() for m in range(3)).backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    t = []
    for _ in range(a.iters):
        t0 = time.perf_counter()
        step()
        t.append((time.perf_counter() - t0) * 1000)
    t.sort()
    q = statistics.quantiles(t, n=10, method="inclusive") if len(t) > 1 else [t[0], t[0]]
    med = statistics.median(t)
    print(json.dumps({"name": "mimic_step", "B": a.B, "d": a.d, "threads": a.threads, "image_size": a.image_size,
                      "ecg_length": a.ecg_length, "base_width": a.base_width,
                      "negative_sampling": a.negative_sampling, "micro_batch_sz": a.micro_batch_sz,
                      "median_ms": med, "p10_ms": q[0],
                      "p90_ms": q[-1], "samples": len(t), "samples_per_s": a.B / (med / 1000),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
