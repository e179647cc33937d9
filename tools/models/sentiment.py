"""sentiment demo: a small transformer encoder over synthetic product reviews.

A review is 1-3 clauses of its label's polarity ("the battery is really great"),
sometimes one clause of the other polarity ("but the lid is flimsy"), a few
negated ("the price is not bad" counts as positive), padded with neutral
clauses about brands, places and people to 5-60 tokens. Brand and city names
are seeded pseudo-words, so the vocabulary is ~1.2k tokens; random model codes
("xk4821") stay out of it and give a realistic OOV rate.

The architecture is fixed on purpose (d_model 128, 4 heads, ff 256, 2 layers):
the server uses this model as its compute-bound workload.
"""

import os
import random

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

import atalaya_export as ax

NAME = "sentiment"
LABELS = ["negative", "positive"]
MAX_TOKENS = 64

PRODUCTS = ("phone laptop blender camera headphones charger jacket backpack kettle toaster keyboard mouse "
            "monitor speaker watch lamp vacuum drill tent mattress pillow chair desk printer router tablet "
            "stroller microwave fan heater umbrella wallet suitcase bicycle helmet sneakers boots sweater "
            "scarf novel cookbook puzzle guitar pan grill juicer scooter drone projector thermos").split()
ASPECTS = ("battery screen sound price delivery packaging quality design fit size color material "
           "instructions setup service warranty smell weight handle buttons app cable zipper stitching "
           "finish motor lid strap display speed").split()
POSITIVE = ("great excellent amazing wonderful fantastic perfect superb reliable sturdy comfortable "
            "impressive solid lovely brilliant outstanding pleasant smooth quiet durable beautiful good "
            "nice awesome flawless handy convenient elegant fast accurate sharp bright cozy fabulous "
            "terrific charming delightful responsive").split()
NEGATIVE = ("terrible awful poor broken flimsy disappointing useless cheap horrible noisy slow faulty "
            "defective uncomfortable fragile mediocre bad weak annoying overpriced dreadful unreliable "
            "clunky sticky dull leaky wobbly scratched dim inaccurate frustrating rough loud shoddy lousy "
            "pathetic worthless unusable ugly").split()
POSITIVE_PHRASES = ["i love it", "i would buy it again", "highly recommend", "works like a charm",
                    "my kids love it", "worth every penny", "it exceeded my expectations",
                    "i'm very happy with it", "five stars", "does exactly what it says"]
NEGATIVE_PHRASES = ["i want a refund", "i returned it", "would not recommend", "waste of money",
                    "it stopped working", "i regret buying it", "one star", "it fell apart after a week",
                    "don't buy this", "never again"]
INTENSIFIERS = "very really quite extremely super incredibly pretty so totally rather".split()
PEOPLE = ("wife husband son daughter mother father sister brother friend roommate boss neighbor "
          "grandmother grandfather kids partner uncle aunt cousin coworker").split()
PLACES = ["home", "work", "the office", "school", "the gym", "the cabin", "the beach", "the garage",
          "the studio", "the campsite", "the kitchen", "the car"]
WHEN = ["last week", "yesterday", "a month ago", "two weeks ago", "over the holidays", "on sale",
        "for black friday", "this spring", "last summer", "after a long search"]
DAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
COLORS = "black white red blue green grey silver pink orange yellow purple beige".split()
NEUTRAL_TEMPLATES = [
    "i bought this {product} from {brand} {when}",
    "it arrived in {city} after {n} days",
    "i got it for my {person}",
    "we use it every {day} at {place}",
    "the {brand} {product} comes in {color}",
    "ordered the {color} one {when}",
    "my {person} in {city} has the same one",
    "it is the {brand} model {code}",
    "i have had it for {n} months",
    "it replaced my old {brand} {product}",
    "we took it to {city} on {day}",
    "i mostly use it at {place} with my {person}",
]


SYLLABLES = ("ba be bi bo bu ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu "
             "ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo zor vak rin tal dor mek").split()


# --- synthetic reviews ----------------------------------------------------------
# random.Random, not numpy: the generator draws one item at a time, where numpy's
# per-call overhead made generation the slowest step.

def pseudo_words(rng, count):
    """count distinct made-up names ("kelitor"), used as brands and cities."""
    words = set()
    while len(words) < count:
        words.add("".join(rng.choices(SYLLABLES, k=rng.randint(2, 3))))
    return sorted(words)


