#!/usr/bin/env python3
"""Writes data/iris.csv from the copy of Fisher's Iris data that Debian's python3-sklearn ships.

    apt-get install python3-sklearn && /usr/bin/python3 data/make_iris.py
"""
import csv
import os

SOURCE = "/usr/lib/python3/dist-packages/sklearn/datasets/data/iris.csv"
TARGET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "iris.csv")

with open(SOURCE) as f:
    rows = list(csv.reader(f))
species = rows[0][2:]  # header: 150,4,setosa,versicolor,virginica
with open(TARGET, "w", newline="") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(["sepal_length", "sepal_width", "petal_length", "petal_width", "species"])
    for row in rows[1:]:
        out.writerow(row[:4] + [species[int(row[4])]])
print(f"wrote {TARGET}: {len(rows) - 1} rows")
