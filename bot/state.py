"""The bot's memory: a SQLite database in WAL mode, one transaction per step.

Tables: ``pages`` (per wiki page: last synced revision, content and hash; the newest
revision seen on the wiki; applied settings), ``meta`` (cursors), ``posts`` (every post
the reply watcher decided on, with reply intents and comment ids), ``optout``, ``alerts``
(drift/conflict messages already sent) and ``runs`` (job history and errors).
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from bot.errors import EXIT_USAGE, StateError
from bot.models import Target, post_fullname

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pages (
    name TEXT PRIMARY KEY,
    synced_revision TEXT,
    synced_hash TEXT,
    synced_content TEXT,
    synced_at REAL,
    seen_revision TEXT,
    seen_author TEXT,
    listed INTEGER,
    permlevel INTEGER
);
CREATE TABLE IF NOT EXISTS posts (
    post_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,          -- a PostStatus: ignored | skipped | held | intent | replied
    reason TEXT,
    audience TEXT,
    score REAL,
    title TEXT,
    author TEXT,
    comment_id TEXT,
    seen_at REAL NOT NULL,
    replied_at REAL,
    created_utc REAL               -- when the post was made (for held posts' age and order)
);
CREATE INDEX IF NOT EXISTS posts_replied_at ON posts (replied_at);
CREATE INDEX IF NOT EXISTS posts_seen_at ON posts (seen_at);
CREATE TABLE IF NOT EXISTS optout (user TEXT PRIMARY KEY, added_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (
    page TEXT NOT NULL,
    revision TEXT NOT NULL,
    kind TEXT NOT NULL,
    author TEXT,
    sent_at REAL NOT NULL,
    PRIMARY KEY (page, revision)
);
CREATE TABLE IF NOT EXISTS labels (  -- wikibot 0.1's labels, read once by bot/labels.py
    key TEXT PRIMARY KEY,          -- the post's fullname, t3_...
    intent TEXT NOT NULL,          -- getting_started | other
    audience TEXT NOT NULL,        -- a guide, or none
    labelled_by TEXT NOT NULL,     -- moderator:<name> | feedback:<why>
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    item TEXT PRIMARY KEY,         -- a comment fullname already acted on
    post_id TEXT,
    action TEXT NOT NULL,          -- deleted | labelled | opted_out | summoned | seen ...
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    ok INTEGER,
    summary TEXT,
    error TEXT
);
"""
RUNS_KEPT = 1000
_TARGET_KEYS = ("target_api_url", "target_subreddit", "target_account")


class TargetMismatch(StateError):
    """The state database was made for another Reddit, subreddit or account."""

    exit_code = EXIT_USAGE


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


