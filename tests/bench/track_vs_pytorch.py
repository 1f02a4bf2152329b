# A plain PyTorch CPU implementation of hue's label propagation (CRW's
# inference), the peer of `hue bench track`: frame 0 scored against every
# position with one GEMM, the N context frames only within radius R of each
# query, top-k over all context positions jointly, softmax(score / T), and the
# weighted sum of the chosen positions' soft labels.
#
# The context frames are scored in square query tiles: each tile's key region
# (the tile grown by R - 1 cells on each side) is cut out once per context
# frame, when the frame enters the context, and kept; one batched GEMM scores
# the tiles' queries against their regions, and an additive mask drops keys
# outside the frame or the radius. Each context frame's top-k is merged into
# the top-k over all of them, so no full affinity matrix exists.
#
# Features: the same random unit vectors as `hue bench track` (its LCG and
# seeds: frame 0 seed 1, ring slot s seed 100 + s, query f seed 7 + f).
#
# usage: python3 track_vs_pytorch.py --channels C [--frames F] [--context N]
#        [--topk K] [--radius R] [--tile T] [--threads 2] [--check]
# Prints one JSON line: {"channels": C, "fps": ..., "ms_per_frame": ...,
# "cpu_ms_per_frame": ...} (medians over the frames; CPU time of the whole
# process, every thread, which other work on a shared machine disturbs less).
import argparse
import json
import time

import numpy as np
import torch
import torch.nn.functional as F


def random_unit(seed, C, hw):
    """hue bench track's features: x <- x * 1664525 + 1013904223 (mod 2^32),
    value (x >> 8) / 2^24 - 0.5, laid out [C][hw], each position L2-normalised."""
    n = C * hw
    a = np.full(n, 1664525, dtype=np.uint64)
    pw = np.cumprod(a)  # a^j mod 2^64, j = 1..n; only the low 32 bits matter
    geo = np.cumsum(np.concatenate(([np.uint64(1)], pw[:-1])))  # sum of a^i, i < j
    x = (pw * np.uint64(seed) + np.uint64(1013904223) * geo) & np.uint64(0xFFFFFFFF)
    v = ((x >> np.uint64(8)).astype(np.float64) / 16777216.0 - 0.5).astype(np.float32).reshape(C, hw)
    norm = np.sqrt((v.astype(np.float64) ** 2).sum(axis=0))
    return torch.from_numpy((v / norm).astype(np.float32))


