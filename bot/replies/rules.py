"""The moderators' reply rules: ``config/replies.yaml`` read, validated and loaded with its model.

``load_rules`` turns the file into one frozen ``Rules`` (the guard rails, the audience
phrase groups, the router's knobs, the reply templates) and loads the model it names
(``model_file``; the shipped ``model.json`` by default). Every fault is a ``ConfigError``
naming the file and the key, in ``bot/yamlfile.py``'s shape. ``parse_rules`` also reads
the rules-v1 baseline and the training cues (``bot/learning/``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.errors import ConfigError, shown_path
from bot.replies.model import Model, load_model
from bot.replies.terms import AUDIENCES, SPECIFIC_AUDIENCES
from bot.yamlfile import (
    Fault,
    config_error,
    expect_mapping,
    load_yaml,
    reject_unknown,
    wrong_value,
)

AUDIENCE_SOURCES = ("model", "rules")
# Reply templates: one per audience (a confident guide), one for a guide named without a
# word about the asker, one naming two paths (``respond.py`` renders them).
TEMPLATE_NAMES = (*AUDIENCES, "tentative", "two_paths")


@dataclass(frozen=True)
class Rule:
    """A regular expression with a weight and a human-readable reason."""

    pattern: re.Pattern[str]
    weight: float
    reason: str
    title_only: bool = False
    decisive: bool = False  # an audience phrase that wins over the learned router

    def match(self, title: str, body: str) -> str | None:
        """'title', 'body' or None: where the rule matched (title wins)."""
        if self.pattern.search(title):
            return "title"
        if not self.title_only and self.pattern.search(body):
            return "body"
        return None


@dataclass(frozen=True)
class Rules:
    """Everything the classifier and responder read: ``replies.yaml`` and its model."""

    threshold: float | None
    title_boost: float
    topic: tuple[Rule, ...]
    hard_negatives: tuple[Rule, ...]
    boosts: tuple[Rule, ...]
    audience_from: str
    audiences: Mapping[str, tuple[Rule, ...]]
    audience_min: float
    audience_margin: float
    audience_floor: float
    audience_confident: float
    audience_close: float
    audience_pair: float  # both paths when the top two reach this together (1: never)
    flair_weights: Mapping[str, float]
    templates: Mapping[str, str]
    paths: Mapping[str, str]  # per audience: who its guide is for, when a reply names two
    guide_titles: Mapping[str, str]
    footer: str
    model: Model | None = None
    source: str = ""
    model_file: Path | None = None  # the model ``model_file`` names; None: the shipped one

    @property
    def reply_threshold(self) -> float:
        """The probability a post needs for a reply."""
        if self.threshold is not None:
            return self.threshold
        return self.model.threshold if self.model else 0.5


KNOWN_KEYS = frozenset(
    {
        "model_file",
        "threshold",
        "title_boost",
        "topic",
        "hard_negatives",
        "boosts",
        "flair_weights",
        "audience_from",
        "audience_floor",
        "audience_confident",
        "audience_close",
        "audience_pair",
        "audiences",
        "audience_min",
        "audience_margin",
        "templates",
        "paths",
        "guide_titles",
        "footer",
    }
)


def load_rules(path: Path, *, model: Model | None = None) -> Rules:
    """Read and validate ``replies.yaml`` and load its model; ``ConfigError`` on any fault."""
    data = load_yaml(path, what="reply rules file", fix="set replies.rules_file")
    named = data.get("model_file")
    if named is not None and not isinstance(named, str):
        expected = f"a path relative to {path.parent}"
        raise config_error(
            wrong_value(file=shown_path(path), key="model_file", expected=expected, value=named)
        )
    model_file = path.parent / named if named else None
    if model is None:
        model = load_model(model_file)
    rules = rules_from_dict(data, source=shown_path(path), model=model)
    return replace(rules, model_file=model_file)


def rules_from_dict(data: Mapping[str, Any], *, source: str, model: Model | None = None) -> Rules:
    """Build ``Rules`` from parsed YAML (also used by tests)."""
    reject_unknown(data, KNOWN_KEYS, file=source)
    audiences_raw = expect_mapping(
        data.get("audiences") or {},
        file=source,
        key="audiences",
        expected="a mapping of audience to rules",
    )
    reject_unknown(
        audiences_raw, SPECIFIC_AUDIENCES, file=source, prefix="audiences.", what="audience"
    )
    templates, paths = _templates_and_paths(data, source)
    footer = data.get("footer")
    if not isinstance(footer, str) or not footer.strip():
        raise ConfigError(f"{source}: footer: expected the reply footer text")
    flair_weights = data.get("flair_weights") or {}
    if not isinstance(flair_weights, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in flair_weights.values()
    ):
        raise ConfigError(f"{source}: flair_weights: expected 'flair text: number' pairs")
    threshold = data.get("threshold")
    if threshold is not None:
        threshold = _number(data, "threshold", source)
        if not 0.0 < threshold < 1.0:
            raise ConfigError(
                f"{source}: threshold: expected a probability between 0 and 1 (or omit it to "
                f"use the model's), got {threshold!r}"
            )
    audience_from = data.get("audience_from", "model")
    if audience_from not in AUDIENCE_SOURCES:
        raise ConfigError(
            f"{source}: audience_from: expected model or rules, got {audience_from!r}"
        )
    return Rules(
        threshold=threshold,
        title_boost=_number(data, "title_boost", source, default=1.0),
        topic=parse_rules(
            data.get("topic") or [], file=source, key="topic", weighted=False, keys=_MATCH_KEYS
        ),
        hard_negatives=parse_rules(
            data.get("hard_negatives") or [], file=source, key="hard_negatives", keys=_MATCH_KEYS
        ),
        boosts=parse_rules(
            data.get("boosts") or [], file=source, key="boosts", keys=_MATCH_KEYS | {"weight"}
        ),
        audience_from=str(audience_from),
        audiences={
            name: parse_rules(group, file=source, key=f"audiences.{name}", required=True)
            for name, group in audiences_raw.items()
        },
        audience_min=_number(data, "audience_min", source, default=1.0),
        audience_margin=_number(data, "audience_margin", source, default=0.5),
        audience_floor=_probability(data, "audience_floor", source, default=0.7),
        audience_confident=_probability(data, "audience_confident", source, default=0.9),
        audience_close=_probability(data, "audience_close", source, default=0.15),
        audience_pair=_probability(data, "audience_pair", source, default=0.8),
        flair_weights={str(k).lower(): float(v) for k, v in flair_weights.items()},
        templates=templates,
        paths=paths,
        guide_titles=_strings(data.get("guide_titles") or {}, f"{source}: guide_titles"),
        footer=footer,
        model=model,
        source=source,
    )


def _number(data: Mapping[str, Any], key: str, source: str, default: float | None = None) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise config_error(
            wrong_value(file=source, key=key, expected="a number", value=value, fix=_NUMBER_FIX)
        )
    return float(value)


def _templates_and_paths(
    data: Mapping[str, Any], source: str
) -> tuple[dict[str, str], dict[str, str]]:
    """The reply templates (every one of ``TEMPLATE_NAMES``) and the audiences' paths."""
    templates = _strings(data.get("templates"), f"{source}: templates")
    for name in TEMPLATE_NAMES:
        if name not in templates:
            raise ConfigError(f"{source}: templates.{name}: missing reply template")
    reject_unknown(templates, TEMPLATE_NAMES, file=source, prefix="templates.", what="template")
    paths = _strings(data.get("paths") or {}, f"{source}: paths")
    reject_unknown(paths, SPECIFIC_AUDIENCES, file=source, prefix="paths.", what="audience")
    return templates, paths


