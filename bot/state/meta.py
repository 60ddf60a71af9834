"""The ``meta`` table: the state's named values (cursors, markers, the target), key -> text."""

from __future__ import annotations

import sqlite3

from bot.state.database import Database


class MetaStore:
    """Named values; ``set`` joins the caller's transaction when given ``db``."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def get(self, key: str) -> str | None:
        rows = self._database.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def set(self, key: str, value: str | None, *, db: sqlite3.Connection | None = None) -> None:
        """Store ``value`` under ``key`` (None deletes it)."""
        if db is None:
            with self._database.transaction() as tx:
                self.set(key, value, db=tx)
            return
        if value is None:
            db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
