"""Load and validate configuration into one frozen ``Settings`` object.

Sources, later ones winning: ``config/bot.yaml``, then ``WIKIBOT_<SECTION>_<KEY>``
environment variables (for example ``WIKIBOT_SANDBOX_PORT=9000``). Credentials never come
from YAML: only from ``REDDIT_CLIENT_ID``, ``REDDIT_CLIENT_SECRET``, ``REDDIT_USERNAME``,
``REDDIT_PASSWORD`` or a ``praw.ini`` site named by ``praw_site``.

Relative paths in the YAML file resolve against the directory of that file; relative paths
from the environment resolve against the current directory. An unknown ``WIKIBOT_*``
variable (a typo would otherwise be ignored) is refused.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypedDict

import yaml

from bot.errors import ConfigError

DEFAULT_CONFIG = Path("config/bot.yaml")


class TargetKind(StrEnum):
    """Where wikibot sends its requests."""

    SANDBOX = "sandbox"  # the embedded Reddit-compatible server
    REDDIT = "reddit"


TARGETS = tuple(TargetKind)
LOG_FORMATS = ("text", "json")
REVIEW_MODES = ("off", "report", "digest")  # how uncertain posts reach the moderators
_SUBREDDIT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_DURATION_UNITS = {None: 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class PrawCredentials(TypedDict, total=False):
    """The credentials set, as PRAW's keyword arguments (a key left out comes from the site)."""

    client_id: str
    client_secret: str
    username: str
    password: str


@dataclass(frozen=True)
class Credentials:
    """Reddit script-app credentials. ``repr`` never shows the secrets.

    With a ``praw_site``, a field left ``None`` comes from the site: the environment wins
    key by key, and the site keeps everything else (its URLs too).
    """

    client_id: str | None = field(repr=False)
    client_secret: str | None = field(repr=False)
    username: str | None
    password: str | None = field(repr=False)

    def secrets(self) -> tuple[str, ...]:
        """Values that must never be logged (used by the log redaction filter)."""
        return tuple(s for s in (self.client_secret, self.password) if s and len(s) >= 4)

    def given(self) -> PrawCredentials:
        """The fields that are set, as PRAW keyword arguments."""
        given = PrawCredentials()
        if self.client_id is not None:
            given["client_id"] = self.client_id
        if self.client_secret is not None:
            given["client_secret"] = self.client_secret
        if self.username is not None:
            given["username"] = self.username
        if self.password is not None:
            given["password"] = self.password
        return given


@dataclass(frozen=True)
class SandboxSettings:
    """Where the embedded Reddit-compatible sandbox listens and keeps its state."""

    host: str
    port: int
    state_file: Path


@dataclass(frozen=True)
class ScheduleSettings:
    """Daemon jobs: which run, how often, and how they back off."""

    sync: bool
    replies: bool
    sync_interval: float
    reply_interval: float
    feedback_interval: float
    misfire_grace: float
    max_backoff: float
    git_pull: bool


@dataclass(frozen=True)
class ReplySettings:
    """How the reply watcher behaves; the rules themselves live in ``rules_file``."""

    rules_file: Path
    dry_run: bool
    max_age: float
    max_per_hour: int
    max_per_day: int
    optout: tuple[str, ...]
    excluded_flairs: tuple[str, ...]
    # Moderators in the loop: posts scoring in [review_min_probability, the reply threshold)
    # are reported to the mod queue (review: report) or listed in a daily modmail (digest).
    review: str = "off"
    review_min_probability: float = 0.35
    review_max_per_day: int = 10
    helpers: tuple[str, ...] = ()  # besides moderators, these users may summon with !guide


@dataclass(frozen=True)
class Settings:
    """Everything wikibot needs to know, validated, immutable."""

    config_file: Path
    target: TargetKind
    subreddit: str
    user_agent: str
    praw_site: str | None
    request_timeout: float
    state_db: Path
    wiki_pages_dir: Path
    log_format: str
    metrics_port: int | None
    sandbox: SandboxSettings
    schedule: ScheduleSettings
    replies: ReplySettings
    credentials: Credentials | None = field(default=None, repr=False)

    @property
    def is_sandbox(self) -> bool:
        """True when wikibot talks to the embedded sandbox rather than Reddit."""
        return self.target == TargetKind.SANDBOX

    @property
    def sandbox_url(self) -> str:
        """Base URL of the sandbox."""
        return f"http://{self.sandbox.host}:{self.sandbox.port}"


