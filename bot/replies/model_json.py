"""Typed values out of the reply model's parsed JSON; ``Corrupt`` names the key of a bad one.

Keys are dotted paths (``intent.threshold``, ``cues[2].pattern``), as ``bot/yamlfile.py``'s
faults name them.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Mapping
from typing import Any

from bot.replies.features import Cue
from bot.yamlfile import wrong_value

_PLAIN = (float, int)


class Corrupt(ValueError):
    """A model file's structure is wrong at ``key`` (a dotted path)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}" if key else problem)
        self.key = key
        self.problem = problem


def wrong(key: str, expected: str, value: object) -> Corrupt:
    """``key: expected <expected>, got <value>``."""
    return Corrupt(key, wrong_value(file="", key=key, expected=expected, value=value).problem)


def json_object(data: Mapping[str, Any], name: str, *, at: str = "") -> Mapping[str, Any]:
    """The object at ``name`` (``at`` is its parent's path)."""
    value = field(data, name, at=at)
    if not isinstance(value, dict):
        raise wrong(f"{at}{name}", "an object", value)
    return value


def field(data: Mapping[str, Any], name: str, *, at: str = "") -> Any:
    """The required value at ``name``."""
    if name not in data:
        raise Corrupt(f"{at}{name}", "missing")
    return data[name]


def is_number(value: object) -> bool:
    """A number, not a bool (JSON's own types first: tens of thousands of them are read)."""
    return type(value) in _PLAIN or (
        isinstance(value, numbers.Real) and not isinstance(value, bool)
    )


def number(value: object, key: str) -> float:
    """A number as a float."""
    if not is_number(value):
        raise wrong(key, "a number", value)
    return float(value)  # type: ignore[arg-type]


def numbers_list(value: object, key: str, *, length: int | None = None) -> tuple[float, ...]:
    """A list of numbers (of ``length`` when given)."""
    if not isinstance(value, list) or not all(is_number(v) for v in value):
        raise wrong(key, "a list of numbers", value)
    if length is not None and len(value) != length:
        raise Corrupt(key, f"expected {length} numbers, got {len(value)}")
    return tuple(float(v) for v in value)


def text(value: object, key: str) -> str:
    """Text."""
    if not isinstance(value, str):
        raise wrong(key, "text", value)
    return value


def cues(data: Mapping[str, Any]) -> tuple[Cue, ...]:
    """The model's cue patterns (``re.error`` on a bad pattern)."""
    raw_cues = data.get("cues") or []
    if not isinstance(raw_cues, list):
        raise wrong("cues", "a list of cues", raw_cues)
    found = []
    for i, cue in enumerate(raw_cues):
        if not isinstance(cue, dict):
            raise wrong(f"cues[{i}]", "an object with name and pattern", cue)
        title_only = cue.get("title_only", False)
        if not isinstance(title_only, bool):
            raise wrong(f"cues[{i}].title_only", "true or false", title_only)
        found.append(
            Cue(
                name=text(field(cue, "name", at=f"cues[{i}]."), f"cues[{i}].name"),
                pattern=re.compile(
                    text(field(cue, "pattern", at=f"cues[{i}]."), f"cues[{i}].pattern"),
                    re.IGNORECASE,
                ),
                title_only=title_only,
            )
        )
    return tuple(found)
