#!/usr/bin/python3
"""Plain PyTorch loop of upstream's default binary_xor Symile sweep, for comparing `symile train --experiment
binary_xor` on the same machine (spec section 3): d_v 5, d 16, batch 1000, 100 epochs, AdamW lr 0.1 wd 0.01,
logit_scale_init -0.3, O(N) negatives, best-val-loss checkpoint per p_hat, test on 5000 fresh draws. One thread.

    OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_xor.py [SEED]          # all p_hat 0.0..1.0
    PS=0.1,0.2,0.3 OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_xor.py 3  # a subset
    LOSS=clip PS=0.5 OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_xor.py   # pairwise CLIP (upstream's sum)
    OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_xor.py --step [--warmup 30 --iters 100]  # one training step
With --step it times the training step alone (forward, backward, AdamW; B 1000 at p_hat 0.5, cycling over the ten
batches of one epoch) as `symile bench --only xor_step` (LOSS=clip: xor_step_clip) does, and prints median/p10/p90.
Prints test accuracy, Bayes-optimal accuracy and gap per p_hat, and the total wall time. Not part of the tests.
"""
import sys, time, itertools, copy, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
STEP = "--step" in sys.argv
def flag(name, default):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default
torch.set_num_threads(1); torch.manual_seed(int(sys.argv[1]) if len(sys.argv) > 1 and not STEP else 0)
DV, D, B, EPOCHS = 5, 16, 1000, 100
def data(n, p):
    a = torch.bernoulli(torch.full((n, DV), 0.5)); b = torch.bernoulli(torch.full((n, DV), 0.5))
    i = torch.bernoulli(torch.full((n, 1), p)); c = torch.where(i == 1, (a + b) % 2, a)
    return a, b, c
def symile(ra, rb, rc, s):
    def anchor(x, y, z):
        n = x.shape[0]; lg = x @ (y[torch.randperm(n)] * z[torch.randperm(n)]).T
        lg = lg.clone(); idx = torch.arange(n); lg[idx, idx] = (x * y * z).sum(1)
        return F.cross_entropy(s * lg, idx)
    return (anchor(ra, rb, rc) + anchor(rb, ra, rc) + anchor(rc, ra, rb)) / 3
def clip(ra, rb, rc, s):
    def infonce(u, v):
        lg = s * u @ v.T; t = torch.arange(u.shape[0])
        return (F.cross_entropy(lg, t) + F.cross_entropy(lg.T, t)) / 2
    return infonce(ra, rb) + infonce(rb, rc) + infonce(ra, rc)
import os
LOSS = clip if os.environ.get("LOSS", "symile") == "clip" else symile
class M(nn.Module):
    def __init__(s):
        super().__init__(); s.fa, s.fb, s.fc = nn.Linear(DV, D), nn.Linear(DV, D), nn.Linear(DV, D); s.ls = nn.Parameter(torch.tensor(-0.3))
    def forward(s, a, b, c): return F.normalize(s.fa(a)), F.normalize(s.fb(b)), F.normalize(s.fc(c)), s.ls.exp()
cands = torch.tensor(list(itertools.product([0., 1.], repeat=DV)))
if STEP:
    tr = data(10000, 0.5); m = M(); opt = torch.optim.AdamW(m.parameters(), lr=0.1, weight_decay=0.01)
    def step(k):
        idx = slice((k % 10) * B, (k % 10 + 1) * B); loss = LOSS(*m(*(x[idx] for x in tr)))
        opt.zero_grad(); loss.backward(); opt.step()
    warmup, iters = flag("--warmup", 30), flag("--iters", 100)
    for k in range(warmup): step(k)
    ts = []
    for k in range(iters):
        t1 = time.perf_counter(); step(k); ts.append((time.perf_counter() - t1) * 1e3)
    q = np.quantile(np.array(ts), [0.5, 0.1, 0.9])
    print(f"xor_step{'_clip' if LOSS is clip else ''}  median {q[0]:8.2f} ms  p10 {q[1]:8.2f}  p90 {q[2]:8.2f}")
    sys.exit(0)
t0 = time.time(); gaps = []
PS = [float(v) for v in os.environ.get("PS", ",".join(str(k/10) for k in range(11))).split(",")]
for p in PS:
    tr, va, te = data(10000, p), data(1000, p), data(5000, p)
    m = M(); opt = torch.optim.AdamW(m.parameters(), lr=0.1, weight_decay=0.01); best, best_state = 1e9, None
    for ep in range(EPOCHS):
        perm = torch.randperm(10000)
        for s0 in range(0, 10000, B):
            idx = perm[s0:s0 + B]; loss = LOSS(*m(*(x[idx] for x in tr)))
            opt.zero_grad(); loss.backward(); opt.step()
        with torch.no_grad(): vl = LOSS(*m(*va)).item()
        if vl < best: best, best_state = vl, copy.deepcopy(m.state_dict())
    m.load_state_dict(best_state)
    with torch.no_grad():
        ra, _, rc, s = m(te[0], te[1], te[2]); rb = F.normalize(m.fb(cands))
        pred = (((ra * rc) @ rb.T) if LOSS is symile else ((ra + rc) @ rb.T)).argmax(1); lbl = (te[1] * torch.tensor([2. ** (DV - 1 - j) for j in range(DV)])).sum(1).long()
        acc = (pred == lbl).float().mean().item()
    bayes = 2 ** -DV + p * (1 - 2 ** -DV); gaps.append(bayes - acc)
    print(f"p_hat {p:.1f} acc {acc:.4f} bayes {bayes:.4f} gap {bayes-acc:+.4f} t {time.time()-t0:.0f}s", flush=True)
print(f"total {time.time()-t0:.0f}s max gap {max(gaps):.4f}")
