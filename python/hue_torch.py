#!/usr/bin/env python3
"""Load any hue checkpoint into PyTorch.

    import hue_torch
    model = hue_torch.load("run.ckpt")       # every network, weights loaded strictly, eval mode
    model.trunk                              # the first trunk: a HueResNet (torchvision's names)
    model.trunks                             # every trunk by its prefix in the file: "", "ab.", "momentum.", ...
    model.heads                              # every head by name: "projection", "decoder", "l", ...
    model.tensors                            # state that is no module: MoCo's "queue", CMC's "logit_scale"
    model.metadata                           # the file's metadata (strings; JSON ones as hue wrote them)
    feats = model.features(images)           # what `hue eval knn|linear` measures, from RGB bytes

A hue checkpoint is a safetensors file (an 8-byte little-endian header
length, a JSON header, the raw little-endian tensors) whose metadata names
its networks ("networks": each ResNet trunk and head with its prefix and
config; files from before it have one trunk, "architecture"). Every tensor
of the file is used and every parameter and batch-norm statistic of the
modules is filled (load_state_dict(strict=True)); only the optimizer's state
("optimizer.*") is left out. Needs torch only.

Modules, in hue's terms (ssl/hue_resnet.h, ssl/hue_heads.h):

- HueResNet: torchvision's ResNet-18/34 (BasicBlock) with hue's variants: a
  width multiplier (64 x width channels first), the CIFAR stem (3x3 stride-1
  conv, no max-pool) or the ImageNet one, 1, 2 or 3 input channels, the dense
  variant (layer3 and layer4 without stride, no dilation: feature stride 8),
  layers up to last_layer, then an optional 1x1 conv `proj` (the video
  encoder's embedding) or an `fc` classifier. forward(x) is the feature map
  hue computes (after proj when there is one); body(x) the last layer's map
  before proj; logits(x) the classifier.
- Head: a module whose only child is `layers`, an nn.Sequential laid out as
  hue_heads.h says (linear, mlp, mlp_plain, decoder, discriminator).
  Inputs: linear and MLP heads take pooled features [N, C] (the tiles MLP of
  patch and jigsaw the tiles' pooled features concatenated); a decoder takes
  a trunk's feature map; the discriminator takes images [N, 3, H, W].
- CPC's own networks: heads["context"] (CausalContext: two 3x3 convs with
  ReLU, each input padded with two zero rows above, so row i sees rows
  i-4..i) on the patch grid [N, C, G, G], and heads["predict"] (a ModuleList
  of 1x1 convs, W_k for step k+1).

Input scaling, as hue feeds its trunks (ssl/features.c, video/lab.c);
to_input() and features() do it from RGB bytes:

- "rgb" (3 channels): (v / 255 - mean) / std per channel, mean and std from
  the file's "representation" (CIFAR-10's 0.4914 0.4822 0.4465 and
  0.2470 0.2435 0.2616 for every image method hue has).
- "l" (1 channel): L / 50 - 1, "ab" (2 channels): a / 110 and b / 110, and
  "lab" (3 channels, a video encoder of train-video --input lab): the three,
  with CIE L*a*b* from sRGB (D65 white, IEC 61966-2-1 transfer curve); hue's
  fast conversion is within 0.001 of the exact one used here.
"""
import json
import math
import struct
import sys

import torch
from torch import nn
import torch.nn.functional as F

__all__ = ["load", "read_safetensors", "HueModel", "HueResNet", "Head", "CausalContext", "CheckpointError",
           "rgb_to_lab", "to_input"]

# CIFAR-10's mean and std: the input of a 3-channel trunk in a file that names no representation.
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)

_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
           "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
           "BOOL": torch.bool}

# Tensors of a method that are no module's: kept as plain tensors.
_PLAIN_TENSORS = ("queue", "logit_scale")


class CheckpointError(ValueError):
    """A file that is not a hue checkpoint this loader can build; the message names the file."""


