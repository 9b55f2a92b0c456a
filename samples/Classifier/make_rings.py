#!/usr/bin/env python3
"""Writes rings.csv, the sample's data: 600 points in three noisy concentric rings (radii 1, 2 and 3), label = ring.
No straight line separates them, so the classifier needs its hidden layers. Rerun: python3 make_rings.py"""
import math
import random

rng = random.Random(29)
with open("rings.csv", "w") as f:
    f.write("x1,x2,ring\n")
    for i in range(600):
        ring = i % 3
        angle = rng.uniform(0, 2 * math.pi)
        radius = 1 + ring + rng.gauss(0, 0.2)
        f.write(f"{radius * math.cos(angle):.4f},{radius * math.sin(angle):.4f},{ring}\n")
