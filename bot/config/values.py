"""Typed values out of the configuration's mappings, each error one line naming the key.

``Reader`` pulls a key's value through a parser and blames the file (``file: section.key``)
or the environment variable it came from; a parser raises ``ValueError`` or ``TypeError``
on a value it refuses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bot.config.settings import REVIEW_MODES
from bot.errors import ConfigError
from bot.yamlfile import reject_unknown, wrong_value

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_DURATION_UNITS = {None: 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class Reader:
    """Pulls typed values out of a nested mapping, naming the file and key on error."""

    def __init__(
        self,
        data: Mapping[str, Any],
        *,
        source: str,
        base_dir: Path,
        prefix: str = "",
        from_env: Mapping[str, str] | None = None,
    ) -> None:
        self.data = data
        self.source = source
        self.base_dir = base_dir
        self.prefix = prefix
        self.from_env = from_env or {}

    def fail(self, key: str, expected: str, value: object) -> ConfigError:
        """Blame the environment variable or the file the value came from, by dotted key."""
        dotted = self.prefix + key
        variable = self.from_env.get(dotted)
        if variable:
            return ConfigError(
                f"environment variable {variable}: expected {expected}, got {value!r}"
            )
        fault = wrong_value(file=self.source, key=dotted, expected=expected, value=value)
        return ConfigError(str(fault))

    def section(self, name: str, allowed: set[str]) -> Reader:
        value = self.data.get(name, {})
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            raise self.fail(name, "a mapping of settings", value)
        reject_unknown(value, allowed, file=self.source, prefix=f"{name}.")
        return Reader(
            value,
            source=self.source,
            base_dir=self.base_dir,
            prefix=f"{name}.",
            from_env=self.from_env,
        )

    def get(self, key: str, default: Any, parse: Callable[[Any], Any], expected: str) -> Any:
        value = self.data.get(key, default)
        try:
            return parse(value)
        except (TypeError, ValueError):
            raise self.fail(key, expected, value) from None


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(value)


def integer(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(value)
        return value

    return parse


def parse_duration(value: Any) -> float:
    """Seconds from ``300``, ``"90s"``, ``"5m"``, ``"2h"`` or ``"1d"``; must be positive."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION_RE.match(value)):
        seconds = float(match.group(1)) * _DURATION_UNITS[match.group(2)]
    else:
        raise ValueError(value)
    if not 0 < seconds < 10 * 365 * 86400:
        raise ValueError(value)
    return seconds


def text(pattern: re.Pattern[str] | None = None) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(value)
        if pattern is not None and not pattern.match(value):
            raise ValueError(value)
        return value.strip()

    return parse


def choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in options:
            raise ValueError(value)
        return str(value)

    return parse


def review_mode(value: Any) -> str:
    if value is False:  # YAML reads a bare `off` as false
        return "off"
    if value not in REVIEW_MODES:
        raise ValueError(value)
    return str(value)


def probability(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise ValueError(value)
    return float(value)


def names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(value)
    return tuple(value)


def optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else parse(value)


def loopback(value: Any) -> str:
    if value not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(value)
    return str(value)
