"""Pure classification: is a post asking how to get into ML, and who is asking?

Weighted phrase rules from ``config/replies.yaml``. A post must mention an ML topic and ask
something (gates); then intent rules add or subtract weight (a match in the title counts
``title_boost`` times); the post is a getting-started question when the score reaches
``threshold``. The audience is the best-scoring audience group when it is clear enough,
else ``index`` (the Introduction).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError

AUDIENCES = ("highschool", "engineers", "researchers", "hackers", "index")
MAX_BODY_CHARS = 6000
MAX_TITLE_CHARS = 400
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    """A regular expression with a weight and a human-readable reason."""

    pattern: re.Pattern[str]
    weight: float
    reason: str
    title_only: bool = False

    def match(self, title: str, body: str) -> str | None:
        """'title', 'body' or None: where the rule matched (title wins)."""
        if self.pattern.search(title):
            return "title"
        if not self.title_only and self.pattern.search(body):
            return "body"
        return None


@dataclass(frozen=True)
class Rules:
    """Everything the classifier and responder read from ``replies.yaml``."""

    threshold: float
    title_boost: float
    topic: tuple[Rule, ...]
    question: tuple[Rule, ...]
    intent: tuple[Rule, ...]
    audiences: Mapping[str, tuple[Rule, ...]]
    audience_min: float
    audience_margin: float
    flair_weights: Mapping[str, float]
    templates: Mapping[str, str]
    guide_titles: Mapping[str, str]
    footer: str
    source: str = ""


@dataclass(frozen=True)
class Decision:
    """The classifier's verdict on one post."""

    is_getting_started: bool
    audience: str
    score: float
    reasons: tuple[str, ...] = ()
    audience_scores: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "is_getting_started": self.is_getting_started,
            "audience": self.audience,
            "score": round(self.score, 2),
            "reasons": list(self.reasons),
            "audience_scores": {k: round(v, 2) for k, v in self.audience_scores.items()},
        }


def prepare(text: str | None, limit: int) -> str:
    """Lower-case, NFKC-normalised, whitespace-folded text; URLs become ``<url>``.

    URLs are replaced so that words inside them (``.../interview-prep``) do not count.
    """
    if not text:
        return ""
    text = _URL.sub(" <url> ", unicodedata.normalize("NFKC", text[: limit * 2]))
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
    text = text.replace("\u201d", '"')
    return " ".join(text.lower().split())[:limit]


def classify(*, title: str, body: str = "", flair: str | None = None, rules: Rules) -> Decision:
    """Decide whether a post asks how to get into ML, and for which audience. Pure."""
    title_text = prepare(title, MAX_TITLE_CHARS)
    body_text = prepare(body, MAX_BODY_CHARS)
    if not any(rule.match(title_text, body_text) for rule in rules.topic):
        return Decision(False, "index", 0.0, ("does not mention ML, AI or data science",))
    if not any(rule.match(title_text, body_text) for rule in rules.question):
        return Decision(False, "index", 0.0, ("asks no question",))
    score = 0.0
    reasons: list[str] = []
    for rule in rules.intent:
        where = rule.match(title_text, body_text)
        if where is None:
            continue
        weight = rule.weight * (rules.title_boost if where == "title" else 1.0)
        score += weight
        reasons.append(f"{weight:+.1f} {rule.reason} ({where})")
    if flair and (flair_weight := rules.flair_weights.get(flair.strip().lower())):
        score += flair_weight
        reasons.append(f"{flair_weight:+.1f} flair '{flair.strip()}'")
    audience, audience_scores = _audience(title_text, body_text, rules)
    return Decision(score >= rules.threshold, audience, score, tuple(reasons), audience_scores)


def _audience(title: str, body: str, rules: Rules) -> tuple[str, dict[str, float]]:
    scores = {}
    for name, group in rules.audiences.items():
        total = 0.0
        for rule in group:
            where = rule.match(title, body)
            if where is not None:
                total += rule.weight * (rules.title_boost if where == "title" else 1.0)
        scores[name] = total
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if not ranked:
        return "index", scores
    best, best_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best_score >= rules.audience_min and best_score - runner_up >= rules.audience_margin:
        return best, scores
    return "index", scores


