"""Writes that must happen once and cannot be repeated blindly: record intent, act, confirm.

Reddit can apply a write and still answer 5xx or nothing at all. A caller records its
intent here before the write and confirms it after; an intent left open (a lost answer, a
crash) is confirmed later by reading Reddit back, never by writing again blindly. The
replies themselves keep their intents in the ``posts`` table; this journal holds the
moderator loop's writes: deletes of the bot's replies, reports to the mod queue, and posts
queued for the daily modmail digest.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.state import PostRow, State


class WriteKind(StrEnum):
    """The moderator loop's writes."""

    DELETE = "delete"  # one of the bot's replies (author's "wrong", votes, !noguide)
    REPORT = "report"  # a post into the mod queue
    DIGEST = "digest"  # a post for the daily modmail digest


class WriteStatus(StrEnum):
    INTENT = "intent"  # about to be sent, or sent with the outcome unknown
    QUEUED = "queued"  # waiting for the digest
    DONE = "done"  # confirmed (or, for a digest, sent)


@dataclass(frozen=True)
class WriteRow:
    """One write and its state."""

    kind: WriteKind
    key: str
    post_id: str | None
    payload: dict[str, Any]
    status: WriteStatus
    created_at: float
    done_at: float | None


class WriteJournal:
    """The ``writes`` table of the state database (created by ``bot/state/``)."""

    def __init__(self, state: State) -> None:
        self._database = state.db

    def begin(
        self,
        kind: WriteKind,
        key: str,
        *,
        post_id: str | None,
        payload: dict[str, Any],
        status: WriteStatus = WriteStatus.INTENT,
    ) -> bool:
        """Record the intent to write; False when this write was recorded before."""
        with self._database.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO writes (kind, key, post_id, payload, status, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (kind, key, post_id, json.dumps(payload), status, time.time()),
            )
            return cursor.rowcount == 1

    def get(self, kind: WriteKind, key: str) -> WriteRow | None:
        rows = self._database.query(
            "SELECT * FROM writes WHERE kind = ? AND key = ?", (kind.value, key)
        )
        return _row(rows[0]) if rows else None

    def with_status(self, kind: WriteKind, status: WriteStatus) -> list[WriteRow]:
        """Writes of one kind in one state, oldest first."""
        rows = self._database.query(
            "SELECT * FROM writes WHERE kind = ? AND status = ? ORDER BY created_at",
            (kind.value, status.value),
        )
        return [_row(row) for row in rows]

    def finish(self, kind: WriteKind, keys: list[str]) -> None:
        """These writes are confirmed (or sent)."""
        with self._database.transaction() as db:
            db.executemany(
                "UPDATE writes SET status = ?, done_at = ? WHERE kind = ? AND key = ?",
                [(WriteStatus.DONE.value, time.time(), kind.value, key) for key in keys],
            )

    def statuses(self, kind: WriteKind, keys: list[str]) -> dict[str, WriteStatus]:
        """The status of the writes of ``kind`` recorded for these keys."""
        rows = self._database.rows_where_in("writes", "key", keys)
        return {r["key"]: WriteStatus(r["status"]) for r in rows if r["kind"] == kind.value}

    def count(
        self,
        kinds: tuple[WriteKind, ...],
        *,
        status: WriteStatus | None = None,
        since: float = 0.0,
    ) -> int:
        """Writes of these kinds recorded since ``since`` (in one state, if given)."""
        marks = ",".join("?" * len(kinds))
        sql = f"SELECT COUNT(*) FROM writes WHERE kind IN ({marks}) AND created_at >= ?"  # noqa: S608
        params: list[Any] = [*(k.value for k in kinds), since]
        if status is not None:
            sql += " AND status = ?"
            params.append(status.value)
        return int(self._database.query(sql, tuple(params))[0][0])


def _row(row: sqlite3.Row) -> WriteRow:
    return WriteRow(
        kind=WriteKind(row["kind"]),
        key=row["key"],
        post_id=row["post_id"],
        payload=json.loads(row["payload"]),
        status=WriteStatus(row["status"]),
        created_at=row["created_at"],
        done_at=row["done_at"],
    )


def reply_statuses(state: State, rows: list[PostRow]) -> dict[str, str]:
    """What became of the bot's replies (by post id): ``deleted`` afterwards (the asker's
    "wrong", ``!noguide``, votes), ``deleting`` (the delete's answer was lost: the next
    feedback check confirms it), else the post's own status."""
    deletes = WriteJournal(state).statuses(
        WriteKind.DELETE, [row.comment_id for row in rows if row.comment_id]
    )
    shown = {WriteStatus.DONE: "deleted", WriteStatus.INTENT: "deleting"}
    result: dict[str, str] = {}
    for row in rows:
        delete = deletes.get(row.comment_id) if row.comment_id else None
        result[row.post_id] = shown[delete] if delete is not None else str(row.status)
    return result
