"""The SimCLR recipe of `hue pretrain --method simclr` in PyTorch, as hue's
peer for issue 12: the trunk of rotation_pytorch.py (ResNet-18, CIFAR
stem, widths round(64 w)), two views of each image with SimCLR's CIFAR-10
augmentations (RandomResizedCrop 0.08-1, flip, colour jitter 0.4/0.4/0.4/0.1
at p 0.8, grayscale at p 0.2; CIFAR-10 normalisation), a 2-layer MLP
projection (Linear without bias, BatchNorm1d, ReLU, Linear to 128), NT-Xent
at tau 0.5 over the 2B views, LARS (momentum 0.9, trust coefficient 0.001,
weight decay 1e-6, batch norm and biases left out of both) at
0.5 x B / 256 with a linear warm-up over 0.2 epochs then cosine to 0; then
the kNN monitor hue eval knn computes. Prints one JSON line with the
training images per second.

usage: /usr/bin/python3 simclr_pytorch.py CIFAR_DIR EPOCHS WIDTH BATCH THREADS"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import torchvision.transforms as T

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rotation_pytorch import MEAN, STD, Trunk, features, knn, lr_at  # noqa: E402


class TwoViews:
    def __init__(self):
        self.t = T.Compose([T.RandomResizedCrop(32, scale=(0.08, 1.0)), T.RandomHorizontalFlip(),
                            T.RandomApply([T.ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8), T.RandomGrayscale(0.2),
                            T.ToTensor(), T.Normalize(MEAN, STD)])

    def __call__(self, img):
        return torch.stack([self.t(img), self.t(img)])


class LARS(torch.optim.Optimizer):
    """SimCLR's LARS as hue_optim.h states it: trust = eta ||w|| / (||g|| + wd ||w||)
    where both norms are > 0, else 1; d = g + wd w; b = mu b + lr trust d; w -= b.
    Parameters with one dimension get neither the decay nor the trust ratio."""

    def __init__(self, params, lr, momentum=0.9, weight_decay=1e-6, eta=0.001):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay, eta=eta))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for w in group["params"]:
                if w.grad is None:
                    continue
                d, trust = w.grad, 1.0
                if w.ndim > 1:
                    wn, gn = w.norm(), w.grad.norm()
                    if wn > 0 and gn > 0:
                        trust = (group["eta"] * wn / (gn + group["weight_decay"] * wn)).item()
                    d = d.add(w, alpha=group["weight_decay"])
                state = self.state[w]
                if "b" not in state:
                    state["b"] = torch.zeros_like(w)
                b = state["b"]
                b.mul_(group["momentum"]).add_(d, alpha=group["lr"] * trust)
                w.sub_(b)


def nt_xent(z, tau):
    z = F.normalize(z, dim=1)
    logits = z @ z.T / tau
    logits.fill_diagonal_(float("-inf"))
    partner = torch.arange(len(z)) ^ 1  # views of image i at 2i and 2i + 1
    return F.cross_entropy(logits, partner)


def main():
    folder, epochs, width, batch, threads = (sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]),
                                             int(sys.argv[5]))
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    data = torchvision.datasets.ImageFolder(folder + "/train", TwoViews())
    loader = torch.utils.data.DataLoader(data, batch_size=batch, shuffle=True, drop_last=True, num_workers=threads)
    trunk = Trunk(width)
    c = trunk.channels
    head = nn.Sequential(nn.Linear(c, c, bias=False), nn.BatchNorm1d(c), nn.ReLU(), nn.Linear(c, 128))
    base = 0.5 * batch / 256
    opt = LARS(list(trunk.parameters()) + list(head.parameters()), lr=base)
    per_epoch = len(loader)
    total, warmup = per_epoch * epochs, int(0.2 * per_epoch)
    step, t0, last = 0, time.time(), 0.0
    for _ in range(epochs):
        trunk.train()
        head.train()
        for x, _ in loader:
            for g in opt.param_groups:
                g["lr"] = lr_at(step, base, warmup, total)
            loss = nt_xent(head(trunk(x.flatten(0, 1))), 0.5)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            last = loss.item()
            if step % 50 == 0 or step == total:  # a long run is not silent; stdout keeps only the result
                print("pytorch step %d/%d loss %.4f, %.0f s" % (step, total, last, time.time() - t0),
                      file=sys.stderr, flush=True)
    seconds = time.time() - t0
    train_f, train_y = features(trunk, folder + "/train", threads)
    test_f, test_y = features(trunk, folder + "/test", threads)
    print(json.dumps({"epochs": epochs, "steps": step, "last_loss": last, "train_s": seconds,
                      "images_per_s": step * batch / seconds, "knn_top1": knn(train_f, train_y, test_f, test_y)}))


if __name__ == "__main__":
    main()
