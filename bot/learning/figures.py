"""The figures of an evaluation: what a classifier said about each labelled post, and
precision, recall, F0.5 and routing outcomes with 95% bootstrap intervals.

Intervals resample whole near-duplicate groups (``folds.near_duplicate_groups``), so a
repost never counts as independent evidence. Borderline posts are left out of the
precision and recall figures. Routing has four outcomes for an asker: their guide
(exact), theirs named second (named), the Introduction (intro, safe) or a specific guide
that is not theirs (wrong, harmful).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.learning.dataset import Example
from bot.replies.routing import Routing

BOOTSTRAP_ROUNDS = 1000
ROUTING_OUTCOMES = ("exact", "named", "intro", "wrong")
ROUTING_LABELS = {
    "exact": "their guide",
    "named": "theirs second",
    "intro": "Introduction (safe)",
    "wrong": "wrong guide",
}


@dataclass(frozen=True)
class Prediction:
    """What a classifier said about one labelled post."""

    reply: bool
    routing: Routing
    probability: float | None = None
    model_logit: float | None = None  # the model's own log-odds, before the guard rails
    threshold: float = 0.5

    @property
    def audience(self) -> str:
        return self.routing.guide


def routing_outcome(audience: str, routing: Routing) -> str:
    """exact, named (theirs as the second path), intro (safe) or wrong (harmful)."""
    if routing.guide == audience:
        return "exact"
    if routing.second == audience:
        return "named"
    if routing.guide == "index":
        return "intro"
    return "wrong"


@dataclass(frozen=True)
class RoutingFigures:
    """Where a router sends the askers of one set of posts, with 95% intervals."""

    name: str
    askers: int
    rates: dict[str, float]  # outcome -> share of the askers
    intervals: dict[str, tuple[float, float]]
    answered: int = 0  # askers the classifier replied to
    answered_rates: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "askers": self.askers,
            **{k: round(v, 4) for k, v in self.rates.items()},
            "intervals": {
                k: [round(lo, 4), round(hi, 4)] for k, (lo, hi) in self.intervals.items()
            },
            "answered": self.answered,
            "answered_rates": {k: round(v, 4) for k, v in self.answered_rates.items()},
        }


@dataclass(frozen=True)
class Figures:
    """Precision, recall and F0.5 with 95% intervals, on the clear posts."""

    name: str
    precision: float
    recall: float
    f05: float
    intervals: dict[str, tuple[float, float]]
    tp: int
    fp: int
    fn: int
    tn: int
    errors: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self, *, with_errors: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f05": round(self.f05, 4),
            "intervals": {
                k: [round(lo, 4), round(hi, 4)] for k, (lo, hi) in self.intervals.items()
            },
            "confusion": {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn},
        }
        if with_errors:
            data["errors"] = self.errors
        return data


def figures(
    name: str,
    examples: Sequence[Example],
    groups: Sequence[int],
    predictions: Sequence[Prediction],
    *,
    seed: int,
) -> Figures:
    """Point figures on the clear posts, with bootstrap intervals over groups."""
    clear = [i for i, e in enumerate(examples) if not e.borderline]
    counts = np.array([_outcome(examples[i], predictions[i]) for i in clear], dtype=float)
    point = _metrics(counts.sum(axis=0))
    spans = _bootstrap(counts, [groups[i] for i in clear], _metrics, seed=seed)
    tp, fp, fn, tn = (int(v) for v in counts.sum(axis=0))
    return Figures(
        name=name,
        precision=point[0],
        recall=point[1],
        f05=point[2],
        intervals=dict(zip(("precision", "recall", "f05"), spans, strict=True)),
        tp=tp,
        fp=fp,
        fn=fn,
        tn=tn,
        errors=[
            _error(examples[i], predictions[i])
            for i in clear
            if _is_error(examples[i], predictions[i])
        ],
    )


def routing_figures(
    name: str,
    examples: Sequence[Example],
    groups: Sequence[int],
    predictions: Sequence[Prediction],
    members: Sequence[int],
    *,
    seed: int,
) -> RoutingFigures:
    """Where ``predictions`` route the askers ``members``, all of them and those answered."""

    def shares(totals: Any) -> list[float]:
        total = float(totals.sum())
        return [float(v) / total if total else 0.0 for v in totals]

    def rows(indices: Sequence[int]) -> Any:
        table = np.zeros((len(indices), len(ROUTING_OUTCOMES)))
        for row, i in enumerate(indices):
            outcome = routing_outcome(examples[i].audience, predictions[i].routing)
            table[row, ROUTING_OUTCOMES.index(outcome)] = 1.0
        return table

    counts = rows(members)
    answered = [i for i in members if predictions[i].reply]
    spans = _bootstrap(counts, [groups[i] for i in members], shares, seed=seed) if members else []
    return RoutingFigures(
        name=name,
        askers=len(members),
        rates=dict(zip(ROUTING_OUTCOMES, shares(counts.sum(axis=0)), strict=True)),
        intervals=dict(zip(ROUTING_OUTCOMES, spans, strict=False)),
        answered=len(answered),
        answered_rates=dict(zip(ROUTING_OUTCOMES, shares(rows(answered).sum(axis=0)), strict=True)),
    )


def _bootstrap(
    counts: Any, groups: Sequence[int], metrics: Callable[[Any], Sequence[float]], *, seed: int
) -> list[tuple[float, float]]:
    """95% intervals of ``metrics`` over summed ``counts`` rows, resampling whole groups."""
    unique, inverse = np.unique(np.array(groups), return_inverse=True)
    per_group = np.zeros((len(unique), counts.shape[1]))
    np.add.at(per_group, inverse, counts)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(unique), size=(BOOTSTRAP_ROUNDS, len(unique)))
    samples = np.array([metrics(per_group[d].sum(axis=0)) for d in draws])
    return [
        (float(np.percentile(samples[:, k], 2.5)), float(np.percentile(samples[:, k], 97.5)))
        for k in range(samples.shape[1])
    ]


def _outcome(example: Example, prediction: Prediction) -> tuple[int, int, int, int]:
    """(tp, fp, fn, tn) for one clear post."""
    if prediction.reply and example.intent:
        return 1, 0, 0, 0
    if prediction.reply:
        return 0, 1, 0, 0
    if example.intent:
        return 0, 0, 1, 0
    return 0, 0, 0, 1


def _metrics(totals: Any) -> tuple[float, float, float]:
    tp, fp, fn, _tn = (float(v) for v in totals)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f05 = 1.25 * precision * recall / (0.25 * precision + recall) if precision + recall else 0.0
    return precision, recall, f05


def _is_error(example: Example, prediction: Prediction) -> bool:
    return prediction.reply != example.intent or (
        prediction.reply and prediction.audience != example.audience
    )


def _error(example: Example, prediction: Prediction) -> dict[str, str]:
    if prediction.reply and example.intent:
        kind = f"wrong guide: {prediction.routing.token()}, expected {example.audience}"
    else:
        kind = "false reply" if prediction.reply else "missed"
    probability = "" if prediction.probability is None else f"{prediction.probability:.3f}"
    return {"key": example.key, "error": kind, "probability": probability, "title": example.title}
