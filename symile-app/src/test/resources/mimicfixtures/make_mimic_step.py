#!/usr/bin/python3
"""Regenerates the Symile-MIMIC training-step fixture of symile-app's tests (needs torch and torchvision:
apt-get install python3-torch python3-torchvision; run here with /usr/bin/python3 make_mimic_step.py).

A small copy of upstream's Symile-MIMIC model in float64: torchvision's ResNet-50 (Bottleneck blocks) on a
3x32x32 "CXR" and ResNet-18 (BasicBlock) with a one-channel conv1 on a 1x64x12 "ECG", both with the base width cut
from 64 to 8 and their fc replaced by Linear(features, d) + LayerNorm(d); the labs MLP Linear(100, 256), GELU,
Linear(256, 1024), GELU, Linear(1024, d), LayerNorm(d); d = 16; the learned log-scale; the Symile loss with O(N^2)
negatives (upstream's losses.py); one torch.optim.AdamW step (lr 1e-3, weight decay 0.1) on a batch of 6.

Writes mimic_state_before.pt (the whole state dict: parameters and batch-norm statistics under the names cxr.*,
ecg.*, labs.* and logit_scale, float32 values, exactly representable), mimic_state_after.pt (a subset of the
tensors after the step, which every kind of parameter and statistic appears in), mimic_{cxr,ecg,labs}.npy (the
batch) and mimic_loss.npy (the loss of the step). The test suite never runs Python; it reads the committed outputs.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.models.resnet as tvr

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
D = 16
B = 6


class NarrowResNet(tvr.ResNet):
    """torchvision.models.ResNet with base width `base` instead of 64 (same blocks, same forward), fc removed."""

    def __init__(self, block, layers, base, in_channels):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes = base
        self.dilation = 1
        self.groups = 1
        self.base_width = 64
        self.conv1 = nn.Conv2d(in_channels, base, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(base)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, base, layers[0])
        self.layer2 = self._make_layer(block, base * 2, layers[1], stride=2)
        self.layer3 = self._make_layer(block, base * 4, layers[2], stride=2)
        self.layer4 = self._make_layer(block, base * 8, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Identity()


class Mimic(nn.Module):
    def __init__(self):
        super().__init__()
        self.cxr = NarrowResNet(tvr.Bottleneck, [3, 4, 6, 3], 8, 3)
        self.cxr.fc = nn.Linear(256, D)
        self.cxr.ln = nn.LayerNorm(D)
        self.ecg = NarrowResNet(tvr.BasicBlock, [2, 2, 2, 2], 8, 1)
        self.ecg.fc = nn.Linear(64, D)
        self.ecg.ln = nn.LayerNorm(D)
        self.labs = nn.Module()
        self.labs.fc1 = nn.Linear(100, 256)
        self.labs.fc2 = nn.Linear(256, 1024)
        self.labs.fc = nn.Linear(1024, D)
        self.labs.ln = nn.LayerNorm(D)
        self.logit_scale = nn.Parameter(torch.tensor(-1.0))

    def forward(self, cxr, ecg, labs):
        r_c = self.cxr.ln(self.cxr(cxr))
        r_e = self.ecg.ln(self.ecg(ecg))
        h = F.gelu(self.labs.fc2(F.gelu(self.labs.fc1(labs))))
        r_l = self.labs.ln(self.labs.fc(h))
        return r_c, r_e, r_l


def symile_n_squared(r_a, r_b, r_c, s):
    def anchor(x, y, z):
        b = x.shape[0]
        y_z = torch.cat([y * torch.roll(z, k, dims=0) for k in range(b)], dim=0)
        return F.cross_entropy(s * (x @ y_z.T), torch.arange(b))
    return (anchor(r_a, r_b, r_c) + anchor(r_b, r_a, r_c) + anchor(r_c, r_a, r_b)) / 3


def state(mod):
    return {k: v.detach().clone() for k, v in mod.state_dict().items() if not k.endswith("num_batches_tracked")}


AFTER = ["cxr.conv1.weight", "cxr.bn1.weight", "cxr.bn1.bias", "cxr.bn1.running_mean", "cxr.bn1.running_var",
         "cxr.layer1.0.downsample.0.weight", "cxr.layer1.0.downsample.1.running_var", "cxr.layer2.0.conv2.weight",
         "cxr.layer4.2.conv3.weight", "cxr.layer4.2.bn3.weight", "cxr.layer4.2.bn3.running_mean", "cxr.fc.weight",
         "cxr.fc.bias", "cxr.ln.weight", "cxr.ln.bias", "ecg.conv1.weight", "ecg.bn1.running_var",
         "ecg.layer3.0.conv1.weight", "ecg.layer4.1.bn2.bias", "ecg.fc.weight", "ecg.ln.bias", "labs.fc1.weight",
         "labs.fc1.bias", "labs.fc2.bias", "labs.fc.bias", "labs.ln.weight", "logit_scale"]


def main():
    model = Mimic()
    with torch.no_grad():
        # non-trivial batch-norm parameters and statistics, so every part of the update is exercised
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
            if isinstance(m, nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)

    with torch.no_grad():
        for v in model.state_dict().values():
            if v.is_floating_point():
                v.copy_(v.float().double())  # float32-representable start, so the fixture can be stored in float32
    torch.save({k: v.float() for k, v in state(model).items()}, "mimic_state_before.pt")
    cxr = torch.randn(B, 3, 32, 32).float().double()
    ecg = torch.randn(B, 1, 64, 12).float().double()
    labs = torch.rand(B, 100).float().double()
    np.save("mimic_cxr.npy", cxr.numpy())
    np.save("mimic_ecg.npy", ecg.numpy())
    np.save("mimic_labs.npy", labs.numpy())
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    loss = symile_n_squared(*model(cxr, ecg, labs), model.logit_scale.exp())
    opt.zero_grad()
    loss.backward()
    opt.step()
    np.save("mimic_loss.npy", np.array([loss.item()]))
    after = state(model)
    torch.save({k: after[k] for k in AFTER}, "mimic_state_after.pt")
    print("loss", loss.item())


if __name__ == "__main__":
    main()
