#!/usr/bin/python3
"""Create Atalaya's demo models and test fixtures. Nothing is downloaded.

    /usr/bin/python3 tools/models/make_demo_models.py --out models/ [--fixtures DIR] [--quick]

--out DIR       model repository to write: credit-risk (versions 1 and 2) and
                sentiment (version 1), trained on seeded synthetic data.
--fixtures DIR  also write the broken/tiny test models (fixture-echo, -slow,
                -throws, -wrong-shape, -corrupt, -missing, -bad-json).
--quick         fewer training steps (for tests); the models still work and
                still beat chance, only with lower accuracy.

Runs in ~10 s on an idle 2-core box (~35 s next to a C++ build), using
/usr/bin/python3 (Debian's python3-torch 1.13). Everything is seeded: model.json, vocab.txt and the weights in model.pt are
identical from run to run (the TorchScript code in model.pt may order its
constants differently, following Python's string hashing). Files are
overwritten via rename, so a server watching the repository never reads a
half-written one. See docs/models.md for the layout and model.json schema.
"""

import argparse
import sys
import time
import warnings

import torch

import credit_risk
import fixtures
import sentiment


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="model repository to write")
    parser.add_argument("--fixtures", help="also write test fixtures to this directory")
    parser.add_argument("--quick", action="store_true", help="fewer training steps, for tests")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    start = time.perf_counter()
    # One thread: the models are small enough that OpenMP hand-offs cost more than they
    # save on a 2-core box, and a fixed thread count keeps float results reproducible.
    torch.set_num_threads(1)
    # nn.TransformerEncoder's own constants trigger this when scripted; it is not ours to fix.
    warnings.filterwarnings("ignore", message=".*was found in ScriptModule constants.*")

    credit_risk.build(args.out, quick=args.quick)
    sentiment.build(args.out, quick=args.quick)
    if args.fixtures:
        fixtures.build(args.fixtures)
    print(f"done in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
