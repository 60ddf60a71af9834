"""Read ``config/bot.yaml``, overlay the ``WIKIBOT_*`` environment, validate into ``Settings``.

Every error is a ``ConfigError`` of one line naming the file and key, or the variable.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.config import values
from bot.config.settings import (
    LOG_FORMATS,
    SANDBOX_CREDENTIALS,
    TARGETS,
    Credentials,
    ReplySettings,
    SandboxSettings,
    ScheduleSettings,
    Settings,
    TargetKind,
)
from bot.config.values import Reader, parse_duration
from bot.errors import ConfigError, shown_path
from bot.yamlfile import Fault, load_yaml, parse_yaml, reject_unknown

DEFAULT_CONFIG = Path("config/bot.yaml")
_SUBREDDIT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")
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


def load_settings(
    path: Path | str | None = None, *, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read, merge and validate configuration; raise ``ConfigError`` with one line on error."""
    environ = os.environ if environ is None else environ
    _reject_unknown_env(environ)
    config_file = Path(path or environ.get("WIKIBOT_CONFIG") or DEFAULT_CONFIG)
    raw = load_yaml(
        config_file, what="config file", fix="run from the project root or pass --config PATH"
    )
    reject_unknown(raw, _TOP_KEYS, file=shown_path(config_file))
    from_env = _apply_env_overrides(raw, environ)
    return _build(raw, config_file=config_file, environ=environ, from_env=from_env)


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
                if target is None:
                    target = raw[section] = {}
                elif not isinstance(target, dict):
                    continue  # a wrong-typed section: reported by name, whatever the variables
                target[key] = _env_value(name, environ[name])
                from_env[f"{section}.{key}"] = name
    return from_env


def _env_value(name: str, text: str) -> Any:
    def error(fault: Fault) -> ConfigError:
        return ConfigError(
            f"environment variable {name}: cannot parse {text!r} ({fault.problem}); "
            "write the value as in bot.yaml (quote text with ':' or '#')"
        )

    return parse_yaml(text, file=name, error=error) if text.strip() else None


def _build(
    raw: dict[str, Any],
    *,
    config_file: Path,
    environ: Mapping[str, str],
    from_env: Mapping[str, str],
) -> Settings:
    base_dir = config_file.resolve().parent
    top = Reader(raw, source=shown_path(config_file), base_dir=base_dir, from_env=from_env)

    def path(reader: Reader, key: str, default: str) -> Path:
        """A path from the file resolves against its folder, one from the environment
        against the current directory (as a shell user expects)."""
        value = reader.get(key, default, values.optional(values.text()), "a path") or default
        if "\0" in value:
            raise reader.fail(key, "a path", value)
        resolved = Path(value).expanduser()
        base = Path.cwd() if reader.prefix + key in reader.from_env else base_dir
        return resolved if resolved.is_absolute() else (base / resolved).resolve()

    target = TargetKind(
        top.get("target", "sandbox", values.choice(TARGETS), "'sandbox' or 'reddit'")
    )
    sandbox = top.section("sandbox", _SANDBOX_KEYS)
    schedule = top.section("schedule", _SCHEDULE_KEYS)
    replies = top.section("replies", _REPLY_KEYS)
    sandbox_settings = SandboxSettings(
        host=sandbox.get("host", "127.0.0.1", values.loopback, "a loopback address like 127.0.0.1"),
        port=sandbox.get("port", 8765, values.integer(0, 65535), "a port number 0-65535"),
        state_file=path(sandbox, "state_file", "../.wikibot/sandbox.json"),
    )
    schedule_settings = ScheduleSettings(
        sync=schedule.get("sync", True, values.boolean, "true or false"),
        replies=schedule.get("replies", True, values.boolean, "true or false"),
        sync_interval=schedule.get("sync_interval", "5m", parse_duration, "a duration like '5m'"),
        reply_interval=schedule.get(
            "reply_interval", "1m", parse_duration, "a duration like '60s'"
        ),
        feedback_interval=schedule.get(
            "feedback_interval", "10m", parse_duration, "a duration like '10m'"
        ),
        misfire_grace=schedule.get("misfire_grace", "1m", parse_duration, "a duration like '60s'"),
        max_backoff=schedule.get("max_backoff", "15m", parse_duration, "a duration like '15m'"),
        git_pull=schedule.get("git_pull", False, values.boolean, "true or false"),
    )
    reply_settings = ReplySettings(
        rules_file=path(replies, "rules_file", "replies.yaml"),
        dry_run=replies.get("dry_run", False, values.boolean, "true or false"),
        max_age=replies.get("max_age", "24h", parse_duration, "a duration like '24h'"),
        max_per_hour=replies.get(
            "max_per_hour", 10, values.integer(0, 1000), "a whole number 0-1000"
        ),
        max_per_day=replies.get(
            "max_per_day", 50, values.integer(0, 10000), "a whole number 0-10000"
        ),
        optout=tuple(
            n.lower() for n in replies.get("optout", [], values.names, "a list of user names")
        ),
        excluded_flairs=tuple(
            f.lower()
            for f in replies.get("excluded_flairs", [], values.names, "a list of flair texts")
        ),
        review=replies.get("review", "off", values.review_mode, "off, report or digest"),
        review_min_probability=replies.get(
            "review_min_probability", 0.35, values.probability, "a probability between 0 and 1"
        ),
        review_max_per_day=replies.get(
            "review_max_per_day", 10, values.integer(0, 1000), "a whole number 0-1000"
        ),
        helpers=tuple(
            n.lower().removeprefix("u/")
            for n in replies.get("helpers", [], values.names, "a list of user names")
        ),
    )
    praw_site = top.get("praw_site", None, values.optional(values.text()), "a praw.ini site name")
    settings = Settings(
        config_file=config_file,
        target=target,
        subreddit=top.get(
            "subreddit", "learnmachinelearning", values.text(_SUBREDDIT_RE), "a subreddit name"
        ),
        user_agent=top.get(
            "user_agent",
            "python:wikibot:0.1.0 (by u/wikibot)",
            values.text(),
            "a descriptive string",
        ),
        praw_site=praw_site,
        request_timeout=top.get("request_timeout", 8, parse_duration, "seconds, e.g. 8"),
        state_db=path(top, "state_db", f"../.wikibot/state-{target}.db"),
        wiki_pages_dir=path(top, "wiki_pages_dir", "../wiki_pages"),
        log_format=top.get("log_format", "text", values.choice(LOG_FORMATS), "'text' or 'json'"),
        metrics_port=top.get(
            "metrics_port", None, values.optional(values.integer(1, 65535)), "a port"
        ),
        sandbox=sandbox_settings,
        schedule=schedule_settings,
        replies=reply_settings,
    )
    return _with_credentials(settings, environ)


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
            f"{shown_path(settings.config_file)}: target 'reddit' needs credentials: set {missing} "
            "or name a praw.ini site with praw_site"
        )
    return Settings(**{**settings.__dict__, "credentials": credentials})
