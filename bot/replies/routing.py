"""The router: which guide a reply links, and how much it may say about the asker. Pure.

``choose_guide`` (prepared text): a phrase of the ``audiences`` groups marked ``decisive``
wins; otherwise, with ``audience_from: model`` (the default), ``route_by_probability``
links the likeliest guide when the audience head's probability reaches ``audience_floor``;
both paths when the runner-up is within ``audience_close``, or when neither reaches the
floor but the two together reach ``audience_pair``; and the Introduction (``index``)
otherwise. Only at ``audience_confident`` may the reply speak about the asker. With
``audience_from: rules`` the phrase groups route (``phrase_group_audience``), as in wikibot
0.1. The result is a ``Routing``, stored in the state as one short token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.replies.model import Score
from bot.replies.rules import Rule, Rules
from bot.replies.terms import AUDIENCES

SECOND_SEPARATOR = "/"
TENTATIVE_MARK = "?"


@dataclass(frozen=True)
class Routing:
    """Which guide a reply links and how much it may say about the asker.

    Stored in the state as one short token: ``engineers`` (confident), ``engineers?``
    (the guide, without a word about the asker) or ``engineers/researchers`` (both paths).
    """

    guide: str  # the audience whose guide is linked first; "index" is the Introduction
    second: str | None = None  # a second path named beside it, when the two are close
    confident: bool = False  # the reply may say something about the asker (never for index)

    def token(self) -> str:
        if self.second:
            return f"{self.guide}{SECOND_SEPARATOR}{self.second}"
        if self.guide == "index" or self.confident:
            return self.guide
        return self.guide + TENTATIVE_MARK

    @classmethod
    def parse(cls, token: str | None) -> Routing:
        """The routing a stored token names; anything unknown is the Introduction."""
        text = (token or "").strip()
        first, _, second = text.partition(SECOND_SEPARATOR)
        guide = first.removesuffix(TENTATIVE_MARK)
        if guide not in AUDIENCES or guide == "index":
            return cls("index")
        if second:
            return cls(guide, second if second in AUDIENCES else None)
        return cls(guide, confident=not first.endswith(TENTATIVE_MARK))


def choose_guide(
    title: str, body: str, scored: Score, rules: Rules
) -> tuple[Routing, dict[str, float], str]:
    """The reply's guide(s) for a post (prepared text), the scores behind it, and why."""
    decisive = {
        name
        for name, group in rules.audiences.items()
        for rule in group
        if rule.decisive and rule.match(title, body)
    }
    if len(decisive) == 1:  # two decisive phrases that disagree decide nothing
        (name,) = decisive
        scores = dict(scored.audience_probabilities)
        return Routing(name, confident=True), scores, f"audience: decisive phrase ({name})"
    if rules.audience_from == "rules" or not scored.audience_probabilities:
        audience, scores = phrase_group_audience(title, body, rules)
        routing = Routing(audience, confident=audience != "index")
        return routing, scores, "audience: phrase groups"
    probabilities = dict(scored.audience_probabilities)
    return route_by_probability(probabilities, rules=rules), probabilities, ""


def route_by_probability(probabilities: Mapping[str, float], *, rules: Rules) -> Routing:
    """The learned router: the likeliest guide above the floor; both paths when the top two
    are close, or when neither reaches the floor but together they reach ``audience_pair``
    (the asker is one of two, most likely); else the Introduction. Pure."""
    ranked = sorted(
        ((p, name) for name, p in probabilities.items() if name != "index"), reverse=True
    )
    if not ranked:
        return Routing("index")
    best_p, best = ranked[0]
    second_p, second = ranked[1] if len(ranked) > 1 else (0.0, "")
    if (
        second
        and best_p - second_p <= rules.audience_close
        and best_p + second_p >= rules.audience_floor
    ):
        return Routing(best, second)
    if best_p >= rules.audience_floor:
        return Routing(best, confident=best_p >= rules.audience_confident)
    if second and rules.audience_pair < 1.0 and best_p + second_p >= rules.audience_pair:
        return Routing(best, second)
    return Routing("index")


def phrase_group_audience(title: str, body: str, rules: Rules) -> tuple[str, dict[str, float]]:
    """``rule_audience`` over the ``audiences`` groups of ``rules``, with their
    ``audience_min``, ``audience_margin`` and ``title_boost`` (prepared text)."""
    return rule_audience(
        title,
        body,
        rules.audiences,
        minimum=rules.audience_min,
        margin=rules.audience_margin,
        title_boost=rules.title_boost,
    )


def rule_audience(
    title: str,
    body: str,
    groups: Mapping[str, tuple[Rule, ...]],
    *,
    minimum: float,
    margin: float,
    title_boost: float,
) -> tuple[str, dict[str, float]]:
    """The best-scoring audience phrase group when it scores at least ``minimum`` and leads
    the runner-up by ``margin``, else ``index``."""
    scores = {}
    for name, group in groups.items():
        total = 0.0
        for rule in group:
            where = rule.match(title, body)
            if where is not None:
                total += rule.weight * (title_boost if where == "title" else 1.0)
        scores[name] = total
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if not ranked:
        return "index", scores
    best, best_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best_score >= minimum and best_score - runner_up >= margin:
        return best, scores
    return "index", scores
