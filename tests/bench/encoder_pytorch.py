# The PyTorch peer of the encoder timing in `hue bench track`: one 854x480
# RGB8 frame to unit-length stride-8 features, as hue track computes them per
# frame: lightness (CIE L* of sRGB, D65) scaled to L / 50 - 1 (for an encoder
# trained with --input lab, a* and b* / 110 beside it), the video encoder of
# a hue checkpoint (python/hue_torch.py builds it: ResNet dense to
# layer3 plus the 1x1 projection), then L2 normalisation over channels.
# float32 throughout, eval mode, no autograd, as a PyTorch user would run it.
#
# usage: python3 encoder_pytorch.py CKPT [--frames F] [--threads 2]
# Prints one JSON line: {"fps", "ms_per_frame", "cpu_ms_per_frame",
# "channels", "height", "width"} (medians over F frames after one warm-up;
# CPU time of the whole process, every thread).
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import hue_torch  # noqa: E402


def lab_f(t):
    d = 6.0 / 29.0
    return torch.where(t > d ** 3, t.clamp(min=0) ** (1.0 / 3.0), t / (3 * d * d) + 4.0 / 29.0)


def encoder_input(rgb8, with_ab=False):
    """[1, 3, H, W] uint8 sRGB -> [1, 1, H, W] float32 L* / 50 - 1; with_ab: [1, 3, H, W],
    a* / 110 and b* / 110 after it (D65 white). Not hue_torch.to_input: that one works in
    float64 and always converts all three channels, which would slow the timed peer."""
    c = rgb8.float() / 255
    lin = torch.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = lin[:, 0:1], lin[:, 1:2], lin[:, 2:3]
    fy = lab_f(0.2126729 * r + 0.7151522 * g + 0.0721750 * b)
    L = (116 * fy - 16) / 50 - 1
    if not with_ab:
        return L
    fx = lab_f((0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047)
    fz = lab_f((0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883)
    return torch.cat((L, 500 * (fx - fy) / 110, 200 * (fy - fz) / 110), 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt")
    ap.add_argument("--frames", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = hue_torch.load(args.ckpt)
    trunk, with_ab = model.trunk.eval(), model.inputs[""]["kind"] == "lab"
    frame = torch.randint(0, 256, (1, 3, 480, 854), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    times, cpu = [], []
    with torch.inference_mode():
        for f in range(args.frames + 1):
            t0, c0 = time.perf_counter(), time.process_time()
            features = F.normalize(trunk(encoder_input(frame, with_ab)), dim=1)
            if f > 0:  # the first frame warms up oneDNN's primitives and allocations
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
    s, c = sorted(times)[len(times) // 2], sorted(cpu)[len(cpu) // 2]
    print(json.dumps({"fps": round(1 / s, 3), "ms_per_frame": round(s * 1e3, 1),
                      "cpu_ms_per_frame": round(c * 1e3, 1), "channels": features.shape[1],
                      "height": features.shape[2], "width": features.shape[3]}))


if __name__ == "__main__":
    main()
