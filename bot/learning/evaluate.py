"""``wikibot replies eval``: honest, cross-validated figures for the reply classifier.

k-fold cross-validation over all labelled posts. Near-duplicate posts (same title or same
body opening) stay in one fold. In each fold the model and its calibration are fitted on
the training part only (the calibration by an inner k-fold; the reply threshold is a
calibrated probability), then the held-out part is scored through the same ``classify`` the bot
runs, guard rails included. Nothing is ever scored by a model that saw it.

Borderline posts count neither as a miss nor as a false reply: they are left out of the
figures. 95% intervals come from a bootstrap over near-duplicate groups (``figures.py``).
The keyword baseline and the rules-v1 classifier (``baselines.py``) are scored on the same
posts; ``rule_effects.py`` counts what each guard rail changed.

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
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from bot.errors import BadArgument
from bot.learning.baselines import Verdict, keywords, load_rules_v1
from bot.learning.dataset import Example
from bot.learning.featurise import Featurised
from bot.learning.figures import (
    Figures,
    Prediction,
    RoutingFigures,
    figures,
    routing_figures,
    routing_outcome,
)
from bot.learning.folds import fold_splits, near_duplicate_groups
from bot.learning.options import TrainOptions
from bot.learning.rule_effects import RuleEffect, guard_rail_effects
from bot.learning.train import fit, require_sklearn
from bot.replies.classify import classify
from bot.replies.features import prepare_post
from bot.replies.model import model_from_dict
from bot.replies.routing import Routing, phrase_group_audience
from bot.replies.rules import Rules

if TYPE_CHECKING:
    import numpy as np


STREAM_SUBS = frozenset({"learnmachinelearning", "mlquestions"})
# The posts the audience phrase groups (config/replies.yaml) and rules v1 were written
# from: their routing figures would flatter the phrases, so they are reported apart.
PHRASE_SOURCES = frozenset({"dev.jsonl"})


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
        audience, _scores = phrase_group_audience(title, body, rules)
        predictions.append(Prediction(False, Routing(audience, confident=True)))
    return predictions