# --- loading replies.yaml ---------------------------------------------------------------


def load_rules(path: Path) -> Rules:
    """Read and validate ``replies.yaml``; raise ``ConfigError`` naming file and key."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: reply rules file not found; set replies.rules_file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(
            f"{where}: YAML syntax error: {getattr(exc, 'problem', None) or exc}"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return rules_from_dict(data, source=str(path))


def rules_from_dict(data: Mapping[str, Any], *, source: str) -> Rules:
    """Build ``Rules`` from parsed YAML (also used by tests)."""
    known = {
        "threshold",
        "title_boost",
        "topic",
        "question",
        "intent",
        "audiences",
        "audience_min",
        "audience_margin",
        "flair_weights",
        "templates",
        "guide_titles",
        "footer",
    }
    for key in data:
        if key not in known:
            raise ConfigError(f"{source}: {key}: unknown key (known: {', '.join(sorted(known))})")
    audiences_raw = data.get("audiences") or {}
    if not isinstance(audiences_raw, dict):
        raise ConfigError(f"{source}: audiences: expected a mapping of audience to rules")
    for name in audiences_raw:
        if name not in AUDIENCES[:-1]:
            raise ConfigError(
                f"{source}: audiences.{name}: unknown audience (known: {', '.join(AUDIENCES[:-1])})"
            )
    templates = _strings(data.get("templates"), f"{source}: templates")
    for name in AUDIENCES:
        if name not in templates:
            raise ConfigError(f"{source}: templates.{name}: missing reply template")
    footer = data.get("footer")
    if not isinstance(footer, str) or not footer.strip():
        raise ConfigError(f"{source}: footer: expected the reply footer text")
    flair_weights = data.get("flair_weights") or {}
    if not isinstance(flair_weights, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in flair_weights.values()
    ):
        raise ConfigError(f"{source}: flair_weights: expected 'flair text: number' pairs")
    return Rules(
        threshold=_number(data, "threshold", source),
        title_boost=_number(data, "title_boost", source, default=1.0),
        topic=_rules(data.get("topic"), f"{source}: topic", weighted=False),
        question=_rules(data.get("question"), f"{source}: question", weighted=False),
        intent=_rules(data.get("intent"), f"{source}: intent"),
        audiences={
            name: _rules(group, f"{source}: audiences.{name}")
            for name, group in audiences_raw.items()
        },
        audience_min=_number(data, "audience_min", source, default=1.0),
        audience_margin=_number(data, "audience_margin", source, default=0.5),
        flair_weights={str(k).lower(): float(v) for k, v in flair_weights.items()},
        templates=templates,
        guide_titles=_strings(data.get("guide_titles") or {}, f"{source}: guide_titles"),
        footer=footer,
        source=source,
    )


def _number(data: Mapping[str, Any], key: str, source: str, default: float | None = None) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{source}: {key}: expected a number, got {value!r}")
    return float(value)


def _strings(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f"{where}: expected 'name: text' pairs")
    return {str(k): v for k, v in value.items()}


def _rules(items: Any, where: str, *, weighted: bool = True) -> tuple[Rule, ...]:
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{where}: expected a non-empty list of rules")
    rules = []
    for index, raw in enumerate(items):
        item = {"pattern": raw} if isinstance(raw, str) and not weighted else raw
        if not isinstance(item, dict) or "pattern" not in item:
            raise ConfigError(
                f"{where}[{index}]: expected a mapping with 'pattern'"
                + (", 'weight' and 'reason'" if weighted else "")
            )
        try:
            pattern = re.compile(str(item["pattern"]), re.IGNORECASE)
        except re.error as exc:
            raise ConfigError(
                f"{where}[{index}].pattern: invalid regular expression: {exc}"
            ) from None
        weight = item.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise ConfigError(f"{where}[{index}].weight: expected a number, got {weight!r}")
        rules.append(
            Rule(
                pattern=pattern,
                weight=float(weight),
                reason=str(item.get("reason") or item["pattern"]),
                title_only=bool(item.get("title_only", False)),
            )
        )
    return tuple(rules)
