"""The bot's exceptions, grouped by what the caller should do about them.

Every error a user can meet is a ``WikibotError`` carrying a one-line message that names
the file, key or page involved and what to do. The CLI prints that line and exits with
``exit_code``; nothing below the CLI prints tracebacks for these.

The groups (catch the group, not a guess at its members):

- ``Unavailable`` (transient): Reddit unreachable, 5xx, a timeout on a read, shutting
  down. Nothing was changed; try again later.
- ``WriteUncertain``: a write may or may not have been applied. Look at Reddit before
  trying again; never retry blindly. Not a kind of ``Unavailable``.
- ``Refused``: Reddit said no (not found, forbidden, conflict, bad request). Retrying the
  same request will not help.
- ``RateLimited``: wait ``wait_seconds``, then try again.
- ``LocalError``: configuration, input files, the state database. Fix it locally.
"""

from __future__ import annotations

from pathlib import Path

# Exit codes of the CLI (README, "Exit codes").
EXIT_OK = 0
EXIT_FAILED = 1  # an API error, check errors, a page that could not be written
EXIT_USAGE = 2  # bad usage, configuration or input; also plan's "changes pending"
EXIT_NEEDS_HUMAN = 3  # done, but a wiki page needs a person (drift or conflict)
EXIT_BUSY = 4  # another wikibot command holds the state's lock
EXIT_INTERRUPTED = 130


class WikibotError(Exception):
    """Base of all wikibot errors; ``str(error)`` is the one-line message."""

    exit_code = EXIT_FAILED


# --- local -------------------------------------------------------------------------------


class LocalError(WikibotError):
    """Something on this machine needs fixing: configuration, input, state."""


class ConfigError(LocalError):
    """The configuration (YAML, environment, CLI arguments) is invalid."""

    exit_code = EXIT_USAGE


class InputError(LocalError):
    """A local input file (front matter, Markdown, JSONL) is invalid.

    With ``path`` (and ``line``) the message reads ``path:line: problem``; ``problem`` alone
    is kept for callers that report findings themselves (``wikibot check``).
    """

    def __init__(self, problem: str, *, path: Path | None = None, line: int | None = None) -> None:
        self.problem = problem
        self.path = path
        self.line = line
        shown = "" if path is None else shown_path(path)
        where = "" if path is None else f"{shown}:{line}: " if line is not None else f"{shown}: "
        super().__init__(f"{where}{problem}")


class BadArgument(InputError):
    """A file or value named on the command line is invalid (a bad JSONL line, an
    unknown post): a usage error, so exit 2 like click's own."""

    exit_code = EXIT_USAGE


class StateError(LocalError):
    """The state database cannot be used (locked by another command, corrupt, other target)."""


# --- Reddit --------------------------------------------------------------------------------


class ApiError(WikibotError):
    """Reddit (or the sandbox) answered with an error; ``status`` is the HTTP status if any."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Unavailable(ApiError):
    """Transient: unreachable, 5xx, timeout, shutting down. Nothing changed; retry later."""


class WriteUncertain(ApiError):
    """A write got a 5xx, timed out or was cut off: it may or may not have been applied.

    Never retry blindly: look at Reddit first (the wiki page, the post's comments).
    """


class RateLimited(ApiError):
    """Reddit asked us to wait; ``wait_seconds`` says how long."""

    def __init__(self, message: str, *, wait_seconds: float, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.wait_seconds = wait_seconds


class Refused(ApiError):
    """Reddit said no (bad request, a refused comment); the same request will not succeed.

    ``code`` is Reddit's reason when it gave one (``THREAD_LOCKED``, ``PAGE_NOT_FOUND``, ...).
    """

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message, status=status)
        self.code = code


class NotFound(Refused):
    """The page, post or user does not exist."""


class Conflict(Refused):
    """A wiki edit was refused because the page changed since ``previous``.

    ``page`` names it; ``revision`` and ``content`` are the newer revision when Reddit sent it.
    """

    def __init__(
        self,
        message: str,
        *,
        page: str | None = None,
        revision: str | None = None,
        content: str | None = None,
        status: int | None = 409,
    ) -> None:
        super().__init__(message, status=status)
        self.page = page
        self.revision = revision
        self.content = content


class Forbidden(Refused):
    """The account may not do this (HTTP 403 or a bad login)."""


class AuthFailed(Forbidden):
    """The credentials were rejected; fix them before anything else can run."""


def shown_path(path: Path | str) -> str:
    """``path`` as errors show it: relative to the current directory when under it."""
    path = Path(path)
    if path.is_absolute():
        try:
            return str(path.relative_to(Path.cwd()))
        except (ValueError, OSError):  # outside the current directory, or it is gone
            return str(path)
    return str(path)
