#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A minimal fedc external trainer, in plain Python (no packages needed).

fedc-agent runs it as `external_trainer.py FOLDER` for every training round
when the site's agent config says

    [trainer]
    program = /path/to/external_trainer.py
    timeout = 600

The contract (client/agent_external.h): FOLDER holds task.txt, train.csv and
global.f64; write local.f64 (the new parameters, same layout) and result.txt
("samples N" and "loss L") and exit 0. Replace the SGD loop below with your
own framework: with PyTorch, load global.f64 with
numpy.fromfile(path, dtype="<f8"), copy it into the model's tensors in fedc's
layout (per layer: W as in x out row-major, then the bias), train, and write
the parameters back in the same order with ndarray.astype("<f8").tofile().

This example trains logistic regression (model = logistic) or linear
regression (model = linear) with mini-batch SGD on standardised features;
for regression the target is the standardised label (y - label_mean) /
label_scale, as task.txt gives them.
"""
import math
import os
import random
import struct
import sys


def read_task(path):
    task = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition(" ")
            task[key] = value
    if task.get("format") != "fedc-external-1":
        sys.exit("external_trainer: unknown task format %r" % task.get("format"))
    return task


def floats(text):
    return [float(v) for v in text.split(",")] if text else []


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: external_trainer.py FOLDER")
    os.chdir(sys.argv[1])
    task = read_task("task.txt")
    model, d = task["model"], int(task["d"])
    if model not in ("logistic", "linear") or int(task["k"]) != 1:
        sys.exit("external_trainer: this example trains logistic or linear "
                 "models only, not %s" % model)
    nparams = int(task["nparams"])
    mean, scale = floats(task["mean"]), floats(task["scale"])
    # regression: the model predicts the standardised label
    ymean = float(task.get("label_mean", "0"))
    yscale = float(task.get("label_scale", "1"))
    epochs, batch = int(task["local_epochs"]), int(task["batch_size"])
    lr, l2 = float(task["lr"]), float(task["l2"])

    rows = []
    with open("train.csv") as f:
        next(f)  # header: features..., label
        for line in f:
            cells = [float(v) for v in line.split(",")]
            x = [(cells[j] - mean[j]) / scale[j] for j in range(d)]
            y = cells[d] if model == "logistic" else (cells[d] - ymean) / yscale
            rows.append((x, y))
    if not rows:
        sys.exit("external_trainer: train.csv has no rows")

    with open("global.f64", "rb") as f:
        w = list(struct.unpack("<%dd" % nparams, f.read()))  # W (d x 1), bias

    rng = random.Random(int(task["seed"]))
    loss = 0.0
    for _ in range(epochs):
        rng.shuffle(rows)
        loss = 0.0
        for start in range(0, len(rows), batch):
            part = rows[start:start + batch]
            grad = [0.0] * (d + 1)
            for x, y in part:
                z = w[d] + sum(w[j] * x[j] for j in range(d))
                if model == "logistic":
                    p = 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))
                    err = p - y
                    loss -= math.log(max(p if y > 0.5 else 1.0 - p, 1e-12))
                else:
                    err = z - y
                    loss += 0.5 * err * err
                for j in range(d):
                    grad[j] += err * x[j]
                grad[d] += err
            for j in range(d + 1):
                w[j] -= lr * (grad[j] / len(part) + (l2 * w[j] if j < d else 0.0))

    with open("local.f64", "wb") as f:
        f.write(struct.pack("<%dd" % nparams, *w))
    with open("result.txt", "w") as f:
        f.write("samples %d\nloss %.17g\n" % (len(rows), loss / len(rows)))
    print("external_trainer.py: %d rows, %d epochs, mean loss %.4f"
          % (len(rows), epochs, loss / len(rows)))


if __name__ == "__main__":
    main()
