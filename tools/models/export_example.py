#!/usr/bin/python3
"""Example: export your own PyTorch model for Atalaya.

    /usr/bin/python3 tools/models/export_example.py --out models/
    /usr/bin/python3 tools/models/check_model.py models/pump-failure

writes

    models/pump-failure/model.json     what the server needs to know about the model
    models/pump-failure/1/model.pt     the TorchScript module

Copy this file and replace the three marked parts with your own: the module,
the training data and the training loop. The rest (export, model.json,
reference statistics) stays the same. docs/models.md describes every field.
"""

import argparse
import os
import sys

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

import atalaya_export as ax

NAME = "pump-failure"
LABELS = ["ok", "failing"]
# Column order here is the column order of the input tensor.
FEATURES = [("temperature_c", -20, 150), ("vibration_mm_s", 0, 50), ("pressure_bar", 0, 16)]


# 1. YOUR MODULE. The server calls forward() with ONE FP32 tensor [batch, features]
#    of raw values and expects FP32 probabilities [batch, len(LABELS)] back, so
#    preprocessing (here: standardisation) and softmax belong inside the module.
class PumpClassifier(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        # Buffers are saved with the weights, so the statistics travel in model.pt.
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
        self.net = nn.Sequential(nn.Linear(len(FEATURES), 16), nn.ReLU(), nn.Linear(16, len(LABELS)))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.mean) / self.std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(x), dim=1)


# 2. YOUR DATA. Synthetic here: pumps run hot and shake before they fail.
def training_data(n=5000, seed=0):
    rng = np.random.default_rng(seed)
    x = np.stack([rng.normal(70, 15, n), rng.gamma(2.0, 2.0, n), rng.normal(6, 1.5, n)], axis=1).round(2)
    risk = 0.08 * (x[:, 0] - 80) + 0.6 * (x[:, 1] - 6) - 0.5 * np.abs(x[:, 2] - 6)
    y = (risk + rng.normal(0, 1, n) > 0).astype(np.int64)
    return x, y


# 3. YOUR TRAINING LOOP.
def train(model, x, y, epochs=20):
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(epochs):
        for idx in torch.randperm(len(x)).split(128):
            opt.zero_grad()
            F.cross_entropy(model.logits(x[idx]), y[idx]).backward()
            opt.step()


def export(model, path, example):
    """eval() first (dropout/batch-norm behave differently), then script and save."""
    model.eval()
    # torch.jit.script keeps control flow; torch.jit.trace would freeze the branch
    # the example input took. Use trace only for code script cannot compile.
    scripted = torch.jit.script(model)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.jit.save(scripted, path)
    # Reload and run: a model that fails here would fail in the server too.
    out = torch.jit.load(path)(example)
    assert out.shape == (len(example), len(LABELS)), out.shape


def model_json(x, probs, y):
    """model.json: the contract (inputs, outputs, labels), batching, drift reference, smoke tests."""
    instances = [{name: float(v) for (name, _, _), v in zip(FEATURES, row)} for row in x]
    return {
        "name": NAME,
        "description": "Example: predicts pump failure from temperature, vibration and pressure.",
        "inputs": [{"name": "features", "datatype": "FP32", "shape": [-1, len(FEATURES)],
                    "features": [{"name": n, "min": lo, "max": hi} for n, lo, hi in FEATURES]}],
        "outputs": [{"name": "probabilities", "datatype": "FP32", "shape": [-1, len(LABELS)]}],
        "labels": LABELS,
        # Up to 32 requests share one forward call; a request waits at most 1 ms for company.
        "batching": ax.batching(32, max_queue_delay_us=1000, max_queue_size=256),
        # Statistics of the training data and of the model's predictions on it; the server
        # compares live traffic against them to detect drift.
        "reference": {"samples": len(x),
                      "features": ax.features_reference(x, [n for n, _, _ in FEATURES]),
                      "predictions": ax.predictions_reference(probs, LABELS)},
        # Instances the server runs after loading; each must come out with its label.
        "smoke": ax.pick_smoke(instances, probs, LABELS, truth=y, per_label=2),
    }


def main(argv):
    parser = argparse.ArgumentParser(description="Export an example model for Atalaya.")
    parser.add_argument("--out", required=True, help="model repository, e.g. models/")
    parser.add_argument("--version", type=int, default=1, help="version directory to write (positive integer)")
    args = parser.parse_args(argv)

    torch.manual_seed(0)
    x_np, y_np = training_data()
    x, y = torch.tensor(x_np, dtype=torch.float32), torch.tensor(y_np)
    model = PumpClassifier(x_np.mean(0), x_np.std(0))
    train(model, x, y)

    model_dir = os.path.join(args.out, NAME)
    export(model, os.path.join(model_dir, str(args.version), "model.pt"), x[:4])
    probs = ax.predict(model, x)
    ax.write_model_json(os.path.join(model_dir, "model.json"), model_json(x_np, probs, y_np))
    print(f"{NAME}/{args.version}: training accuracy {ax.accuracy(probs, y_np):.3f}, written to {model_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
