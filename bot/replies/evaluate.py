"""``wikibot replies eval``: honest, cross-validated figures for the reply classifier.

k-fold cross-validation over all labelled posts. Near-duplicate posts (same title or same
body opening) stay in one fold. In each fold the model and its calibration are fitted on
the training part only (the calibration by an inner k-fold; the reply threshold is a
calibrated probability), then the held-out part is scored through the same ``classify`` the bot
runs, guard rails included. Nothing is ever scored by a model that saw it.

Borderline posts count neither as a miss nor as a false reply: they are left out of the
figures. Routing accuracy is measured on the clear getting-started posts that get a
reply. 95% intervals come from a bootstrap over near-duplicate groups. The keyword
baseline and the rules-v1 classifier are scored on the same posts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from bot.replies.baselines import Verdict, keywords, load_rules_v1
from bot.replies.classify import Rules, classify
from bot.replies.dataset import Example
from bot.replies.model import model_from_dict
from bot.replies.train import Featurised, TrainOptions, fit, near_duplicate_groups, require_sklearn

if TYPE_CHECKING:
    import numpy as np

BOOTSTRAP_ROUNDS = 1000
STREAM_SUBS = frozenset({"learnmachinelearning", "mlquestions"})


@dataclass(frozen=True)
class Prediction:
    """What a classifier said about one labelled post."""

    reply: bool
    audience: str
    probability: float | None = None


@dataclass(frozen=True)
class Figures:
    """Precision, recall, F0.5 and routing with 95% intervals, on the clear posts."""

    name: str
    precision: float
    recall: float
    f05: float
    routing: float
    intervals: dict[str, tuple[float, float]]
    tp: int
    fp: int
    fn: int
    tn: int
    wrong_guide: int
    errors: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self, *, with_errors: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f05": round(self.f05, 4),
            "routing": round(self.routing, 4),
            "intervals": {
                k: [round(lo, 4), round(hi, 4)] for k, (lo, hi) in self.intervals.items()
            },
            "confusion": {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn},
            "wrong_guide": self.wrong_guide,
        }
        if with_errors:
            data["errors"] = self.errors
        return data


@dataclass(frozen=True)
class Report:
    """The whole evaluation."""

    folds: int
    examples: int
    clear: int
    clear_getting_started: int
    borderline: int
    model: Figures
    baselines: list[Figures]
    thresholds: list[float]
    stream_posts: int
    stream_wrong_replies: int
    by_source: dict[str, Figures] = field(default_factory=dict)
    predictions: list[Prediction] = field(default_factory=list, repr=False)

    @property
    def stream_wrong_per_1000(self) -> float | None:
        """Wrong replies per 1,000 posts of the subreddit's stream sample."""
        if not self.stream_posts:
            return None
        return round(1000 * self.stream_wrong_replies / self.stream_posts, 2)

    def to_dict(self, *, with_errors: bool = False) -> dict[str, Any]:
        return {
            "folds": self.folds,
            "examples": self.examples,
            "clear": self.clear,
            "clear_getting_started": self.clear_getting_started,
            "borderline_left_out": self.borderline,
            "fold_thresholds": [round(t, 4) for t in self.thresholds],
            "stream": {
                "posts": self.stream_posts,
                "wrong_replies": self.stream_wrong_replies,
                "wrong_per_1000": self.stream_wrong_per_1000,
            },
            "classifiers": {
                f.name: f.to_dict(with_errors=with_errors) for f in (self.model, *self.baselines)
            },
            "model_by_source": {name: f.to_dict() for name, f in self.by_source.items()},
        }


def cross_validate(
    examples: Sequence[Example],
    *,
    rules: Rules,
    options: TrainOptions,
    folds: int = 5,
    progress: Callable[[int, int], None] | None = None,
    vectors: np.ndarray | None = None,
) -> Report:
    """Cross-validated figures of the model (as the bot runs it) and the baselines.

    ``vectors``: the examples' sentence vectors (``vectors.post_vectors``); without them
    the model is the n-grams alone.
    """
    require_sklearn()
    data = Featurised.of(examples, vectors=vectors)
    groups = near_duplicate_groups(examples)
    by_model: list[Prediction | None] = [None] * len(examples)
    thresholds = []
    splits = fold_splits(examples, groups, folds=folds, seed=options.seed)
    for number, (train_idx, test_idx) in enumerate(splits):
        if progress:
            progress(number, folds)
        document = fit(data.subset(train_idx), options=options)
        fold_rules = replace(
            rules, model=model_from_dict(document, source=f"fold {number + 1}"), threshold=None
        )
        thresholds.append(fold_rules.reply_threshold)
        for i in test_idx:
            example = examples[i]
            decision = classify(
                title=example.title,
                body=example.body,
                rules=fold_rules,
                explain=False,
                vector=None if vectors is None else vectors[i].tolist(),
            )
            by_model[i] = Prediction(decision.is_getting_started, decision.audience, decision.score)
    if progress:
        progress(folds, folds)
    model_predictions = [p for p in by_model if p is not None]
    v1 = load_rules_v1()
    baselines = [
        figures("keywords", examples, groups, _run(keywords, examples), seed=options.seed),
        figures("rules v1", examples, groups, _run(v1, examples), seed=options.seed),
    ]
    stream = [
        i
        for i, e in enumerate(examples)
        if e.sub.lower() in STREAM_SUBS and e.source == "train.jsonl"
    ]
    clear = [e for e in examples if not e.borderline]
    return Report(
        folds=folds,
        examples=len(examples),
        clear=len(clear),
        clear_getting_started=sum(e.intent for e in clear),
        borderline=len(examples) - len(clear),
        model=figures("model", examples, groups, model_predictions, seed=options.seed),
        baselines=baselines,
        thresholds=thresholds,
        stream_posts=len(stream),
        stream_wrong_replies=sum(
            1
            for i in stream
            if model_predictions[i].reply
            and not examples[i].borderline
            and (not examples[i].intent or model_predictions[i].audience != examples[i].audience)
        ),
        by_source={
            source: figures(
                source,
                [examples[i] for i in members],
                [groups[i] for i in members],
                [model_predictions[i] for i in members],
                seed=options.seed,
            )
            for source in sorted({e.source for e in examples})
            if len(members := [i for i, e in enumerate(examples) if e.source == source]) >= 20
        },
        predictions=model_predictions,
    )


