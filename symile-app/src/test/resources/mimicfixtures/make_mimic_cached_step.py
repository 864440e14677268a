#!/usr/bin/python3
"""Regenerates the gradient-cached Symile-MIMIC training-step fixture of symile-app's tests (needs torch and
torchvision; run here with /usr/bin/python3 make_mimic_cached_step.py after make_mimic_step.py).

The model, starting state and batch of make_mimic_step.py (float64), trained by one gradient-caching step
(Gao et al. 2021; open_clip's --accum-freq) with micro-batches of 3 rows out of the batch of 6:
  1. each micro-batch encoded in training mode without autograd, batch norm's momentum 0 so that running statistics
     do not move (the step moves them in phase 3, once per micro-batch);
  2. the Symile O(N^2) loss over the whole batch of representations, differentiated with respect to them (and the
     log-scale, whose gradient goes straight to the parameter);
  3. each micro-batch encoded again in training mode with autograd (batch norm normalises with the micro-batch's own
     statistics and moves its running statistics once, momentum 0.1) and sum(r * dL/dr[rows]) back-propagated;
  4. one torch.optim.AdamW step (lr 1e-3, weight decay 0.1).
Writes mimic_cached_state_after.pt (the tensors of make_mimic_step.AFTER after the step) and mimic_cached_loss.npy.
"""
import numpy as np
import torch
import torch.nn as nn

from make_mimic_step import AFTER, Mimic, state, symile_n_squared

torch.set_default_dtype(torch.float64)
MICRO = 3

model = Mimic()
before = torch.load("mimic_state_before.pt")
missing, unexpected = model.load_state_dict({k: v.double() for k, v in before.items()}, strict=False)
assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing), (missing, unexpected)
cxr = torch.from_numpy(np.load("mimic_cxr.npy"))
ecg = torch.from_numpy(np.load("mimic_ecg.npy"))
labs = torch.from_numpy(np.load("mimic_labs.npy"))
b = cxr.shape[0]
parts = [(i, min(b, i + MICRO)) for i in range(0, b, MICRO)]
batch_norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]

model.train()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
opt.zero_grad()
for m in batch_norms:
    m.momentum = 0.0
with torch.no_grad():
    encoded = [model(cxr[i:j], ecg[i:j], labs[i:j]) for i, j in parts]
for m in batch_norms:
    m.momentum = 0.1
reps = [torch.cat([e[k] for e in encoded]).requires_grad_() for k in range(3)]
loss = symile_n_squared(*reps, model.logit_scale.exp())
loss.backward()
for (i, j) in parts:
    r = model(cxr[i:j], ecg[i:j], labs[i:j])
    sum((r[k] * reps[k].grad[i:j]).sum() for k in range(3)).backward()
opt.step()
np.save("mimic_cached_loss.npy", np.array([loss.item()]))
after = state(model)
torch.save({k: after[k] for k in AFTER}, "mimic_cached_state_after.pt")
print("loss", loss.item())
