"""credit-risk demo: synthetic loan applications, two model versions.

Ground truth (what the generator samples labels from; the models never see it):

    z = -1.9 + 1.2 * (debt_ratio - 0.35) / 0.2
             + 2.0 * max(0, debt_ratio - 0.5) / 0.1
             + 0.9 * num_late_payments
             - 1.1 * (ln(income) - 10.86) / 0.55
             + 0.9 * (ln(loan_amount) - 9.39) / 0.8
             + 0.8 * ((age - 45) / 15)^2
             - 0.4 * credit_history_years / 10
             - 0.5 * (ln(1 + savings) - 9) / 1.2
    P(decline) = 1 / (1 + exp(-z)),   label ~ Bernoulli(P(decline))

The hinge, the square and the logs make the truth non-linear in the raw
features, so version 1 (logistic regression) is measurably worse than
version 2 (an MLP) and the two disagree on some applications.
"""

import os

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

import atalaya_export as ax

NAME = "credit-risk"
LABELS = ["approve", "decline"]
# (name, declared min, declared max): the valid input domain, column order = tensor order.
FEATURES = [
    ("age", 18, 100),
    ("income", 0, 1000000),
    ("debt_ratio", 0, 2),
    ("credit_history_years", 0, 80),
    ("num_open_accounts", 0, 50),
    ("num_late_payments", 0, 50),
    ("loan_amount", 500, 500000),
    ("loan_term_months", 6, 360),
    ("employment_years", 0, 60),
    ("savings", 0, 5000000),
]
FEATURE_NAMES = [f[0] for f in FEATURES]
TRUTH = ("P(decline) = sigmoid(-1.9 + 1.2*(debt_ratio-0.35)/0.2 + 2.0*max(0,debt_ratio-0.5)/0.1"
         " + 0.9*num_late_payments - 1.1*(ln(income)-10.86)/0.55 + 0.9*(ln(loan_amount)-9.39)/0.8"
         " + 0.8*((age-45)/15)^2 - 0.4*credit_history_years/10 - 0.5*(ln(1+savings)-9)/1.2)")
TRAIN_SAMPLES, TEST_SAMPLES = 20000, 5000
TERMS = [12, 24, 36, 48, 60, 72, 84, 120, 180, 240, 360]
TERM_P = [0.08, 0.12, 0.2, 0.12, 0.18, 0.08, 0.05, 0.07, 0.04, 0.03, 0.03]


def generate(rng, n):
    """[n, 10] applications rounded to realistic precision, and 0/1 labels (1 = decline)."""
    age = np.clip(np.round(rng.normal(42, 13, n)), 18, 90)
    adult_years = age - 18
    cols = {
        "age": age,
        "income": np.clip(np.round(rng.lognormal(np.log(52000), 0.55, n), -2), 6000, 900000),
        "debt_ratio": np.clip(np.round(rng.beta(2, 5, n) * 1.2, 3), 0, 2),
        "credit_history_years": np.round(rng.uniform(0, 0.9, n) * adult_years),
        "num_late_payments": np.clip(rng.poisson(0.8, n), 0, 50).astype(np.float64),
        "loan_amount": np.clip(np.round(rng.lognormal(np.log(12000), 0.8, n), -2), 500, 500000),
        "loan_term_months": rng.choice(TERMS, n, p=TERM_P).astype(np.float64),
        "employment_years": np.round(rng.uniform(0, 1, n) * np.minimum(adult_years, 45), 1),
        "savings": np.clip(np.round(rng.lognormal(np.log(8000), 1.2, n), -1), 0, 5000000),
    }
    cols["num_open_accounts"] = np.clip(rng.poisson(2 + cols["credit_history_years"] / 6), 0, 50).astype(np.float64)
    x = np.stack([cols[name] for name in FEATURE_NAMES], axis=1)
    y = (rng.uniform(size=n) < decline_probability(cols)).astype(np.int64)
    return x, y


def decline_probability(c):
    z = (-1.9 + 1.2 * (c["debt_ratio"] - 0.35) / 0.2
         + 2.0 * np.maximum(0, c["debt_ratio"] - 0.5) / 0.1
         + 0.9 * c["num_late_payments"]
         - 1.1 * (np.log(c["income"]) - 10.86) / 0.55
         + 0.9 * (np.log(c["loan_amount"]) - 9.39) / 0.8
         + 0.8 * ((c["age"] - 45) / 15) ** 2
         - 0.4 * c["credit_history_years"] / 10
         - 0.5 * (np.log1p(c["savings"]) - 9) / 1.2)
    return 1.0 / (1.0 + np.exp(-z))


class TabularClassifier(nn.Module):
    """Raw FP32 features [B, F] -> probabilities [B, C].

    Standardisation lives in the module as buffers so the server feeds raw
    values and the statistics can never drift apart from the weights.
    """

    def __init__(self, body, mean, std):
        super().__init__()
        self.body = body
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(np.maximum(std, 1e-6), dtype=torch.float32))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.body((x - self.mean) / self.std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(x), dim=1)


def make_v1(mean, std):
    return TabularClassifier(nn.Linear(len(FEATURES), 2), mean, std)


def make_v2(mean, std):
    body = nn.Sequential(nn.Linear(len(FEATURES), 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2))
    return TabularClassifier(body, mean, std)