class Propagator:
    """Shapes, tiles and masks are made once; __call__ propagates one frame."""

    def __init__(self, C, h, w, N, K, R, T, tile):
        self.C, self.h, self.w, self.N, self.K, self.R, self.T, self.t = C, h, w, N, K, R, T, tile
        self.pad = R - 1
        self.side = tile + 2 * self.pad
        self.nty, self.ntx = -(-h // tile), -(-w // tile)
        self.Hq, self.Wq = self.nty * tile, self.ntx * tile  # query grid padded to whole tiles
        # global position of every key of every tile's region (-1 outside the frame)
        pos = torch.arange(h * w, dtype=torch.float32).view(1, 1, h, w)
        pos = F.pad(pos + 1, (self.pad, self.pad + self.Wq - w, self.pad, self.pad + self.Hq - h))
        kpos = F.unfold(pos, self.side, stride=tile)[0].t().long() - 1  # [tiles, side^2]
        # keys within the radius of each query of a tile (and inside the frame)
        qy, qx = torch.meshgrid(torch.arange(tile), torch.arange(tile), indexing="ij")
        ky, kx = torch.meshgrid(torch.arange(self.side), torch.arange(self.side), indexing="ij")
        dy = ky.reshape(1, -1) - self.pad - qy.reshape(-1, 1)
        dx = kx.reshape(1, -1) - self.pad - qx.reshape(-1, 1)
        disk = (dx * dx + dy * dy) < R * R  # [t^2, side^2]
        ok = disk.unsqueeze(0) & (kpos >= 0).unsqueeze(1)  # [tiles, t^2, side^2]
        self.mask = torch.zeros(ok.shape).masked_fill_(~ok, float("-inf"))
        self.kpos = kpos.clamp(min=0)
        # which padded-grid query each real query is
        grid = torch.arange(self.Hq * self.Wq).view(self.nty, tile, self.ntx, tile).permute(0, 2, 1, 3).reshape(-1)
        real = torch.empty(self.Hq * self.Wq, dtype=torch.long)
        real[grid] = torch.arange(self.Hq * self.Wq)
        yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
        self.query_row = real[(yy * self.Wq + xx).reshape(-1)]  # row of [tiles * t^2] for query y*w+x
        # context frames scored at once, so that one group's scores stay under ~256 MB
        per_frame = tile * tile * self.side * self.side * self.nty * self.ntx * 4
        self.group = max(1, min(N, (256 << 20) // per_frame))

    def regions(self, frames):
        """[n, C, h, w] -> every tile's key region, [n, tiles, C, side^2]: the
        tile grown by R - 1 cells each side (zeros outside the frame)."""
        n, C, t = frames.shape[0], self.C, self.t
        fp = F.pad(frames, (self.pad, self.pad + self.Wq - self.w, self.pad, self.pad + self.Hq - self.h)).contiguous()
        Hp, Wp = fp.shape[-2:]
        r = fp.as_strided((n, self.nty, self.ntx, C, self.side, self.side), (C * Hp * Wp, t * Wp, t, Hp * Wp, Wp, 1))
        return r.reshape(n, -1, C, self.side * self.side)

    def set_ring(self, ring):
        """The context frames [N, C, h, w]. Their key regions are cut once and
        kept (as a tracker would when a frame enters the context): more memory
        (14x the ring at tile 8), no copy per query frame."""
        self.keys = torch.cat([self.regions(ring[n:n + 1]) for n in range(ring.shape[0])])

    def __call__(self, q, f0, lab0, labr, slot=None):
        """Propagates query frame q [C, h*w]; with slot, q then enters the
        context in that slot (its key regions cut, as hue writes its ring)."""
        C, h, w, N, K, t = self.C, self.h, self.w, self.N, self.K, self.t
        hw = h * w
        # frame 0: every position
        s0 = torch.mm(q.t(), f0)  # [queries, positions]
        v0, i0 = s0.topk(K, dim=1)
        # context frames: query tiles against their key regions
        qt = F.pad(q.view(C, h, w), (0, self.Wq - w, 0, self.Hq - h))
        qt = qt.view(C, self.nty, t, self.ntx, t).permute(1, 3, 2, 4, 0).reshape(-1, t * t, C)
        vs, ids = [], []
        for n0 in range(0, N, self.group):
            G = min(self.group, N - n0)
            s = torch.matmul(qt.unsqueeze(0), self.keys[n0:n0 + G]).add_(self.mask)  # [G, tiles, t^2, side^2]
            v, i = s.topk(K, dim=3)
            kpos = self.kpos.view(1, -1, 1, self.side * self.side).expand(G, -1, t * t, -1)
            frame = torch.arange(n0 + 1, n0 + G + 1).view(G, 1, 1, 1) * hw
            vs.append(v)
            ids.append(torch.gather(kpos, 3, i) + frame)
        # [tiles, t^2, N*K]: every context frame's k best, then their k best
        best_v, j = torch.cat(vs, 0).permute(1, 2, 0, 3).reshape(-1, t * t, N * K).topk(K, dim=2)
        best_i = torch.gather(torch.cat(ids, 0).permute(1, 2, 0, 3).reshape(-1, t * t, N * K), 2, j)
        rv = best_v.reshape(-1, K)[self.query_row]
        ri = best_i.reshape(-1, K)[self.query_row]
        # all context jointly, softmax, weighted labels
        v, j = torch.cat((v0, rv), 1).topk(K, dim=1)
        ids = torch.gather(torch.cat((i0, ri), 1), 1, j)
        wgt = torch.softmax(v / self.T, dim=1)  # [hw, K]
        labels = torch.cat((lab0.unsqueeze(0), labr), 0).permute(1, 0, 2).reshape(lab0.shape[0], -1)
        out = (labels[:, ids] * wgt.unsqueeze(0)).sum(2)  # [L, hw]
        if slot is not None:
            self.keys[slot] = self.regions(q.view(1, C, h, w))[0]
            labr[slot] = out
        return out


def dense_reference(q, f0, ring, lab0, labr, h, w, K, R, T):
    """Every score of every context frame, masked to the radius: the direct
    form, for --check on small sizes."""
    N, hw = ring.shape[0], h * w
    yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    yy, xx = yy.reshape(-1), xx.reshape(-1)
    d2 = (yy[:, None] - yy[None, :]) ** 2 + (xx[:, None] - xx[None, :]) ** 2
    scores = [torch.mm(q.t(), f0)]
    for n in range(N):
        scores.append(torch.mm(q.t(), ring[n].reshape(-1, hw)).masked_fill(d2 >= R * R, float("-inf")))
    v, ids = torch.cat(scores, 1).topk(K, dim=1)
    wgt = torch.softmax(v / T, dim=1)
    labels = torch.cat((lab0.unsqueeze(0), labr), 0).permute(1, 0, 2).reshape(lab0.shape[0], -1)
    return (labels[:, ids] * wgt.unsqueeze(0)).sum(2)


def check():
    torch.manual_seed(0)
    for C, h, w, N, K, R, t in [(8, 9, 13, 3, 5, 3, 4), (16, 20, 23, 4, 10, 5, 8), (4, 7, 5, 2, 1, 1, 3),
                                (32, 30, 41, 5, 10, 12, 8)]:
        q, f0 = F.normalize(torch.randn(C, h * w), dim=0), F.normalize(torch.randn(C, h * w), dim=0)
        ring = F.normalize(torch.randn(N, C, h, w), dim=1)
        lab0, labr = torch.rand(3, h * w), torch.rand(N, 3, h * w)
        prop = Propagator(C, h, w, N, K, R, 0.05, t)
        prop.set_ring(ring)
        mine = labr.clone()
        a = prop(q, f0, lab0, mine, slot=N - 1)  # q then replaces the last context frame
        b = dense_reference(q, f0, ring, lab0, labr, h, w, K, R, 0.05)
        ring[N - 1], labr[N - 1] = q.view(C, h, w), b
        q2 = F.normalize(torch.randn(C, h * w), dim=0)
        err = max((a - b).abs().max().item(),
                  (prop(q2, f0, lab0, mine) - dense_reference(q2, f0, ring, lab0, labr, h, w, K, R, 0.05)).abs().max().item())
        print(f"check C={C} {h}x{w} N={N} K={K} R={R} tile={t}: max difference {err:.2e}")
        assert err < 1e-4


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--channels", type=int, default=64)
    ap.add_argument("--frames", type=int, default=5)
    ap.add_argument("--context", type=int, default=20)
    ap.add_argument("--topk", type=int, default=10)
    ap.add_argument("--radius", type=int, default=12)
    ap.add_argument("--tile", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.check:
        check()
        return
    C, h, w, N, K = args.channels, 60, 107, args.context, args.topk
    hw = h * w
    f0 = random_unit(1, C, hw)
    ring = torch.stack([random_unit(100 + s, C, hw).view(C, h, w) for s in range(N)])
    lab0 = torch.rand(2, hw, generator=torch.Generator().manual_seed(0))
    labr = torch.rand(N, 2, hw, generator=torch.Generator().manual_seed(1))
    prop = Propagator(C, h, w, N, K, args.radius, 0.05, args.tile)
    prop.set_ring(ring)
    times, cpu = [], []
    with torch.no_grad():
        for f in range(args.frames + 1):
            q = random_unit(7 + f, C, hw)
            t0, c0 = time.perf_counter(), time.process_time()
            prop(q, f0, lab0, labr, slot=f % N)
            if f > 0:  # the first frame warms up allocations
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
    s, c = sorted(times)[len(times) // 2], sorted(cpu)[len(cpu) // 2]
    print(json.dumps({"channels": C, "fps": round(1 / s, 3), "ms_per_frame": round(s * 1e3, 1),
                      "cpu_ms_per_frame": round(c * 1e3, 1)}))


if __name__ == "__main__":
    main()
