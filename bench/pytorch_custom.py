#!/usr/bin/python3
"""PyTorch copy of `symile train --experiment custom` for wall-time and accuracy comparisons on the same data:
per modality an MLP (Linear, ReLU, ..., Linear to d) over features, over the one-hot mean of category or token ids
(the masked mean of the rows of an embedding table, which is the same function), a learned vector for absent rows,
L2 normalisation; upstream's Symile O(N) loss (experiments/losses.py, any M) or CLIP; AdamW; evaluation as the
JVM port's: blocks of --batch_sz_test rows, each complete row ranks its own target among its block's targets.

    OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_custom.py --data_dir demo --modalities left,right,target
Prints one line per epoch and a final JSON line {train_s, wall_s, val_acc, test_acc, peak_rss_mb}.
Not part of the test suite; the project never needs Python to build or test.
"""
import argparse
import json
import os
import resource
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def load(data_dir, split, names):
    out = {}
    for n in names:
        out[n] = np.load(os.path.join(data_dir, split, f"{n}_{split}.npy"))
        for extra in ("_mask", "_missing"):
            f = os.path.join(data_dir, split, f"{n}{extra}_{split}.npy")
            if os.path.exists(f):
                out[n + extra] = np.load(f)
    return out


class Encoder(nn.Module):
    def __init__(self, kind, inputs, hidden, d, missing):
        super().__init__()
        self.kind = kind
        widths = hidden + [d]
        if kind == "features":
            self.first = nn.Linear(inputs, widths[0])
        else:
            # Linear(V, W)'s weight as a table, its initialisation as the JVM port's first layer
            self.first = nn.Embedding(inputs, widths[0])
            nn.init.uniform_(self.first.weight, -1 / inputs ** 0.5, 1 / inputs ** 0.5)
            self.bias = nn.Parameter(torch.empty(widths[0]).uniform_(-1 / inputs ** 0.5, 1 / inputs ** 0.5))
        self.rest = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.absent = nn.Parameter(torch.empty(1, d).uniform_(-1, 1)) if missing else None

    def forward(self, x, mask=None, missing=None):
        if self.kind == "features":
            h = self.first(x)
        else:
            ids = x if x.dim() == 2 else x[:, None]
            w = mask if mask is not None else torch.ones_like(ids, dtype=torch.float32)
            h = self._pool(ids, w) + self.bias
        for layer in self.rest:
            h = layer(F.relu(h))
        if self.absent is not None and missing is not None:
            m = missing[:, None]
            h = (1 - m) * h + m * self.absent
        return F.normalize(h, dim=1, eps=1e-12)

    def _pool(self, ids, w):
        # mean of the real positions' embeddings (a row with none: zeros)
        emb = self.first.weight[ids]
        n = w.sum(1, keepdim=True)
        return (emb * w[..., None]).sum(1) / n.clamp(min=1)


def symile_loss(reps, s):
    m = len(reps)
    b = reps[0].shape[0]
    total = 0
    for a in range(m):
        x = reps[a]
        others = [reps[k] for k in range(m) if k != a]
        prod = torch.ones_like(x)
        for o in others:
            prod = prod * o[torch.randperm(b)]
        logits = x @ prod.T
        pos = x.clone()
        for o in others:
            pos = pos * o
        logits = logits.clone()
        logits[torch.arange(b), torch.arange(b)] = pos.sum(1)
        total = total + F.cross_entropy(s * logits, torch.arange(b))
    return total / m


def clip_loss(reps, s):
    total = 0
    for a in range(len(reps)):
        for c in range(a + 1, len(reps)):
            logits = s * reps[a] @ reps[c].T
            t = torch.arange(logits.shape[0])
            total = total + (F.cross_entropy(logits, t) + F.cross_entropy(logits.T, t)) / 2
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data_dir", required=True)
    ap.add_argument("--modalities", required=True)
    ap.add_argument("--loss_fn", default="symile", choices=["symile", "clip"])
    ap.add_argument("--d", type=int, default=128)
    ap.add_argument("--hidden_dims", default="512")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight_decay", type=float, default=0.01)
    ap.add_argument("--logit_scale_init", type=float, default=2.6593)
    ap.add_argument("--batch_sz_train", type=int, default=256)
    ap.add_argument("--batch_sz_test", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    start = time.time()
    names = args.modalities.split(",")
    hidden = [] if args.hidden_dims == "none" else [int(w) for w in args.hidden_dims.split(",")]
    splits = {s: load(args.data_dir, s, names) for s in ("train", "val", "test")}
    encoders = nn.ModuleList()
    kinds = []
    for n in names:
        x = splits["train"][n]
        kind = "features" if np.issubdtype(x.dtype, np.floating) else "ids"
        inputs = x.shape[1] if kind == "features" else int(max(splits[s][n].max() for s in splits)) + 1
        kinds.append(kind)
        encoders.append(Encoder(kind, inputs, hidden, args.d, n + "_missing" in splits["train"]))
    log_scale = nn.Parameter(torch.tensor(args.logit_scale_init))
    opt = torch.optim.AdamW(list(encoders.parameters()) + [log_scale], lr=args.lr, weight_decay=args.weight_decay)
    loss_fn = symile_loss if args.loss_fn == "symile" else clip_loss

    def tensors(split, rows):
        out = []
        for n, kind in zip(names, kinds):
            x = splits[split][n][rows]
            xt = torch.from_numpy(x.astype(np.float32)) if kind == "features" else torch.from_numpy(
                x.astype(np.int64))
            mask = splits[split].get(n + "_mask")
            miss = splits[split].get(n + "_missing")
            out.append((xt, None if mask is None else torch.from_numpy(mask[rows].astype(np.float32)),
                        None if miss is None else torch.from_numpy(miss[rows].astype(np.float32))))
        return out

    def encode(split, rows):
        return [enc(x, m, a) for enc, (x, m, a) in zip(encoders, tensors(split, rows))]

    def evaluate(split):
        n = len(splits[split][names[0]])
        target = len(names) - 1
        hits = queries = 0
        with torch.no_grad():
            for b0 in range(0, n, args.batch_sz_test):
                rows = np.arange(b0, min(n, b0 + args.batch_sz_test))
                reps = encode(split, rows)
                absent = [splits[split].get(nm + "_missing", np.zeros(n))[rows] != 0 for nm in names]
                cand = np.where(~absent[target])[0]
                complete = [r for r in cand if not any(a[r] for a in absent)]
                if not complete:
                    continue
                q = torch.ones(len(complete), args.d)
                for k in range(len(names)):
                    if k != target:
                        q = q * reps[k][complete]
                scores = q @ reps[target][cand].T
                own = torch.tensor([int(np.where(cand == r)[0][0]) for r in complete])
                hits += int((scores.argmax(1) == own).sum())
                queries += len(complete)
        return hits / max(1, queries)

    n = len(splits["train"][names[0]])
    t0 = time.time()
    for epoch in range(args.epochs):
        perm = np.random.default_rng(args.seed + epoch).permutation(n)
        for b0 in range(0, n, args.batch_sz_train):
            rows = perm[b0:b0 + args.batch_sz_train]
            if len(rows) < 2:
                continue
            loss = loss_fn(encode("train", rows), log_scale.exp())
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch + 1}/{args.epochs} train_loss {loss.item():.4f} val_acc {evaluate('val'):.4f}",
              flush=True)
    train_s = time.time() - t0
    result = {"train_s": round(train_s, 1), "wall_s": round(time.time() - start, 1), "val_acc": evaluate("val"),
              "test_acc": evaluate("test"),
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
