#!/usr/bin/env python3
"""Writes data/sparse.csv: 200 rows of ten standard-normal features x1..x10 and a target that depends on two of
them, y = 3·x1 − 2·x2 + noise (σ = 0.1). The other eight are distractors: the data set behind the L1-versus-L2
demonstration. Deterministic (seed 2024).

    apt-get install python3-numpy && /usr/bin/python3 data/make_sparse.py
"""
import os

import numpy as np

rng = np.random.default_rng(2024)
x = rng.normal(size=(200, 10))
y = 3 * x[:, 0] - 2 * x[:, 1] + 0.1 * rng.normal(size=200)
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sparse.csv")
with open(path, "w") as f:
    f.write(",".join(f"x{i + 1}" for i in range(10)) + ",y\n")
    for row, target in zip(x, y):
        f.write(",".join(f"{v:.6f}" for v in row) + f",{target:.6f}\n")
print(f"wrote {path}")
