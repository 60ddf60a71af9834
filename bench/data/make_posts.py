"""Write ``posts.jsonl``, the classifier benchmark's fixed dataset (run once; committed).

    python bench/data/make_posts.py

400 synthetic posts from a seeded generator: a fifth are getting-started questions, the
rest technical questions, project showcases, career chat and news, with bodies from one
sentence to about 2,000 characters. They contain no real user's text. The benchmark
measures throughput on them; they say nothing about accuracy.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OPENERS = {
    "start": [
        "How do I get into machine learning?",
        "Where should I start with ML as a complete beginner?",
        "I'm 17, what should I learn to work in AI later?",
        "Software engineer wanting to switch to ML engineering, roadmap?",
        "Which degree should I pick if I want to do ML research?",
    ],
    "technical": [
        "Loss becomes NaN after a few epochs",
        "Why does my validation accuracy drop when I add dropout?",
        "Batch norm vs layer norm for small batches?",
        "How to handle class imbalance in XGBoost?",
    ],
    "showcase": [
        "I built a bird-song classifier on a Raspberry Pi",
        "My first Kaggle silver medal: write-up inside",
        "Open-sourced a tiny autograd library",
    ],
    "other": [
        "New paper claims transformers are not needed for vision",
        "Is a 4090 enough for fine-tuning 7B models?",
        "What are you learning this week?",
    ],
}
FILLER = [
    "I have been reading about linear algebra and probability for a few weeks.",
    "My code is in PyTorch and runs on a single GPU with 12 GB of memory.",
    "I tried lowering the learning rate and clipping gradients, with no change.",
    "Any advice is welcome, thanks in advance!",
    "I know some Python and a bit of statistics from university.",
    "The dataset has 40,000 rows and 120 features, mostly categorical.",
    "Links: https://example.org/notes and https://example.org/code for context.",
]


def main() -> None:
    rng = random.Random(20261127)
    kinds = ["start"] * 2 + ["technical"] * 4 + ["showcase"] * 2 + ["other"] * 2
    path = Path(__file__).with_name("posts.jsonl")
    with path.open("w", encoding="utf-8") as handle:
        for index in range(400):
            kind = rng.choice(kinds)
            body = " ".join(rng.choice(FILLER) for _ in range(rng.choice([1, 3, 8, 25])))
            post = {"id": f"b{index:03d}", "kind": kind, "title": rng.choice(OPENERS[kind])}
            handle.write(json.dumps({**post, "body": body}) + "\n")


if __name__ == "__main__":
    main()
