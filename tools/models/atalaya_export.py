"""Helpers for writing models in the layout the Atalaya server reads.

Shared by make_demo_models.py and export_example.py; see docs/models.md for
the repository layout, the model.json schema and the tokenizer rule.

    <repo>/<model>/model.json            model-level metadata
    <repo>/<model>/<version>/model.pt    TorchScript
    <repo>/<model>/<version>/model.json  optional per-version overrides (shallow merge)
    <repo>/<model>/vocab.txt             text models only

Everything here is plain Python + numpy + torch 1.13 (Debian's python3-torch);
run with /usr/bin/python3.
"""

import json
import os
import re
from collections import Counter

import numpy as np
import torch

NUM_BINS = 10
PAD_TOKEN, UNK_TOKEN = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1

# The C++ tokenizer works on bytes, so only ASCII A-Z is lowercased here:
# str.lower() would also fold e.g. U+212A KELVIN SIGN into a plain "k".
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_TOKEN_RE = re.compile(r"[a-z0-9']+")


# --- tokenizer (must match the server byte for byte) -------------------------

def tokenize(text, lowercase=True, max_tokens=None):
    """All tokens of text: maximal runs of [a-z0-9'] after ASCII lowercasing."""
    if lowercase:
        text = text.translate(_ASCII_LOWER)
    tokens = _TOKEN_RE.findall(text)
    return tokens if max_tokens is None else tokens[:max_tokens]


def encode(text, vocab_index, max_tokens, lowercase=True):
    """Token ids for one text, right-padded with PAD_ID to max_tokens."""
    ids = [vocab_index.get(t, UNK_ID) for t in tokenize(text, lowercase, max_tokens)]
    return ids + [PAD_ID] * (max_tokens - len(ids))


def build_vocab(texts, min_count=2, max_size=None):
    """Vocabulary list: <pad>, <unk>, then tokens by falling count (ties by name)."""
    counts = Counter(t for text in texts for t in tokenize(text))
    kept = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
    if max_size is not None:
        kept = kept[: max_size - 2]
    return [PAD_TOKEN, UNK_TOKEN] + kept


def write_vocab(path, vocab):
    _write_atomically(path, "".join(t + "\n" for t in vocab).encode("ascii"))


def preprocess_spec(max_tokens):
    return {"type": "word_tokenizer", "vocab": "vocab.txt", "max_tokens": max_tokens,
            "lowercase": True, "pad_id": PAD_ID, "unk_id": UNK_ID}


# --- reference statistics (drift baselines) ----------------------------------

def _r(x):
    """Round for readable JSON; 6 decimals keeps count/N fractions exact for N <= 10^6."""
    return round(float(x), 6)


def histogram(values, edges):
    """Fraction of values per bin, binned like the server does.

    Bin i holds edges[i] <= x < edges[i+1]; values below edges[0] count in the
    first bin, values >= edges[-1] in the last. Repeated edges (ties at a
    decile, common for integer features) give empty bins, never lost values.
    """
    values = np.asarray(values, dtype=np.float64)
    bins = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
    counts = np.bincount(bins, minlength=len(edges) - 1)
    return [_r(c / len(values)) for c in counts]


def decile_bins(values):
    """Ten bins with edges at the deciles of values; edges[0]=min, edges[10]=max."""
    values = np.asarray(values, dtype=np.float64)
    edges = [_r(e) for e in np.quantile(values, np.linspace(0.0, 1.0, NUM_BINS + 1))]
    return {"bin_edges": edges, "bin_fractions": histogram(values, edges)}


def numeric_reference(values):
    values = np.asarray(values, dtype=np.float64)
    ref = {"type": "numeric", "mean": _r(values.mean()), "std": _r(values.std()),
           "min": _r(values.min()), "max": _r(values.max())}
    ref.update(decile_bins(values))
    return ref


def features_reference(x, feature_names):
    """{name: numeric_reference(column)} for a [N, F] training matrix."""
    return {name: numeric_reference(x[:, i]) for i, name in enumerate(feature_names)}


def text_reference(texts, vocab_index, max_tokens, top_k=50):
    """Length bins (tokens before truncation), OOV rate and top-k token fractions.

    OOV rate and token fractions are over the tokens the model sees (the first
    max_tokens of each text); token_fractions covers in-vocabulary tokens only.
    """
    lengths, kept = [], Counter()
    total = unknown = 0
    for text in texts:
        tokens = tokenize(text)
        lengths.append(len(tokens))
        for t in tokens[:max_tokens]:
            total += 1
            if t in vocab_index:
                kept[t] += 1
            else:
                unknown += 1
    top = sorted(kept.items(), key=lambda kv: (-kv[1], kv[0]))[:top_k]
    return {"length": decile_bins(lengths), "oov_rate": _r(unknown / total),
            "token_fractions": {t: _r(c / total) for t, c in top}}


