"""Loads a hue checkpoint with python/hue_torch.py and repeats what
ckpt_forward computed in hue: every trunk and head on the same inputs, and
the representation from the same RGB bytes; each output must match hue's.

usage: hue_torch_check.py NAME CKPT FORWARD EXPECT [NAME CKPT FORWARD EXPECT ...]
  FORWARD: ckpt_forward's output; EXPECT: what the file must hold, as
  comma-separated words: trunks=P1+P2 (prefixes, "-" for ""), heads=H1+H2,
  tensors=T1+T2, logits (the first trunk has a classifier), dense, stem=cifar|imagenet,
  channels=C (the first trunk's input channels), torchvision (the first
  trunk's tensors also load strictly into torchvision.models.resnet18/34,
  its stem or input channels swapped as the README says, and give the same
  outputs).
Prints one line per comparison, prefixed by NAME, then "NAME: passed" or
"NAME: FAIL ..." for each case (one process: torch is imported once); exit 1
when any case failed."""
import math
import os
import sys

import torch

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import hue_torch  # noqa: E402

# Relative to the largest value of hue's output: the same float32 sums in
# another order (the representation also starts from hue's fast LAB
# conversion, within 0.001 of the exact one hue_torch uses).
TOL = 1e-4


class Failure(Exception):
    pass


def compare(what, got, want, tol=TOL):
    if list(got.shape) != list(want.shape):
        fail(f"{what}: shape {list(got.shape)}, hue's {list(want.shape)}")
    scale = want.abs().max().item()
    err = (got - want).abs().max().item() / max(scale, 1e-6)
    if not math.isfinite(err) or err > tol or scale == 0:
        fail(f"{what}: relative error {err:.3g} (tolerance {tol:g}, hue's largest |value| {scale:.3g})")
    print(f"{CASE}: ok {what}: {list(want.shape)}, relative error {err:.2g}")


def fail(message):
    raise Failure(message)


def check_torchvision(model):
    """The README's recipe: a width-1 trunk up to layer4 without proj is torchvision's ResNet."""
    import torchvision
    a = model.trunk.arch
    if a["width"] != 1 or a["dense"] or a["last_layer"] != 4 or a.get("embed"):
        fail(f"torchvision: not a trunk torchvision builds: {a}")
    net = getattr(torchvision.models, a["arch"])(num_classes=a["num_classes"] or 1000)
    if a["cifar_stem"]:
        net.conv1 = torch.nn.Conv2d(a["in_channels"], 64, 3, 1, 1, bias=False)
        net.maxpool = torch.nn.Identity()
    elif a["in_channels"] != 3:
        net.conv1 = torch.nn.Conv2d(a["in_channels"], 64, 7, 2, 3, bias=False)
    if not a["num_classes"]:
        net.fc = torch.nn.Identity()
    tensors, _ = hue_torch.read_safetensors(model.path)
    others = [p for p in list(model.trunks) + [m for m in model.prefixes.values()] if p]
    trunk = {n: t for n, t in tensors.items() if not n.startswith("optimizer.") and n not in model.tensors
             and not any(n.startswith(p) for p in others)}
    net.load_state_dict(trunk, strict=True)
    net.eval()
    x = torch.linspace(-2, 2, 2 * a["in_channels"] * 32 * 32).reshape(2, a["in_channels"], 32, 32)
    with torch.no_grad():
        want = model.trunk.logits(x) if a["num_classes"] else model.trunk(x).mean((2, 3))
        compare("torchvision." + a["arch"], net(x), want)
    return True


def check_expect(model, expect):
    for word in filter(None, expect.split(",")):
        key, _, value = word.partition("=")
        if key == "trunks":
            want = sorted("" if p == "-" else p for p in value.split("+"))
            got = sorted(model.trunks)
        elif key == "heads":
            want, got = sorted(value.split("+")), sorted(model.heads)
        elif key == "tensors":
            want, got = sorted(value.split("+")), sorted(model.tensors)
        elif key == "logits":
            want, got = True, model.trunk.fc is not None
        elif key == "dense":
            want, got = True, bool(model.trunk.arch["dense"]) and model.trunk.feature_stride == 8
        elif key == "stem":
            want, got = value, "cifar" if model.trunk.maxpool is None else "imagenet"
        elif key == "channels":
            want, got = int(value), model.trunk.conv1.in_channels
        elif key == "torchvision":
            want, got = True, check_torchvision(model)
        else:
            fail(f"unknown expectation '{word}'")
        if want != got:
            fail(f"{key}: {got}, expected {want}")
    print(f"{CASE}: ok built: trunks {sorted(model.trunks)}, heads {sorted(model.heads)}, tensors {sorted(model.tensors)}")


def check_case(ckpt, forward, expect):
    model = hue_torch.load(ckpt)
    check_expect(model, expect)
    # strict loading used every tensor but the optimizer's: count them back
    tensors, _ = hue_torch.read_safetensors(ckpt)
    used = sum(len(m.state_dict()) for m in model.networks.values()) + len(model.tensors)
    want = sum(1 for n in tensors if not n.startswith("optimizer."))
    if used != want:
        fail(f"{used} tensors in the modules, {want} in the file")
    print(f"{CASE}: ok {used} tensors loaded")
    out, _ = hue_torch.read_safetensors(forward)
    compared = 0
    with torch.no_grad():
        for name in sorted(out):
            if not name.endswith(".output") or name.startswith("heads.predict."):
                continue
            key = name[:-len(".output")]
            x = out[key + ".input"]
            if key.startswith("heads."):
                y = model.heads[key[len("heads."):]](x)
            else:
                trunk = model.trunks["" if key == "trunk" else key + "."]
                y = trunk(x)
                if key + ".logits" in out:
                    compare(key + " logits", trunk.logits(x), out[key + ".logits"])
            compare(key, y, out[name])
            compared += 1
        for k, conv in enumerate(model.heads.get("predict", [])):
            compare(f"heads.predict.{k}", conv(out["heads.context.output"]), out[f"heads.predict.{k}.output"])
        compare("features (from RGB bytes)", model.features(out["images"].to(torch.uint8)), out["features"])
    if compared != len(model.trunks) + sum(1 for h in model.heads if h != "predict"):
        fail(f"hue ran {compared} networks, hue_torch built {len(model.trunks) + len(model.heads)}")


CASE = ""


def main(args):
    global CASE
    if not args or len(args) % 4:
        print(__doc__, file=sys.stderr)
        return 2
    failed = 0
    for i in range(0, len(args), 4):
        CASE = args[i]
        try:
            check_case(*args[i + 1:i + 4])
            print(f"{CASE}: passed")
        except (Failure, hue_torch.CheckpointError, OSError, KeyError) as e:
            print(f"{CASE}: FAIL {e}")
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
