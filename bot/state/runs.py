"""The ``runs`` table: the daemon's job runs (start, end, outcome, error), the newest
``RUNS_KEPT``. Written by the scheduler (``bot/scheduler.py``); read by ``status``."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from bot.state.database import Database

RUNS_KEPT = 1000


@dataclass(frozen=True)
class RunRow:
    """One run of a daemon job; ``ok`` is None while it runs."""

    id: int
    job: str
    started_at: float
    finished_at: float | None
    ok: bool | None
    summary: str | None
    error: str | None


class RunStore:
    """Job history: each run recorded as it starts and as it ends."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def start(self, job: str) -> int:
        """Record a run of ``job`` starting now; returns its id."""
        with self._database.transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (job, started_at) VALUES (?, ?)", (job, time.time())
            )
            db.execute("DELETE FROM runs WHERE id <= ?", (int(cursor.lastrowid or 0) - RUNS_KEPT,))
            return int(cursor.lastrowid or 0)

    def finish(self, run_id: int, *, ok: bool, summary: str = "", error: str = "") -> None:
        with self._database.transaction() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, ok = ?, summary = ?, error = ? WHERE id = ?",
                (time.time(), int(ok), summary, error or None, run_id),
            )

    def recent(self, limit: int = 20) -> list[RunRow]:
        """The newest runs, newest first."""
        rows = self._database.query("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))
        return [_run_row(r) for r in rows]

    def errors(self, limit: int = 5) -> list[RunRow]:
        """The newest failed runs, newest first."""
        rows = self._database.query(
            "SELECT * FROM runs WHERE ok = 0 ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [_run_row(r) for r in rows]


def _run_row(row: sqlite3.Row) -> RunRow:
    values = dict(row)
    return RunRow(**{**values, "ok": None if row["ok"] is None else bool(row["ok"])})
