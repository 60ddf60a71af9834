"""Reference classifiers that ``wikibot replies eval`` scores beside the model.

- **keywords**: a getting-started phrase anywhere in the post; audience by one keyword.
- **rules v1**: wikibot 0.1's hand-written weighted phrase rules
  (``bot/learning/rules-v1.yaml``): topic and question gates, intent weights, a score
  threshold. They scored precision 1.00 on the dev set they were written against and 0.59
  on a held-out set: the reason the model replaced them.

Neither is trained, so neither needs folds. Pure functions over strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.errors import shown_path
from bot.replies.features import prepare
from bot.replies.routing import rule_audience
from bot.replies.rules import Rule, parse_rules
from bot.yamlfile import load_yaml

RULES_V1 = Path(__file__).with_name("rules-v1.yaml")
# wikibot 0.1 read this much of a post, with URLs as ``<url>``: it is scored as it ran.
RULES_V1_TITLE_CHARS = 400
RULES_V1_BODY_CHARS = 6000
Verdict = tuple[bool, str]  # (reply?, audience)

_KEYWORDS = re.compile(
    r"get into|getting into|break into|where to start|where (do|should) i (start|begin)|"
    r"roadmap|how (do i|to) (start|begin)|beginner",
    re.IGNORECASE,
)
_KEYWORD_AUDIENCE = (
    ("highschool", re.compile(r"high ?school", re.IGNORECASE)),
    ("researchers", re.compile(r"\bph\.?d\b|research", re.IGNORECASE)),
    ("engineers", re.compile(r"engineer|developer|career|job", re.IGNORECASE)),
    ("hackers", re.compile(r"project|hobby", re.IGNORECASE)),
)


def keywords(title: str, body: str) -> Verdict:
    """The keyword baseline."""
    text = f"{title}\n{body}"
    audience = next((name for name, rx in _KEYWORD_AUDIENCE if rx.search(text)), "index")
    return bool(_KEYWORDS.search(text)), audience


@dataclass(frozen=True)
class RulesV1:
    """The gates and weighted intent rules of wikibot 0.1."""

    threshold: float
    title_boost: float
    topic: tuple[Rule, ...]
    question: tuple[Rule, ...]
    intent: tuple[Rule, ...]

    def classify(self, title: str, body: str, audience: Callable[[str, str], str]) -> Verdict:
        title_text = prepare(title, RULES_V1_TITLE_CHARS, url_marker="<url>")
        body_text = prepare(body, RULES_V1_BODY_CHARS, url_marker="<url>")
        if not any(r.match(title_text, body_text) for r in self.topic) or not any(
            r.match(title_text, body_text) for r in self.question
        ):
            return False, "index"
        score = 0.0
        for rule in self.intent:
            where = rule.match(title_text, body_text)
            if where is not None:
                score += rule.weight * (self.title_boost if where == "title" else 1.0)
        return score >= self.threshold, audience(title_text, body_text)


def load_rules_v1(path: Path = RULES_V1) -> Callable[[str, str], Verdict]:
    """The rules-v1 classifier as a function of title and body."""
    data = load_yaml(path, what="rules-v1 baseline")
    file = shown_path(path)
    title_boost = float(data["title_boost"])
    v1 = RulesV1(
        threshold=float(data["threshold"]),
        title_boost=title_boost,
        topic=parse_rules(data["topic"], file=file, key="topic", weighted=False),
        question=parse_rules(data["question"], file=file, key="question", weighted=False),
        intent=parse_rules(data["intent"], file=file, key="intent"),
    )
    groups = {
        name: parse_rules(group, file=file, key=f"audiences.{name}", required=True)
        for name, group in data["audiences"].items()
    }

    def audience(title: str, body: str) -> str:
        return rule_audience(
            title,
            body,
            groups,
            minimum=float(data["audience_min"]),
            margin=float(data["audience_margin"]),
            title_boost=title_boost,
        )[0]

    return lambda title, body: v1.classify(title, body, audience)
