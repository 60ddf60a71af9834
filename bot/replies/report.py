"""What a reply pass saw and did: ``ScanReport`` (``replies scan`` prints it) and its entries."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ReplyEntry:
    """A post answered (or, in a dry run, that would be): ``comment`` once posted."""

    post: str
    audience: str  # the routing token: "engineers", "engineers?" or "engineers/researchers"
    title: str
    comment: str | None = None


@dataclass
class ScanReport:
    """What one pass saw and did."""

    fetched: int = 0
    replied: list[ReplyEntry] = field(default_factory=list)
    would_reply: list[ReplyEntry] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)  # by cap: answered later, if in time
    summoned: list[ReplyEntry] = field(default_factory=list)  # replies asked for by !guide
    unsummoned: list[str] = field(default_factory=list)  # replies removed by !noguide
    # !noguide deletes whose answer was lost: the next feedback check confirms them
    unsummoned_unconfirmed: list[str] = field(default_factory=list)
    reported: list[str] = field(default_factory=list)  # uncertain posts sent to moderators
    dry_run: bool = False  # nothing was posted, reported or deleted

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (``replies scan --json``)."""
        return asdict(self)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def summary(self) -> str:
        parts = [f"{self.fetched} new post(s)", f"{len(self.replied)} replied"]
        if self.would_reply:
            parts.append(f"{len(self.would_reply)} would reply (dry run)")
        if self.recovered:
            parts.append(f"{len(self.recovered)} recovered")
        if self.summoned or self.unsummoned or self.unsummoned_unconfirmed:
            noguide = len(self.unsummoned) + len(self.unsummoned_unconfirmed)
            parts.append(f"{len(self.summoned)} summoned, {noguide} !noguide")
        if self.reported:
            sent = "would send" if self.dry_run else "sent"
            parts.append(f"{len(self.reported)} {sent} to the moderators for review")
        parts.extend(f"{n} {reason}" for reason, n in sorted(self.skipped.items()))
        parts.extend(f"{n} held ({reason})" for reason, n in sorted(self.held.items()))
        return ", ".join(parts)
