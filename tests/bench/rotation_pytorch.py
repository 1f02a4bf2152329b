"""The rotation recipe of `hue pretrain --method rotation` in PyTorch, as
hue's peer for issue 11: the same ResNet-18 (CIFAR stem: 3x3 stride-1 conv,
no max-pool; widths round(64 w) doubling per layer), the same data (pad-4
random crop and flip, CIFAR-10 normalisation, batch 128, last partial
batch dropped), each image in its 4 rotations in the same batch, a linear
head on the pooled features, SGD (Nesterov momentum 0.9, weight decay
5e-4), linear warm-up over 0.2 epochs then cosine to 0; then the kNN
monitor hue eval knn computes (pooled features, L2-normalised, cosine,
k=200, weights exp(sim / 0.1), top-1). Prints one JSON line.

usage: /usr/bin/python3 rotation_pytorch.py CIFAR_DIR EPOCHS WIDTH THREADS"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import torchvision.transforms as T

MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class Trunk(nn.Module):
    def __init__(self, width):
        super().__init__()
        base = max(1, round(64 * width))
        self.conv1 = nn.Conv2d(3, base, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(base)
        layers, cin = [], base
        for i in range(4):
            cout = base * 2 ** i
            layers += [Block(cin, cout, 1 if i == 0 else 2), Block(cout, cout, 1)]
            cin = cout
        self.layers = nn.Sequential(*layers)
        self.channels = cin
        for m in self.modules():  # torchvision's initialisation, as hue's
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        return self.layers(F.relu(self.bn1(self.conv1(x)))).mean((2, 3))


def lr_at(step, base, warmup, total):
    if step < warmup:
        return base * (step + 1) / warmup
    return base * 0.5 * (1 + math.cos(math.pi * (step - warmup) / (total - warmup)))


def features(trunk, folder, threads):
    data = torchvision.datasets.ImageFolder(folder, T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)]))
    loader = torch.utils.data.DataLoader(data, batch_size=256, num_workers=threads)
    out, labels = [], []
    trunk.eval()
    with torch.no_grad():
        for x, y in loader:
            out.append(F.normalize(trunk(x), dim=1))
            labels.append(y)
    return torch.cat(out), torch.cat(labels)


def knn(train_f, train_y, test_f, test_y, k=200, t=0.1, classes=10):
    right = 0
    for i in range(0, len(test_f), 500):
        sim = test_f[i:i + 500] @ train_f.T
        w, idx = sim.topk(k, dim=1)
        votes = torch.zeros(len(w), classes).scatter_add_(1, train_y[idx], (w / t).exp())
        right += (votes.argmax(1) == test_y[i:i + 500]).sum().item()
    return right / len(test_f)


def main():
    folder, epochs, width, threads = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    aug = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize(MEAN, STD)])
    data = torchvision.datasets.ImageFolder(folder + "/train", aug)
    loader = torch.utils.data.DataLoader(data, batch_size=128, shuffle=True, drop_last=True, num_workers=threads)
    trunk = Trunk(width)
    head = nn.Linear(trunk.channels, 4)
    params = list(trunk.parameters()) + list(head.parameters())
    opt = torch.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
    per_epoch = len(loader)
    total, warmup = per_epoch * epochs, int(0.2 * per_epoch)
    step, t0, last = 0, time.time(), 0.0
    for _ in range(epochs):
        trunk.train()
        for x, _ in loader:
            x4 = torch.stack([torch.rot90(x, k, (2, 3)) for k in range(4)], 1).flatten(0, 1)
            y4 = torch.arange(4).repeat(len(x))
            for g in opt.param_groups:
                g["lr"] = lr_at(step, 0.1, warmup, total)
            loss = F.cross_entropy(head(trunk(x4)), y4)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            last = loss.item()
    seconds = time.time() - t0
    train_f, train_y = features(trunk, folder + "/train", threads)
    test_f, test_y = features(trunk, folder + "/test", threads)
    print(json.dumps({"epochs": epochs, "steps": step, "last_loss": last, "train_s": seconds,
                      "knn_top1": knn(train_f, train_y, test_f, test_y)}))


if __name__ == "__main__":
    main()