def read_safetensors(path):
    """(tensors: dict name -> torch.Tensor, metadata: dict str -> str) of a safetensors file."""
    if sys.byteorder != "little":
        raise CheckpointError(f"{path}: reading safetensors on a big-endian machine is not supported")
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except OSError as e:
        raise CheckpointError(f"{path}: {e.strerror}") from None
    if len(blob) < 8:
        raise CheckpointError(f"{path}: {len(blob)} bytes, shorter than the 8-byte header length")
    n = struct.unpack("<Q", blob[:8])[0]
    if n > len(blob) - 8:
        raise CheckpointError(f"{path}: header of {n} bytes, but the file has {len(blob) - 8} after the length")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise CheckpointError(f"{path}: the header is not JSON ({e})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{path}: the header is not a JSON object")
    meta = header.pop("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise CheckpointError(f"{path}: '__metadata__' is not an object of strings")
    data = memoryview(blob)[8 + n:]
    tensors = {}
    for name, e in header.items():
        if not isinstance(e, dict) or e.get("dtype") not in _DTYPES:
            raise CheckpointError(f"{path}: tensor '{name}' has no dtype this loader reads")
        shape, offsets = e.get("shape"), e.get("data_offsets")
        if (not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape)
                or not isinstance(offsets, list) or len(offsets) != 2
                or not all(isinstance(o, int) for o in offsets)):
            raise CheckpointError(f"{path}: tensor '{name}' has a malformed shape or data_offsets")
        dtype = _DTYPES[e["dtype"]]
        begin, end = offsets
        size = math.prod(shape) * torch.empty(0, dtype=dtype).element_size()
        if not 0 <= begin <= end <= len(data) or end - begin != size:
            raise CheckpointError(f"{path}: tensor '{name}' lies outside the data or does not fit its shape {shape}")
        if size == 0:
            tensors[name] = torch.empty(shape, dtype=dtype)
        else:
            tensors[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype).reshape(shape)
    return tensors, meta


def _json(meta, key, path):
    try:
        return json.loads(meta[key])
    except (KeyError, ValueError):
        raise CheckpointError(f"{path}: no readable '{key}' in its metadata") from None


def _float32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


class BasicBlock(nn.Module):
    """torchvision's BasicBlock: conv-bn-relu-conv-bn plus the (downsampled) input, then relu."""

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        y = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(y + (x if self.downsample is None else self.downsample(x)))


class HueResNet(nn.Module):
    """A hue trunk from its architecture JSON (ssl/model_io.c); parameter names are torchvision's."""

    def __init__(self, arch):
        super().__init__()
        self.arch = dict(arch)
        depth = {"resnet18": 18, "resnet34": 34}.get(arch["arch"])
        if depth is None:
            raise ValueError(f"architecture '{arch['arch']}' is not one hue builds (resnet18, resnet34)")
        blocks = (2, 2, 2, 2) if depth == 18 else (3, 4, 6, 3)
        # hue rounds 64 x width (a float32) to the nearest channel count, at least 1
        base = max(1, math.floor(64 * _float32(arch["width"]) + 0.5))
        stem = arch["cifar_stem"]
        self.conv1 = nn.Conv2d(arch["in_channels"], base, 3 if stem else 7, 1 if stem else 2, 1 if stem else 3,
                               bias=False)
        self.bn1 = nn.BatchNorm2d(base)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = None if stem else nn.MaxPool2d(3, 2, 1)
        self.feature_stride = 1 if stem else 4
        self.last_layer = arch["last_layer"]
        inplanes = planes = base
        for layer in range(self.last_layer):
            stride = 1 if layer == 0 or (arch["dense"] and layer >= 2) else 2
            self.feature_stride *= stride
            mods = [BasicBlock(inplanes if b == 0 else planes, planes, stride if b == 0 else 1)
                    for b in range(blocks[layer])]
            setattr(self, f"layer{layer + 1}", nn.Sequential(*mods))
            inplanes = planes
            if layer + 1 < self.last_layer:
                planes *= 2
        self.body_channels = planes
        embed = arch.get("embed", 0)
        self.proj = nn.Conv2d(planes, embed, 1) if embed else None
        self.feature_channels = embed or planes
        self.fc = nn.Linear(self.feature_channels, arch["num_classes"]) if arch["num_classes"] else None

    def body(self, x):
        """The last layer's feature map (before proj): what a probe pools."""
        x = self.relu(self.bn1(self.conv1(x)))
        if self.maxpool is not None:
            x = self.maxpool(x)
        for layer in range(self.last_layer):
            x = getattr(self, f"layer{layer + 1}")(x)
        return x

    def forward(self, x):
        """hue's features: the last layer's map, through proj when the trunk has one."""
        y = self.body(x)
        return y if self.proj is None else self.proj(y)

    def logits(self, x):
        if self.fc is None:
            raise ValueError("this trunk has no classifier (num_classes 0)")
        return self.fc(self.forward(x).mean((2, 3)))


