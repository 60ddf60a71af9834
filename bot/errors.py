"""The bot's own flat exception family.

Every error a user can meet is a ``WikibotError`` carrying a one-line message that names
the file, key or page involved and what to do. The CLI prints that line and exits with
``exit_code``; nothing below the CLI prints tracebacks for these.
"""

from __future__ import annotations


class WikibotError(Exception):
    """Base of all wikibot errors; ``str(error)`` is the one-line message."""

    exit_code = 1


class ConfigError(WikibotError):
    """The configuration (YAML, environment, CLI arguments) is invalid."""

    exit_code = 2


class InputError(WikibotError):
    """A local input file (front matter, Markdown, JSONL) is invalid."""

    exit_code = 1


class BadArgument(InputError):
    """A file or value named on the command line is invalid (a bad JSONL line, an
    unknown post): a usage error, so exit 2 like click's own."""

    exit_code = 2


class StateError(WikibotError):
    """The state database cannot be used (locked by another daemon, corrupt)."""


class ApiError(WikibotError):
    """Reddit (or the sandbox) answered with an error."""


class NotFound(ApiError):
    """The page, post or user does not exist."""


class Conflict(ApiError):
    """A wiki edit was refused because the page changed since ``previous``."""


class Forbidden(ApiError):
    """The account may not do this (HTTP 403 or a bad login)."""


class AuthFailed(Forbidden):
    """The credentials were rejected; fix them before anything else can run."""


class RateLimited(ApiError):
    """Reddit asked us to wait; ``wait_seconds`` says how long."""

    def __init__(self, message: str, *, wait_seconds: float) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


class Unavailable(ApiError):
    """Reddit could not be reached or answered 5xx; safe to retry later."""


class WriteUncertain(Unavailable):
    """A write got a 5xx or timed out: it may or may not have been applied.

    Never retry blindly: look at Reddit first (the wiki page, the post's comments).
    """
