"""What each guard rail of ``replies.yaml`` changes: ``replies eval --guard-rails``.

A rule's marginal effect is counted on the clear posts whose out-of-fold decision would
differ without that one rule (the other rules kept): askers it blocks or lets through, and
false replies it prevents or causes. A rule that blocks more askers than false replies it
prevents is flagged as costly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from bot.learning.dataset import Example
from bot.learning.figures import Prediction
from bot.replies.classify import TOPIC_GATE, guard_rails
from bot.replies.features import prepare_post
from bot.replies.model import sigmoid
from bot.replies.rules import Rules


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
