#!/usr/bin/python3
"""Check a model directory the way the Atalaya server will load it.

    /usr/bin/python3 tools/models/check_model.py models/pump-failure [more model dirs...]

For every version directory: merges <model>/model.json with the optional
<model>/<version>/model.json, checks the schema of docs/models.md, loads
model.pt with torch.jit.load, runs the smoke instances through it (tokenising
text like the server does) and checks that each comes out with its label.
Prints one line per version; exits 1 if anything is wrong.
"""

import json
import os
import sys

import numpy as np
import torch

import atalaya_export as ax

REQUIRED = ["name", "description", "inputs", "outputs", "labels", "batching", "smoke"]


class Invalid(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise Invalid(message)


def read_json(path):
    def no_constants(name):
        raise Invalid(f"{path}: {name} is not JSON")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f, parse_constant=no_constants)
    except (OSError, ValueError) as e:
        raise Invalid(f"{path}: {e}") from e


def merged_metadata(model_dir, version):
    """Model-level model.json with the version's top-level keys replacing it (shallow)."""
    meta = read_json(os.path.join(model_dir, "model.json"))
    override = os.path.join(model_dir, version, "model.json")
    if os.path.exists(override):
        meta.update(read_json(override))
    return meta


def check_bins(where, bins, count=ax.NUM_BINS):
    edges, fractions = bins["bin_edges"], bins["bin_fractions"]
    expect(len(edges) == count + 1 and len(fractions) == count, f"{where}: want {count + 1} edges, {count} fractions")
    expect(all(a <= b for a, b in zip(edges, edges[1:])), f"{where}: edges must not decrease")
    expect(abs(sum(fractions) - 1) < 1e-4, f"{where}: fractions sum to {sum(fractions)}")


def check_schema(meta):
    missing = [k for k in REQUIRED if k not in meta]
    expect(not missing, f"missing keys {missing}")
    expect(len(meta["inputs"]) == 1 and len(meta["outputs"]) == 1, "want exactly one input and one output")
    inp, out = meta["inputs"][0], meta["outputs"][0]
    if inp["datatype"] == "BYTES":
        expect(inp["preprocess"]["type"] == "word_tokenizer", "BYTES input needs a word_tokenizer preprocess")
    else:
        expect(inp["datatype"] == "FP32" and len(inp["features"]) == inp["shape"][1],
               "FP32 input: one feature per column")
    expect(out["datatype"] == "FP32" and out["shape"] == [-1, len(meta["labels"])],
           "output must be FP32 [-1, len(labels)]")
    expect(all(isinstance(v, int) and v > 0 for v in meta["batching"].values()),
           "batching values must be positive ints")
    reference = meta.get("reference", {})
    for name, feature in reference.get("features", {}).items():
        check_bins(f"reference.features.{name}", feature)
    if "text" in reference:
        check_bins("reference.text.length", reference["text"]["length"])
    if "predictions" in reference:
        check_bins("reference.predictions.score", reference["predictions"]["score"])


def smoke_batch(model_dir, meta):
    """The smoke instances as the tensor the server would build."""
    inp, smoke = meta["inputs"][0], meta["smoke"]
    if inp["datatype"] == "BYTES":
        pre = inp["preprocess"]
        with open(os.path.join(model_dir, pre["vocab"]), encoding="utf-8") as f:
            vocab = f.read().splitlines()
        expect(vocab[ax.PAD_ID] == ax.PAD_TOKEN and vocab[ax.UNK_ID] == ax.UNK_TOKEN, "vocab must start <pad>, <unk>")
        index = {t: i for i, t in enumerate(vocab)}
        rows = [ax.encode(s["instance"][inp["name"]], index, pre["max_tokens"], pre["lowercase"]) for s in smoke]
        return torch.tensor(rows, dtype=torch.int64)
    names = [f["name"] for f in inp["features"]]
    return torch.tensor([[s["instance"][n] for n in names] for s in smoke], dtype=torch.float32)


def check_version(model_dir, version):
    meta = merged_metadata(model_dir, version)
    check_schema(meta)
    path = os.path.join(model_dir, version, "model.pt")
    expect(os.path.exists(path), f"{path} is missing")
    try:
        model = torch.jit.load(path)
        with torch.no_grad():
            probs = model(smoke_batch(model_dir, meta))
    except (RuntimeError, torch.jit.Error) as e:
        raise Invalid(f"{path}: {str(e).strip().splitlines()[-1]}") from e
    labels, want = meta["labels"], [s["label"] for s in meta["smoke"]]
    expect(tuple(probs.shape) == (len(want), len(labels)), f"model returned shape {tuple(probs.shape)}")
    got = [labels[i] for i in np.asarray(probs.argmax(1))]
    expect(got == want, f"smoke: predicted {got}, expected {want}")
    return len(want)


def check_model(model_dir):
    """Prints one line per version; returns True if all versions pass."""
    versions = sorted((d for d in os.listdir(model_dir) if d.isdigit() and int(d) > 0), key=int)
    if not versions:
        print(f"FAIL {model_dir}: no version directories")
        return False
    ok = True
    for version in versions:
        try:
            print(f"ok   {model_dir}/{version}: {check_version(model_dir, version)} smoke instances pass")
        except (Invalid, KeyError, TypeError, IndexError) as e:
            detail = str(e) if isinstance(e, Invalid) else f"{e.__class__.__name__}: {e}"
            print(f"FAIL {model_dir}/{version}: {detail}")
            ok = False
    return ok


def main(argv):
    if not argv:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    results = [check_model(d.rstrip("/")) for d in argv]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
