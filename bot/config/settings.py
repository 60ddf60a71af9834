"""The validated, frozen configuration: ``Settings`` and its sections, and the credentials.

``load.py`` builds them from the YAML file and the environment; nothing else makes one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TypedDict


class TargetKind(StrEnum):
    """Where wikibot sends its requests."""

    SANDBOX = "sandbox"  # the embedded Reddit-compatible server
    REDDIT = "reddit"


TARGETS = tuple(TargetKind)
LOG_FORMATS = ("text", "json")
REVIEW_MODES = ("off", "report", "digest")  # how uncertain posts reach the moderators


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


SANDBOX_CREDENTIALS = Credentials(  # the sandbox's public test account, not a secret
    client_id="sandbox",
    client_secret="sandbox",  # noqa: S106
    username="wikibot",
    password="sandbox",  # noqa: S106
)