def polar_clause(rng, positive):
    """One clause of the given polarity; ~8% say it by negating the other polarity."""
    if rng.random() < 0.2:
        return rng.choice(POSITIVE_PHRASES if positive else NEGATIVE_PHRASES)
    negated = rng.random() < 0.1
    adjective = rng.choice(POSITIVE if positive != negated else NEGATIVE)
    if rng.random() < 0.4:
        adjective = f"{rng.choice(INTENSIFIERS)} {adjective}"
    subject = f"the {rng.choice(ASPECTS)}" if rng.random() < 0.6 else f"this {rng.choice(PRODUCTS)}"
    return f"{subject} is {'not ' if negated else ''}{adjective}"


def model_code(rng):
    """A random product code such as "xk4821": almost never repeats, so it is OOV."""
    return f"{rng.choice('xzqk')}{rng.choice('abcdefgh')}{rng.randint(1000, 9999)}"


def neutral_clause(rng, names):
    fill = {"product": rng.choice(PRODUCTS), "brand": rng.choice(names["brands"]),
            "city": rng.choice(names["cities"]), "person": rng.choice(PEOPLE), "place": rng.choice(PLACES),
            "when": rng.choice(WHEN), "day": rng.choice(DAYS), "color": rng.choice(COLORS),
            "n": rng.randint(2, 14), "code": model_code(rng)}
    return rng.choice(NEUTRAL_TEMPLATES).format(**fill)


def review(rng, names, positive):
    """One review of 5-60 tokens with the given overall polarity."""
    while True:
        target = min(5 + rng.gammavariate(2.0, 6.0), 55)  # mean ~17 words, long tail
        text = join_clauses(rng, clauses_for(rng, names, positive, target))
        if 5 <= len(ax.tokenize(text)) <= 60:
            return text


def clauses_for(rng, names, positive, target):
    major = rng.randint(1, 3)
    clauses = [polar_clause(rng, positive) for _ in range(major)]
    if major >= 2 and rng.random() < 0.3:
        clauses.append("but " + polar_clause(rng, not positive))
    length = sum(len(c.split()) for c in clauses)
    while length < target:
        clause = neutral_clause(rng, names)
        clauses.insert(rng.randint(0, len(clauses)), clause)
        length += len(clause.split())
    return clauses


def join_clauses(rng, clauses):
    text = clauses[0]
    for clause in clauses[1:]:
        text += (", " if clause.startswith("but ") else rng.choice([", ", ". ", " and ", "! ", "; "])) + clause
    return text[0].upper() + text[1:] + rng.choice([".", "!", "", "..."])


def generate(rng, names, n):
    labels = [rng.randint(0, 1) for _ in range(n)]
    return [review(rng, names, y == 1) for y in labels], np.array(labels)


# --- model ------------------------------------------------------------------------

class SentimentTransformer(nn.Module):
    """Token ids int64 [B, L<=64] (0 = pad, right-padded) -> probabilities [B, 2]."""

    def __init__(self, vocab_size, num_labels, max_tokens=MAX_TOKENS, d_model=128, heads=4, ff=256, layers=2):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, d_model, padding_idx=ax.PAD_ID)
        self.position = nn.Embedding(max_tokens, d_model)
        layer = nn.TransformerEncoderLayer(d_model, heads, ff, dropout=0.0, batch_first=True)
        # Nested tensors would return a sequence shorter than the input when every
        # row ends in padding, breaking the [B, L] pooling mask below.
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, num_labels)
        # Small embeddings (GPT-style std 0.02, not nn.Embedding's 1.0) let ~100 Adam
        # steps move the rare sentiment words far enough: ~0.91 vs ~0.82 test accuracy.
        nn.init.normal_(self.embed.weight, std=0.02)
        nn.init.normal_(self.position.weight, std=0.02)
        with torch.no_grad():
            self.embed.weight[ax.PAD_ID].zero_()

    def logits(self, ids: torch.Tensor) -> torch.Tensor:
        pad = ids == ax.PAD_ID
        # An empty text is all padding: masking every key makes attention NaN, so
        # position 0 always takes part (it is the first token or, if empty, a pad).
        pad[:, 0] = False
        positions = torch.arange(ids.size(1), device=ids.device)
        h = self.encoder(self.embed(ids) + self.position(positions), src_key_padding_mask=pad)
        keep = (~pad).unsqueeze(-1).to(h.dtype)
        return self.head((h * keep).sum(1) / keep.sum(1))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(ids), dim=1)


# --- training -----------------------------------------------------------------------

def encode_all(texts, vocab_index):
    ids = torch.tensor([ax.encode(t, vocab_index, MAX_TOKENS) for t in texts], dtype=torch.int64)
    return ids, (ids != ax.PAD_ID).sum(1).clamp(min=1)


