"""Cross-check hue's safetensors files with an independent reader and writer.

1. Python writes a file with json + struct (pretty header, keys in another
   order, F32/F64/F16/BF16/I64, metadata last); hue reads it (ckpt_tool dump)
   and must see the same names, shapes and values, bit for bit.
2. hue writes a checkpoint (ckpt_tool write); Python parses it with json +
   struct only and checks the layout and every value; then, where torch is
   importable, builds tensors from the bytes and loads them with
   load_state_dict(strict=True) into a module named like torchvision's ResNet.

usage: ckpt_python.py CKPT_TOOL SCRATCH_DIR
"""
import json
import math
import os
import struct
import subprocess
import sys

tool, scratch = sys.argv[1], sys.argv[2]
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


def f32_bits(x):
    # As C's (float) cast: round to nearest, overflow to infinity.
    try:
        return struct.unpack("<I", struct.pack("<f", x))[0]
    except OverflowError:
        return 0xFF800000 if x < 0 else 0x7F800000


def value(t, i):
    # Mirrors value() in ckpt_tool.c; exact in float32.
    return ((i * 37 % 101) - 50) / 8.0 + t * 0.25


# ---- 1. Python writes, hue reads ----
tensors = {
    "f": ("F32", [2, 2], b"".join(struct.pack("<f", v) for v in [1.5, -2.0, 1e-45, 3.0e38])),
    "d": ("F64", [3], b"".join(struct.pack("<d", v) for v in [0.1, -1e300, 2.5])),
    "h": ("F16", [2], b"".join(struct.pack("<e", v) for v in [0.333, -65504.0])),
    "b": ("BF16", [2], struct.pack("<HH", 0x3F80, 0xC2F7)),
    "n": ("I64", [], struct.pack("<q", -(2**62))),
    "empty": ("F32", [0, 5], b""),
}
# Data in an order unlike the header's, to show offsets are honoured.
header, data = {}, b""
for name in ["n", "h", "empty", "b", "f", "d"]:
    dtype, shape, raw = tensors[name]
    header[name] = {"shape": shape, "data_offsets": [len(data), len(data) + len(raw)], "dtype": dtype}
    data += raw
header["__metadata__"] = {"format": "pt", "epoch": "3", "rng": json.dumps({"seed": 7, "s": [1, 2]})}
text = json.dumps(header, indent=2).encode()  # not padded: padding is optional for readers
ref = os.path.join(scratch, "from_python.safetensors")
with open(ref, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data)

out = subprocess.run([tool, "dump", ref], capture_output=True, text=True)
check(out.returncode == 0, "hue could not read the Python file: " + out.stderr.strip())
meta, seen = {}, {}
for line in out.stdout.splitlines():
    kind, rest = line.split(" ", 1)
    dec = json.JSONDecoder()
    key, end = dec.raw_decode(rest)
    if kind == "meta":
        meta[key] = dec.raw_decode(rest[end + 1:])[0]
    else:
        fields = rest[end + 1:].split()
        nd = int(fields[1])
        seen[key] = (fields[0], [int(x) for x in fields[2:2 + nd]], fields[2 + nd:])

check(meta == header["__metadata__"], "metadata read by hue: %r" % meta)
check(set(seen) == set(tensors), "tensor names read by hue: %r" % sorted(seen))


