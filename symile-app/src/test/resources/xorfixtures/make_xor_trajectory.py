#!/usr/bin/python3
"""Fixture for BinaryXorTrajectoryTest: upstream's binary_xor model (three Linear(d_v -> d) encoders, L2
normalisation, Symile O(N) loss, AdamW with decoupled weight decay on every parameter including the log scale)
trained in PyTorch for 20 steps with recorded data, initial weights and negative permutations.

Run with Debian's PyTorch (apt-get install python3-torch) from this directory:  /usr/bin/python3 make_xor_trajectory.py
Writes: a/b/c.npy [1000, 5] float32; W_{a,b,c}.npy [5, 16] (= torch weight transposed) and b_{a,b,c}.npy [16],
the initial parameters; perms.npy [20, 3, 2, 100] int32 (step, anchor, non-anchor: shuffled[j] = y[perm[j]]);
losses.npy [20] float64 (loss before each step); final_W_a.npy, final_ls.npy (after 20 steps).
"""
import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(3)
DV, D, B, N, STEPS, P = 5, 16, 100, 1000, 20, 0.3
a = torch.bernoulli(torch.full((N, DV), 0.5))
b = torch.bernoulli(torch.full((N, DV), 0.5))
i = torch.bernoulli(torch.full((N, 1), P))
c = torch.where(i == 1, (a + b) % 2, a)
W = {m: (torch.rand(D, DV) * 2 - 1) / DV ** 0.5 for m in 'abc'}
Bi = {m: (torch.rand(D) * 2 - 1) / DV ** 0.5 for m in 'abc'}
for m in 'abc':
    np.save(f'W_{m}.npy', W[m].T.contiguous().numpy())
    np.save(f'b_{m}.npy', Bi[m].numpy())
for name, t in (('a', a), ('b', b), ('c', c)):
    np.save(f'{name}.npy', t.numpy())
params = [W[m].clone().requires_grad_() for m in 'abc'] + [Bi[m].clone().requires_grad_() for m in 'abc']
ls = torch.tensor(-0.3, requires_grad=True)
opt = torch.optim.AdamW(params + [ls], lr=0.1, weight_decay=0.01)
perms = np.zeros((STEPS, 3, 2, B), dtype=np.int32)
losses = []
for s in range(STEPS):
    lo = (s % (N // B)) * B
    x = [a[lo:lo + B], b[lo:lo + B], c[lo:lo + B]]
    r = [F.normalize(x[k] @ params[k].T + params[3 + k]) for k in range(3)]
    total = 0
    for an in range(3):
        non = [r[k] for k in range(3) if k != an]
        p0, p1 = torch.randperm(B), torch.randperm(B)
        perms[s, an, 0], perms[s, an, 1] = p0.numpy(), p1.numpy()
        logits = (r[an] @ (non[0][p0] * non[1][p1]).T).clone()
        idx = torch.arange(B)
        logits[idx, idx] = (r[0] * r[1] * r[2]).sum(1)
        total = total + F.cross_entropy(ls.exp() * logits, idx)
    loss = total / 3
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
np.save('perms.npy', perms)
np.save('losses.npy', np.array(losses))
np.save('final_W_a.npy', params[0].detach().T.contiguous().numpy())
np.save('final_ls.npy', np.array([ls.item()], dtype=np.float32))