def predictions_reference(probs, labels):
    """Class fractions of argmax predictions and bins of the top score.

    Score bins are fixed and equal-width from 1/num_labels (the lowest possible
    top score) to 1, so they compare across windows of any size.
    """
    probs = np.asarray(probs, dtype=np.float64)
    predicted = probs.argmax(axis=1)
    edges = [_r(e) for e in np.linspace(1.0 / len(labels), 1.0, NUM_BINS + 1)]
    return {"class_fractions": {label: _r(np.mean(predicted == i)) for i, label in enumerate(labels)},
            "score": {"bin_edges": edges, "bin_fractions": histogram(probs.max(axis=1), edges)}}


# --- smoke examples -----------------------------------------------------------

def tabular_instance(feature_names, row):
    """One predict-API instance, {feature name: value}; whole numbers become JSON ints."""
    return {n: int(v) if float(v).is_integer() else float(v) for n, v in zip(feature_names, row)}


def pick_smoke(instances, probs, labels, truth=None, per_label=3, min_score=0.9):
    """Up to per_label confidently predicted instances per label, most confident first.

    Confident picks keep the check stable against float differences between
    Python and LibTorch; with truth given, only correctly predicted ones count.
    """
    probs = np.asarray(probs)
    predicted, score = probs.argmax(axis=1), probs.max(axis=1)
    smoke = []
    for k, label in enumerate(labels):
        ok = predicted == k
        if truth is not None:
            ok &= np.asarray(truth) == k
        candidates = [i for i in np.argsort(-score, kind="stable") if ok[i]]
        confident = [i for i in candidates if score[i] >= min_score] or candidates
        # Spread picks over the confident ones instead of taking near-duplicates at the top.
        step = max(1, len(confident) // per_label)
        smoke += [{"instance": instances[i], "label": label} for i in confident[::step][:per_label]]
    return smoke


# --- files ---------------------------------------------------------------------

def batching(max_batch_size, max_queue_delay_us=1000, max_queue_size=1024):
    return {"max_batch_size": max_batch_size, "max_queue_delay_us": max_queue_delay_us,
            "max_queue_size": max_queue_size}


def _write_atomically(path, data):
    """Write via a temp file and rename so a watching server never reads half a file."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def to_json(value, indent=0, width=120):
    """Indented JSON that keeps short values (bin lists, feature specs) on one line."""
    flat = json.dumps(value, allow_nan=False)
    if len(flat) + indent <= width or not isinstance(value, (dict, list)) or not value:
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k)}: {to_json(v, indent + 2, width)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [pad + to_json(v, indent + 2, width) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


def write_model_json(path, meta):
    """Write model.json; refuses NaN/Infinity, which are not JSON."""
    _write_atomically(path, (to_json(meta) + "\n").encode("utf-8"))


def to_torchscript(module, example_input):
    """Script module (eval mode); trace only if scripting fails, and say so."""
    module.eval()
    try:
        return torch.jit.script(module)
    except Exception as e:  # noqa: BLE001 - any scripting failure means "try tracing"
        # Tracing records one execution path: data-dependent branches are frozen
        # to whatever example_input took, so it is only a fallback.
        print(f"  warning: torch.jit.script failed ({e.__class__.__name__}); tracing instead")
        with torch.no_grad():
            return torch.jit.trace(module, example_input)


def save_torchscript(module, path, example_input, num_outputs):
    """Script, save, reload and run once; raises if the saved model misbehaves."""
    scripted = to_torchscript(module, example_input)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    torch.jit.save(scripted, tmp)
    os.replace(tmp, path)
    verify_torchscript(path, example_input, num_outputs)


def verify_torchscript(path, example_input, num_outputs):
    loaded = torch.jit.load(path)
    with torch.no_grad():
        out = loaded(example_input)
    expected = (example_input.shape[0], num_outputs)
    if out.dtype != torch.float32 or tuple(out.shape) != expected:
        raise RuntimeError(f"{path}: got {out.dtype} {tuple(out.shape)}, want float32 {expected}")
    if not torch.isfinite(out).all() or not torch.allclose(out.sum(1), torch.ones(expected[0]), atol=1e-4):
        raise RuntimeError(f"{path}: outputs are not probabilities")


def predict(module, x, batch_size=1024):
    """Run module on x in batches without autograd; returns a numpy array."""
    module.eval()
    with torch.no_grad():
        return torch.cat([module(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]).numpy()


def accuracy(probs, truth):
    return float(np.mean(np.asarray(probs).argmax(axis=1) == np.asarray(truth)))