def expect_bits(name):
    dtype, shape, raw = tensors[name]
    if dtype == "F32":
        return ["%08x" % b for b in struct.unpack("<%dI" % (len(raw) // 4), raw)]
    if dtype == "F64":
        return ["%08x" % f32_bits(v) for v in struct.unpack("<%dd" % (len(raw) // 8), raw)]
    if dtype == "F16":
        return ["%08x" % f32_bits(v) for v in struct.unpack("<%de" % (len(raw) // 2), raw)]
    if dtype == "BF16":
        return ["%08x" % (b << 16) for b in struct.unpack("<%dH" % (len(raw) // 2), raw)]
    return [str(v) for v in struct.unpack("<%dq" % (len(raw) // 8), raw)]


for name, (dtype, shape, raw) in tensors.items():
    if name not in seen:
        continue
    got_dtype, got_shape, got_vals = seen[name]
    check(got_dtype == ("I64" if dtype == "I64" else "F32"), "%s: dtype %s" % (name, got_dtype))
    check(got_shape == shape, "%s: shape %r" % (name, got_shape))
    check(got_vals == expect_bits(name), "%s: values %r, expected %r" % (name, got_vals, expect_bits(name)))

# ---- 2. hue writes, Python reads ----
path = os.path.join(scratch, "from_hue.safetensors")
out = subprocess.run([tool, "write", path], capture_output=True, text=True)
check(out.returncode == 0, "hue could not write: " + out.stderr.strip())
with open(path, "rb") as f:
    blob = f.read()
(n,) = struct.unpack("<Q", blob[:8])
check(n % 8 == 0, "header length %d not a multiple of 8" % n)
htext = blob[8:8 + n].decode("utf-8")
check(htext.rstrip(" ").endswith("}") and len(htext) - len(htext.rstrip(" ")) < 8, "header padded with spaces")
hdr = json.loads(htext)
body = blob[8 + n:]
expected = [
    ("conv1.weight", [4, 3, 3, 3]), ("bn1.weight", [4]), ("bn1.bias", [4]),
    ("bn1.running_mean", [4]), ("bn1.running_var", [4]), ("fc.weight", [10, 4]), ("fc.bias", [10]),
]
md = hdr.pop("__metadata__", {})
check(md.get("arch") == "tiny" and md.get("step") == "1200", "metadata %r" % md)
check(json.loads(md.get("hparams", "{}")) == {"lr": 0.1, "momentum": 0.9, "tag": 'a "q"'}, "hparams %r" % md)
check(md.get("note") == "caf\u00e9 \u2615\nline2", "note %r" % md.get("note"))
check(list(hdr) == sorted(hdr), "tensors sorted by name in the header")
check(set(hdr) == {e[0] for e in expected} | {"bn1.num_batches_tracked"}, "names %r" % sorted(hdr))
spans = sorted(tuple(v["data_offsets"]) for v in hdr.values())
check(spans[0][0] == 0 and spans[-1][1] == len(body) and all(a[1] == b[0] for a, b in zip(spans, spans[1:])),
      "data section covered exactly")
values = {}
for t, (name, shape) in enumerate(expected):
    e = hdr.get(name, {})
    check(e.get("dtype") == "F32" and e.get("shape") == shape, "%s entry %r" % (name, e))
    b0, b1 = e.get("data_offsets", [0, 0])
    count = math.prod(shape)
    got = struct.unpack("<%df" % count, body[b0:b1]) if b1 - b0 == 4 * count else ()
    want = [value(t, i) for i in range(count)]
    check(list(got) == want, "%s values" % name)
    values[name] = (shape, body[b0:b1])
e = hdr.get("bn1.num_batches_tracked", {})
check(e.get("dtype") == "I64" and e.get("shape") == [], "num_batches_tracked entry %r" % e)
b0, b1 = e.get("data_offsets", [0, 0])
check(body[b0:b1] == struct.pack("<q", 1200), "num_batches_tracked value")

try:
    import torch
except ImportError:
    torch = None
if torch is None:
    print("torch not importable with %s: PyTorch load skipped" % sys.executable)
else:
    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(3, 4, 3, bias=False)
            self.bn1 = torch.nn.BatchNorm2d(4)
            self.fc = torch.nn.Linear(4, 10)

    state = {}
    for name, v in hdr.items():
        b0, b1 = v["data_offsets"]
        dt = {"F32": torch.float32, "I64": torch.int64}[v["dtype"]]
        state[name] = torch.frombuffer(bytearray(body[b0:b1]), dtype=dt).reshape(v["shape"])
    model = Tiny()
    missing = model.load_state_dict(state, strict=True)
    check(not missing.missing_keys and not missing.unexpected_keys, "load_state_dict %r" % (missing,))
    sd = model.state_dict()
    for t, (name, shape) in enumerate(expected):
        want = torch.tensor([value(t, i) for i in range(math.prod(shape))], dtype=torch.float32).reshape(shape)
        check(torch.equal(sd[name], want), "torch %s" % name)
    check(sd["bn1.num_batches_tracked"].item() == 1200, "torch num_batches_tracked")
    print("torch %s: load_state_dict(strict=True) ok" % torch.__version__)

print("%s" % ("ok" if failures == 0 else "%d failures" % failures))
sys.exit(1 if failures else 0)