class LongTermExportBug(nn.Module):
    """Version 3 of the demo: version 2 re-exported with a bug that only long loans hit.

    It loads, warms up and passes its smoke set (none of those loans is 5 to 10 years), so
    validation lets it through; live traffic then fails for every batch holding a loan of 60 to
    120 months (about 38% of applications), which the canary's error-rate guard catches.
    """

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        term = x[:, 7]
        if bool(((term >= 60) & (term <= 120)).any()):
            raise RuntimeError("credit-risk v3: loan terms of 60 to 120 months were lost in the export")
        return self.inner(x)


def train(model, x, y, epochs, lr, batch_size=256):
    """Mini-batch Adam; small batches converge in far less time than full-batch here."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    order = torch.Generator().manual_seed(0)
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=order)
        for i in range(0, len(x), batch_size):
            idx = perm[i:i + batch_size]
            opt.zero_grad()
            F.cross_entropy(model.logits(x[idx]), y[idx]).backward()
            opt.step()
    return model.eval()


def metadata(description, reference, smoke):
    return {
        "name": NAME,
        "description": description,
        "inputs": [{"name": "features", "datatype": "FP32", "shape": [-1, len(FEATURES)],
                    "features": [{"name": n, "min": lo, "max": hi} for n, lo, hi in FEATURES]}],
        "outputs": [{"name": "probabilities", "datatype": "FP32", "shape": [-1, len(LABELS)]}],
        "labels": LABELS,
        # A forward pass of 64 rows takes ~0.1 ms here: waiting 1 ms for company cost more than
        # it saved (atalaya-bench: 8k -> 18k req/s at concurrency 16 with 0.2 ms).
        "batching": ax.batching(64, max_queue_delay_us=200),
        "reference": reference,
        "smoke": smoke,
    }


def build(out_dir, quick=False, seed=1234):
    """Train, save and verify versions 1 and 2; returns {version: test accuracy}."""
    rng = np.random.default_rng(seed)
    x_np, y_np = generate(rng, TRAIN_SAMPLES + TEST_SAMPLES)
    x, y = torch.tensor(x_np, dtype=torch.float32), torch.tensor(y_np)
    x_train, y_train = x[:TRAIN_SAMPLES], y[:TRAIN_SAMPLES]
    x_test, y_test = x[TRAIN_SAMPLES:], y_np[TRAIN_SAMPLES:]
    mean, std = x_np[:TRAIN_SAMPLES].mean(0), x_np[:TRAIN_SAMPLES].std(0)
    p_decline = decline_probability(dict(zip(FEATURE_NAMES, x_np[TRAIN_SAMPLES:].T)))
    ceiling = ax.accuracy(np.stack([1 - p_decline, p_decline], axis=1), y_test)

    versions = {
        1: ("Logistic regression", make_v1, 3 if quick else 8, 0.02),
        2: ("MLP 10-32-32-2", make_v2, 4 if quick else 10, 0.005),
    }
    model_dir = os.path.join(out_dir, NAME)
    results, metas, predicted, models = {}, {}, {}, {}
    for version, (kind, make, epochs, lr) in versions.items():
        torch.manual_seed(seed + version)
        model = train(make(mean, std), x_train, y_train, epochs, lr)
        models[version] = model
        test_probs = ax.predict(model, x_test)
        results[version] = ax.accuracy(test_probs, y_test)
        predicted[version] = test_probs.argmax(axis=1)
        reference = {"samples": TRAIN_SAMPLES,
                     "features": ax.features_reference(x_np[:TRAIN_SAMPLES], FEATURE_NAMES),
                     "predictions": ax.predictions_reference(ax.predict(model, x_train), LABELS)}
        smoke = ax.pick_smoke([ax.tabular_instance(FEATURE_NAMES, r) for r in x_np[TRAIN_SAMPLES:]], test_probs, LABELS, truth=y_test)
        description = f"{kind} on synthetic loan applications; ground truth {TRUTH}."
        metas[version] = metadata(description, reference, smoke)
        ax.save_torchscript(model, os.path.join(model_dir, str(version), "model.pt"), x_test[:8], len(LABELS))
        differs = f", disagrees with v1 on {np.mean(predicted[1] != predicted[version]):.1%}" if version > 1 else ""
        print(f"{NAME}/{version}: {kind}, test accuracy {results[version]:.3f} "
              f"(ground-truth ceiling {ceiling:.3f}){differs}")

    # The newest version is the model-level default; version 1 overrides what differs.
    ax.write_model_json(os.path.join(model_dir, "model.json"), metas[2])
    overrides = {k: metas[1][k] for k in ("description", "reference", "smoke")}
    ax.write_model_json(os.path.join(model_dir, "1", "model.json"), overrides)

    # Version 3: a broken candidate for the rollout demo, kept on disk but not loaded at start.
    short = x_test[(x_test[:, 7] < 60) | (x_test[:, 7] > 120)]
    broken = LongTermExportBug(models[2]).eval()
    ax.save_torchscript(broken, os.path.join(model_dir, "3", "model.pt"), short[:8], len(LABELS))
    smoke3 = [e for e in metas[2]["smoke"] if not 60 <= e["instance"]["loan_term_months"] <= 120]
    ax.write_model_json(os.path.join(model_dir, "3", "model.json"), {
        "description": "MLP 10-32-32-2 (version 2) re-exported with a bug: fails on loans of 60 to "
                       "120 months. A rollout demo: the canary guard rolls it back.",
        "smoke": smoke3,
        "autoload": False,
    })
    print(f"{NAME}/3: version 2 with an export bug for 60-120 month loans, {len(smoke3)} smoke examples, "
          "autoload false")
    return results