def fold_splits(
    examples: Sequence[Example], groups: Sequence[int], *, folds: int, seed: int
) -> list[tuple[list[int], list[int]]]:
    """(train, test) index lists: each post tested once, near-duplicates in one fold,
    getting-started and borderline posts spread evenly."""
    from sklearn.model_selection import StratifiedGroupKFold  # noqa: PLC0415

    strata = [2 * e.intent + e.borderline for e in examples]
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [(tr.tolist(), te.tolist()) for tr, te in splitter.split(strata, strata, groups)]


def _run(
    classifier: Callable[[str, str], Verdict], examples: Sequence[Example]
) -> list[Prediction]:
    return [Prediction(*classifier(e.title, e.body)) for e in examples]


def figures(
    name: str,
    examples: Sequence[Example],
    groups: Sequence[int],
    predictions: Sequence[Prediction],
    *,
    seed: int,
) -> Figures:
    """Point figures on the clear posts, with bootstrap intervals over groups."""
    import numpy as np  # noqa: PLC0415

    clear = [i for i, e in enumerate(examples) if not e.borderline]
    counts = np.array([_outcome(examples[i], predictions[i]) for i in clear], dtype=float)
    point = _metrics(counts.sum(axis=0))
    group_ids = np.array([groups[i] for i in clear])
    unique, inverse = np.unique(group_ids, return_inverse=True)
    per_group = np.zeros((len(unique), counts.shape[1]))
    np.add.at(per_group, inverse, counts)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(unique), size=(BOOTSTRAP_ROUNDS, len(unique)))
    samples = np.array([_metrics(per_group[d].sum(axis=0)) for d in draws])
    intervals = {
        key: (float(np.percentile(samples[:, k], 2.5)), float(np.percentile(samples[:, k], 97.5)))
        for k, key in enumerate(("precision", "recall", "f05", "routing"))
    }
    tp, fp, fn, tn, _routed, wrong = (int(v) for v in counts.sum(axis=0))
    return Figures(
        name=name,
        precision=point[0],
        recall=point[1],
        f05=point[2],
        routing=point[3],
        intervals=intervals,
        tp=tp,
        fp=fp,
        fn=fn,
        tn=tn,
        wrong_guide=wrong,
        errors=[
            _error(examples[i], predictions[i])
            for i in clear
            if _is_error(examples[i], predictions[i])
        ],
    )


def _outcome(example: Example, prediction: Prediction) -> tuple[int, int, int, int, int, int]:
    """(tp, fp, fn, tn, routed, wrong guide) for one clear post."""
    if prediction.reply and example.intent:
        wrong = prediction.audience != example.audience
        return 1, 0, 0, 0, 1, int(wrong)
    if prediction.reply:
        return 0, 1, 0, 0, 0, 0
    if example.intent:
        return 0, 0, 1, 0, 0, 0
    return 0, 0, 0, 1, 0, 0


def _metrics(totals: Any) -> tuple[float, float, float, float]:
    tp, fp, fn, _tn, routed, wrong = (float(v) for v in totals)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f05 = 1.25 * precision * recall / (0.25 * precision + recall) if precision + recall else 0.0
    routing = (routed - wrong) / routed if routed else 0.0
    return precision, recall, f05, routing


def _is_error(example: Example, prediction: Prediction) -> bool:
    return prediction.reply != example.intent or (
        prediction.reply and prediction.audience != example.audience
    )


def _error(example: Example, prediction: Prediction) -> dict[str, str]:
    if prediction.reply and example.intent:
        kind = f"wrong guide: {prediction.audience}, expected {example.audience}"
    else:
        kind = "false reply" if prediction.reply else "missed"
    probability = "" if prediction.probability is None else f"{prediction.probability:.3f}"
    return {"key": example.key, "error": kind, "probability": probability, "title": example.title}
