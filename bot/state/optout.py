"""The ``optout`` table: users who asked the bot never to answer them (lower-cased). Written
by the feedback check (an asker's "stop"), ``wikibot replies optout`` and ``state restore``."""

from __future__ import annotations

import time

from bot.state.database import Database


class OptOutStore:
    """The opted-out users."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def add(self, user: str, *, added_at: float | None = None) -> bool:
        """Opt ``user`` out; False when they already were."""
        with self._database.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO optout (user, added_at) VALUES (?, ?)",
                (user.lower(), time.time() if added_at is None else added_at),
            )
            return cursor.rowcount == 1

    def users(self) -> set[str]:
        return {row["user"] for row in self._database.query("SELECT user FROM optout")}
