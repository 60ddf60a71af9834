"""Daily online backups of the state database, and SQLite's integrity check.

The daemon copies the state with ``VACUUM INTO`` (consistent while the bot runs) into
``backups/`` beside the state file, at most once a day, and keeps the newest ``KEEP``.
A copy that fails the integrity check is discarded, so a damaged state never pushes a good
backup out. ``wikibot state check`` and ``wikibot state restore`` use the same check.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.state import State

log = logging.getLogger(__name__)
KEEP = 7
EVERY = 86400.0  # seconds between backups
MAX_PROBLEMS = 20  # integrity check lines kept


@dataclass(frozen=True)
class Backup:
    """One backup file and when it was taken (from its name, UTC)."""

    path: Path
    taken_at: float


def backup_dir(state_db: Path) -> Path:
    """``backups/`` beside the state database."""
    return state_db.parent / "backups"


def _pattern(state_db: Path) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(state_db.stem)}-(\d{{8}}T\d{{6}}Z)\.db$")


def backups(state_db: Path) -> list[Backup]:
    """This state's backups, newest first."""
    folder = backup_dir(state_db)
    if not folder.is_dir():
        return []
    pattern = _pattern(state_db)
    found = []
    for path in folder.iterdir():
        if match := pattern.match(path.name):
            taken = datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            found.append(Backup(path, taken.timestamp()))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def integrity_problems(path: Path) -> list[str]:
    """SQLite's ``PRAGMA integrity_check`` of ``path`` (read-only): [] when it is sound."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return [str(exc)]
    try:
        rows = db.execute("PRAGMA integrity_check").fetchmany(MAX_PROBLEMS)
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        db.close()
    problems = [line for row in rows for line in str(row[0]).splitlines() if line.strip()]
    if problems == ["ok"]:
        return []
    return [p for p in problems if not p.startswith("*** in database")][:MAX_PROBLEMS]


def backup_if_due(state: State, *, now: float | None = None) -> Path | None:
    """Back the state up when the newest backup is a day old (or there is none)."""
    now = time.time() if now is None else now
    existing = backups(state.path)
    if existing and now - existing[0].taken_at < EVERY:
        return None
    return make_backup(state, now=now)


def make_backup(state: State, *, now: float | None = None) -> Path | None:
    """Copy the state into ``backups/``, check the copy, keep the newest ``KEEP``.

    Returns the new file, or None when the copy failed its integrity check (discarded;
    the older backups stay).
    """
    now = time.time() if now is None else now
    folder = backup_dir(state.path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%dT%H%M%SZ")
    target = folder / f"{state.path.stem}-{stamp}.db"
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    state.db.vacuum_into(partial)
    if problems := integrity_problems(partial):
        partial.unlink(missing_ok=True)
        log.error("state backup: the copy fails the integrity check (%s); kept none", problems[0])
        return None
    partial.replace(target)
    for old in backups(state.path)[KEEP:]:
        old.path.unlink(missing_ok=True)
    log.info("state backed up to %s (the newest %d are kept)", target, KEEP)
    return target