# --- small typed readers -------------------------------------------------------------


class _Reader:
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
        where = f"environment variable {variable}" if variable else f"{self.source}: {dotted}"
        return ConfigError(f"{where}: expected {expected}, got {value!r}")

    def section(self, name: str, allowed: set[str]) -> _Reader:
        value = self.data.get(name, {})
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            raise self.fail(name, "a mapping of settings", value)
        _reject_unknown(value, allowed, source=self.source, prefix=f"{name}.")
        return _Reader(
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


def _reject_unknown(
    data: Mapping[str, Any], allowed: set[str], *, source: str, prefix: str
) -> None:
    for key in data:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            raise ConfigError(f"{source}: {prefix}{key}: unknown key (known keys: {known})")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(value)


def _integer(low: int, high: int) -> Callable[[Any], int]:
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


def _text(pattern: re.Pattern[str] | None = None) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(value)
        if pattern is not None and not pattern.match(value):
            raise ValueError(value)
        return value.strip()

    return parse


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in options:
            raise ValueError(value)
        return str(value)

    return parse


def _review_mode(value: Any) -> str:
    if value is False:  # YAML reads a bare `off` as false
        return "off"
    if value not in REVIEW_MODES:
        raise ValueError(value)
    return str(value)


def _probability(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise ValueError(value)
    return float(value)


def _names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(value)
    return tuple(value)


def _optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else parse(value)


# --- loading ----------------------------------------------------------------------------

_TOP_KEYS = {
    "target",
    "subreddit",
    "user_agent",
    "praw_site",
    "request_timeout",
    "state_db",
    "wiki_pages_dir",
    "log_format",
    "metrics_port",
    "sandbox",
    "schedule",
    "replies",
}
_SANDBOX_KEYS = {"host", "port", "state_file"}
_SCHEDULE_KEYS = {
    "sync",
    "replies",
    "sync_interval",
    "reply_interval",
    "feedback_interval",
    "misfire_grace",
    "max_backoff",
    "git_pull",
}
_REPLY_KEYS = {
    "rules_file",
    "dry_run",
    "max_age",
    "max_per_hour",
    "max_per_day",
    "optout",
    "excluded_flairs",
    "review",
    "review_min_probability",
    "review_max_per_day",
    "helpers",
}
_SECTIONS = {"sandbox": _SANDBOX_KEYS, "schedule": _SCHEDULE_KEYS, "replies": _REPLY_KEYS}
_TEST_ENV = ("WIKIBOT_SOAK_SEED", "WIKIBOT_SOAK_KILLS", "WIKIBOT_SOAK_SECONDS")  # test knobs
_CREDENTIAL_ENV = ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "REDDIT_USERNAME", "REDDIT_PASSWORD")
SANDBOX_CREDENTIALS = Credentials(  # the sandbox's public test account, not a secret
    client_id="sandbox",
    client_secret="sandbox",  # noqa: S106
    username="wikibot",
    password="sandbox",  # noqa: S106
)


def load_settings(
    path: Path | str | None = None, *, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read, merge and validate configuration; raise ``ConfigError`` with one line on error."""
    environ = os.environ if environ is None else environ
    _reject_unknown_env(environ)
    config_file = Path(path or environ.get("WIKIBOT_CONFIG") or DEFAULT_CONFIG)
    raw = _read_yaml(config_file)
    _reject_unknown(raw, _TOP_KEYS, source=str(config_file), prefix="")
    from_env = _apply_env_overrides(raw, environ)
    return _build(raw, config_file=config_file, environ=environ, from_env=from_env)


def _read_yaml(config_file: Path) -> dict[str, Any]:
    try:
        text = config_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{config_file}: config file not found; run from the project root or pass --config PATH"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{config_file}: cannot read config file: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{config_file}:{mark.line + 1}" if mark is not None else str(config_file)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{where}: YAML syntax error: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise ConfigError(f"{config_file}: expected a mapping of settings at the top level")
    return data


def known_env_names() -> list[str]:
    """Every ``WIKIBOT_*`` variable wikibot reads: the config file and one per setting."""
    names = {"WIKIBOT_CONFIG"}
    names.update(f"WIKIBOT_{key.upper()}" for key in _TOP_KEYS - set(_SECTIONS))
    for section, keys in _SECTIONS.items():
        names.update(f"WIKIBOT_{section.upper()}_{key.upper()}" for key in keys)
    return sorted(names)


def _reject_unknown_env(environ: Mapping[str, str]) -> None:
    """A misspelt ``WIKIBOT_*`` variable would be silently ignored: refuse it instead."""
    known = set(known_env_names()) | set(_TEST_ENV)
    for name in sorted(environ):
        if name.startswith("WIKIBOT_") and name not in known:
            close = difflib.get_close_matches(name, known_env_names(), n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            raise ConfigError(
                f"environment variable {name}: unknown; {hint}unset it "
                f"(known: {', '.join(known_env_names())})"
            )


def _apply_env_overrides(raw: dict[str, Any], environ: Mapping[str, str]) -> dict[str, str]:
    """Overlay ``WIKIBOT_<KEY>`` and ``WIKIBOT_<SECTION>_<KEY>`` variables onto ``raw``.

    Returns which dotted keys came from which variable, so errors blame the right source.
    """
    from_env: dict[str, str] = {}
    for key in _TOP_KEYS - set(_SECTIONS):
        name = f"WIKIBOT_{key.upper()}"
        if name in environ:
            raw[key] = _env_value(name, environ[name])
            from_env[key] = name
    for section, keys in _SECTIONS.items():
        for key in keys:
            name = f"WIKIBOT_{section.upper()}_{key.upper()}"
            if name in environ:
                target = raw.get(section)
                if not isinstance(target, dict):
                    target = raw[section] = {}
                target[key] = _env_value(name, environ[name])
                from_env[f"{section}.{key}"] = name
    return from_env


def _env_value(name: str, text: str) -> Any:
    try:
        return yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        raise ConfigError(f"environment variable {name}: cannot parse {text!r}") from None


def _build(
    raw: dict[str, Any],
    *,
    config_file: Path,
    environ: Mapping[str, str],
    from_env: Mapping[str, str],
) -> Settings:
    base_dir = config_file.resolve().parent
    top = _Reader(raw, source=str(config_file), base_dir=base_dir, from_env=from_env)

    def path(reader: _Reader, key: str, default: str) -> Path:
        """A path from the file resolves against its folder, one from the environment
        against the current directory (as a shell user expects)."""
        value = reader.get(key, default, _optional(_text()), "a path") or default
        if "\0" in value:
            raise reader.fail(key, "a path", value)
        resolved = Path(value).expanduser()
        base = Path.cwd() if reader.prefix + key in reader.from_env else base_dir
        return resolved if resolved.is_absolute() else (base / resolved).resolve()

    target = TargetKind(top.get("target", "sandbox", _choice(TARGETS), "'sandbox' or 'reddit'"))
    sandbox = top.section("sandbox", _SANDBOX_KEYS)
    schedule = top.section("schedule", _SCHEDULE_KEYS)
    replies = top.section("replies", _REPLY_KEYS)
    sandbox_settings = SandboxSettings(
        host=sandbox.get("host", "127.0.0.1", _loopback, "a loopback address like 127.0.0.1"),
        port=sandbox.get("port", 8765, _integer(0, 65535), "a port number 0-65535"),
        state_file=path(sandbox, "state_file", "../.wikibot/sandbox.json"),
    )
    schedule_settings = ScheduleSettings(
        sync=schedule.get("sync", True, _boolean, "true or false"),
        replies=schedule.get("replies", True, _boolean, "true or false"),
        sync_interval=schedule.get("sync_interval", "5m", parse_duration, "a duration like '5m'"),
        reply_interval=schedule.get(
            "reply_interval", "1m", parse_duration, "a duration like '60s'"
        ),
        feedback_interval=schedule.get(
            "feedback_interval", "10m", parse_duration, "a duration like '10m'"
        ),
        misfire_grace=schedule.get("misfire_grace", "1m", parse_duration, "a duration like '60s'"),
        max_backoff=schedule.get("max_backoff", "15m", parse_duration, "a duration like '15m'"),
        git_pull=schedule.get("git_pull", False, _boolean, "true or false"),
    )
    reply_settings = ReplySettings(
        rules_file=path(replies, "rules_file", "replies.yaml"),
        dry_run=replies.get("dry_run", False, _boolean, "true or false"),
        max_age=replies.get("max_age", "24h", parse_duration, "a duration like '24h'"),
        max_per_hour=replies.get("max_per_hour", 10, _integer(0, 1000), "a whole number 0-1000"),
        max_per_day=replies.get("max_per_day", 50, _integer(0, 10000), "a whole number 0-10000"),
        optout=tuple(n.lower() for n in replies.get("optout", [], _names, "a list of user names")),
        excluded_flairs=tuple(
            f.lower() for f in replies.get("excluded_flairs", [], _names, "a list of flair texts")
        ),
        review=replies.get("review", "off", _review_mode, "off, report or digest"),
        review_min_probability=replies.get(
            "review_min_probability", 0.35, _probability, "a probability between 0 and 1"
        ),
        review_max_per_day=replies.get(
            "review_max_per_day", 10, _integer(0, 1000), "a whole number 0-1000"
        ),
        helpers=tuple(
            n.lower().removeprefix("u/")
            for n in replies.get("helpers", [], _names, "a list of user names")
        ),
    )
    praw_site = top.get("praw_site", None, _optional(_text()), "a praw.ini site name")
    settings = Settings(
        config_file=config_file,
        target=target,
        subreddit=top.get(
            "subreddit", "learnmachinelearning", _text(_SUBREDDIT_RE), "a subreddit name"
        ),
        user_agent=top.get(
            "user_agent", "python:wikibot:0.1.0 (by u/wikibot)", _text(), "a descriptive string"
        ),
        praw_site=praw_site,
        request_timeout=top.get("request_timeout", 8, parse_duration, "seconds, e.g. 8"),
        state_db=path(top, "state_db", f"../.wikibot/state-{target}.db"),
        wiki_pages_dir=path(top, "wiki_pages_dir", "../wiki_pages"),
        log_format=top.get("log_format", "text", _choice(LOG_FORMATS), "'text' or 'json'"),
        metrics_port=top.get("metrics_port", None, _optional(_integer(1, 65535)), "a port"),
        sandbox=sandbox_settings,
        schedule=schedule_settings,
        replies=reply_settings,
    )
    return _with_credentials(settings, environ)


def _loopback(value: Any) -> str:
    if value not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(value)
    return str(value)


def _with_credentials(settings: Settings, environ: Mapping[str, str]) -> Settings:
    present = [name for name in _CREDENTIAL_ENV if environ.get(name)]
    credentials: Credentials | None
    if settings.praw_site and not settings.is_sandbox:  # the site fills in the rest
        credentials = Credentials(*(environ.get(name) or None for name in _CREDENTIAL_ENV))
    elif settings.is_sandbox:
        credentials = SANDBOX_CREDENTIALS
        if len(present) == len(_CREDENTIAL_ENV):
            credentials = Credentials(*(environ[name] for name in _CREDENTIAL_ENV))
    elif len(present) == len(_CREDENTIAL_ENV):
        credentials = Credentials(*(environ[name] for name in _CREDENTIAL_ENV))
    else:
        missing = ", ".join(name for name in _CREDENTIAL_ENV if name not in present)
        raise ConfigError(
            f"{settings.config_file}: target 'reddit' needs credentials: set {missing} "
            "or name a praw.ini site with praw_site"
        )
    return Settings(**{**settings.__dict__, "credentials": credentials})
