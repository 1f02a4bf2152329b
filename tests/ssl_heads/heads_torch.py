"""hue's heads against the PyTorch modules hue_heads.h describes.

For each head below and each backend (HUE_BACKEND=cpu and vulkan), runs
heads_tool, which writes the head's tensors, its inputs and what hue
computed (see heads_tool.c), then:
  - builds the torch module (a module whose child `layers` is the
    torch.nn.Sequential of hue_heads.h's table) and loads hue's tensors with
    load_state_dict(strict=True) after stripping the prefix (plus each batch
    norm's num_batches_tracked, which hue does not keep): names and shapes
    must match exactly;
  - hue's initialisation: every weight and bias within PyTorch's bound
    (kaiming_uniform_(a=sqrt(5)) on the fan-in torch computes for that
    layer, bias 1/sqrt(fan_in)) and reaching near it; batch norm 1, 0, 0, 1;
  - eval mode on x_a: outputs within 1e-5 of max(|output|, 1);
  - training mode, the module called on x_a then x_b (as hue builds the head
    and applies it again): both outputs (same bound), every parameter's
    gradient of sum(out_a r_a) + sum(out_b r_b) (within 1e-4 of that
    gradient's largest value) and the running statistics after both calls
    (within 1e-6 of max(|value|, 1)).
torch computes in float64, so the differences are hue's fp32 error (about
1e-7 of the outputs, 1e-6 of the gradients when this was written).

usage: heads_torch.py HEADS_TOOL. Exit 77 (skipped) where torch is missing.
"""
import json
import math
import os
import struct
import subprocess
import sys
import tempfile

try:
    import torch
    from torch import nn
except ImportError:
    print("skipped: torch is not importable (Debian: python3-torch)")
    sys.exit(77)

torch.set_num_threads(1)
PREFIX = "heads.test."
CASES = [  # config, N, H, W
    ({"kind": "linear", "in": 20, "hidden": 0, "out": 7, "layers": 1}, 5, 0, 0),
    ({"kind": "mlp", "in": 24, "hidden": 32, "out": 8, "layers": 3}, 6, 0, 0),
    ({"kind": "mlp_plain", "in": 24, "hidden": 32, "out": 8, "layers": 3}, 6, 0, 0),
    ({"kind": "decoder", "in": 16, "hidden": 16, "out": 3, "layers": 2}, 2, 4, 5),
    ({"kind": "discriminator", "in": 3, "hidden": 8, "out": 1, "layers": 3}, 3, 16, 12),
]
failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL:", msg)


def read_safetensors(path):
    """Our own reader: 8-byte header length, JSON header, raw F32 data."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, d in header.items():
        assert d["dtype"] == "F32", name
        begin, end = d["data_offsets"]
        buf = bytearray(raw[8 + n + begin : 8 + n + end])
        t = torch.frombuffer(buf, dtype=torch.float32) if end > begin else torch.zeros(0)
        tensors[name] = t.reshape(d["shape"]).clone()
    return tensors, meta


class Head(nn.Module):
    """The module of hue_heads.h's table for a config."""

    def __init__(self, c):
        super().__init__()
        k, cin, hid, out, n = c["kind"], c["in"], c["hidden"], c["out"], c["layers"]
        m = []
        if k == "linear":
            m = [nn.Linear(cin, out)]
        elif k == "mlp":
            w = cin
            for _ in range(n - 1):
                m += [nn.Linear(w, hid, bias=False), nn.BatchNorm1d(hid), nn.ReLU()]
                w = hid
            m.append(nn.Linear(w, out))
        elif k == "mlp_plain":
            w = cin
            for _ in range(n - 1):
                m += [nn.Linear(w, hid), nn.ReLU()]
                w = hid
            m.append(nn.Linear(w, out))
        elif k == "decoder":
            ch = cin
            for i in range(n):
                m += [nn.ConvTranspose2d(ch, hid >> i, 4, 2, 1, bias=False), nn.BatchNorm2d(hid >> i), nn.ReLU()]
                ch = hid >> i
            m.append(nn.Conv2d(ch, out, 3, 1, 1))
        elif k == "discriminator":
            m = [nn.Conv2d(cin, hid, 4, 2, 1), nn.LeakyReLU(0.2)]
            for i in range(1, n):
                m += [nn.Conv2d(hid << (i - 1), hid << i, 4, 2, 1, bias=False), nn.BatchNorm2d(hid << i),
                      nn.LeakyReLU(0.2)]
            m += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(hid << (n - 1), 1)]
        self.layers = nn.Sequential(*m)

    def forward(self, x):
        return self.layers(x)


def rel(got, want, scale):
    return float((got.double() - want.double()).abs().max()) / scale