class Head(nn.Module):
    """A hue head (ssl/hue_heads.h): `layers`, an nn.Sequential, from its config JSON."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = dict(cfg)
        kind, c_in, hidden, out, n = cfg["kind"], cfg["in"], cfg["hidden"], cfg["out"], cfg["layers"]
        mods = []
        if kind == "linear":
            mods = [nn.Linear(c_in, out)]
        elif kind in ("mlp", "mlp_plain"):
            w = c_in
            for _ in range(n - 1):
                if kind == "mlp":
                    mods += [nn.Linear(w, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True)]
                else:
                    mods += [nn.Linear(w, hidden), nn.ReLU(inplace=True)]
                w = hidden
            mods.append(nn.Linear(w, out))
        elif kind == "decoder":
            c = c_in
            for i in range(n):
                mods += [nn.ConvTranspose2d(c, hidden >> i, 4, 2, 1, bias=False), nn.BatchNorm2d(hidden >> i),
                         nn.ReLU(inplace=True)]
                c = hidden >> i
            mods.append(nn.Conv2d(c, out, 3, 1, 1))
        elif kind == "discriminator":
            mods = [nn.Conv2d(c_in, hidden, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True)]
            for i in range(1, n):
                mods += [nn.Conv2d(hidden << (i - 1), hidden << i, 4, 2, 1, bias=False), nn.BatchNorm2d(hidden << i),
                         nn.LeakyReLU(0.2, inplace=True)]
            mods += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(hidden << (n - 1), 1)]
        else:
            raise ValueError(f"head kind '{kind}' is not one hue builds")
        self.layers = nn.Sequential(*mods)

    def forward(self, x):
        return self.layers(x)


class CausalContext(nn.Module):
    """CPC's context network (ssl/method_cpc.c) on the patch grid [N, C, G, G]."""

    def __init__(self, channels, n_layers):
        super().__init__()
        mods = []
        for _ in range(n_layers):
            mods += [nn.Conv2d(channels, channels, 3), nn.ReLU(inplace=True)]
        self.layers = nn.Sequential(*mods)

    def forward(self, x):
        for m in self.layers:
            # two zero rows above, one column each side: row i sees rows i-2..i of its input
            x = m(F.pad(x, (1, 1, 2, 0)) if isinstance(m, nn.Conv2d) else x)
        return x


def rgb_to_lab(rgb):
    """CIE L*a*b* (D65) of sRGB values in [0, 1], [N, 3, H, W] -> [N, 3, H, W] (float64 inside)."""
    c = rgb.double()
    lin = torch.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    m = torch.tensor([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                      [0.0193339, 0.1191920, 0.9503041]], dtype=torch.float64, device=c.device)
    white = torch.tensor([0.95047, 1.0, 1.08883], dtype=torch.float64, device=c.device)
    t = torch.einsum("ij,njhw->nihw", m, lin) / white.view(1, 3, 1, 1)
    d = 6.0 / 29.0
    f = torch.where(t > d ** 3, t.clamp(min=0) ** (1.0 / 3.0), t / (3 * d * d) + 4.0 / 29.0)
    L = 116 * f[:, 1] - 16
    return torch.stack((L, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])), 1)


def to_input(images, kind, mean=CIFAR_MEAN, std=CIFAR_STD):
    """A trunk's input from RGB images [N, 3, H, W] with values 0..255 (uint8 or float):
    kind "rgb" -> (v/255 - mean)/std, "l" -> L/50 - 1, "ab" -> a/110, b/110, "lab" -> L/50 - 1,
    a/110, b/110. Float32."""
    if images.dim() != 4 or images.shape[1] != 3:
        raise ValueError(f"images must be [N, 3, H, W] RGB, not {list(images.shape)}")
    x = images.float()
    if kind == "rgb":
        m = torch.tensor(mean, dtype=torch.float32, device=x.device).view(1, 3, 1, 1)
        s = torch.tensor(std, dtype=torch.float32, device=x.device).view(1, 3, 1, 1)
        return (x / 255 - m) / s
    lab = rgb_to_lab(x.double() / 255)
    if kind == "l":
        return (lab[:, :1] / 50 - 1).float()
    if kind == "ab":
        return (lab[:, 1:] / 110).float()
    if kind == "lab":
        return torch.cat((lab[:, :1] / 50 - 1, lab[:, 1:] / 110), 1).float()
    raise ValueError(f"input kind '{kind}' is not rgb, l, ab or lab")


def _input_of(ref):
    return {"kind": ref["input"], "mean": tuple(ref.get("mean", CIFAR_MEAN)), "std": tuple(ref.get("std", CIFAR_STD))}


def _default_input(in_channels):
    return {"kind": {3: "rgb", 1: "l", 2: "ab"}[in_channels], "mean": CIFAR_MEAN, "std": CIFAR_STD}