def length_batches(lengths, batch_size, generator):
    """Batches of similar length (so trimming padding saves work), in random order."""
    noise = torch.rand(len(lengths), generator=generator)
    order = torch.argsort(lengths.double() + noise)
    batches = list(torch.split(order, batch_size))
    return [batches[i] for i in torch.randperm(len(batches), generator=generator)]


def trimmed(ids, lengths, idx):
    """Rows idx cut to their longest row; the model ignores trailing padding anyway."""
    return ids[idx, : int(lengths[idx].max())]


def train(model, ids, lengths, labels, steps, lr=3e-3, batch_size=64, warmup=10):
    """Adam with linear warm-up and decay: the usual transformer recipe; the decay
    makes a short run end at a good point rather than a noisy one."""
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.98))
    decay_steps = max(steps - warmup, 1)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warmup, (steps - s) / decay_steps))
    generator = torch.Generator().manual_seed(0)
    model.train()
    done = 0
    while done < steps:
        for idx in length_batches(lengths, batch_size, generator)[: steps - done]:
            opt.zero_grad()
            F.cross_entropy(model.logits(trimmed(ids, lengths, idx)), labels[idx]).backward()
            opt.step()
            schedule.step()
            done += 1
    return model.eval()


def predict(model, ids, lengths, batch_size=256):
    """Probabilities for all rows, batched by length; returned in input order."""
    probs = torch.empty(len(ids), 2)
    with torch.no_grad():
        for idx in torch.split(torch.argsort(lengths), batch_size):
            probs[idx] = model(trimmed(ids, lengths, idx))
    return probs.numpy()


# --- output ---------------------------------------------------------------------------

def metadata(reference, smoke):
    return {
        "name": NAME,
        "description": ("Review sentiment: 2-layer transformer encoder (d_model 128, 4 heads) trained on "
                        "synthetic product reviews; demo workload, not a real sentiment model."),
        "inputs": [{"name": "text", "datatype": "BYTES", "shape": [-1], "preprocess": ax.preprocess_spec(MAX_TOKENS)}],
        "outputs": [{"name": "probabilities", "datatype": "FP32", "shape": [-1, len(LABELS)]}],
        "labels": LABELS,
        "batching": ax.batching(64, max_queue_delay_us=2000),
        "reference": reference,
        "smoke": smoke,
    }


def short_smoke(texts, probs, truth, max_tokens=20):
    """Smoke examples from short reviews, which read better in docs and logs."""
    short = [i for i, t in enumerate(texts) if len(ax.tokenize(t)) <= max_tokens]
    return ax.pick_smoke([{"text": texts[i]} for i in short], probs[short], LABELS, truth=truth[short])


def build(out_dir, quick=False, seed=4321):
    """Train, save and verify sentiment version 1; returns its test accuracy."""
    n_train, n_test, steps = (1500, 300, 50) if quick else (2000, 500, 90)
    rng = random.Random(seed)
    names = {"brands": pseudo_words(rng, 500), "cities": pseudo_words(rng, 400)}
    texts, labels = generate(rng, names, n_train + n_test)
    # Like a real tokenizer, the vocabulary comes from more (unlabelled) text than
    # the labelled training set; that keeps it at ~1.2k tokens for a short run.
    unlabelled, _ = generate(rng, names, 4000)
    vocab = ax.build_vocab(texts[:n_train] + unlabelled, min_count=2)
    vocab_index = {t: i for i, t in enumerate(vocab)}
    ids, lengths = encode_all(texts, vocab_index)
    train_part, test_part = slice(0, n_train), slice(n_train, None)

    torch.manual_seed(seed)
    model = SentimentTransformer(len(vocab), len(LABELS))
    train(model, ids[train_part], lengths[train_part], torch.tensor(labels[train_part]), steps)
    test_probs = predict(model, ids[test_part], lengths[test_part])
    acc = ax.accuracy(test_probs, labels[test_part])

    model_dir = os.path.join(out_dir, NAME)
    reference = {"samples": n_train,
                 "text": ax.text_reference(texts[train_part], vocab_index, MAX_TOKENS),
                 "predictions": ax.predictions_reference(predict(model, ids[train_part], lengths[train_part]), LABELS)}
    smoke = short_smoke(texts[test_part], test_probs, labels[test_part])
    ax.save_torchscript(model, os.path.join(model_dir, "1", "model.pt"), ids[n_train:n_train + 8], len(LABELS))
    ax.write_vocab(os.path.join(model_dir, "vocab.txt"), vocab)
    ax.write_model_json(os.path.join(model_dir, "model.json"), metadata(reference, smoke))
    print(f"{NAME}/1: transformer, vocab {len(vocab)}, test accuracy {acc:.3f} (chance 0.5)")
    return acc