def _probability(data: Mapping[str, Any], key: str, source: str, *, default: float) -> float:
    value = _number(data, key, source, default=default)
    if not 0.0 <= value <= 1.0:
        raise ConfigError(
            f"{source}: {key}: expected a probability between 0 and 1, got {value!r}; "
            "write it as a decimal such as 0.8"
        )
    return value


def _strings(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f"{where}: expected 'name: text' pairs")
    return {str(k): v for k, v in value.items()}


_NUMBER_FIX = "write a number without quotes, such as 1.5"
_BOOL_FIX = "write true or false without quotes"
_TEXT_FIX = "put it in quotes"
_TYPE_FIXES = {"a number": _NUMBER_FIX, "true or false": _BOOL_FIX}
RULE_KEYS = frozenset({"pattern", "weight", "reason", "title_only", "decisive"})
# What a rule that only matches reads (topic, hard_negatives); boosts add a weight, and the
# audiences' phrase groups a weight and ``decisive``.
_MATCH_KEYS = frozenset({"pattern", "reason", "title_only"})
_RULE_TYPES: dict[str, tuple[str, Callable[[object], bool]]] = {
    "pattern": ("a regular expression in quotes", lambda v: isinstance(v, str)),
    "weight": ("a number", lambda v: isinstance(v, int | float) and not isinstance(v, bool)),
    "reason": ("text", lambda v: isinstance(v, str)),
    "title_only": ("true or false", lambda v: isinstance(v, bool)),
    "decisive": ("true or false", lambda v: isinstance(v, bool)),
    "name": ("text", lambda v: isinstance(v, str)),
}


