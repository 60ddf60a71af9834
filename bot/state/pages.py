"""The ``pages`` table: per wiki page, the last synced revision, its text and hash, the
newest revision seen on the wiki and the settings last applied. Written by the wiki sync
(``bot/wiki/``) and ``state restore``."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from dataclasses import dataclass

from bot.state.database import Database


def content_hash(text: str) -> str:
    """Stable hash of page content."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PageRecord:
    """What the state knows of one wiki page."""

    name: str
    synced_revision: str | None
    synced_hash: str | None
    synced_content: str | None
    synced_at: float | None
    seen_revision: str | None
    seen_author: str | None
    listed: bool | None
    permlevel: int | None


class PageStore:
    """Reads any time; writes join the caller's transaction (``db``)."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def all(self) -> dict[str, PageRecord]:
        rows = self._database.query("SELECT * FROM pages ORDER BY name")
        return {row["name"]: _page_record(row) for row in rows}

    def heads(self) -> dict[str, PageRecord]:
        """Every page without its synced text (``synced_content`` None): cheap at any size."""
        rows = self._database.query(
            "SELECT name, synced_revision, synced_hash, NULL AS synced_content, synced_at, "
            "seen_revision, seen_author, listed, permlevel FROM pages ORDER BY name"
        )
        return {row["name"]: _page_record(row) for row in rows}

    def synced_content(self, name: str) -> str | None:
        rows = self._database.query("SELECT synced_content FROM pages WHERE name = ?", (name,))
        return rows[0]["synced_content"] if rows else None

    def get(self, name: str) -> PageRecord | None:
        rows = self._database.query("SELECT * FROM pages WHERE name = ?", (name,))
        return _page_record(rows[0]) if rows else None

    def record_seen(
        self, db: sqlite3.Connection, name: str, *, revision: str, author: str | None
    ) -> None:
        db.execute(
            "INSERT INTO pages (name, seen_revision, seen_author) VALUES (?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET seen_revision = excluded.seen_revision, "
            "seen_author = excluded.seen_author",
            (name, revision, author),
        )

    def record_existing(self, db: sqlite3.Connection, names: set[str]) -> None:
        """The wiki holds exactly ``names``: others are gone, new ones exist unread.

        A seen revision of ``""`` means "exists, revision not read yet".
        """
        for name in names:
            db.execute(
                "INSERT INTO pages (name, seen_revision) VALUES (?, '') "
                "ON CONFLICT(name) DO UPDATE SET seen_revision = COALESCE(seen_revision, '')",
                (name,),
            )
        for name in set(self.all()) - names:
            db.execute("UPDATE pages SET seen_revision = NULL WHERE name = ?", (name,))

    def record_synced(
        self, db: sqlite3.Connection, name: str, *, revision: str, content: str, author: str | None
    ) -> None:
        """The wiki's ``revision`` of ``name`` holds exactly ``content``, equal to local."""
        db.execute(
            "INSERT INTO pages (name, synced_revision, synced_hash, synced_content, synced_at, "
            "seen_revision, seen_author) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET synced_revision = excluded.synced_revision, "
            "synced_hash = excluded.synced_hash, synced_content = excluded.synced_content, "
            "synced_at = excluded.synced_at, seen_revision = excluded.seen_revision, "
            "seen_author = excluded.seen_author",
            (name, revision, content_hash(content), content, time.time(), revision, author),
        )

    def record_settings(
        self, db: sqlite3.Connection, name: str, *, listed: bool, permlevel: int
    ) -> None:
        db.execute(
            "UPDATE pages SET listed = ?, permlevel = ? WHERE name = ?",
            (int(listed), permlevel, name),
        )


def _page_record(row: sqlite3.Row) -> PageRecord:
    return PageRecord(
        name=row["name"],
        synced_revision=row["synced_revision"],
        synced_hash=row["synced_hash"],
        synced_content=row["synced_content"],
        synced_at=row["synced_at"],
        seen_revision=row["seen_revision"],
        seen_author=row["seen_author"],
        listed=None if row["listed"] is None else bool(row["listed"]),
        permlevel=row["permlevel"],
    )
