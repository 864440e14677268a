#!/usr/bin/python3
"""PyTorch baseline for `symile bench --only resnet50_step`: one training step (forward, backward, SGD update) of
torchvision's ResNet-50 (v1.5) on random 3x224x224 images, float32, train mode, with the same warm-up / median
protocol; also the peak resident memory of the process (run one batch size per process for a clean figure).

    OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_resnet.py --B 4 --threads 1
Output: one JSON line {name, B, median_ms, p10_ms, p90_ms, samples, peak_rss_mb}.
Not part of the test suite; the project never needs Python to build or test.
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torchvision


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--B", type=int, default=4)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--iters", type=int, default=7)
    p.add_argument("--arch", default="resnet50", choices=["resnet50", "resnet18"])
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = getattr(torchvision.models, a.arch)()
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=1e-3)
    x = torch.randn(a.B, 3, a.size, a.size)
    y = torch.randn(a.B, 1000)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    t = []
    for _ in range(a.iters):
        t0 = time.perf_counter()
        step()
        t.append((time.perf_counter() - t0) * 1000)
    t.sort()
    q = statistics.quantiles(t, n=10, method="inclusive") if len(t) > 1 else [t[0]] * 9
    print(json.dumps({"name": a.arch + "_step", "B": a.B, "size": a.size, "threads": a.threads,
                      "median_ms": statistics.median(t), "p10_ms": q[0], "p90_ms": q[-1], "samples": len(t),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