def parse_rules(
    items: Any,
    *,
    file: str,
    key: str,
    weighted: bool = True,
    required: bool = False,
    keys: frozenset[str] | None = None,
    extra_keys: frozenset[str] = frozenset(),
) -> tuple[Rule, ...]:
    """A list of ``{pattern, weight, reason, title_only, decisive}`` (or bare patterns if
    unweighted) at ``key`` of ``file``: an unknown key or a value of the wrong type is a
    ``ConfigError`` naming its path (``audiences.engineers[2].decisive``)."""
    if not isinstance(items, list) or (required and not items):
        expected = f"a {'non-empty ' if required else ''}list of rules"
        fix = "write each rule as a '- pattern: ...' line below it"
        raise config_error(wrong_value(file=file, key=key, expected=expected, value=items, fix=fix))
    rules = []
    for index, raw in enumerate(items):
        where = f"{key}[{index}]"
        item = {"pattern": raw} if isinstance(raw, str) and not weighted else raw
        if not isinstance(item, dict) or "pattern" not in item:
            expected = "a mapping with 'pattern'" + (
                ", 'weight' and 'reason'" if weighted else " (or a pattern in quotes)"
            )
            fix = "start the rule with '- pattern: ' and indent its other keys under it"
            raise config_error(
                wrong_value(file=file, key=where, expected=expected, value=raw, fix=fix)
            )
        for name in item.keys() & (RULE_KEYS - (RULE_KEYS if keys is None else keys)):
            raise config_error(
                Fault(file, f"has no effect in {key}", key=f"{where}.{name}", fix="remove it")
            )
        reject_unknown(item, RULE_KEYS | extra_keys, file=file, prefix=f"{where}.")
        for name, value in item.items():
            expected, fits = _RULE_TYPES[name]
            if not fits(value):
                fix = _TYPE_FIXES.get(expected, _TEXT_FIX)
                raise config_error(
                    wrong_value(
                        file=file, key=f"{where}.{name}", expected=expected, value=value, fix=fix
                    )
                )
        try:
            pattern = re.compile(item["pattern"], re.IGNORECASE)
        except re.error as exc:
            raise config_error(
                Fault(
                    file,
                    f"invalid regular expression: {exc}",
                    key=f"{where}.pattern",
                    fix="check its brackets and escapes (test it with wikibot replies test)",
                )
            ) from None
        rules.append(
            Rule(
                pattern=pattern,
                weight=float(item.get("weight", 1.0)),
                reason=item.get("reason") or item["pattern"],
                title_only=item.get("title_only", False),
                decisive=item.get("decisive", False),
            )
        )
    return tuple(rules)
