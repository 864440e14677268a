#!/usr/bin/python3
"""PyTorch baseline for `symile bench --only m3_step`: one training step of a copy of upstream's Symile-M3 model
(experiments/src/symile_m3_model.py, no missingness) at upstream's widths, float32, on random inputs: audio features
1280 -> Linear(1280, d), LayerNorm(d); image features 1024 -> Linear(1024, d), LayerNorm(d); text: XLM-R large's
embeddings (word over a 10,000-token compacted vocabulary, position with padding_idx 1, token type 0, LayerNorm)
and its first encoder layer (hidden 1024, 16 heads, intermediate 4096, exact GELU, no dropout, as this project's
TextEncoder), Linear(1024, d) at every position, the mean over the 32 positions, LayerNorm(d); the learned logit
scale (init -6), upstream's O(N) Symile loss and a torch.optim.AdamW step (lr 1e-4, weight decay 0). Token ids,
lengths (8..32 real tokens, then padding) and masks are drawn as the Java benchmark draws them.

    OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_m3.py --B 256 --d 8192 --threads 1 [--mean_first]
Output: one JSON line {name, B, d, median_ms, p10_ms, p90_ms, samples_per_s, peak_rss_mb}. Not part of the tests.
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

VOCAB, HIDDEN, HEADS, INTER, SEQ, AUDIO, IMAGE, PAD = 10_000, 1024, 16, 4096, 32, 1280, 1024, 1


class Layer(nn.Module):
    """One BERT / XLM-R encoder layer (Hugging Face's structure)."""

    def __init__(self):
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(HIDDEN, HIDDEN) for _ in range(4))
        self.ln1 = nn.LayerNorm(HIDDEN, eps=1e-5)
        self.inter = nn.Linear(HIDDEN, INTER)
        self.out = nn.Linear(INTER, HIDDEN)
        self.ln2 = nn.LayerNorm(HIDDEN, eps=1e-5)

    def forward(self, h, additive):
        b, l, _ = h.shape
        split = lambda t: t.view(b, l, HEADS, HIDDEN // HEADS).transpose(1, 2)
        scores = split(self.q(h)) @ split(self.k(h)).transpose(-1, -2) / math.sqrt(HIDDEN // HEADS) + additive
        ctx = (scores.softmax(-1) @ split(self.v(h))).transpose(1, 2).reshape(b, l, HIDDEN)
        h = self.ln1(self.o(ctx) + h)
        return self.ln2(self.out(F.gelu(self.inter(h))) + h)


class M3(nn.Module):
    def __init__(self, d, mean_first):
        super().__init__()
        self.mean_first = mean_first
        self.audio = nn.Sequential(nn.Linear(AUDIO, d), nn.LayerNorm(d))
        self.image = nn.Sequential(nn.Linear(IMAGE, d), nn.LayerNorm(d))
        self.word = nn.Embedding(VOCAB, HIDDEN)
        self.pos = nn.Embedding(514, HIDDEN, padding_idx=PAD)
        self.tok_type = nn.Embedding(1, HIDDEN)
        self.emb_ln = nn.LayerNorm(HIDDEN, eps=1e-5)
        self.layer = Layer()
        self.text_proj = nn.Linear(HIDDEN, d)
        self.text_ln = nn.LayerNorm(d)
        self.logit_scale = nn.Parameter(torch.tensor(-6.0))

    def forward(self, audio, image, ids, pos, mask):
        h = self.emb_ln(self.word(ids) + self.pos(pos) + self.tok_type.weight[0])
        additive = ((1.0 - mask) * torch.finfo(torch.float32).min)[:, None, None, :]
        h = self.layer(h, additive)
        # upstream projects every position, then averages; --mean_first averages first (the same function)
        text = self.text_ln(self.text_proj(h.mean(1)) if self.mean_first else self.text_proj(h).mean(1))
        return self.audio(audio), self.image(image), text


def symile_n(r_a, r_b, r_c, s):
    def anchor(x, y, z):
        b = x.shape[0]
        logits = x @ (y[torch.randperm(b)] * z[torch.randperm(b)]).T
        pos = (x * y * z).sum(dim=1)
        logits = logits.clone()
        logits[torch.arange(b), torch.arange(b)] = pos
        return F.cross_entropy(s * logits, torch.arange(b))
    return (anchor(r_a, r_b, r_c) + anchor(r_b, r_a, r_c) + anchor(r_c, r_a, r_b)) / 3


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--B", type=int, default=256)
    p.add_argument("--d", type=int, default=8192)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--mean_first", action="store_true",
                   help="project the mean of the text positions (as this project does) instead of every position")
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--iters", type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = M3(a.d, a.mean_first)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.0)
    g = torch.Generator().manual_seed(2)
    lens = torch.randint(8, SEQ + 1, (a.B,), generator=g)
    t = torch.arange(SEQ)[None, :]
    ids = torch.randint(3, VOCAB, (a.B, SEQ), generator=g)
    ids = torch.where(t == 0, 0, torch.where(t == lens[:, None] - 1, 2, torch.where(t < lens[:, None], ids, PAD)))
    mask = (t < lens[:, None]).float()
    pos = torch.where(mask > 0, torch.cumsum(mask, 1).long() + PAD, PAD)
    audio, image = torch.randn(a.B, AUDIO), torch.randn(a.B, IMAGE)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = symile_n(*model(audio, image, ids, pos, mask), model.logit_scale.exp())
        loss.backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    ts = []
    for _ in range(a.iters):
        t0 = time.perf_counter()
        step()
        ts.append((time.perf_counter() - t0) * 1000)
    q = statistics.quantiles(ts, n=10, method="inclusive") if len(ts) > 1 else [ts[0], ts[0]]
    med = statistics.median(ts)
    print(json.dumps({"name": "m3_step", "B": a.B, "d": a.d, "mean_first": a.mean_first, "threads": a.threads, "median_ms": med,
                      "p10_ms": q[0], "p90_ms": q[-1], "samples": len(ts), "samples_per_s": a.B / (med / 1000),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
