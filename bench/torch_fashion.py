#!/usr/bin/env python3
"""PyTorch's side of the peak-memory comparison: one epoch of the Fashion-MNIST network on the real data, read
from the same files nnlab's configs/fashion_mnist.json reads, as a PyTorch user would write it.

    /usr/bin/python3 bench/torch_fashion.py
"""
import gzip

import numpy as np
import torch

ROOT = "/usr/share/datasets/fashion-mnist/"


def idx(name, offset):
    with gzip.open(ROOT + name) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


torch.set_num_threads(1)
torch.manual_seed(1)
x = torch.tensor(idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 784), dtype=torch.float32) / 255
y = torch.tensor(idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64))
model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(),
                            torch.nn.Linear(128, 10))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
loss_fn = torch.nn.CrossEntropyLoss()
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=64, shuffle=True)
for xb, yb in loader:
    optimizer.zero_grad()
    loss_fn(model(xb), yb).backward()
    optimizer.step()
with torch.no_grad():
    accuracy = (model(x).argmax(1) == y).float().mean().item()
print(f"train accuracy {accuracy:.4f}")
