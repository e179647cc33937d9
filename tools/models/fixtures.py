"""Test fixtures: tiny untrained models, each broken (or not) in exactly one way.

All share fixture-echo's contract, so a test that swaps one in changes one
thing: FP32 [B, 3] features a, b, c in [-10, 10] -> FP32 [B, 2] probabilities,
labels ["left", "right"], probabilities = softmax([a, b]) (c is ignored).
"""

import os
import time

import numpy as np
import torch
from torch import nn

import atalaya_export as ax

FEATURES = ["a", "b", "c"]
LABELS = ["left", "right"]
ECHO_FORMULA = ("probabilities = softmax([a, b]), i.e. left = exp(a) / (exp(a) + exp(b)), "
                "right = exp(b) / (exp(a) + exp(b)); c is ignored")
SLOW_ROUNDS = 50


class Echo(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(x[:, :2], dim=1)


class WrongShape(nn.Module):
    """Returns [B, 3] although model.json declares [-1, 2]."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(x, dim=1)


class Throws(nn.Module):
    """Echo, except that any input value of exactly 13.0 raises."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if bool((x == 13.0).any()):
            raise RuntimeError("fixture-throws: input contains 13.0")
        return torch.softmax(x[:, :2], dim=1)


class Slow(nn.Module):
    """Echo plus a fixed amount of busy work per call, whatever the batch size."""

    def __init__(self, rounds: int):
        super().__init__()
        self.rounds = rounds
        self.register_buffer("w", torch.randn(128, 128, generator=torch.Generator().manual_seed(7)) / 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        acc = self.w
        for _ in range(self.rounds):
            acc = torch.tanh(acc @ self.w)
        # tanh keeps acc finite, so adding 0 * acc leaves the result bit-identical
        # to fixture-echo while the graph optimiser cannot drop the loop as dead code.
        return torch.softmax(x[:, :2] + 0.0 * acc[0, 0], dim=1)


def metadata(name, description):
    """fixture-echo's model.json under another name, with a real reference and smoke set."""
    x = np.random.default_rng(1).uniform(-10, 10, size=(2000, 3)).round(3)
    probs = ax.predict(Echo(), torch.tensor(x, dtype=torch.float32))
    smoke_x = np.array([[2, 0, 5], [-1, 3, 0], [7.5, -2, -10], [0, 4.25, 9]], dtype=np.float64)
    smoke_probs = ax.predict(Echo(), torch.tensor(smoke_x, dtype=torch.float32))
    return {
        "name": name,
        "description": description,
        "inputs": [{"name": "features", "datatype": "FP32", "shape": [-1, 3],
                    "features": [{"name": f, "min": -10, "max": 10} for f in FEATURES]}],
        "outputs": [{"name": "probabilities", "datatype": "FP32", "shape": [-1, 2]}],
        "labels": LABELS,
        "batching": ax.batching(8, max_queue_delay_us=20000, max_queue_size=16),
        "reference": {"samples": len(x),
                      "features": ax.features_reference(x, FEATURES),
                      "predictions": ax.predictions_reference(probs, LABELS)},
        "smoke": [{"instance": ax.tabular_instance(FEATURES, row), "label": LABELS[int(p.argmax())]}
                  for row, p in zip(smoke_x, smoke_probs)],
    }


def write_fixture(root, name, description):
    """Write root/name/model.json and create version 1; returns the model.pt path."""
    model_dir = os.path.join(root, name)
    ax.write_model_json(os.path.join(model_dir, "model.json"), metadata(name, description))
    os.makedirs(os.path.join(model_dir, "1"), exist_ok=True)
    return os.path.join(model_dir, "1", "model.pt")


def example():
    return torch.tensor([[1.0, -2.0, 3.0], [0.0, 0.0, 0.0]])


def check_throws(path):
    model = torch.jit.load(path)
    try:
        model(torch.tensor([[1.0, 13.0, 0.0]]))
    except Exception:  # noqa: BLE001 - TorchScript surfaces the raise as torch.jit.Error
        return
    raise RuntimeError(f"{path}: did not raise on 13.0")


def ms_per_call(path, runs=5):
    model = torch.jit.load(path)
    with torch.no_grad():
        model(example())  # first call runs the profiling executor; not representative
        start = time.perf_counter()
        for _ in range(runs):
            model(example())
    return (time.perf_counter() - start) / runs * 1000


def build(root):
    """Write all fixtures under root."""
    echo = write_fixture(root, "fixture-echo", f"Test fixture: {ECHO_FORMULA}.")
    ax.save_torchscript(Echo(), echo, example(), 2)
    print("fixture-echo: exact softmax([a, b])")

    slow = write_fixture(root, "fixture-slow", f"Test fixture: same as fixture-echo ({ECHO_FORMULA}) but "
                                                f"{SLOW_ROUNDS} 128x128 matmuls per forward call.")
    ax.save_torchscript(Slow(SLOW_ROUNDS), slow, example(), 2)
    print(f"fixture-slow: {ms_per_call(slow):.1f} ms per call (fixture-echo: {ms_per_call(echo):.2f} ms)")

    throws = write_fixture(root, "fixture-throws", f"Test fixture: {ECHO_FORMULA}; forward raises "
                                                    "RuntimeError if any input value is exactly 13.0.")
    ax.save_torchscript(Throws(), throws, example(), 2)
    check_throws(throws)
    print("fixture-throws: raises on 13.0")

    wrong = write_fixture(root, "fixture-wrong-shape", "Test fixture: declares output [-1, 2] but returns "
                                                        "softmax([a, b, c]) with shape [B, 3].")
    ax.save_torchscript(WrongShape(), wrong, example(), 3)
    print("fixture-wrong-shape: returns [B, 3]")

    corrupt = write_fixture(root, "fixture-corrupt", "Test fixture: model.pt is random bytes.")
    with open(corrupt, "wb") as f:
        f.write(np.random.default_rng(5).bytes(4096))
    print("fixture-corrupt: garbage model.pt")

    missing = write_fixture(root, "fixture-missing", "Test fixture: version 1 has no model.pt.")
    if os.path.exists(missing):
        os.remove(missing)
    print("fixture-missing: no model.pt")

    bad_dir = os.path.join(root, "fixture-bad-json")
    ax.save_torchscript(Echo(), os.path.join(bad_dir, "1", "model.pt"), example(), 2)
    with open(os.path.join(bad_dir, "model.json"), "w") as f:
        f.write('{"name": "fixture-bad-json", "inputs": [\n')  # truncated on purpose
    print("fixture-bad-json: truncated model.json")