def check_init(model, t, tag):
    """hue's init against the bounds torch's reset_parameters uses."""
    worst = 0.0
    for mname, mod in model.layers.named_children():
        key = "init.%slayers.%s." % (PREFIX, mname)
        if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
            for leaf, v in (("weight", 1), ("bias", 0), ("running_mean", 0), ("running_var", 1)):
                if not torch.equal(t[key + leaf], torch.full_like(t[key + leaf], v)):
                    fail("%s: %s%s is not all %g" % (tag, key, leaf, v))
            continue
        if not hasattr(mod, "weight"):
            continue
        fan_in, _ = nn.init._calculate_fan_in_and_fan_out(mod.weight)
        gain = nn.init.calculate_gain("leaky_relu", math.sqrt(5))
        bound = math.sqrt(3.0) * gain / math.sqrt(fan_in)
        for leaf in ("weight", "bias"):
            if getattr(mod, leaf, None) is None:
                continue
            v = t[key + leaf]
            top = float(v.abs().max())
            reach = 0.9 if v.numel() >= 50 else 0.3
            worst = max(worst, top / bound)
            if not (top <= bound * (1 + 1e-6) and top >= reach * bound):
                fail("%s: %s%s reaches %.4g, PyTorch's bound is %.4g (fan_in %d)" % (tag, key, leaf, top, bound,
                                                                                    fan_in))
    return worst


def check(tool, cfg, n, h, w, backend, tmp):
    tag = "%s/%s" % (cfg["kind"], backend)
    path = os.path.join(tmp, "%s-%s.safetensors" % (cfg["kind"], backend))
    env = dict(os.environ, HUE_BACKEND=backend)
    r = subprocess.run([tool, json.dumps(cfg), str(n), str(h), str(w), "5", path], env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail("%s: heads_tool: %s" % (tag, r.stderr.strip()))
        return
    t, meta = read_safetensors(path)
    if meta.get("backend") != backend or json.loads(meta["config"]) != cfg:
        fail("%s: metadata %s" % (tag, meta))
    model = Head(cfg)
    sd = {k[len(PREFIX):]: v for k, v in t.items() if k.startswith(PREFIX)}
    for k in model.state_dict():
        if k.endswith("num_batches_tracked"):
            sd[k] = torch.tensor(0)
    try:
        model.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        fail("%s: load_state_dict(strict=True): %s" % (tag, e))
        return
    init_reach = check_init(model, t, tag)
    model = model.double()
    xa, xb, ra, rb = (t[k].double() for k in ("x_a", "x_b", "r_a", "r_b"))

    model.eval()
    with torch.no_grad():
        ref = model(xa)
    scale = max(float(ref.abs().max()), 1.0)
    d_eval = rel(t["eval.out"], ref, scale)
    if tuple(t["eval.out"].shape) != tuple(ref.shape) or not d_eval <= 1e-5:
        fail("%s: eval output %s vs torch %s, max difference %.3g of %.3g" % (tag, tuple(t["eval.out"].shape),
                                                                            tuple(ref.shape), d_eval * scale, scale))

    model.train()
    ya, yb = model(xa), model(xb)
    ((ya * ra).sum() + (yb * rb).sum()).backward()
    d_train = 0.0
    for got, want in ((t["train.out_a"], ya), (t["train.out_b"], yb)):
        s = max(float(want.abs().max()), 1.0)
        d = rel(got, want.detach(), s)
        d_train = max(d_train, d)
        if not d <= 1e-5:
            fail("%s: training output differs by %.3g of %.3g" % (tag, d * s, s))
    d_grad = 0.0
    for k, p in model.named_parameters():
        s = float(p.grad.abs().max())
        d = rel(t["grad." + PREFIX + k], p.grad, max(s, 1e-12))
        d_grad = max(d_grad, d)
        if not d <= 1e-4:
            fail("%s: gradient of %s differs by %.3g of %.3g" % (tag, k, d * s, s))
    d_stats = 0.0
    for k, b in model.named_buffers():
        if k.endswith("num_batches_tracked"):
            continue
        s = max(float(b.abs().max()), 1.0)
        d = rel(t["after." + PREFIX + k], b, s)
        d_stats = max(d_stats, d)
        if not d <= 1e-6:
            fail("%s: %s after two training calls differs by %.3g" % (tag, k, d * s))
    print("%-22s %2d tensors loaded strictly, init reaches %.3f of the bound; relative max |hue - torch|: "
          "eval %.2g, train %.2g, gradients %.2g, running stats %.2g"
          % (tag, len(sd), init_reach, d_eval, d_train, d_grad, d_stats))


def main():
    tool = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="hue-heads-") as tmp:
        for backend in ("cpu", "vulkan"):
            for cfg, n, h, w in CASES:
                check(tool, cfg, n, h, w, backend, tmp)
    print("%d failures" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
