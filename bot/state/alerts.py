"""The ``alerts`` table: drift and conflict messages already sent to the moderators, one per
wiki revision. Written by the wiki sync's alerts (``bot/wiki/alerts.py``)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.state.database import Database


@dataclass(frozen=True)
class AlertRow:
    """A drift/conflict message sent to the moderators for one wiki revision."""

    page: str
    revision: str
    kind: str
    author: str | None
    sent_at: float


class AlertStore:
    """Alerts sent, so each revision is alerted once."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def record(self, *, page: str, revision: str, kind: str, author: str | None) -> bool:
        """Record an alert; False when one was already recorded for this revision."""
        with self._database.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO alerts (page, revision, kind, author, sent_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (page, revision, kind, author, time.time()),
            )
            return cursor.rowcount == 1

    def forget(self, *, page: str, revision: str) -> None:
        """The alert was not sent after all: the next sync tries again."""
        with self._database.transaction() as db:
            db.execute("DELETE FROM alerts WHERE page = ? AND revision = ?", (page, revision))

    def all(self) -> list[AlertRow]:
        """Every alert, newest first."""
        rows = self._database.query("SELECT * FROM alerts ORDER BY sent_at DESC")
        return [AlertRow(**dict(r)) for r in rows]
