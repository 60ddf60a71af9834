"""``wikibot replies eval``: precision, recall, F0.5 and routing on a labelled JSONL file.

Borderline posts count neither as a miss nor as a false reply: they are left out of the
intent figures. Routing accuracy is measured on the clear true positives. A plain keyword
baseline is scored on the same posts, side by side.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import InputError
from bot.replies.classify import AUDIENCES, Rules, classify

REQUIRED = ("title", "intent", "audience")
_BASELINE = re.compile(
    r"get into|getting into|break into|where to start|where (do|should) i (start|begin)|"
    r"roadmap|how (do i|to) (start|begin)|beginner",
    re.IGNORECASE,
)
_BASELINE_AUDIENCE = (
    ("highschool", re.compile(r"high ?school", re.I)),
    ("researchers", re.compile(r"\bph\.?d\b|research", re.I)),
    ("engineers", re.compile(r"engineer|developer|career|job", re.I)),
    ("hackers", re.compile(r"project|hobby", re.I)),
)


@dataclass(frozen=True)
class Example:
    """One labelled post."""

    key: str
    title: str
    body: str
    flair: str | None
    intent: bool
    audience: str
    borderline: bool


def load_examples(path: Path) -> list[Example]:
    """Read a labelled JSONL file; ``InputError`` names the line of a bad record."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    examples = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}: not valid JSON: {exc.msg}") from None
        if not isinstance(row, dict) or (missing := [k for k in REQUIRED if k not in row]):
            raise InputError(f"{path}:{number}: missing field(s) {', '.join(missing or REQUIRED)}")
        if row["intent"] not in ("getting_started", "other"):
            raise InputError(
                f"{path}:{number}: intent must be getting_started or other, got {row['intent']!r}"
            )
        examples.append(
            Example(
                key=str(row.get("key", number)),
                title=str(row["title"]),
                body=str(row.get("body") or ""),
                flair=row.get("flair"),
                intent=row["intent"] == "getting_started",
                audience=str(row["audience"]),
                borderline=row.get("confidence") == "borderline",
            )
        )
    if not examples:
        raise InputError(f"{path}: no examples found")
    return examples


def baseline_predict(example: Example) -> tuple[bool, str]:
    """The plain keyword baseline."""
    text = f"{example.title} {example.body}"
    if not _BASELINE.search(text):
        return False, "index"
    audience = next((name for name, rx in _BASELINE_AUDIENCE if rx.search(text)), "index")
    return True, audience


def score(
    examples: Iterable[Example], predict: Callable[[Example], tuple[bool, str]]
) -> dict[str, Any]:
    """Intent precision/recall/F0.5 on clear posts, routing accuracy on clear hits."""
    tp = fp = fn = tn = 0
    routed = correct = 0
    confusion: Counter[tuple[str, str]] = Counter()
    errors: list[dict[str, Any]] = []
    n = 0
    for example in examples:
        if example.borderline:
            continue
        n += 1
        predicted, audience = predict(example)
        if predicted and example.intent:
            tp += 1
            routed += 1
            correct += audience == example.audience
            confusion[(example.audience, audience)] += 1
            if audience != example.audience:
                errors.append(
                    {
                        "key": example.key,
                        "error": "wrong guide",
                        "expected": example.audience,
                        "got": audience,
                    }
                )
        elif predicted:
            fp += 1
            errors.append({"key": example.key, "error": "false reply", "title": example.title})
        elif example.intent:
            fn += 1
            errors.append({"key": example.key, "error": "missed", "title": example.title})
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f05 = (1.25 * precision * recall / (0.25 * precision + recall)) if precision + recall else 0.0
    return {
        "n": n,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f05": round(f05, 4),
        "routing_accuracy": round(correct / routed, 4) if routed else 0.0,
        "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
        "routing_confusion": {f"{t}->{p}": c for (t, p), c in sorted(confusion.items())},
        "errors": errors,
    }


def evaluate(examples: list[Example], rules: Rules) -> dict[str, Any]:
    """The classifier's figures with the keyword baseline's beside them."""

    def predict(example: Example) -> tuple[bool, str]:
        decision = classify(
            title=example.title, body=example.body, flair=example.flair, rules=rules
        )
        return decision.is_getting_started, decision.audience

    result = score(examples, predict)
    result["borderline_skipped"] = sum(1 for e in examples if e.borderline)
    result["baseline"] = score(examples, baseline_predict)
    result["audiences"] = list(AUDIENCES)
    return result