class HueModel(nn.Module):
    """Every network of one hue checkpoint (build it with load())."""

    def __init__(self, path, tensors, metadata):
        super().__init__()
        self.path, self.metadata = path, metadata
        if "networks" in metadata:
            networks = _json(metadata, "networks", path)
        else:  # files from before the trainer: one trunk
            networks = [{"prefix": "", "resnet": _json(metadata, "architecture", path)}]
        if not isinstance(networks, list) or not networks:
            raise CheckpointError(f"{path}: its 'networks' is not a list of networks")
        self.trunks, self.heads, self.tensors, self.inputs = {}, {}, {}, {}
        self.prefixes = {}  # module -> its prefix in the file
        for net in networks:
            prefix = net.get("prefix") if isinstance(net, dict) else None
            if not isinstance(prefix, str) or ("resnet" in net) == ("head" in net):
                raise CheckpointError(f"{path}: a network of its 'networks' has no prefix, or not one of resnet/head")
            try:
                if "resnet" in net:
                    module = self.trunks[prefix] = HueResNet(net["resnet"])
                else:
                    module = self.heads[_head_name(prefix)] = Head(net["head"])
            except (KeyError, TypeError, ValueError) as e:
                raise CheckpointError(f"{path}: network '{prefix}' is not one hue_torch builds: {e!r}") from None
            self.prefixes[module] = prefix
        self._add_cpc(tensors)
        if "" not in self.trunks:
            raise CheckpointError(f"{path}: no trunk under the prefix '' (torchvision's names)")
        self.trunk = self.trunks[""]
        self._load(tensors)
        self._read_representation()
        self.networks = nn.ModuleDict({(p.rstrip(".").replace(".", "_") or "trunk"): m
                                       for m, p in self.prefixes.items()})
        self.eval()

    def _add_cpc(self, tensors):
        """CPC's context and prediction networks are saved by name, not in 'networks'."""
        ctx = sorted(int(n.split(".")[3]) for n in tensors if n.startswith("heads.context.layers.") and
                     n.endswith(".weight"))
        if ctx:
            channels = tensors[f"heads.context.layers.{ctx[0]}.weight"].shape[0]
            self.heads["context"] = CausalContext(channels, len(ctx))
            self.prefixes[self.heads["context"]] = "heads.context."
        steps = [n for n in tensors if n.startswith("heads.predict.")]
        if steps:
            w = tensors["heads.predict.0.weight"] if "heads.predict.0.weight" in tensors else None
            if w is None or w.dim() != 4:
                raise CheckpointError(f"{self.path}: CPC's predictions have no 4-d 'heads.predict.0.weight'")
            self.heads["predict"] = nn.ModuleList(nn.Conv2d(w.shape[1], w.shape[0], 1, bias=False)
                                                  for _ in steps)
            self.prefixes[self.heads["predict"]] = "heads.predict."

    def _load(self, tensors):
        """Every tensor but the optimizer's into exactly one module (the longest prefix), strictly."""
        parts = {p: {} for p in self.prefixes.values()}
        by_length = sorted(parts, key=len, reverse=True)
        for name, t in tensors.items():
            if name.startswith("optimizer."):
                continue
            if name in _PLAIN_TENSORS:
                self.tensors[name] = t
                continue
            prefix = next(p for p in by_length if name.startswith(p))  # "" matches every name
            parts[prefix][name[len(prefix):]] = t
        for module, prefix in self.prefixes.items():
            # torch's own message spans lines: name the first problem in one
            own, file = module.state_dict(), parts[prefix]
            what = f"network '{prefix}'" if prefix else "the trunk (prefix '')"
            missing = [prefix + k for k in own if k not in file]
            if missing:
                raise CheckpointError(f"{self.path}: {what} needs '{missing[0]}', which the file lacks"
                                      f"{f' (and {len(missing) - 1} more)' if len(missing) > 1 else ''}")
            extra = [prefix + k for k in file if k not in own]
            if extra:
                raise CheckpointError(f"{self.path}: tensor '{extra[0]}' belongs to no network of the file's metadata")
            for k, t in file.items():
                if list(t.shape) != list(own[k].shape):
                    raise CheckpointError(f"{self.path}: tensor '{prefix}{k}' is {list(t.shape)}, but {what} "
                                          f"built from the metadata needs {list(own[k].shape)}")
            module.load_state_dict(file, strict=True)

    def _read_representation(self):
        if "representation" in self.metadata:
            refs = _json(self.metadata, "representation", self.path)
        else:
            refs = [{"prefix": "", "input": _default_input(self.trunk.arch["in_channels"])["kind"]}]
        if not isinstance(refs, list) or not all(isinstance(r, dict) and r.get("input") in ("rgb", "l", "ab", "lab")
                                                  for r in refs):
            raise CheckpointError(f"{self.path}: its 'representation' is not a list of trunks with inputs")
        self.representation = [r.get("prefix") for r in refs]
        for r in refs:
            if r.get("prefix") not in self.trunks:
                raise CheckpointError(f"{self.path}: its 'representation' names the trunk '{r['prefix']}', "
                                      "which it does not hold")
            self.inputs[r["prefix"]] = _input_of(r)
        for prefix, trunk in self.trunks.items():
            if prefix not in self.inputs:  # a key encoder: the input of the trunk it follows
                same = self.inputs.get("")
                self.inputs[prefix] = (same if same and trunk.arch["in_channels"] == self.trunk.arch["in_channels"]
                                       else _default_input(trunk.arch["in_channels"]))

    @property
    def method(self):
        return self.metadata.get("method", "")

    def to_input(self, images, prefix=""):
        """Trunk `prefix`'s input from RGB images [N, 3, H, W] (values 0..255), as hue scales it."""
        i = self.inputs[prefix]
        return to_input(images, i["kind"], i["mean"], i["std"])

    def features(self, images):
        """The representation hue's probes measure: each representation trunk's last layer (before
        proj or fc), globally average-pooled, concatenated in order; images RGB [N, 3, H, W], 0..255."""
        return torch.cat([self.trunks[p].body(self.to_input(images, p)).mean((2, 3)) for p in self.representation], 1)


