"""``wikibot replies eval``: honest, cross-validated figures for the reply classifier.

k-fold cross-validation over all labelled posts. Near-duplicate posts (same title or same
body opening) stay in one fold. In each fold the model and its calibration are fitted on
the training part only (the calibration by an inner k-fold; the reply threshold is a
calibrated probability), then the held-out part is scored through the same ``classify`` the bot
runs, guard rails included. Nothing is ever scored by a model that saw it.

Borderline posts count neither as a miss nor as a false reply: they are left out of the
figures. 95% intervals come from a bootstrap over near-duplicate groups. The keyword
baseline and the rules-v1 classifier are scored on the same posts.

Routing is measured on *every* clear getting-started post, whether or not it got a reply,
as four outcomes: the linked guide is the asker's (exact), the asker's guide is named as
the second path, the Introduction instead of their guide (safe), or a specific guide that
is not theirs (harmful; for an asker with no clear audience, any specific guide). The
audience phrase groups and wikibot 0.1's rules were written on ``dev.jsonl``: its posts
are reported apart (``PHRASE_SOURCES``) and never in the headline figures. A second table
counts the borderline getting-started posts too: their intent is debatable, their audience
is not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

from bot.errors import BadArgument
from bot.learning.baselines import Verdict, keywords, load_rules_v1
from bot.learning.dataset import Example
from bot.learning.train import Featurised, TrainOptions, fit, near_duplicate_groups, require_sklearn
from bot.replies.classify import TOPIC_GATE, classify, guard_rails
from bot.replies.features import prepare_post
from bot.replies.model import model_from_dict, sigmoid
from bot.replies.routing import Routing, rule_audience
from bot.replies.rules import Rules

if TYPE_CHECKING:
    import numpy as np

BOOTSTRAP_ROUNDS = 1000
STREAM_SUBS = frozenset({"learnmachinelearning", "mlquestions"})
# The posts the audience phrase groups (config/replies.yaml) and rules v1 were written
# from: their routing figures would flatter the phrases, so they are reported apart.
PHRASE_SOURCES = frozenset({"dev.jsonl"})
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
    routing: list[RoutingFigures] = field(default_factory=list)  # headline: model first
    routing_by_source: dict[str, RoutingFigures] = field(default_factory=dict)  # model
    routing_with_borderline: list[RoutingFigures] = field(default_factory=list)
    guard_rails: list[RuleEffect] = field(default_factory=list)
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
            "routing": {
                "left_out_sources": sorted(PHRASE_SOURCES),
                "clear_askers": {r.name: r.to_dict() for r in self.routing},
                "model_by_source": {k: r.to_dict() for k, r in self.routing_by_source.items()},
                "with_borderline": {r.name: r.to_dict() for r in self.routing_with_borderline},
            },
            "guard_rails": [effect.to_dict() for effect in self.guard_rails],
        }


@dataclass(frozen=True)
class Comparison:
    """A candidate model's cross-validated figures beside the current model's, same folds."""

    current: Report | None  # None: the current model's training posts are too few here
    candidate: Report
    current_posts: int  # posts the current model's recipe may learn from
    note: str = ""

    def rows(self) -> list[tuple[str, float | None, float, bool]]:
        """(figure, current, candidate, candidate worse) for the table."""

        def values(report: Report) -> list[tuple[str, float, bool]]:
            model, routing = report.model, report.routing[0]
            return [
                ("precision", model.precision, True),
                ("recall", model.recall, True),
                ("F0.5", model.f05, True),
                ("routing: their guide", routing.rates["exact"], True),
                ("routing: a wrong guide", routing.rates["wrong"], False),
            ]

        ours = values(self.candidate)
        theirs = values(self.current) if self.current else [(n, None, h) for n, _, h in ours]
        rows = []
        for (name, new, higher_better), (_n, old, _h) in zip(ours, theirs, strict=True):
            worse = old is not None and (new < old if higher_better else new > old)
            rows.append((name, old, new, worse))
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "current_posts": self.current_posts,
            "note": self.note or None,
            "rows": [
                {"figure": n, "current": c, "candidate": v, "candidate_worse": w}
                for n, c, v, w in self.rows()
            ],
            "current": self.current.to_dict() if self.current else None,
            "candidate": self.candidate.to_dict(),
        }


def cross_validate(
    examples: Sequence[Example],
    *,
    rules: Rules,
    options: TrainOptions,
    folds: int = 5,
    progress: Callable[[int, int], None] | None = None,
    vectors: np.ndarray | None = None,
    trains_on: Callable[[Example], bool] | None = None,
    seed: int | None = None,
) -> Report:
    """Cross-validated figures of the model (as the bot runs it) and the baselines.

    ``vectors``: the examples' sentence vectors (``vectors.post_vectors``); without them
    the model is the n-grams alone. ``trains_on``: which posts a fold's model may learn
    from (default: every post outside the fold); the folds and the posts scored stay the
    same, so two training sets can be compared on the same folds. ``seed``: of the folds
    (default: the options').
    """
    require_sklearn()
    check_can_cross_validate(examples, folds=folds)
    data = Featurised.of(examples, vectors=vectors)
    groups = near_duplicate_groups(examples)
    by_model: list[Prediction | None] = [None] * len(examples)
    thresholds = []
    splits = fold_splits(examples, groups, folds=folds, seed=options.seed if seed is None else seed)
    for number, (train_idx, test_idx) in enumerate(splits):
        if progress:
            progress(number, folds)
        learn = [i for i in train_idx if trains_on is None or trains_on(examples[i])]
        document = fit(data.subset(learn), options=options)
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
                route=example.intent,  # routing is measured on every asker, answered or not
                vector=None if vectors is None else vectors[i].tolist(),
            )
            by_model[i] = Prediction(
                decision.is_getting_started,
                decision.routing,
                decision.score,
                decision.model_logit,
                fold_rules.reply_threshold,
            )
    if progress:
        progress(folds, folds)
    model_predictions = [p for p in by_model if p is not None]
    v1 = load_rules_v1()
    baseline_predictions = {"keywords": _run(keywords, examples), "rules v1": _run(v1, examples)}
    baselines = [
        figures(name, examples, groups, predictions, seed=options.seed)
        for name, predictions in baseline_predictions.items()
    ]
    stream = [
        i
        for i, e in enumerate(examples)
        if e.sub.lower() in STREAM_SUBS and e.source == "train.jsonl"
    ]
    clear = [e for e in examples if not e.borderline]
    routers = {
        "model": model_predictions,
        "phrase groups": _phrase_groups(examples, rules),
        **baseline_predictions,
    }
    headline = [
        i for i, e in enumerate(examples) if e.clear_positive and e.source not in PHRASE_SOURCES
    ]
    with_borderline = [
        i for i, e in enumerate(examples) if e.intent and e.source not in PHRASE_SOURCES
    ]
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
        stream_wrong_replies=sum(  # a false reply or a wrong guide; the Introduction is safe
            1
            for i in stream
            if model_predictions[i].reply
            and not examples[i].borderline
            and (
                not examples[i].intent
                or routing_outcome(examples[i].audience, model_predictions[i].routing) == "wrong"
            )
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
        routing=[
            routing_figures(name, examples, groups, predictions, headline, seed=options.seed)
            for name, predictions in routers.items()
        ],
        routing_by_source={
            source: routing_figures(
                source, examples, groups, model_predictions, members, seed=options.seed
            )
            for source in sorted({e.source for e in examples})
            if (
                members := [
                    i for i, e in enumerate(examples) if e.clear_positive and e.source == source
                ]
            )
        },
        routing_with_borderline=[
            routing_figures(
                name, examples, groups, routers[name], with_borderline, seed=options.seed
            )
            for name in ("model", "phrase groups")
        ],
        guard_rails=guard_rail_effects(examples, model_predictions, rules),
        predictions=model_predictions,
    )


@dataclass(frozen=True)
class RuleEffect:
    """What one guard rail changed in the out-of-fold decisions on the clear posts."""

    kind: str  # topic, hard negative, boost, flair
    rule: str
    askers_blocked: int = 0  # clear askers who lose their reply to it
    askers_gained: int = 0  # clear askers who get a reply only through it
    others_blocked: int = 0  # false replies it prevents
    others_let_through: int = 0  # false replies it causes
    note: str = ""

    @property
    def costly(self) -> bool:
        """It blocks more askers than false replies it prevents."""
        return self.askers_blocked > self.others_blocked

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "costly": self.costly}


def guard_rail_effects(
    examples: Sequence[Example], predictions: Sequence[Prediction], rules: Rules
) -> list[RuleEffect]:
    """Each rule's marginal effect: the clear posts whose out-of-fold decision would differ
    without that one rule (the other rules kept)."""
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for example, prediction in zip(examples, predictions, strict=True):
        if example.borderline or prediction.model_logit is None:
            continue
        logit, threshold = prediction.model_logit, prediction.threshold

        def replies(shift: float, vetoes: Sequence[str]) -> bool:
            return sigmoid(logit + shift) >= threshold and not vetoes  # noqa: B023

        title, body = prepare_post(example.title, example.body)
        rails = guard_rails(title, body, None, rules)  # the labelled posts carry no flair
        actual = replies(rails.shift, rails.vetoes)
        changed = [
            ("topic" if veto == TOPIC_GATE else "hard negative", veto, False)
            for veto in set(rails.vetoes)
            if replies(rails.shift, [v for v in rails.vetoes if v != veto])
        ]
        changed += [
            (shift.kind, shift.rule, actual)
            for shift in rails.shifts
            if replies(rails.shift - shift.weight, rails.vetoes) != actual
        ]
        for kind, rule, gained in changed:
            outcome = (
                ("gained" if gained else "blocked")
                if example.intent
                else ("let_through" if gained else "blocked")
            )
            key = f"{'askers' if example.intent else 'others'}_{outcome}"
            tally = counts.setdefault((kind, rule), {})
            tally[key] = tally.get(key, 0) + 1
    listed = [("topic", TOPIC_GATE)] + [("hard negative", r.reason) for r in rules.hard_negatives]
    listed += [("boost", r.reason) for r in rules.boosts]
    listed += [("flair", name) for name in rules.flair_weights]
    return [
        RuleEffect(
            kind,
            rule,
            **counts.get((kind, rule), {}),
            note="the labelled posts carry no flair" if kind == "flair" else "",
        )
        for kind, rule in listed
    ]


def check_can_cross_validate(examples: Sequence[Example], *, folds: int) -> None:
    """``BadArgument`` in one line when ``folds`` folds cannot each hold an asker and others."""
    clear = [e for e in examples if not e.borderline]
    askers = sum(e.intent for e in clear)
    groups = len(set(near_duplicate_groups(examples)))
    if askers < folds or len(clear) - askers < folds or groups < folds:
        raise BadArgument(
            f"{folds}-fold cross-validation needs at least {folds} clear getting-started posts, "
            f"{folds} clear other posts and {folds} distinct posts; the labelled data has "
            f"{askers}, {len(clear) - askers} and {groups}: label more posts or pass fewer --folds"
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
    predictions = []
    for e in examples:
        reply, audience = classifier(e.title, e.body)
        predictions.append(Prediction(reply, Routing(audience, confident=True)))
    return predictions


def _phrase_groups(examples: Sequence[Example], rules: Rules) -> list[Prediction]:
    """The ``audiences`` phrase groups as the router (wikibot 0.1's routing); no replies."""
    predictions = []
    for e in examples:
        title, body = prepare_post(e.title, e.body)
        audience, _scores = rule_audience(
            title,
            body,
            rules.audiences,
            minimum=rules.audience_min,
            margin=rules.audience_margin,
            title_boost=rules.title_boost,
        )
        predictions.append(Prediction(False, Routing(audience, confident=True)))
    return predictions


def _bootstrap(
    counts: Any, groups: Sequence[int], metrics: Callable[[Any], Sequence[float]], *, seed: int
) -> list[tuple[float, float]]:
    """95% intervals of ``metrics`` over summed ``counts`` rows, resampling whole groups."""
    import numpy as np  # noqa: PLC0415

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
    import numpy as np  # noqa: PLC0415

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
