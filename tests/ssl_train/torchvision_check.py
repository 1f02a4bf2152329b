"""A hue ResNet checkpoint in torchvision.

Reads the safetensors file with json + struct only, splits off the
"optimizer." entries, builds the torchvision model its "architecture"
metadata names (torchvision.models.resnet18/34(num_classes=...); for a
width multiplier, the CIFAR stem or the dense variant, torchvision's own
layers rebuilt with those widths and strides, names unchanged), loads the
rest with load_state_dict(strict=True), runs it in eval mode on the input
resnet_tool uses (x[i] = 1.5 sin(0.7 i)) and compares with the logits hue
wrote. With --expect-optimizer, the checkpoint must also hold a momentum
buffer for every parameter.

usage: torchvision_check.py CKPT,HUE_LOGITS,SIZE,BATCH[,optimizer] ...
(one checkpoint per argument; "optimizer" asks for the momentum buffers).
Prints the largest difference of each; exit 0 when every one is within
1e-4 of max(|logit|, 1).
"""
import json
import math
import struct
import sys

import torch
import torchvision
from torchvision.models.resnet import BasicBlock

DTYPES = {"F32": (torch.float32, 4), "F64": (torch.float64, 8), "I64": (torch.int64, 8)}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    tensors = {}
    for name, d in header.items():
        dtype, size = DTYPES[d["dtype"]]
        begin, end = d["data_offsets"]
        count = math.prod(d["shape"])
        assert end - begin == count * size, name
        buf = bytearray(raw[base + begin : base + end])
        t = torch.frombuffer(buf, dtype=dtype) if count else torch.zeros(0, dtype=dtype)
        tensors[name] = t.reshape(d["shape"]).clone()
    return tensors, meta


def build(arch):
    depth = int(arch["arch"][len("resnet") :])
    make = {18: torchvision.models.resnet18, 34: torchvision.models.resnet34}[depth]
    blocks = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3]}[depth]
    model = make(num_classes=arch["num_classes"])
    width, cifar, dense, cin = arch["width"], arch["cifar_stem"], arch["dense"], arch["in_channels"]
    if width != 1 or cifar or dense or cin != 3:
        base = max(1, int(math.floor(64 * width + 0.5)))
        if cifar:
            model.conv1 = torch.nn.Conv2d(cin, base, 3, 1, 1, bias=False)
            model.maxpool = torch.nn.Identity()
        else:
            model.conv1 = torch.nn.Conv2d(cin, base, 7, 2, 3, bias=False)
        model.bn1 = torch.nn.BatchNorm2d(base)
        model.inplanes = base
        for i in range(4):
            stride = 1 if i == 0 or (dense and i >= 2) else 2
            setattr(model, "layer%d" % (i + 1), model._make_layer(BasicBlock, base << i, blocks[i], stride=stride))
        model.fc = torch.nn.Linear(base * 8, arch["num_classes"])
    return model


def check(ckpt, logits_path, size, batch, expect_opt):
    tensors, meta = read_safetensors(ckpt)
    arch = json.loads(meta["architecture"])
    model_sd = {k: v for k, v in tensors.items() if not k.startswith("optimizer.")}
    opt_sd = {k: v for k, v in tensors.items() if k.startswith("optimizer.")}
    model = build(arch)
    try:
        model.load_state_dict(model_sd, strict=True)
    except RuntimeError as e:  # any missing, unexpected or mis-shaped tensor
        print("FAIL: %s: load_state_dict(strict=True): %s" % (ckpt, e))
        return 1
    failures = 0
    if expect_opt:
        params = dict(model.named_parameters())
        want = {"optimizer.%s.momentum_buffer" % k for k in params}
        if set(opt_sd) != want:
            print("FAIL: optimizer entries differ from one momentum buffer per parameter:",
                  sorted(set(opt_sd) ^ want)[:5])
            failures += 1
        for k, p in params.items():
            b = opt_sd.get("optimizer.%s.momentum_buffer" % k)
            if b is not None and b.shape != p.shape:
                print("FAIL: %s has shape %s, its parameter %s" % (k, tuple(b.shape), tuple(p.shape)))
                failures += 1
    model.eval()
    cin = arch["in_channels"]
    n = batch * cin * size * size
    x = torch.tensor([1.5 * math.sin(0.7 * i) for i in range(n)], dtype=torch.float64).float()
    with torch.no_grad():
        ref = model(x.reshape(batch, cin, size, size)).flatten()
    with open(logits_path) as f:
        got = torch.tensor([float(v) for v in f.read().split()])
    if got.numel() != ref.numel():
        print("FAIL: hue wrote %d logits, torchvision gives %d" % (got.numel(), ref.numel()))
        return 1
    diff = (got - ref).abs().max().item()
    scale = max(ref.abs().max().item(), 1.0)
    print("%s: %s width %g %s stem%s, %d classes: %d tensors loaded strictly (%d optimizer entries split off); "
          "max |hue - torchvision| = %.3g (logits up to %.3g)"
          % (ckpt.split("/")[-1], arch["arch"], arch["width"], "CIFAR" if arch["cifar_stem"] else "ImageNet",
             ", dense" if arch["dense"] else "", arch["num_classes"], len(model_sd), len(opt_sd), diff, scale))
    if not diff <= 1e-4 * scale:
        print("FAIL: logits differ by %.3g (bound %.3g)" % (diff, 1e-4 * scale))
        failures += 1
    return 1 if failures else 0


def main():
    failures = 0
    for arg in sys.argv[1:]:
        f = arg.split(",")
        failures += check(f[0], f[1], int(f[2]), int(f[3]), f[4:] == ["optimizer"])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