def _head_name(prefix):
    name = prefix[len("heads."):] if prefix.startswith("heads.") else prefix
    return name.rstrip(".")


def load(path, map_location=None):
    """The HueModel of the checkpoint at path, in eval mode, on map_location (a device) when given."""
    tensors, meta = read_safetensors(path)
    model = HueModel(path, tensors, meta)
    return model.to(map_location) if map_location is not None else model


def _describe(model):
    def count(m):
        return sum(p.numel() for p in m.parameters())

    lines = [f"{model.path}: method {model.method or '(none)'}, step {model.metadata.get('step', '?')}"]
    for prefix, t in model.trunks.items():
        a = t.arch
        extra = (f", proj to {a['embed']}" if a.get("embed") else "") + \
                (f", fc to {a['num_classes']} classes" if a["num_classes"] else "")
        i = model.inputs[prefix]
        scale = {"rgb": f"rgb (v/255 - mean {[round(v, 4) for v in i['mean']]}) / std "
                          f"{[round(v, 4) for v in i['std']]}", "l": "l (L/50 - 1)",
                 "ab": "ab (a/110, b/110)", "lab": "lab (L/50 - 1, a/110, b/110)"}[i["kind"]]
        with torch.no_grad():
            y = t(torch.zeros(1, a["in_channels"], 64, 64))
        lines.append(f"  trunk '{prefix}': {a['arch']} width {a['width']:g}, {'CIFAR' if a['cifar_stem'] else 'ImageNet'}"
                     f" stem, {'dense stride 8' if a['dense'] else f'stride {t.feature_stride}'}, layer1..layer"
                     f"{a['last_layer']}{extra}; input {scale}; {count(t)} parameters; 64x64 -> {list(y.shape)}")
    for name, h in model.heads.items():
        desc = json.dumps(h.cfg) if isinstance(h, Head) else type(h).__name__
        lines.append(f"  head '{name}': {desc}; {count(h)} parameters")
    for name, t in model.tensors.items():
        lines.append(f"  tensor '{name}': {list(t.shape)}")
    dim = sum(model.trunks[p].body_channels for p in model.representation)
    lines.append(f"  features(): {dim} values per image from trunks {model.representation}")
    return "\n".join(lines)


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        if len(argv) == 2 and argv[1] in ("-h", "--help"):
            print("usage: hue_torch.py CKPT\n\nBuilds the PyTorch modules of a hue checkpoint, loads every tensor "
                  "strictly, and prints what it built.")
            return 0
        print("usage: hue_torch.py CKPT", file=sys.stderr)
        return 2
    try:
        print(_describe(load(argv[1])))
    except CheckpointError as e:
        print(f"hue_torch: {e}", file=sys.stderr)
        return 1
    except (ValueError, KeyError, TypeError, RuntimeError) as e:  # metadata hue_torch does not understand
        print(f"hue_torch: {argv[1]}: not a checkpoint hue_torch can build ({type(e).__name__}: {e})",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
