"""The ``posts`` table: every post the reply watcher decided on, with its reply intent and
the comment id once confirmed. Written by the reply watcher and summons (``bot/replies/``)
and ``state restore``."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from enum import StrEnum

from bot.records import post_fullname
from bot.state.database import Database


class PostStatus(StrEnum):
    """What the reply watcher decided about a post."""

    IGNORED = "ignored"  # not a getting-started question
    SKIPPED = "skipped"  # a safety rule, or Reddit refused the reply
    HELD = "held"  # a getting-started post held back by a reply cap; reconsidered later
    INTENT = "intent"  # a reply is being sent; not confirmed yet
    REPLIED = "replied"  # the comment id is known


ANSWERED = (PostStatus.INTENT, PostStatus.REPLIED)  # count against the reply caps
DECIDED = (PostStatus.IGNORED, PostStatus.SKIPPED)  # pruned after a while


@dataclass(frozen=True)
class PostRow:
    """One post the reply watcher decided on."""

    post_id: str
    status: PostStatus
    reason: str | None
    audience: str | None
    score: float | None
    title: str
    author: str | None
    comment_id: str | None
    seen_at: float
    replied_at: float | None
    created_utc: float | None = None

    @property
    def fullname(self) -> str:
        return post_fullname(self.post_id)


class PostStore:
    """Each write is its own transaction."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def get(self, post_id: str) -> PostRow | None:
        rows = self._database.query("SELECT * FROM posts WHERE post_id = ?", (post_id,))
        return _post_row(rows[0]) if rows else None

    def known(self, post_ids: list[str]) -> dict[str, PostRow]:
        """The posts among ``post_ids`` decided before, by id."""
        rows = self._database.rows_where_in("posts", "post_id", post_ids)
        return {row["post_id"]: _post_row(row) for row in rows}

    def record(
        self,
        *,
        post_id: str,
        status: PostStatus,
        reason: str | None = None,
        audience: str | None = None,
        score: float | None = None,
        title: str | None = None,
        author: str | None = None,
        comment_id: str | None = None,
        created_utc: float | None = None,
        replied_at: float | None = None,
    ) -> None:
        """Insert or update a post's decision; one transaction.

        ``replied_at`` defaults to now for an answered post (a restore passes the time of
        the reply it found).
        """
        now = time.time()
        if status not in ANSWERED:
            replied_at = None
        elif replied_at is None:
            replied_at = now
        with self._database.transaction() as db:
            db.execute(
                "INSERT INTO posts (post_id, status, reason, audience, score, title, author, "
                "comment_id, seen_at, replied_at, created_utc) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(post_id) DO UPDATE SET status = excluded.status, "
                "reason = excluded.reason, audience = COALESCE(excluded.audience, audience), "
                "score = COALESCE(excluded.score, score), "
                "comment_id = COALESCE(excluded.comment_id, comment_id), "
                "replied_at = COALESCE(replied_at, excluded.replied_at), "
                "created_utc = COALESCE(created_utc, excluded.created_utc)",
                (
                    post_id,
                    status.value,
                    reason,
                    audience,
                    score,
                    (title or "")[:200],
                    author,
                    comment_id,
                    now,
                    replied_at,
                    created_utc,
                ),
            )

    def by_comment(self, comment_ids: list[str]) -> dict[str, PostRow]:
        """The posts the bot answered with these comments, by comment id."""
        rows = self._database.rows_where_in("posts", "comment_id", comment_ids)
        return {row["comment_id"]: _post_row(row) for row in rows}

    def prune(self, *, older_than: float) -> int:
        """Forget decided posts seen before ``older_than`` (replies are kept for history)."""
        with self._database.transaction() as db:
            cursor = db.execute(
                "DELETE FROM posts WHERE seen_at < ? AND status IN (?, ?)",
                (older_than, *DECIDED),
            )
            return cursor.rowcount

    def held(self) -> list[PostRow]:
        """Getting-started posts held back by a reply cap, newest first."""
        rows = self._database.query(
            "SELECT * FROM posts WHERE status = ? ORDER BY created_utc DESC, seen_at DESC",
            (PostStatus.HELD,),
        )
        return [_post_row(r) for r in rows]

    def pending_intents(self) -> list[PostRow]:
        """Posts whose reply was started but not confirmed (a crash or an unknown outcome)."""
        rows = self._database.query("SELECT * FROM posts WHERE status = ?", (PostStatus.INTENT,))
        return [_post_row(r) for r in rows]

    def replies_since(self, since: float) -> list[PostRow]:
        """Answered posts (intent or replied) since ``since``, newest first."""
        rows = self._database.query(
            "SELECT * FROM posts WHERE status IN (?, ?) AND replied_at >= ? "
            "ORDER BY replied_at DESC",
            (*ANSWERED, since),
        )
        return [_post_row(r) for r in rows]

    def replies_count_since(self, since: float) -> int:
        rows = self._database.query(
            "SELECT COUNT(*) FROM posts WHERE status IN (?, ?) AND replied_at >= ?",
            (*ANSWERED, since),
        )
        return int(rows[0][0])


def _post_row(row: sqlite3.Row) -> PostRow:
    values = dict(row)
    return PostRow(
        **{**values, "status": PostStatus(values["status"]), "title": row["title"] or ""}
    )
