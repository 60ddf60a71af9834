"""The state database's tables and the migrations that bring an older file up to date.

Every table is created here, once, when a state file is opened (``CREATE TABLE IF NOT
EXISTS`` keeps an existing table as it is); the stores only read and write rows. An older
file is brought up to date by ``migrate``: columns added since a table was first made, and
wikibot 0.1's one-label-per-post table copied into label events once.
"""

from __future__ import annotations

import sqlite3

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
CREATE TABLE IF NOT EXISTS labels (  -- wikibot 0.1's labels, copied once by migrate()
    key TEXT PRIMARY KEY,          -- the post's fullname, t3_...
    intent TEXT NOT NULL,          -- getting_started | other
    audience TEXT NOT NULL,        -- a guide, or none
    labelled_by TEXT NOT NULL,     -- moderator:<name> | feedback:<why>
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS label_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,             -- the post's fullname, t3_...
    intent TEXT NOT NULL,          -- getting_started | other
    audience TEXT NOT NULL,        -- a guide, or none
    source TEXT NOT NULL,          -- a key of PRECEDENCE
    who TEXT NOT NULL,             -- the moderator, helper or author ('' when unknown)
    at REAL NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS label_events_key ON label_events (key);
CREATE TABLE IF NOT EXISTS feedback (
    item TEXT PRIMARY KEY,         -- a comment fullname already acted on
    post_id TEXT,
    action TEXT NOT NULL,          -- deleted | labelled | opted_out | summoned | seen ...
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS writes (
    kind TEXT NOT NULL,            -- a WriteKind
    key TEXT NOT NULL,             -- what is written to: a comment or post id
    post_id TEXT,
    payload TEXT NOT NULL,         -- JSON: what to record once the write is confirmed
    status TEXT NOT NULL,          -- a WriteStatus
    created_at REAL NOT NULL,
    done_at REAL,
    PRIMARY KEY (kind, key)
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
LABELS_MIGRATED_KEY = "label_events_migrated"  # in meta: wikibot 0.1's labels were copied
# wikibot 0.1 kept one label per post in `labels`, its source in `labelled_by`
_OLD_SOURCES = {
    "moderator": "moderator",
    "feedback:removed": "removal",
    "feedback:downvoted": "votes",
    "feedback:author-said-wrong": "author",
}


def migrate(db: sqlite3.Connection) -> None:
    """Create the missing tables and bring older ones up to date (``db`` in autocommit)."""
    db.executescript(SCHEMA)
    _add_missing_columns(db)
    if _labels_migrated(db):
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        if not _labels_migrated(db):  # another process may have copied them meanwhile
            _copy_old_labels(db)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Columns added since a table was first created (``CREATE TABLE IF NOT EXISTS`` keeps
    an older table as it was)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(posts)")}
    if "created_utc" not in columns:
        db.execute("ALTER TABLE posts ADD COLUMN created_utc REAL")


def _labels_migrated(db: sqlite3.Connection) -> bool:
    return (
        db.execute("SELECT 1 FROM meta WHERE key = ?", (LABELS_MIGRATED_KEY,)).fetchone()
        is not None
    )


def _copy_old_labels(db: sqlite3.Connection) -> None:
    """Copy the old one-label-per-post table into label events, once."""
    for row in db.execute("SELECT * FROM labels ORDER BY created_at").fetchall():
        source = _OLD_SOURCES.get(row["labelled_by"], "author")
        db.execute(
            "INSERT INTO label_events (key, intent, audience, source, who, at, title, body) "
            "VALUES (?, ?, ?, ?, '', ?, ?, ?)",
            (
                row["key"],
                row["intent"],
                row["audience"],
                source,
                row["created_at"],
                row["title"],
                row["body"],
            ),
        )
    db.execute("INSERT INTO meta (key, value) VALUES (?, '1')", (LABELS_MIGRATED_KEY,))
