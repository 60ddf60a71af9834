"""What a push or pull did, page by page: the results the CLI and the daemon report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Result(StrEnum):
    """What happened to one page in a push or pull."""

    CREATED = "created"
    UPDATED = "updated"
    WOULD_CREATE = "would-create"
    WOULD_UPDATE = "would-update"
    SETTINGS = "settings"
    WOULD_SETTINGS = "would-settings"
    SKIPPED = "skipped"
    ADOPTED = "adopted"
    PULLED = "pulled"
    DRIFT = "drift"
    CONFLICT = "conflict"
    ERROR = "error"


WRITTEN = (Result.CREATED, Result.UPDATED)
NEEDS_HUMAN = (Result.DRIFT, Result.CONFLICT)


@dataclass
class Outcome:
    """What happened to one page; ``edit_refused``: Reddit refused our edit (HTTP 409)."""

    page: str
    result: Result
    message: str = ""
    edit_refused: bool = False


@dataclass
class SyncReport:
    """Result of a push or pull; ``on_outcome`` sees each outcome as it happens."""

    outcomes: list[Outcome] = field(default_factory=list)
    on_outcome: Callable[[Outcome], None] | None = None

    def add(
        self, page: str, result: Result, message: str = "", *, edit_refused: bool = False
    ) -> None:
        outcome = Outcome(page, result, message, edit_refused)
        self.outcomes.append(outcome)
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    def revise(self, page: str, result: Result, message: str) -> None:
        """Correct the outcome already reported for ``page`` (a push learns more later)."""
        self.outcomes = [o for o in self.outcomes if o.page != page]
        self.add(page, result, message)

    def count(self, *results: Result) -> int:
        return sum(1 for o in self.outcomes if o.result in results)

    @property
    def ok(self) -> bool:
        return self.count(Result.ERROR, Result.CONFLICT) == 0
