#!/usr/bin/env python3
"""PyTorch's side of the peak-memory and busy-machine comparisons: one epoch of the Fashion-MNIST network on the real
data, read from the same files nnlab's configs/fashion_mnist.json reads, as a PyTorch user would write it.

    /usr/bin/python3 bench/torch_fashion.py [--threads N] [--time] [--batch B] [--epochs E] [--data FOLDER]
--threads N calls torch.set_num_threads(N) (default 1; 0 leaves PyTorch's default); --time prints
epoch_seconds=<training seconds of the last epoch> and samples_per_second=<of the last epoch>.
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch

ROOT = "/usr/share/datasets/fashion-mnist/"


def idx(name, offset):
    with gzip.open(os.path.join(args.data, name)) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--time", action="store_true")
parser.add_argument("--batch", type=int, default=64)
parser.add_argument("--epochs", type=int, default=1)
parser.add_argument("--data", default=ROOT)
args = parser.parse_args()
if args.threads:
    torch.set_num_threads(args.threads)
torch.manual_seed(1)
x = torch.tensor(idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 784), dtype=torch.float32) / 255
y = torch.tensor(idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64))
model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(),
                            torch.nn.Linear(128, 10))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
loss_fn = torch.nn.CrossEntropyLoss()
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=args.batch,
                                     shuffle=True)
for epoch in range(args.epochs):
    begin = time.perf_counter()
    for xb, yb in loader:
        optimizer.zero_grad()
        loss_fn(model(xb), yb).backward()
        optimizer.step()
    seconds = time.perf_counter() - begin
with torch.no_grad():
    accuracy = (model(x).argmax(1) == y).float().mean().item()
print(f"train accuracy {accuracy:.4f}")
if args.time:
    print(f"epoch_seconds={seconds:.3f}")
    print(f"samples_per_second={len(x) / seconds:.1f}")
