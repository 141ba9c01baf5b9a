#!/usr/bin/env python3
"""Writes data/houses.csv: 300 made-up houses with a floor area in m² (40 to 250), a number of rooms (1 to 7) and
an age in years (0 to 80), and a price in euros on the scale of real ones (about 1e5 to 7e5):
price = 50000 + 2500·area + 8000·rooms − 900·age + noise (σ = 15000). The data set behind regression on a learner's
own data: with only the features scaled (data.normalize) the 1e5-scale target makes training diverge;
data.normalize_target fixes it. Deterministic (seed 7).

    apt-get install python3-numpy && /usr/bin/python3 data/make_houses.py
"""
import os

import numpy as np

rng = np.random.default_rng(7)
n = 300
area = rng.uniform(40, 250, n)
rooms = np.clip(np.round(area / 35 + rng.normal(0, 0.7, n)), 1, 7)
age = rng.uniform(0, 80, n)
price = 50000 + 2500 * area + 8000 * rooms - 900 * age + rng.normal(0, 15000, n)
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "houses.csv")
with open(path, "w") as f:
    f.write("area,rooms,age,price\n")
    for a, r, g, p in zip(area, rooms, age, price):
        f.write(f"{a:.1f},{int(r)},{g:.0f},{p:.0f}\n")
print(f"wrote {path}")
