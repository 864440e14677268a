#!/usr/bin/python3
"""Regenerates the network fixtures of symile-samediff's tests (needs torch and torchvision:
apt-get install python3-torch python3-torchvision; run here with /usr/bin/python3 make_nn_fixtures.py).

* resnet{18,50}_w8.pth: torchvision ResNet-18/50 (torchvision's own BasicBlock/Bottleneck and forward) with the
  base width cut from 64 to 8 channels so the weights stay small, random weights and non-trivial batch-norm
  statistics; resnet*_io.npz-like .npy files hold an input and the outputs of the pooled features in eval and
  train mode (and, for train mode, the updated running statistics of bn1).
* bert_layer.safetensors + config.json: the embeddings and encoder layer 0 of a tiny XLM-R-style model
  (vocab 20, hidden 8, 2 heads, intermediate 16), written in the safetensors format by hand; bert_io_*.npy: ids,
  mask and the layer output computed with plain torch operations (the Hugging Face formulas, dropout off).
The test suite never runs Python; it reads the committed outputs.
"""
import json
import math
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.models.resnet as tvr

torch.manual_seed(0)


class NarrowResNet(tvr.ResNet):
    """torchvision.models.ResNet with base width `base` instead of 64 (same blocks, same forward)."""

    def __init__(self, block, layers, base, in_channels=3):
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


def resnet_fixture(name, block, layers, in_channels, size):
    net = NarrowResNet(block, layers, 8, in_channels)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    torch.save(net.state_dict(), name + "_w8.pth")
    x = torch.randn(2, in_channels, size, size if in_channels == 3 else 12)
    # outputs in float64 from the float32 weights (exactly representable), so tests can compare tightly
    net = net.double()
    np.save(name + "_input.npy", x.numpy())
    x = x.double()
    net.eval()
    with torch.no_grad():
        out_eval = torch.flatten(net.avgpool(net.layer4(net.layer3(net.layer2(net.layer1(
            net.maxpool(net.relu(net.bn1(net.conv1(x))))))))), 1)
    net.train()
    out_train = net(x)
    np.save(name + "_eval.npy", out_eval.numpy())
    np.save(name + "_train.npy", out_train.detach().numpy())
    np.save(name + "_bn1_running_mean_after_train.npy", net.bn1.running_mean.numpy())
    np.save(name + "_bn1_running_var_after_train.npy", net.bn1.running_var.numpy())


resnet_fixture("resnet18", tvr.BasicBlock, [2, 2, 2, 2], 3, 32)
resnet_fixture("resnet50", tvr.Bottleneck, [3, 4, 6, 3], 3, 32)
resnet_fixture("resnet18_ecg", tvr.BasicBlock, [2, 2, 2, 2], 1, 64)

# ---- tiny XLM-R style embeddings + encoder layer 0
V, H, NH, I, P, EPS, PAD = 20, 8, 2, 16, 16, 1e-5, 1
w = {}


def param(name, *shape, std=0.2):
    w[name] = torch.randn(*shape) * std
    return w[name]


we = param("embeddings.word_embeddings.weight", V, H)
pe = param("embeddings.position_embeddings.weight", P, H)
te = param("embeddings.token_type_embeddings.weight", 1, H)
lng = 1 + param("embeddings.LayerNorm.weight", H, std=0.1)
w["embeddings.LayerNorm.weight"] = lng
lnb = param("embeddings.LayerNorm.bias", H, std=0.1)
L0 = "encoder.layer.0."
for n, (o, i) in {"attention.self.query": (H, H), "attention.self.key": (H, H), "attention.self.value": (H, H),
                  "attention.output.dense": (H, H), "intermediate.dense": (I, H), "output.dense": (H, I)}.items():
    param(L0 + n + ".weight", o, i)
    param(L0 + n + ".bias", o, std=0.1)
for n in ["attention.output.LayerNorm", "output.LayerNorm"]:
    w[L0 + n + ".weight"] = 1 + torch.randn(H) * 0.1
    w[L0 + n + ".bias"] = torch.randn(H) * 0.1

ids = torch.tensor([[0, 5, 7, 11, 2, 1, 1], [0, 19, 3, 2, 1, 1, 1]])
mask = (ids != PAD).long()
mask[:, 0] = 1
positions = torch.cumsum(mask, 1) * mask + PAD


def lin(x, n):
    return x @ w[L0 + n + ".weight"].T + w[L0 + n + ".bias"]


def ln(x, g, b):
    return F.layer_norm(x, (H,), g, b, EPS)


h = ln(we[ids] + pe[positions] + te[torch.zeros_like(ids)], lng, lnb)
B, L = ids.shape
add_mask = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
q = lin(h, "attention.self.query").view(B, L, NH, H // NH).transpose(1, 2)
k = lin(h, "attention.self.key").view(B, L, NH, H // NH).transpose(1, 2)
v = lin(h, "attention.self.value").view(B, L, NH, H // NH).transpose(1, 2)
probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(H // NH) + add_mask, dim=-1)
ctx = (probs @ v).transpose(1, 2).reshape(B, L, H)
h1 = ln(lin(ctx, "attention.output.dense") + h, w[L0 + "attention.output.LayerNorm.weight"],
        w[L0 + "attention.output.LayerNorm.bias"])
inter = F.gelu(lin(h1, "intermediate.dense"))
out = ln(lin(inter, "output.dense") + h1, w[L0 + "output.LayerNorm.weight"], w[L0 + "output.LayerNorm.bias"])

header, blobs, offset = {}, [], 0
for name, t in w.items():
    data = t.contiguous().float().numpy().tobytes()
    header["roberta." + name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
hj = json.dumps(header).encode()
hj += b" " * ((8 - len(hj) % 8) % 8)
with open("bert_layer.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(hj)) + hj + b"".join(blobs))
json.dump({"model_type": "xlm-roberta", "vocab_size": V, "hidden_size": H, "num_attention_heads": NH,
           "intermediate_size": I, "max_position_embeddings": P, "type_vocab_size": 1, "layer_norm_eps": EPS,
           "pad_token_id": PAD, "hidden_act": "gelu"}, open("bert_config.json", "w"), indent=1)
np.save("bert_ids.npy", ids.numpy())
np.save("bert_mask.npy", mask.numpy())
np.save("bert_out.npy", out.detach().numpy())
print("done")
