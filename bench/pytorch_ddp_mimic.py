#!/usr/bin/python3
"""PyTorch data-parallel baseline for `bench/spark_scaling.sh` (train --spark_master, shared gradients): upstream's
multi-GPU update on CPU processes. W processes (gloo backend, `--threads` each) train bench/pytorch_mimic.py's copy of
upstream's Symile-MIMIC model under DistributedDataParallel, each on its own batch of --B random rows (its own
negatives), gradients averaged every step by DDP's all-reduce, torch.optim.AdamW (lr 5e-4, weight decay 0.2).

    /usr/bin/python3 bench/pytorch_ddp_mimic.py --workers 2 --B 16 --image_size 64 --ecg_length 1000 --d 64 \\
        --base_width 16 --steps 20

Output: one JSON line {workers, B, median_step_ms, samples_per_s (all workers' rows per second), peak_rss_mb (the
largest process)}. Not part of the test suite.
"""
import argparse
import json
import os
import resource
import statistics
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel

from pytorch_mimic import Mimic, symile_n, symile_n_squared


def worker(rank, a, port, out):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(a.threads)
    dist.init_process_group("gloo", rank=rank, world_size=a.workers)
    torch.manual_seed(0)  # the same initial weights in every process, as DDP expects
    model = DistributedDataParallel(Mimic(a.d, a.base_width))
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.2)
    loss_fn = symile_n if a.negative_sampling == "n" else symile_n_squared
    g = torch.Generator().manual_seed(rank + 1)
    cxr = torch.randn(a.B, 3, a.image_size, a.image_size, generator=g)
    ecg = torch.randn(a.B, 1, a.ecg_length, 12, generator=g)
    labs = torch.rand(a.B, 100, generator=g)
    times = []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        r = model(cxr, ecg, labs)
        loss = loss_fn(*r, model.module.logit_scale.exp())
        loss.backward()
        opt.step()
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    out.put((rank, statistics.median(times), sum(times), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--B", type=int, default=16)
    p.add_argument("--image_size", type=int, default=64)
    p.add_argument("--ecg_length", type=int, default=1000)
    p.add_argument("--d", type=int, default=64)
    p.add_argument("--base_width", type=int, default=16)
    p.add_argument("--negative_sampling", default="n_squared", choices=["n", "n_squared"])
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--port", type=int, default=29511)
    a = p.parse_args()
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(r, a, a.port, out)) for r in range(a.workers)]
    for proc in procs:
        proc.start()
    results = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    slowest_total_ms = max(r[2] for r in results)
    print(json.dumps({"name": "mimic_ddp", "workers": a.workers, "threads": a.threads, "B": a.B,
                      "image_size": a.image_size, "ecg_length": a.ecg_length, "d": a.d, "base_width": a.base_width,
                      "median_step_ms": max(r[1] for r in results),
                      "samples_per_s": a.workers * a.B * a.steps / (slowest_total_ms / 1000),
                      "peak_rss_mb": max(r[3] for r in results), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