def content_hash(text: str) -> str:
    """Stable hash of page content."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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


@dataclass(frozen=True)
class AlertRow:
    """A drift/conflict message sent to the moderators for one wiki revision."""

    page: str
    revision: str
    kind: str
    author: str | None
    sent_at: float


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


class State:
    """Thread-safe access to the state database."""

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
            self._db.executescript(SCHEMA)
            _add_missing_columns(self._db)
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

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock, self._damage_reported():
            return self._db.execute(sql, params).fetchall()

    @contextmanager
    def _damage_reported(self) -> Iterator[None]:
        """A damaged file surfaces as ``StateCorrupt`` (one line), never a traceback."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            if is_corruption(exc):
                raise StateCorrupt(self.path, exc) from None
            raise

    def vacuum_into(self, path: Path) -> None:
        """Write a compact, consistent copy of the database to ``path`` (online backup)."""
        with self._lock, self._damage_reported():
            self._db.execute("VACUUM INTO ?", (str(path),))

    # --- meta ------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def set_meta(
        self, key: str, value: str | None, *, db: sqlite3.Connection | None = None
    ) -> None:
        if db is None:
            with self.transaction() as tx:
                self.set_meta(key, value, db=tx)
            return
        if value is None:
            db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # --- target ----------------------------------------------------------------------------

    def target(self) -> Target | None:
        """The Reddit this state belongs to, or None when none is recorded yet."""
        api_url, subreddit, account = (self.get_meta(key) for key in _TARGET_KEYS)
        if api_url is None or subreddit is None:
            return None
        return Target(api_url=api_url, subreddit=subreddit, account=account or None)

    def claim_target(self, target: Target, *, aliases: tuple[Target, ...] = ()) -> None:
        """Record ``target`` on first use; refuse a state made for another one.

        A state recorded under one of ``aliases`` (an older name of the same target) is
        re-recorded under ``target``.
        """
        with self.transaction() as db:
            recorded = self.target()
            if recorded is None or (recorded != target and recorded in aliases):
                values = (target.api_url, target.subreddit, target.account or "")
                for key, value in zip(_TARGET_KEYS, values, strict=True):
                    self.set_meta(key, value, db=db)
                return
        if recorded != target:
            raise TargetMismatch(
                f"{self.path}: this state belongs to {recorded}, but the configuration "
                f"targets {target}; leave state_db unset (the default is one file per "
                "target) or point it at another file"
            )

    # --- pages -----------------------------------------------------------------------------

    def pages(self) -> dict[str, PageRecord]:
        rows = self._query("SELECT * FROM pages ORDER BY name")
        return {row["name"]: _page_record(row) for row in rows}

    def page_heads(self) -> dict[str, PageRecord]:
        """Every page without its synced text (``synced_content`` None): cheap at any size."""
        rows = self._query(
            "SELECT name, synced_revision, synced_hash, NULL AS synced_content, synced_at, "
            "seen_revision, seen_author, listed, permlevel FROM pages ORDER BY name"
        )
        return {row["name"]: _page_record(row) for row in rows}

    def synced_content(self, name: str) -> str | None:
        rows = self._query("SELECT synced_content FROM pages WHERE name = ?", (name,))
        return rows[0]["synced_content"] if rows else None

    def page(self, name: str) -> PageRecord | None:
        rows = self._query("SELECT * FROM pages WHERE name = ?", (name,))
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
        for name in set(self.pages()) - names:
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

    # --- alerts ----------------------------------------------------------------------------

    def record_alert(self, *, page: str, revision: str, kind: str, author: str | None) -> bool:
        """Record an alert; False when one was already recorded for this revision."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO alerts (page, revision, kind, author, sent_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (page, revision, kind, author, time.time()),
            )
            return cursor.rowcount == 1

    def forget_alert(self, *, page: str, revision: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM alerts WHERE page = ? AND revision = ?", (page, revision))

    def alerts(self) -> list[AlertRow]:
        return [
            AlertRow(**dict(r)) for r in self._query("SELECT * FROM alerts ORDER BY sent_at DESC")
        ]

    # --- posts -----------------------------------------------------------------------------

    def post(self, post_id: str) -> PostRow | None:
        rows = self._query("SELECT * FROM posts WHERE post_id = ?", (post_id,))
        return _post_row(rows[0]) if rows else None

    def _rows_where_in(self, table: str, column: str, values: list[str]) -> list[sqlite3.Row]:
        """Rows of ``table`` whose ``column`` is one of ``values`` (names are ours, never
        input; values are bound parameters)."""
        wanted = [v for v in values if v]
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        return self._query(
            f"SELECT * FROM {table} WHERE {column} IN ({marks})",  # noqa: S608
            tuple(wanted),
        )

    def known_posts(self, post_ids: list[str]) -> dict[str, PostRow]:
        rows = self._rows_where_in("posts", "post_id", post_ids)
        return {row["post_id"]: _post_row(row) for row in rows}

    def record_post(
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
        with self.transaction() as db:
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

    def posts_by_comment(self, comment_ids: list[str]) -> dict[str, PostRow]:
        """The posts the bot answered with these comments, by comment id."""
        rows = self._rows_where_in("posts", "comment_id", comment_ids)
        return {row["comment_id"]: _post_row(row) for row in rows}

    def prune_posts(self, *, older_than: float) -> int:
        """Forget decided posts seen before ``older_than`` (replies are kept for history)."""
        with self.transaction() as db:
            cursor = db.execute(
                "DELETE FROM posts WHERE seen_at < ? AND status IN (?, ?)",
                (older_than, *DECIDED),
            )
            return cursor.rowcount

    def held_posts(self) -> list[PostRow]:
        """Getting-started posts held back by a reply cap, newest first."""
        rows = self._query(
            "SELECT * FROM posts WHERE status = ? ORDER BY created_utc DESC, seen_at DESC",
            (PostStatus.HELD,),
        )
        return [_post_row(r) for r in rows]

    def pending_intents(self) -> list[PostRow]:
        """Posts whose reply was started but not confirmed (a crash or an unknown outcome)."""
        rows = self._query("SELECT * FROM posts WHERE status = ?", (PostStatus.INTENT,))
        return [_post_row(r) for r in rows]

    def replies_since(self, since: float) -> list[PostRow]:
        rows = self._query(
            "SELECT * FROM posts WHERE status IN (?, ?) AND replied_at >= ? "
            "ORDER BY replied_at DESC",
            (*ANSWERED, since),
        )
        return [_post_row(r) for r in rows]

    def replies_count_since(self, since: float) -> int:
        rows = self._query(
            "SELECT COUNT(*) FROM posts WHERE status IN (?, ?) AND replied_at >= ?",
            (*ANSWERED, since),
        )
        return int(rows[0][0])

    # --- opt-out -----------------------------------------------------------------------------

    def add_optout(self, user: str, *, added_at: float | None = None) -> bool:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO optout (user, added_at) VALUES (?, ?)",
                (user.lower(), time.time() if added_at is None else added_at),
            )
            return cursor.rowcount == 1

    def optouts(self) -> set[str]:
        return {row["user"] for row in self._query("SELECT user FROM optout")}

    # --- runs --------------------------------------------------------------------------------

    def start_run(self, job: str) -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (job, started_at) VALUES (?, ?)", (job, time.time())
            )
            db.execute("DELETE FROM runs WHERE id <= ?", (int(cursor.lastrowid or 0) - RUNS_KEPT,))
            return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, *, ok: bool, summary: str = "", error: str = "") -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, ok = ?, summary = ?, error = ? WHERE id = ?",
                (time.time(), int(ok), summary, error or None, run_id),
            )

    def recent_runs(self, limit: int = 20) -> list[RunRow]:
        rows = self._query("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))
        return [_run_row(r) for r in rows]

    def recent_errors(self, limit: int = 5) -> list[RunRow]:
        rows = self._query("SELECT * FROM runs WHERE ok = 0 ORDER BY id DESC LIMIT ?", (limit,))
        return [_run_row(r) for r in rows]


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Columns added since a table was first created (``CREATE TABLE IF NOT EXISTS`` keeps
    an older table as it was)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(posts)")}
    if "created_utc" not in columns:
        db.execute("ALTER TABLE posts ADD COLUMN created_utc REAL")


def _post_row(row: sqlite3.Row) -> PostRow:
    values = dict(row)
    return PostRow(
        **{**values, "status": PostStatus(values["status"]), "title": row["title"] or ""}
    )


def _run_row(row: sqlite3.Row) -> RunRow:
    values = dict(row)
    return RunRow(**{**values, "ok": None if row["ok"] is None else bool(row["ok"])})


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
