"""The state file's one SQLite connection: WAL mode, one transaction per step, thread-safe.

Opening a file brings its schema up to date (``schema.migrate``). A damaged file (SQLite's
corrupt or not-a-database codes) surfaces as ``StateCorrupt``, one line, never a traceback.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.errors import EXIT_USAGE, StateError
from bot.state.schema import migrate


class StateCorrupt(StateError):
    """The state database file is damaged (SQLite reports a corrupt page or no database)."""

    exit_code = EXIT_USAGE

    def __init__(self, path: Path, problem: object) -> None:
        super().__init__(
            f"{path}: the state database is damaged ({problem}); stop wikibot and run "
            "'wikibot state restore', which keeps the damaged file and restores the newest "
            "good backup"
        )


_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26  # primary result codes (low byte)


def is_corruption(exc: sqlite3.DatabaseError) -> bool:
    """True when SQLite says the file is damaged, not busy or misused."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    return type(exc) is sqlite3.DatabaseError


class Database:
    """The connection the stores share: transactions, queries, an online copy."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(
                path, check_same_thread=False, isolation_level=None, timeout=10
            )
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            migrate(self._db)
        except sqlite3.DatabaseError as exc:
            if is_corruption(exc):
                raise StateCorrupt(path, exc) from None
            raise StateError(
                f"{path}: cannot open the state database: {exc}; restore it "
                "with 'wikibot state restore' or move it away to start fresh"
            ) from None
        self._lock = threading.RLock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic step: everything inside commits together or not at all."""
        with self._lock, self._damage_reported():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                with contextlib.suppress(sqlite3.DatabaseError):
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """The rows of one read (inside a transaction of this thread, it sees its writes)."""
        with self._lock, self._damage_reported():
            return self._db.execute(sql, params).fetchall()

    def rows_where_in(self, table: str, column: str, values: list[str]) -> list[sqlite3.Row]:
        """Rows of ``table`` whose ``column`` is one of ``values`` (names are ours, never
        input; values are bound parameters)."""
        wanted = [v for v in values if v]
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        return self.query(
            f"SELECT * FROM {table} WHERE {column} IN ({marks})",  # noqa: S608
            tuple(wanted),
        )

    def vacuum_into(self, path: Path) -> None:
        """Write a compact, consistent copy of the database to ``path`` (online backup)."""
        with self._lock, self._damage_reported():
            self._db.execute("VACUUM INTO ?", (str(path),))

    @contextmanager
    def _damage_reported(self) -> Iterator[None]:
        """A damaged file surfaces as ``StateCorrupt`` (one line), never a traceback."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            if is_corruption(exc):
                raise StateCorrupt(self.path, exc) from None
            raise
