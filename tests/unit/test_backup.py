"""Daily state backups: VACUUM INTO a checked copy, the newest seven kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot import backup
from bot.state import State

DAY = 86400.0


def test_daily_backups_are_sound_copies_and_the_newest_seven_are_kept(tmp_path: Path) -> None:
    state = State(tmp_path / "state-sandbox.db")
    try:
        state.meta.set("wiki_cursor", "rev-1")
        start = 1_800_000_000.0
        made = [backup.backup_if_due(state, now=start + i * DAY) for i in range(9)]
        assert all(made)
        assert backup.backup_if_due(state, now=start + 8.5 * DAY) is None  # not due yet
    finally:
        state.close()
    kept = backup.backups(state.path)
    assert [b.path for b in kept] == list(reversed(made))[:7]
    assert kept[0].path.parent == tmp_path / "backups"
    assert kept[0].taken_at == start + 8 * DAY
    for copy in kept:
        assert backup.integrity_problems(copy.path) == []
        with sqlite3.connect(copy.path) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'wiki_cursor'").fetchone()
        assert row == ("rev-1",)
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    assert backup.integrity_problems(broken) != []
