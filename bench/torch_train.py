#!/usr/bin/env python3
"""PyTorch's side of the training benchmark: the same networks, batch sizes and optimizer as nnlab's
bench/train_throughput, on random data of the same shape, timed the same way (steps after a warm-up).

    /usr/bin/python3 bench/torch_train.py --network fashion --batch 64 --threads 1
prints one line: samples_per_second=<number>
"""
import argparse
import time

import torch

NETWORKS = {
    # name: (layer sizes, activation); the last layer feeds cross-entropy
    "fashion": ([784, 256, 128, 10], torch.nn.ReLU),
    "spiral": ([2, 16, 16, 3], torch.nn.ReLU),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--network", choices=NETWORKS, required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads; 0 leaves the default")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()

    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    sizes, activation = NETWORKS[args.network]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(activation())
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    samples = 4096
    x = torch.rand(samples, sizes[0])
    y = torch.randint(0, sizes[-1], (samples,))

    def step(i):
        start = (i * args.batch) % (samples - args.batch)
        xb, yb = x[start:start + args.batch], y[start:start + args.batch]
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()

    for i in range(50):  # warm-up
        step(i)
    steps, begin = 0, time.perf_counter()
    while time.perf_counter() - begin < args.seconds:
        for _ in range(20):
            step(steps)
            steps += 1
    elapsed = time.perf_counter() - begin
    print(f"samples_per_second={steps * args.batch / elapsed:.1f}")


if __name__ == "__main__":
    main()
