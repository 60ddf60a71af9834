"""A small synthetic labelled-posts file for training tests (no post text from ../shared)."""

from __future__ import annotations

import json
import random
from pathlib import Path

AUDIENCE_OPENERS = {
    "highschool": ["I'm 16 and in high school.", "I'm a high school senior choosing a major."],
    "engineers": ["I'm a backend developer.", "I work as a software engineer in web dev."],
    "researchers": ["I want to do a PhD.", "I'd like a research career in academia."],
    "hackers": ["I want to build fun side projects.", "Hobbyist here, I tinker on weekends."],
    "index": ["Complete beginner here.", "New to all this."],
}
ASKS = [
    "How do I get into machine learning?",
    "Where should I start learning ML?",
    "What should I learn first to get into deep learning?",
    "Any roadmap for getting started with AI?",
    "How to start learning machine learning from scratch?",
]
OTHER = [
    ("Loss becomes NaN after {n} epochs in PyTorch", "My model diverges, here is my code."),
    ("Check out my {n}-layer GAN project", "I built this over the weekend, feedback welcome."),
    ("[D] Paper discussion: attention variant number {n}", "What do you think of this paper?"),
    ("Best GPU for training under {n} dollars?", "Looking at RTX cards for my rig."),
    ("Hiring: ML engineer with {n} years of experience", "We are looking for a senior engineer."),
    ("Pandas merge gives {n} duplicate rows", "Why does my dataframe grow after a merge?"),
]


def fixture_rows(seed: int = 7) -> list[dict[str, str]]:
    """Deterministic synthetic labelled posts in the dataset's JSONL shape."""
    rng = random.Random(seed)
    rows = []
    for n in range(60):
        audience = list(AUDIENCE_OPENERS)[n % 5]
        opener = rng.choice(AUDIENCE_OPENERS[audience])
        rows.append(
            {
                "key": f"t3_gs{n}",
                "title": rng.choice(ASKS),
                "body": f"{opener} {rng.choice(ASKS)} Thanks! ({n})",
                "intent": "getting_started",
                "audience": audience,
                "confidence": "clear",
            }
        )
    for n in range(120):
        title, body = OTHER[n % len(OTHER)]
        rows.append(
            {
                "key": f"t3_ot{n}",
                "title": title.format(n=n),
                "body": f"{body} ({rng.randint(0, 10**6)})",
                "intent": "other",
                "audience": "none",
                "confidence": "clear" if n % 10 else "borderline",
            }
        )
    return rows


def write_fixture(path: Path) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in fixture_rows()))
    return path
