"""The decision: is a post asking how to get into ML, and which guide fits the asker?

``classify`` is a deterministic function over plain data; the only computation beyond
Python is the sentence encoder (``encoder.py``), run once for each post the model scores.
It combines the learned model (``model.py``: a calibrated probability of getting-started
intent, and a probability per audience) with the moderators' guard rails (``Rules``, read
from ``config/replies.yaml`` by ``rules.py``):

1. ``topic``: a post that mentions none of these (ML, AI, data science...) gets no
   reply; ``hard_negatives``: a match vetoes the reply whatever the model says
   (promotion, showcase, hiring, hardware...). Precision first.
2. ``boosts`` and ``flair_weights`` add to the model's log-odds (a match in the title
   counts ``title_boost`` times).
3. The post is a getting-started question when the adjusted probability reaches
   ``threshold`` (when omitted, the model file's: a calibrated probability, 0.70 for the
   shipped model).
4. The guide comes from the router (``routing.choose_guide``).

``wikibot replies eval`` (``bot/learning/``) scores this same function out of fold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.errors import ConfigError
from bot.replies.features import prepare_post
from bot.replies.model import sigmoid
from bot.replies.routing import Routing, choose_guide
from bot.replies.rules import Rules


@dataclass(frozen=True)
class Decision:
    """The classifier's verdict on one post."""

    is_getting_started: bool
    routing: Routing
    score: float  # probability of a getting-started question, after guard rails
    reasons: tuple[str, ...] = ()
    audience_scores: Mapping[str, float] = field(default_factory=dict)
    model_logit: float = 0.0  # the model's calibrated log-odds, before the guard rails

    @property
    def audience(self) -> str:
        """The audience whose guide the reply links first."""
        return self.routing.guide

    def to_dict(self) -> dict[str, Any]:
        return {
            "is_getting_started": self.is_getting_started,
            "audience": self.audience,
            "routing": {
                "guide": self.routing.guide,
                "second": self.routing.second,
                "confident": self.routing.confident,
            },
            "score": round(self.score, 4),
            "reasons": list(self.reasons),
            "audience_scores": {k: round(v, 3) for k, v in self.audience_scores.items()},
        }


def classify(
    *,
    title: str,
    body: str = "",
    flair: str | None = None,
    rules: Rules,
    explain: bool = True,
    route: bool = False,
    vector: Sequence[float] | None = None,
) -> Decision:
    """Decide whether a post asks how to get into ML, and for which audience.

    ``explain=False`` skips listing the model's strongest features in the reasons; the
    guide is then chosen only for a post that gets a reply, unless ``route``.
    ``vector``: the post's sentence vector, when the caller has it already (evaluation);
    otherwise it is encoded here (~50 ms) when the model reads one.
    """
    model = rules.model
    if model is None:
        raise ConfigError(f"{rules.source}: no reply model loaded")
    title_text, body_text = prepare_post(title, body)
    if vector is None:
        vector = model.embed(title, body)
    scored = model.score(
        title=title_text, body=body_text, prepared=True, explain=explain, vector=vector
    )
    rails = guard_rails(title_text, body_text, flair, rules)
    reasons = [f"model: p={scored.probability:.3f}"]
    reasons.extend(f"  {weight:+.2f} {name}" for name, weight in scored.top_features[:5])
    reasons.extend(f"{shift.weight:+.1f} {shift.why}" for shift in rails.shifts)
    probability = sigmoid(scored.logit + rails.shift)
    candidate = probability >= rules.reply_threshold
    if not (candidate or explain or route):  # guard rails and routing matter for a reply
        return Decision(False, Routing("index"), probability, tuple(reasons), {}, scored.logit)
    veto = rails.veto
    if veto is not None:
        reasons.append(f"no reply: {veto}")
    routing, audience_scores, why = choose_guide(title_text, body_text, scored, rules)
    if why:
        reasons.append(why)
    return Decision(
        veto is None and candidate,
        routing,
        probability,
        tuple(reasons),
        audience_scores,
        scored.logit,
    )


TOPIC_GATE = "does not mention ML, AI or data science"


@dataclass(frozen=True)
class Shift:
    """A moderators' rule that moves a post's log-odds: a boost or a flair weight."""

    kind: str  # boost | flair
    rule: str  # the boost's reason, or the flair
    weight: float  # as applied (a title match counts title_boost times)
    why: str  # for the decision's reasons


@dataclass(frozen=True)
class GuardRails:
    """What the moderators' rules in ``replies.yaml`` say about one post."""

    shifts: tuple[Shift, ...]  # the boosts and the flair weight that apply
    vetoes: tuple[str, ...]  # hard negatives that match, and the topic gate if no topic does

    @property
    def shift(self) -> float:
        return sum(shift.weight for shift in self.shifts)

    @property
    def veto(self) -> str | None:
        """The reason the post gets no reply whatever the model says (the topic gate first)."""
        if TOPIC_GATE in self.vetoes:
            return TOPIC_GATE
        return self.vetoes[0] if self.vetoes else None


def guard_rails(title: str, body: str, flair: str | None, rules: Rules) -> GuardRails:
    """The boosts, flair weight and vetoes that apply to a post (prepared text). Pure."""
    shifts = []
    for rule in rules.boosts:
        where = rule.match(title, body)
        if where is not None:
            weight = rule.weight * (rules.title_boost if where == "title" else 1.0)
            shifts.append(Shift("boost", rule.reason, weight, f"{rule.reason} ({where})"))
    if flair and (flair_weight := rules.flair_weights.get(flair.strip().lower())):
        name = flair.strip().lower()
        shifts.append(Shift("flair", name, flair_weight, f"flair '{flair.strip()}'"))
    vetoes = [rule.reason for rule in rules.hard_negatives if rule.match(title, body)]
    if rules.topic and not any(rule.match(title, body) for rule in rules.topic):
        vetoes.append(TOPIC_GATE)
    return GuardRails(tuple(shifts), tuple(vetoes))
