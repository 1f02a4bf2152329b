"""Repeats optim_tool's device steps with torch.optim (SGD, AdamW, and
SimCLR's LARS written here with torch ops) and torch.nn.utils.clip_grad_norm_,
on the same float32 numbers, and hue's schedules with torch's lr_scheduler.

usage: optim_torch.py OPTIM_TOOL. Exit 77 (skipped) where torch is missing.
"""
import json
import subprocess
import sys

try:
    import torch
except ImportError:
    print("skipped: torch is not importable")
    sys.exit(77)

torch.set_num_threads(1)
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


def rel_err(got, want):
    got = torch.as_tensor(got, dtype=torch.float64).flatten()
    want = want.detach().to(torch.float64).flatten()
    return float((got - want).abs().max() / max(1.0, float(want.abs().max())))


def lars_step(params, bufs, lr, c):
    """SimCLR's LARS: trust ratio eta ||w|| / (||g|| + wd ||w||) and weight
    decay for parameters with more than one dimension, momentum buffer
    holding lr-scaled steps."""
    with torch.no_grad():
        for i, p in enumerate(params):
            g = p.grad
            trust = 1.0
            d = g
            if p.dim() > 1:
                wn, gn = p.norm(), g.norm()
                if wn > 0 and gn > 0:
                    trust = c["eta"] * wn / (gn + c["weight_decay"] * wn)
                d = g + c["weight_decay"] * p
            step = lr * trust * d
            if bufs[i] is None:
                bufs[i] = torch.zeros_like(p)
            bufs[i].mul_(c["momentum"]).add_(step)
            p.sub_(c["momentum"] * bufs[i] + step if c["nesterov"] else bufs[i])


def run_case(c):
    B, K = c["shape_x"]
    O = c["shape_w"][1]
    steps = len(c["lr"])
    x = torch.tensor(c["x"], dtype=torch.float32).reshape(steps, B, K)
    y = torch.tensor(c["y"], dtype=torch.float32).reshape(steps, B, O)
    W = torch.tensor(c["w0"], dtype=torch.float32).reshape(K, O).requires_grad_()
    b = torch.tensor(c["b0"], dtype=torch.float32).requires_grad_()
    params = [W, b]
    if c["kind"] == "sgd":
        opt = torch.optim.SGD(params, lr=c["lr"][0], momentum=c["momentum"], dampening=c["dampening"],
                              nesterov=bool(c["nesterov"]), weight_decay=c["weight_decay"])
    elif c["kind"] == "adamw":
        opt = torch.optim.AdamW(params, lr=c["lr"][0], betas=(c["beta1"], c["beta2"]), eps=c["eps"],
                                weight_decay=c["weight_decay"])
    else:
        opt, bufs = None, [None, None]
    worst, clipped = 0.0, 0
    for s in range(steps):
        lr = c["lr"][s]
        for p in params:
            p.grad = None
        loss = ((x[s] @ W + b - y[s]) ** 2).sum()
        loss.backward()
        e = abs(c["loss"][s] - float(loss)) / max(1.0, abs(float(loss)))
        check(e < 1e-5, "%s step %d: loss %g, torch %g" % (c["name"], s, c["loss"][s], float(loss)))
        if c["max_grad_norm"] > 0:
            norm = torch.nn.utils.clip_grad_norm_(params, c["max_grad_norm"])
            clipped += int(norm > c["max_grad_norm"])
        if opt is not None:
            for group in opt.param_groups:
                group["lr"] = lr
            opt.step()
        else:
            lars_step(params, bufs, lr, c)
        ew = rel_err(c["w"][s * K * O:(s + 1) * K * O], W)
        eb = rel_err(c["b"][s * O:(s + 1) * O], b)
        worst = max(worst, ew, eb)
        check(ew < 1e-5 and eb < 1e-5,
              "%s step %d: W off by %.3g, b by %.3g (relative to max(1, |torch|))" % (c["name"], s, ew, eb))
    moved = float((W.detach() - torch.tensor(c["w0"]).reshape(K, O)).abs().max())
    check(moved > 1e-3, "%s: W moved only %g" % (c["name"], moved))
    print("%-20s max relative difference to torch %.2e over %d steps (W moved up to %.3g, %d steps clipped)" %
          (c["name"], worst, steps, moved, clipped))
    return clipped


def torch_schedule(s, n):
    """torch's lr for steps 0..n-1 of the schedule hue printed."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=s["base_lr"])
    name = s["name"]
    if name == "cosine_warmup":
        w = s["warmup"]
        sched = torch.optim.lr_scheduler.SequentialLR(opt, [
            torch.optim.lr_scheduler.LinearLR(opt, start_factor=1.0 / w, end_factor=1.0, total_iters=w - 1),
            torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=s["total"] - w, eta_min=s["final_lr"]),
        ], milestones=[w])
    elif name == "cosine":
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=s["total"], eta_min=s["final_lr"])
    elif name == "step":
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=s["step_size"], gamma=s["gamma"])
    else:
        sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=s["milestones"], gamma=s["gamma"])
    lrs = []
    for _ in range(n):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return lrs


def check_schedule(s):
    hue = s["lr"]
    # torch's cosine is periodic past T_max; hue stays at the floor there
    n = min(len(hue), s["total"] + 1) if s["name"].startswith("cosine") else len(hue)
    want = torch_schedule(s, n)
    worst = max(abs(h - t) / max(1e-12, abs(t)) for h, t in zip(hue[:n], want))
    check(worst < 2e-6, "schedule %s: hue %s, torch %s" % (s["name"], hue[:n], want))
    if n < len(hue):
        check(all(abs(h - s["final_lr"]) <= 1e-6 * max(1.0, s["final_lr"]) for h in hue[n:]),
              "schedule %s: after total_steps %s" % (s["name"], hue[n:]))
    print("%-20s max relative difference to torch %.2e over %d steps" % (s["name"], worst, n))


def main():
    out = subprocess.run([sys.argv[1]], check=True, stdout=subprocess.PIPE).stdout
    data = json.loads(out)
    clipped = {c["name"]: run_case(c) for c in data["cases"]}
    # clipping is exercised both ways
    check(clipped["sgd_momentum_clip"] > 0 and clipped["adamw_clip"] > 0 and clipped["lars_nesterov_clip"] > 0,
          "clipping never active: %s" % clipped)
    check(clipped["sgd_dampening"] == 0, "max_grad_norm 1e4 clipped")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SequentialLR's deprecation noise
        for s in data["schedules"]:
            check_schedule(s)
    print("%d failures" % failures)
    sys.exit(1 if failures else 0)


main()
